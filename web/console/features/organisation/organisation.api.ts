import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

export const residencyRegions = ['EEA', 'CH', 'UK', 'US', 'other'] as const;
export type ResidencyRegion = (typeof residencyRegions)[number];

export const organisationSchema = z.object({
  id: z.string(),
  legalName: z.string(),
  address: z.string(),
  contactEmail: z.string(),
  dpoName: z.string(),
  dpoEmail: z.string(),
  dpoPhone: z.nullable(z.string()),
  supervisoryAuthority: z.string(),
  residencyRegion: z.enum(residencyRegions),
  residencySafeguard: z.nullable(z.string()),
  privacyPolicyUrl: z.nullable(z.string()),
  configVersion: z.number(),
  missingFields: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Organisation = z.infer<typeof organisationSchema>;

/** The fields an admin or DPO can change (the PATCH body accepts any subset, and nothing else). */
export const editableFields = [
  'legalName',
  'address',
  'contactEmail',
  'dpoName',
  'dpoEmail',
  'dpoPhone',
  'supervisoryAuthority',
  'residencyRegion',
  'residencySafeguard',
  'privacyPolicyUrl',
] as const;
export type EditableField = (typeof editableFields)[number];
export type OrganisationChanges = Partial<Pick<Organisation, EditableField>>;

export const getOrganisation = (api: ApiClient) => api.get('/api/organisation', organisationSchema);

export const updateOrganisation = (api: ApiClient, changes: OrganisationChanges) => api.patch('/api/organisation', organisationSchema, changes);

/** The processor (who runs this Parley installation) as the organisation's documents name it (finding 17). */
const processorDetailsSchema = z.object({ name: z.nullable(z.string()), address: z.nullable(z.string()), contactEmail: z.nullable(z.string()) });
export const processorFields = ['name', 'address', 'contactEmail'] as const;
export type ProcessorField = (typeof processorFields)[number];
export const processorSchema = z.object({
  /** What the documents state. */
  effective: processorDetailsSchema,
  /** The organisation's own entries; null where the installation's setting applies. */
  own: processorDetailsSchema,
  /** The installation's settings (PARLEY_OPERATOR_*); null where not set. */
  installation: processorDetailsSchema,
  missing: z.array(z.enum(processorFields)),
});
export type Processor = z.infer<typeof processorSchema>;
export type ProcessorChanges = Partial<Record<ProcessorField, string | null>>;

export const getProcessor = (api: ApiClient) => api.get('/api/organisation/processor', processorSchema);
export const updateProcessor = (api: ApiClient, changes: ProcessorChanges) => api.patch('/api/organisation/processor', processorSchema, changes);
