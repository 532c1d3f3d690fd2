import { z } from 'zod';

/**
 * Every kind of background job and its payload, validated when read back (STYLE 5). Payloads hold ids only.
 * Adding a kind adds a line here and a handler where the runner is built (main.ts).
 */
export const jobPayloadSchemas = {
  'mail.send': z.strictObject({ mailId: z.string() }),
  /** Erase what was recorded of a participant on consent they withdrew (G13). */
  'recording.erase_withdrawn': z.strictObject({ recordingId: z.string(), participantId: z.string() }),
  /** Delete what has expired (src/retention/purge.ts); re-queues itself every PARLEY_PURGE_INTERVAL_HOURS. */
  'retention.purge': z.strictObject({}),
  /** POST one webhook delivery to its endpoint, signed (src/webhooks/deliver-webhook.ts); retried with the runner's backoff. */
  'webhook.deliver': z.strictObject({ deliveryId: z.string() }),
  /** Delete an organisation's webhook deliveries past their expiry; re-queues itself for the next one to expire. */
  'webhook.prune': z.strictObject({}),
} as const;

export type JobKind = keyof typeof jobPayloadSchemas;
export type JobPayload<K extends JobKind> = z.infer<(typeof jobPayloadSchemas)[K]>;
