import { z } from 'zod';
import { renderedNoticeSchema, supportedLocales } from '../notices/notice.schema.ts';

export const consentPurposeSchema = z.enum(['recording', 'chat', 'training_qa', 'analytics']);

export const joinInfoSchema = z.object({
  locale: z.enum(supportedLocales),
  availableLocales: z.array(z.enum(supportedLocales)),
  /** The server's time when it answered (ISO): "today", "tomorrow" and the join's opening are reckoned from it. */
  now: z.string(),
  call: z.object({
    /** The call's id, which the signalling `join` message names. */
    id: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    /** From when the page lets the customer join (30 minutes before the start); earlier it says when to come back. */
    joinOpensAt: z.string(),
    /** The organisation's time zone (IANA), in which the page and the invitation state the time. */
    timeZone: z.string(),
    callTypeName: z.string(),
    organisationName: z.string(),
    agentName: z.string(),
    lobbyEnabled: z.boolean(),
  }),
  participant: z.object({ displayName: z.string() }),
  privacyPolicyUrl: z.string().nullable(),
  notice: renderedNoticeSchema,
  /** One entry per consent-based purpose (G9): the text to show beside an unticked control, and what is in force. */
  consents: z.array(
    z.object({
      purpose: consentPurposeSchema,
      text: z.string(),
      textHash: z.string(),
      current: z.enum(['given', 'declined', 'withdrawn']).nullable(),
      /** True when no decision was made under the notice version now in force (G14): ask again. */
      needsDecision: z.boolean(),
    }),
  ),
});

/** What the customer sends: only decisions about the purposes shown, and the versions they saw (G23: nothing else). */
export const recordDecisionsSchema = z.strictObject({
  locale: z.enum(supportedLocales),
  noticeHash: z.string().regex(/^[0-9a-f]{64}$/),
  decisions: z
    .array(z.strictObject({ purpose: consentPurposeSchema, given: z.boolean(), textHash: z.string().regex(/^[0-9a-f]{64}$/) }))
    .max(4),
});

export const withdrawSchema = z.strictObject({ purpose: consentPurposeSchema });

export const consentStateSchema = z.object({
  consents: z.array(z.object({ purpose: consentPurposeSchema, current: z.enum(['given', 'declined', 'withdrawn']).nullable() })),
});
