import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

export const requestTypes = ['access', 'erasure', 'restriction', 'objection', 'rectification'] as const;
export type RequestType = (typeof requestTypes)[number];
export const requestStatuses = ['unverified', 'open', 'completed', 'refused', 'withdrawn', 'expired'] as const;
export type RequestStatus = (typeof requestStatuses)[number];

const summarySchema = z.object({
  id: z.string(),
  type: z.enum(requestTypes),
  status: z.enum(requestStatuses),
  receivedAt: z.string(),
  dueAt: z.string(),
  extendedDueAt: z.nullable(z.string()),
  effectiveDueAt: z.string(),
  overdue: z.boolean(),
  verified: z.boolean(),
  locked: z.boolean(),
  subjectFound: z.boolean(),
});
export type RequestSummary = z.infer<typeof summarySchema>;

const keptSchema = z.object({ category: z.string(), itemId: z.string(), reason: z.string(), reference: z.string(), until: z.string() });
const outcomeSchema = z.object({
  action: z.string(),
  exportId: z.optional(z.string()),
  expiresAt: z.optional(z.string()),
  liftedAt: z.optional(z.nullable(z.string())),
  report: z.optional(z.object({ erased: z.array(z.object({ category: z.string(), count: z.number() })), kept: z.array(keptSchema) })),
});

const detailSchema = z.object({
  ...summarySchema.shape,
  email: z.string(),
  details: z.string(),
  locale: z.enum(['en', 'de']),
  subjectId: z.nullable(z.string()),
  verifiedAt: z.nullable(z.string()),
  extensionReasons: z.nullable(z.string()),
  extensionNotifiedAt: z.nullable(z.string()),
  completedAt: z.nullable(z.string()),
  refusalReasons: z.nullable(z.string()),
  outcome: z.nullable(outcomeSchema),
  canExtend: z.boolean(),
});
export type RequestDetail = z.infer<typeof detailSchema>;

const path = (id: string, action = '') => `/api/rights-requests/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

export const listRequests = (api: ApiClient, status: RequestStatus | '') =>
  api.get('/api/rights-requests', z.object({ requests: z.array(summarySchema) }), status ? { status } : undefined);
export const getRequest = (api: ApiClient, id: string) => api.get(path(id), detailSchema);
export const produceExport = (api: ApiClient, id: string) => api.post(path(id, 'export'), detailSchema, {});
const erasurePreviewSchema = z.object({
  subjectFound: z.boolean(),
  erased: z.array(z.object({ category: z.string(), count: z.number() })),
  kept: z.array(z.object({ category: z.string(), reason: z.string(), reference: z.string(), until: z.string(), count: z.number() })),
  fingerprint: z.string(),
});
export type ErasurePreview = z.infer<typeof erasurePreviewSchema>;

/** What erasing would delete and keep now; nothing changes. */
export const previewErasure = (api: ApiClient, id: string) => api.get(path(id, 'erasure-preview'), erasurePreviewSchema);
/** Erases, only if it still does what the preview with this fingerprint showed (409 ERASURE_PREVIEW_STALE otherwise). */
export const eraseSubject = (api: ApiClient, id: string, preview: string) => api.post(path(id, 'erase'), detailSchema, { preview });
export const restrictSubject = (api: ApiClient, id: string) => api.post(path(id, 'restrict'), detailSchema, {});
export const liftRestriction = (api: ApiClient, id: string, noticeText: string) => api.post(path(id, 'lift-restriction'), detailSchema, { noticeText });
export const completeWithNote = (api: ApiClient, id: string, note: string) => api.post(path(id, 'complete'), detailSchema, { note });
export const extendRequest = (api: ApiClient, id: string, months: number, reasons: string) => api.post(path(id, 'extend'), detailSchema, { months, reasons });
export const refuseRequest = (api: ApiClient, id: string, reasons: string) => api.post(path(id, 'refuse'), detailSchema, { reasons });
