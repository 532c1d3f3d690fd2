import { z } from 'zod';

/**
 * Data residency (G52). The EEA is the default; anywhere else needs the transfer safeguard named
 * (an adequacy decision, or SCCs with a transfer impact assessment).
 */
export const residencyRegions = ['EEA', 'CH', 'UK', 'US', 'other'] as const;

const text = (max: number) => z.string().trim().max(max);
/** Optional text: an empty value means "none" and is stored as null. */
const optionalText = (max: number) =>
  text(max)
    .nullable()
    .transform((v) => (v === '' ? null : v));

/** Customers follow this link from Parley's pages: https only, a public host name (no IP, no localhost). */
const httpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain });

/** Roles that may play recordings back and download them (G22: a compliance role only by default). */
export const playbackRolesSchema = z
  .array(z.enum(['admin', 'dpo', 'agent']))
  .min(1, 'Choose at least one role (the DPO alone is the privacy-protective choice).')
  .max(3);

export const organisationSchema = z.object({
  id: z.string(),
  legalName: z.string(),
  address: z.string(),
  contactEmail: z.string(),
  dpoName: z.string(),
  dpoEmail: z.string(),
  dpoPhone: z.string().nullable(),
  supervisoryAuthority: z.string(),
  residencyRegion: z.enum(residencyRegions),
  residencySafeguard: z.string().nullable(),
  /** The organisation's own full privacy policy, linked from every page and email customers see. */
  privacyPolicyUrl: z.string().nullable(),
  playbackRoles: playbackRolesSchema,
  configVersion: z.number().int(),
  /** Controller details still empty: notices and documents cannot be produced until these are filled. */
  missingFields: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrganisationView = z.infer<typeof organisationSchema>;

export const updateOrganisationSchema = z
  .strictObject({
    legalName: text(200).min(1, 'The legal name cannot be empty.'),
    address: text(1000),
    contactEmail: z.email('Enter a valid email address.').max(320).or(z.literal('')),
    dpoName: text(200),
    dpoEmail: z.email('Enter a valid email address.').max(320).or(z.literal('')),
    dpoPhone: optionalText(50),
    supervisoryAuthority: text(300),
    residencyRegion: z.enum(residencyRegions),
    residencySafeguard: optionalText(500),
    privacyPolicyUrl: text(2000)
      .refine((v) => v === '' || httpsUrl.safeParse(v).success, 'Enter the full https:// address of your privacy policy.')
      .nullable()
      .transform((v) => (v === '' ? null : v)),
    playbackRoles: playbackRolesSchema,
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');
export type UpdateOrganisationInput = z.infer<typeof updateOrganisationSchema>;
