import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

export const documentKinds = ['dpa', 'dpia', 'ropa', 'sub-processors', 'policy-snippet', 'staff-notice'] as const;
export type DocumentKind = (typeof documentKinds)[number];
export const transferTools = ['adequacy_decision', 'sccs_tia', 'none'] as const;
export type TransferTool = (typeof transferTools)[number];

const dpiaSchema = z.object({
  state: z.enum(['not_approved', 'approved', 'needs_review']),
  approvedAt: z.nullable(z.string()),
  approvedBy: z.nullable(z.string()),
  approvedConfig: z.nullable(z.string()),
  reviewReasons: z.array(z.string()),
  /** The reasons in words (the codes above are for programs). */
  reviewReasonTexts: z.array(z.string()),
  /** The configuration approved, in words. */
  approvedConfigText: z.nullable(z.string()),
});
export type DpiaState = z.infer<typeof dpiaSchema>;

const listSchema = z.object({
  documents: z.array(z.object({ kind: z.enum(documentKinds), title: z.string(), locales: z.array(z.enum(['en', 'de'])) })),
  stamp: z.object({
    configVersion: z.number(),
    callTypes: z.array(z.object({ id: z.string(), name: z.string(), version: z.number() })),
    label: z.string(),
    /** "organisation settings version 3, call type “Beratung” version 1": what people read. */
    description: z.string(),
  }),
  generatedAt: z.string(),
  dpia: dpiaSchema,
  /** Processor details the DPA still lacks (organisation settings, Processor). */
  processorMissing: z.array(z.enum(['name', 'address', 'contactEmail'])),
});
export type DocumentList = z.infer<typeof listSchema>;

const subProcessorSchema = z.object({
  id: z.string(),
  name: z.string(),
  purpose: z.string(),
  location: z.string(),
  country: z.string(),
  inEea: z.boolean(),
  transferTool: z.enum(transferTools),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SubProcessor = z.infer<typeof subProcessorSchema>;
export interface SubProcessorInput {
  name: string;
  purpose: string;
  location: string;
  country: string;
  transferTool: TransferTool;
}

export const listDocuments = (api: ApiClient) => api.get('/api/documents', listSchema);
export const approveDpia = (api: ApiClient) => api.post('/api/documents/dpia/approve', dpiaSchema, {});

/** Where a document is fetched: the browser downloads it with the session cookie (GET, no CSRF needed). */
export const documentUrl = (kind: DocumentKind, format: 'html' | 'md' | 'pdf', locale: 'en' | 'de' = 'en') =>
  `/api/documents/${kind}?format=${format}${locale !== 'en' ? `&locale=${locale}` : ''}`;

export const listSubProcessors = async (api: ApiClient) =>
  (await api.get('/api/sub-processors', z.object({ subProcessors: z.array(subProcessorSchema) }))).subProcessors;
export const addSubProcessor = (api: ApiClient, input: SubProcessorInput) => api.post('/api/sub-processors', subProcessorSchema, input);
export const changeSubProcessor = (api: ApiClient, id: string, input: Partial<SubProcessorInput>) =>
  api.patch(`/api/sub-processors/${encodeURIComponent(id)}`, subProcessorSchema, input);
export const removeSubProcessor = (api: ApiClient, id: string) =>
  api.delete(`/api/sub-processors/${encodeURIComponent(id)}`, z.object({ deleted: z.literal(true) }));
