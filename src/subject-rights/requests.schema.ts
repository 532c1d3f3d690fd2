import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';

/** Data-subject rights requests (G28–G31): what the public page sends and gets, and what the DPO's console sees. */
export const requestTypes = ['access', 'erasure', 'restriction', 'objection', 'rectification'] as const;
export const requestTypeSchema = z.enum(requestTypes);
export const requestStatusSchema = z.enum(['unverified', 'open', 'completed', 'refused', 'withdrawn', 'expired']);
export type RequestStatus = z.infer<typeof requestStatusSchema>;
export const requestLocaleSchema = z.enum(['en', 'de']);

/** Addresses are compared and hashed trimmed and lower-cased, as subjects' addresses are stored. */
export const normaliseEmail = (v: string) => v.trim().toLowerCase();

/** A person's free text (details, notes, reasons): bounded, no control characters but line breaks. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), 'Use plain text.');

export const publicRequestInputSchema = z
  .strictObject({
    type: requestTypeSchema,
    email: z.string().trim().max(254).pipe(z.email('Enter a valid email address.')).transform(normaliseEmail),
    /** Rectification: what is wrong and what is right; objection: the grounds. Optional for the others. */
    details: text(5000).default(''),
    locale: requestLocaleSchema.default('en'),
  })
  .refine((v) => !(v.type === 'rectification' || v.type === 'objection') || v.details.length > 0, {
    path: ['details'],
    message: 'Tell us what to correct or why you object.',
  });
export type PublicRequestInput = z.infer<typeof publicRequestInputSchema>;

/** The same answer whether or not the address is on file: only the request id differs. */
export const publicRequestAcceptedSchema = z.object({
  requestId: z.string(),
  status: z.literal('unverified'),
  codeValidMinutes: z.number().int(),
  statusPage: z.string(),
});

export const codeInputSchema = z.strictObject({
  code: z.string().trim().regex(/^[0-9]{6}$/, 'Enter the 6-digit code from the email.'),
});
export const newCodeInputSchema = z.strictObject({ locale: requestLocaleSchema.default('en') });

export const rightsPageSchema = z.object({
  orgId: z.string(),
  legalName: z.string(),
  dpoEmail: z.string(),
  privacyPolicyUrl: z.string().nullable(),
  supervisoryAuthority: z.string(),
  codeValidMinutes: z.number().int(),
  /** The page's full address, to link from the organisation's website. */
  pageUrl: z.string(),
});

/** What the requester's status page shows: no data about them, only where the request stands. */
export const publicRequestStatusSchema = z.object({
  requestId: z.string(),
  orgId: z.string(),
  legalName: z.string(),
  dpoEmail: z.string(),
  type: requestTypeSchema,
  status: requestStatusSchema,
  locked: z.boolean(),
  receivedAt: z.string(),
  dueAt: z.string(),
  extended: z.boolean(),
  /** An access export is ready to download (after a fresh code). */
  exportReady: z.boolean(),
  /** The last moment the ready export can be downloaded; null when none is ready. */
  exportExpiresAt: z.string().nullable(),
  /** The page to open first in the export's ZIP (its name is in the language of the request). */
  exportSummaryFile: z.string().nullable(),
  /** How long a mailed code works, and how long a download link works once the code is entered (minutes). */
  codeValidMinutes: z.number().int(),
  exportLinkMinutes: z.number().int(),
});

export const exportTokenSchema = z.object({ exportId: z.string(), url: z.string(), expiresAt: z.string() });

export const requestSummarySchema = z.object({
  id: z.string(),
  type: requestTypeSchema,
  status: requestStatusSchema,
  receivedAt: z.string(),
  dueAt: z.string(),
  extendedDueAt: z.string().nullable(),
  /** The extended due date when there is one, else the original: the list is sorted by it. */
  effectiveDueAt: z.string(),
  overdue: z.boolean(),
  verified: z.boolean(),
  locked: z.boolean(),
  subjectFound: z.boolean(),
});

export const erasureOutcomeSchema = z.object({
  erased: z.array(z.object({ category: z.string(), count: z.number().int() })),
  kept: z.array(
    z.object({
      category: z.string(),
      itemId: z.string(),
      reason: z.enum(['legal_hold', 'legal_obligation', 'consent_proof']),
      reference: z.string(),
      until: z.string(),
    }),
  ),
});

/** What was done, stored as JSON in `outcome`: ids and counts, no free text. */
export const outcomeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('export_produced'), exportId: z.string(), expiresAt: z.string() }),
  z.object({ action: z.literal('erased'), report: erasureOutcomeSchema }),
  z.object({ action: z.literal('restricted'), liftedAt: z.string().nullable() }),
  z.object({ action: z.literal('objection_handled') }),
  z.object({ action: z.literal('rectified') }),
]);
export type Outcome = z.infer<typeof outcomeSchema>;

export const requestDetailSchema = requestSummarySchema.extend({
  email: z.string(),
  details: z.string(),
  locale: requestLocaleSchema,
  subjectId: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  extensionReasons: z.string().nullable(),
  extensionNotifiedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  refusalReasons: z.string().nullable(),
  outcome: outcomeSchema.nullable(),
  /** The dates an extension may run to, and whether one is still possible (before the original due date). */
  canExtend: z.boolean(),
});

export const listQuerySchema = z.strictObject({ status: requestStatusSchema.optional() });
export const requestParamsSchema = z.strictObject({ requestId: idSchema('request') });
export const orgParamsSchema = z.strictObject({ orgId: idSchema('org') });

export const extendInputSchema = z.strictObject({
  months: z.number().int().min(1).max(2),
  reasons: text(5000).pipe(z.string().min(1, 'Give the reasons; they are sent to the requester.')),
});
export const refuseInputSchema = z.strictObject({
  reasons: text(5000).pipe(z.string().min(1, 'Give the reasons; they are sent to the requester.')),
});
export const completeInputSchema = z.strictObject({
  note: text(5000).pipe(z.string().min(1, 'Say what was done; it is sent to the requester.')),
});
export const liftRestrictionInputSchema = z.strictObject({
  noticeText: text(5000).pipe(z.string().min(1, 'Write the notice the requester receives before the restriction is lifted.')),
});
