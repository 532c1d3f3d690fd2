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
