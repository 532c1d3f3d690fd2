import { z } from 'zod';

/**
 * Every event Parley sends to webhook endpoints: a discriminated union on `type` (STYLE 6). Data holds ids,
 * fixed codes and counts only — the pseudonymous subject id, never a name, email, address or free text — so a
 * recipient learns *that* something happened to whom (by id) and can act on its own copy (Art. 19, G21).
 */
const id = z.string().regex(/^[a-z]+_[0-9a-z]{25}$/);
const code = z.string().regex(/^[a-zA-Z_]+$/);
const requestType = z.enum(['access', 'erasure', 'restriction', 'objection', 'rectification']);

export const webhookEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('call.scheduled'), data: z.strictObject({ callId: id, callTypeId: id, subjectId: id }) }),
  z.strictObject({ type: z.literal('call.cancelled'), data: z.strictObject({ callId: id }) }),
  z.strictObject({ type: z.literal('call.ended'), data: z.strictObject({ callId: id }) }),
  z.strictObject({
    type: z.literal('recording.started'),
    data: z.strictObject({ recordingId: id, callId: id, mode: z.enum(['consent', 'legal_obligation']) }),
  }),
  z.strictObject({
    type: z.literal('recording.stopped'),
    data: z.strictObject({ recordingId: id, callId: id, reason: z.enum(['agent', 'call_ended', 'shutdown', 'crash', 'failed']) }),
  }),
  z.strictObject({
    type: z.literal('recording.track_erased'),
    data: z.strictObject({ recordingId: id, trackId: id, reason: z.enum(['consent_withdrawn', 'expired', 'erasure_request']) }),
  }),
  z.strictObject({
    type: z.literal('consent.recorded'),
    data: z.strictObject({ consentId: id, callId: id, subjectId: id, purpose: code, action: z.enum(['given', 'declined', 'withdrawn']) }),
  }),
  z.strictObject({ type: z.literal('rights_request.received'), data: z.strictObject({ requestId: id, requestType }) }),
  z.strictObject({
    type: z.literal('rights_request.completed'),
    data: z.strictObject({
      requestId: id,
      requestType,
      action: z.enum(['export_produced', 'erased', 'restricted', 'objection_handled', 'rectified']),
      /** Null when nothing was on file for the requester's address. */
      subjectId: id.nullable(),
    }),
  }),
  /** What erasure did (G36, G37): the erasure report's categories and counts, never its items' content. */
  z.strictObject({
    type: z.literal('subject.erased'),
    data: z.strictObject({
      subjectId: id,
      requestId: id,
      erased: z.array(z.strictObject({ category: code, count: z.number().int() })),
      kept: z.array(z.strictObject({ category: code, reason: z.enum(['legal_hold', 'legal_obligation', 'consent_proof']), count: z.number().int() })),
    }),
  }),
  z.strictObject({ type: z.literal('subject.restricted'), data: z.strictObject({ subjectId: id, requestId: id }) }),
  z.strictObject({ type: z.literal('subject.restriction_lifted'), data: z.strictObject({ subjectId: id, requestId: id }) }),
  /** The DPO rectified the data (outside or inside Parley); what was wrong stays with the request, never here. */
  z.strictObject({ type: z.literal('subject.rectified'), data: z.strictObject({ subjectId: id, requestId: id }) }),
  /** Sent on demand from the console or `POST /api/webhooks/:webhookId/test`, to one endpoint only. */
  z.strictObject({ type: z.literal('webhook.test'), data: z.strictObject({ webhookId: id }) }),
]);

export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type WebhookEventType = WebhookEvent['type'];
export const webhookEventTypes = webhookEventSchema.options.map((o) => o.shape.type.value) as WebhookEventType[];

/** What an endpoint can subscribe to: every type except the test event, which goes to whoever asks for it. */
export const subscribableEventTypes = webhookEventTypes.filter((t) => t !== 'webhook.test') as Exclude<WebhookEventType, 'webhook.test'>[];
export type SubscribableEventType = (typeof subscribableEventTypes)[number];

/** The erasure report reduced to categories and counts (kept items grouped by category and reason). */
export function erasureSummary(report: {
  erased: readonly { category: string; count: number }[];
  kept: readonly { category: string; reason: 'legal_hold' | 'legal_obligation' | 'consent_proof' }[];
}) {
  const kept = new Map<string, { category: string; reason: 'legal_hold' | 'legal_obligation' | 'consent_proof'; count: number }>();
  for (const k of report.kept) {
    const key = `${k.category}:${k.reason}`;
    const entry = kept.get(key) ?? { category: k.category, reason: k.reason, count: 0 };
    entry.count += 1;
    kept.set(key, entry);
  }
  return { erased: report.erased.map((e) => ({ category: e.category, count: e.count })), kept: [...kept.values()] };
}

/** The JSON body of every delivery. */
export interface WebhookBody {
  /** The event's id: the same for every endpoint that receives this event. */
  readonly id: string;
  readonly type: WebhookEventType;
  /** When the change happened (ISO-8601 UTC). */
  readonly createdAt: string;
  readonly organisationId: string;
  readonly data: WebhookEvent['data'];
}
