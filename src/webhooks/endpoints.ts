import { randomBytes } from 'node:crypto';
import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import type { WebhookEndpointsTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { AddressPolicy } from './address-policy.ts';
import { iso } from '../shared/clock.ts';
import { newId, type Id, type OrgId } from '../shared/ids.ts';
import { eventBody, insertDelivery } from './emit-webhook.ts';
import type { WebhookView } from './webhook.schema.ts';

export const WEBHOOK_SECRET_LABEL = 'webhook-secrets';
export type WebhookId = Id<'webhook'>;

/** 32 random bytes, base64url, after `whsec_` (so secret scanners and people recognise it). */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

function toView(r: WebhookEndpointsTable): WebhookView {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.events) as string[],
    enabled: Number(r.enabled) === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    secretRotatedAt: r.secret_rotated_at,
  };
}

async function load(db: DbOrTx, orgId: OrgId, webhookId: string): Promise<WebhookEndpointsTable> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', webhookId).executeTakeFirst();
  if (!row) throw notFound('Webhook');
  return row;
}

/** The secret of an endpoint, opened for signing (delivery job). */
export function openSecret(deps: Pick<Deps, 'keys'>, row: Pick<WebhookEndpointsTable, 'id' | 'secret_sealed'>): string {
  return deps.keys.open(WEBHOOK_SECRET_LABEL, row.id, row.secret_sealed);
}

export async function listWebhooks(db: DbOrTx, orgId: OrgId): Promise<WebhookView[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toView);
}

/** Registers an endpoint; the secret is in this answer only (stored sealed, never shown again). */
export async function createWebhook(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  input: { url: string; events: string[]; description: string },
): Promise<{ secret: string; webhook: WebhookView }> {
  const refusal = new AddressPolicy(deps.config.webhooks.allowedNetworks).refusalForUrl(new URL(input.url));
  if (refusal) throw new AppError('VALIDATION_FAILED', refusal, { details: [{ in: 'body', path: ['url'], message: refusal }] });
  return deps.db.transaction().execute(async (tx) => {
    const id = newId('webhook');
    const secret = newWebhookSecret();
    const now = iso(deps.clock.now());
    await tx
      .insertInto('webhook_endpoints')
      .values({
        id,
        org_id: orgId,
        url: input.url,
        description: input.description,
        events: JSON.stringify(input.events),
        enabled: 1,
        secret_sealed: deps.keys.seal(WEBHOOK_SECRET_LABEL, id, secret),
        created_by: actor.type === 'user' || actor.type === 'api_token' ? actor.id : actor.type,
        created_at: now,
        updated_at: now,
        secret_rotated_at: null,
      })
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'webhook.created', data: { webhookId: id, events: input.events } });
    return { secret, webhook: toView(await load(tx, orgId, id)) };
  });
}

export async function updateWebhook(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  webhookId: string,
  input: { events?: string[] | undefined; description?: string | undefined; enabled?: boolean | undefined },
): Promise<WebhookView> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await load(tx, orgId, webhookId);
    const changes: Partial<WebhookEndpointsTable> = {};
    if (input.events !== undefined && JSON.stringify(input.events) !== row.events) changes.events = JSON.stringify(input.events);
    if (input.description !== undefined && input.description !== row.description) changes.description = input.description;
    if (input.enabled !== undefined && (input.enabled ? 1 : 0) !== Number(row.enabled)) changes.enabled = input.enabled ? 1 : 0;
    const fields = Object.keys(changes);
    if (fields.length > 0) {
      await tx.updateTable('webhook_endpoints').set({ ...changes, updated_at: iso(deps.clock.now()) }).where('org_id', '=', orgId).where('id', '=', row.id).execute();
      await deps.audit.append(tx, orgId, actor, { type: 'webhook.updated', data: { webhookId: row.id, fields: fields.sort() } });
    }
    return toView(await load(tx, orgId, row.id));
  });
}

/** A new secret, shown once; deliveries from now on (retries included) are signed with it. */
export async function rotateWebhookSecret(deps: Deps, orgId: OrgId, actor: AuditActor, webhookId: string): Promise<{ secret: string; webhook: WebhookView }> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await load(tx, orgId, webhookId);
    const secret = newWebhookSecret();
    const now = iso(deps.clock.now());
    await tx
      .updateTable('webhook_endpoints')
      .set({ secret_sealed: deps.keys.seal(WEBHOOK_SECRET_LABEL, row.id, secret), secret_rotated_at: now, updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', row.id)
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'webhook.secret_rotated', data: { webhookId: row.id } });
    return { secret, webhook: toView(await load(tx, orgId, row.id)) };
  });
}

/** Deletes the endpoint with its deliveries; their queued jobs then find nothing and end. */
export async function deleteWebhook(deps: Deps, orgId: OrgId, actor: AuditActor, webhookId: string): Promise<WebhookView> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await load(tx, orgId, webhookId);
    await tx.deleteFrom('webhook_deliveries').where('org_id', '=', orgId).where('endpoint_id', '=', row.id).execute();
    await tx.deleteFrom('webhook_endpoints').where('org_id', '=', orgId).where('id', '=', row.id).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'webhook.deleted', data: { webhookId: row.id } });
    return toView(row);
  });
}

/** Queues a `webhook.test` event to this endpoint alone (also when it is disabled or not subscribed to anything else). */
export async function sendTestEvent(deps: Deps, orgId: OrgId, actor: AuditActor, webhookId: string): Promise<{ deliveryId: string }> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await load(tx, orgId, webhookId);
    const body = eventBody(deps, orgId, { type: 'webhook.test', data: { webhookId: row.id } });
    const deliveryId = await insertDelivery(tx, deps, orgId, row.id, 'webhook.test', body);
    await deps.audit.append(tx, orgId, actor, { type: 'webhook.test_sent', data: { webhookId: row.id, deliveryId } });
    return { deliveryId };
  });
}

export async function ensureWebhook(db: DbOrTx, orgId: OrgId, webhookId: string): Promise<void> {
  await load(db, orgId, webhookId);
}
