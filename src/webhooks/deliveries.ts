import type { DbOrTx } from '../db/database.ts';
import type { WebhookDeliveriesTable } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { ensureWebhook } from './endpoints.ts';
import { attemptSchema, type DeliveryView } from './webhook.schema.ts';

export function toDeliveryView(r: WebhookDeliveriesTable): DeliveryView {
  return {
    id: r.id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status as DeliveryView['status'],
    attempts: Number(r.attempts),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    attemptLog: attemptSchema.array().parse(JSON.parse(r.attempt_log)),
  };
}

/** An endpoint's recent deliveries, newest first; expired ones (awaiting the prune) are not shown. */
export async function listDeliveries(db: DbOrTx, clock: Clock, orgId: OrgId, webhookId: string, limit: number): Promise<DeliveryView[]> {
  await ensureWebhook(db, orgId, webhookId);
  const rows = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', webhookId)
    .where('expires_at', '>', iso(clock.now()))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toDeliveryView);
}
