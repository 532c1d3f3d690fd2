import { z } from 'zod';
import { LOOPBACK_HOSTS } from './address-policy.ts';
import { subscribableEventTypes } from './webhook-events.ts';

export const WEBHOOK_URL_MAX = 2000;

/** Why a URL is refused, in words for the person who typed it; null when it is acceptable. */
export function webhookUrlProblem(value: string): string | null {
  if (value.length > WEBHOOK_URL_MAX) return `The address is longer than ${WEBHOOK_URL_MAX} characters.`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter a full address, such as https://crm.example.com/parley-hooks.';
  }
  if (url.username !== '' || url.password !== '') {
    return 'Do not put a user name or password in the address: every delivery is signed with the secret instead.';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null;
  if (url.protocol === 'http:') {
    return 'Webhooks are sent over https only (plain http is allowed to localhost, 127.0.0.1 and ::1 for a receiver on this machine).';
  }
  return 'Webhooks are sent over https only.';
}

const urlSchema = z.string().superRefine((value, ctx) => {
  const problem = webhookUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const eventsSchema = z
  .array(z.enum(subscribableEventTypes as [string, ...string[]]))
  .min(1, 'Choose at least one event.')
  .transform((list) => [...new Set(list)].sort());
const descriptionSchema = z.string().trim().max(200);

export const createWebhookSchema = z.strictObject({ url: urlSchema, events: eventsSchema, description: descriptionSchema.default('') });
export const updateWebhookSchema = z.strictObject({
  events: eventsSchema.optional(),
  description: descriptionSchema.optional(),
  enabled: z.boolean().optional(),
});

export const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  secretRotatedAt: z.string().nullable(),
});
export type WebhookView = z.infer<typeof webhookSchema>;

export const attemptSchema = z.object({
  at: z.string(),
  /** The receiver's HTTP status; null when no answer came (timeout, refused connection). */
  status: z.number().int().nullable(),
  /** A fixed code: `http_<status>`, `timeout`, `network_<code>`, `endpoint_disabled`. */
  error: z.string().nullable(),
  ms: z.number().int(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/** A delivery as listed: status and attempts, never the body. */
export const deliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  attemptLog: z.array(attemptSchema),
});
export type DeliveryView = z.infer<typeof deliverySchema>;
