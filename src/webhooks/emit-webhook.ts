import type { Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { enqueueJob } from '../jobs/enqueue-job.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type Id, type OrgId } from '../shared/ids.ts';
import { webhookEventSchema, type WebhookBody, type WebhookEvent } from './webhook-events.ts';

/** Attempts per delivery before it is `failed` (the job runner's backoff: 30 s, 1 min, 2 min … about 2 hours). */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** Deliveries (sent or not) are deleted this many days after they were queued. */
export const DELIVERY_RETENTION_DAYS = 30;

type EmitDeps = Pick<Deps, 'clock'>;

/**
 * Passes a change on to the organisation's webhook endpoints (G21): for every enabled endpoint subscribed to the
 * event's type, a delivery row and its `webhook.deliver` job, in the caller's transaction — so a change that rolls
 * back sends nothing, and one that commits is delivered after the commit, retried, also across restarts (STYLE 10).
 * With no endpoint it costs one indexed SELECT. Returns how many deliveries were queued.
 */
export async function emitWebhook(tx: Tx, deps: EmitDeps, orgId: OrgId, event: WebhookEvent): Promise<number> {
  const endpoints = await tx.selectFrom('webhook_endpoints').select(['id', 'events']).where('org_id', '=', orgId).where('enabled', '=', 1).execute();
  const targets = endpoints.filter((e) => (JSON.parse(e.events) as string[]).includes(event.type));
  if (targets.length === 0) return 0;
  const body = eventBody(deps, orgId, event);
  for (const target of targets) await insertDelivery(tx, deps, orgId, target.id, event.type, body);
  return targets.length;
}

/** The body every endpoint of this event receives (validated: ids and codes only, STYLE 5). */
export function eventBody(deps: EmitDeps, orgId: OrgId, event: WebhookEvent): { eventId: string; json: string } {
  const parsed = webhookEventSchema.parse(event);
  const eventId = newId('webhookEvent');
  const body: WebhookBody = { id: eventId, type: parsed.type, createdAt: iso(deps.clock.now()), organisationId: orgId, data: parsed.data };
  return { eventId, json: JSON.stringify(body) };
}

export async function insertDelivery(
  tx: Tx,
  deps: EmitDeps,
  orgId: OrgId,
  endpointId: string,
  eventType: WebhookEvent['type'],
  body: { eventId: string; json: string },
): Promise<Id<'webhookDelivery'>> {
  const id = newId('webhookDelivery');
  const now = deps.clock.now();
  const expiresAt = iso(addDays(now, DELIVERY_RETENTION_DAYS));
  await tx
    .insertInto('webhook_deliveries')
    .values({
      id,
      org_id: orgId,
      endpoint_id: endpointId,
      event_id: body.eventId,
      event_type: eventType,
      payload: body.json,
      status: 'pending',
      attempts: 0,
      last_status: null,
      last_error: null,
      attempt_log: '[]',
      next_attempt_at: iso(now),
      created_at: iso(now),
      delivered_at: null,
      expires_at: expiresAt,
    })
    .execute();
  await enqueueJob(tx, deps.clock, orgId, 'webhook.deliver', { deliveryId: id }, { maxAttempts: WEBHOOK_MAX_ATTEMPTS });
  // One prune job per organisation at a time, due when the oldest delivery expires; it re-queues itself.
  const prune = await tx
    .selectFrom('jobs')
    .select('id')
    .where('org_id', '=', orgId)
    .where('kind', '=', 'webhook.prune')
    .where('state', 'in', ['pending', 'running'])
    .executeTakeFirst();
  if (!prune) await enqueueJob(tx, deps.clock, orgId, 'webhook.prune', {}, { runAt: new Date(expiresAt), maxAttempts: 3 });
  return id;
}
