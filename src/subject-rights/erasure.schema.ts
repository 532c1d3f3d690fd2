import { z } from 'zod';

/** The DPO's confirmation of an erasure: the fingerprint of the preview they looked at (optional for API clients). */
export const eraseInputSchema = z.strictObject({
  preview: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'Use the fingerprint from the erasure preview.')
    .optional()
    .describe('The `fingerprint` of GET …/erasure-preview: the erasure runs only if it would still do exactly that (409 otherwise)'),
});

const keptReason = z.enum(['legal_hold', 'legal_obligation', 'consent_proof']);

/** What erasing would do, computed without changing anything (GET /api/rights-requests/:id/erasure-preview). */
export const erasurePreviewSchema = z.object({
  /** False when nothing is on file for the request's address: the erasure then only answers the requester. */
  subjectFound: z.boolean(),
  /** Items that would be deleted (or, for `subjectContact` and `chatMentions`, replaced), counted per category. */
  erased: z.array(z.object({ category: z.string(), count: z.number().int() })),
  /** Items that would be kept, one entry per category and exception, with its reference and end (a day or an instant). */
  kept: z.array(z.object({ category: z.string(), reason: keptReason, reference: z.string(), until: z.string(), count: z.number().int() })),
  fingerprint: z.string(),
});
