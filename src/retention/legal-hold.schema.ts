import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';

/** HTTP shapes of legal holds (routes.ts). */

export const holdScopes = ['subject', 'call', 'recording'] as const;
export type HoldScope = (typeof holdScopes)[number];

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD').refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'expected a real date');

export const placeHoldBodySchema = z.strictObject({
  scope: z.enum(holdScopes),
  /** A subject (`subj_…`), call (`call_…`) or recording (`rec_…`) id of the organisation, matching the scope. */
  targetId: z.string().regex(/^(subj|call|rec)_[0-9a-z]{25}$/, 'expected a subject, call or recording id'),
  /** The case or authority reference the hold rests on (G37). A case, not a person: no names here. */
  reference: z.string().trim().min(1).max(200),
  reason: z.string().trim().min(1).max(1000),
  /** Last day (inclusive, UTC) the hold applies, unless released earlier; must be after today. */
  endsOn: date,
});
export type PlaceHoldBody = z.infer<typeof placeHoldBodySchema>;

export const listHoldsQuerySchema = z.strictObject({
  /** `true`: only holds in force today; `false`: only released or ended ones; absent: all. */
  active: z.enum(['true', 'false']).optional(),
});

export const holdParamsSchema = z.strictObject({ holdId: idSchema('legalHold') });

export const legalHoldSchema = z.object({
  id: z.string(),
  scope: z.enum(holdScopes),
  targetId: z.string(),
  reference: z.string(),
  reason: z.string(),
  endsOn: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  releasedAt: z.string().nullable(),
  releasedBy: z.string().nullable(),
  /** In force today: not released, and `endsOn` not past. */
  active: z.boolean(),
});
export type LegalHoldView = z.infer<typeof legalHoldSchema>;
