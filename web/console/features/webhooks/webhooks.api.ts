import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

/** The events an endpoint can subscribe to (src/webhooks/webhook-events.ts), with what each means to a reader. */
export const webhookEventLabels = {
  'call.scheduled': 'A call was scheduled',
  'call.cancelled': 'A call was cancelled',
  'call.ended': 'A call was ended by the host',
  'recording.started': 'A recording started',
  'recording.stopped': 'A recording stopped',
  'recording.track_erased': 'A recorded track was erased',
  'consent.recorded': 'A consent decision was recorded',
  'rights_request.received': 'A rights request was received',
  'rights_request.completed': 'A rights request was completed',
  'subject.erased': "A customer's data was erased",
  'subject.restricted': "Processing of a customer's data was restricted",
  'subject.restriction_lifted': 'A restriction was lifted',
  'subject.rectified': "A customer's data was rectified",
} as const;
export type WebhookEventType = keyof typeof webhookEventLabels;
export const webhookEventTypes = Object.keys(webhookEventLabels) as WebhookEventType[];
/** What recipients must be told of under Art. 19 GDPR (G21): preselected for a new endpoint. */
export const rightsEvents: readonly WebhookEventType[] = ['subject.erased', 'subject.restricted', 'subject.restriction_lifted', 'subject.rectified'];

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  secretRotatedAt: z.nullable(z.string()),
});
export type Webhook = z.infer<typeof webhookSchema>;

const deliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  lastStatus: z.nullable(z.number()),
  lastError: z.nullable(z.string()),
  nextAttemptAt: z.nullable(z.string()),
  createdAt: z.string(),
  deliveredAt: z.nullable(z.string()),
  attemptLog: z.array(z.object({ at: z.string(), status: z.nullable(z.number()), error: z.nullable(z.string()), ms: z.number() })),
});
export type Delivery = z.infer<typeof deliverySchema>;

const withSecret = z.object({ secret: z.string(), webhook: webhookSchema });
const path = (id: string) => `/api/webhooks/${encodeURIComponent(id)}`;

export const listWebhooks = async (api: ApiClient) => (await api.get('/api/webhooks', z.object({ webhooks: z.array(webhookSchema) }))).webhooks;
export const createWebhook = (api: ApiClient, input: { url: string; events: string[]; description: string }) => api.post('/api/webhooks', withSecret, input);
export const updateWebhook = (api: ApiClient, id: string, input: { events?: string[]; description?: string; enabled?: boolean }) =>
  api.patch(path(id), webhookSchema, input);
export const deleteWebhook = (api: ApiClient, id: string) => api.delete(path(id), webhookSchema);
export const rotateWebhookSecret = (api: ApiClient, id: string) => api.post(`${path(id)}/rotate-secret`, withSecret, {});
export const sendTestEvent = (api: ApiClient, id: string) => api.post(`${path(id)}/test`, z.object({ deliveryId: z.string() }), {});
export const listDeliveries = async (api: ApiClient, id: string) =>
  (await api.get(`${path(id)}/deliveries`, z.object({ deliveries: z.array(deliverySchema) }))).deliveries;
