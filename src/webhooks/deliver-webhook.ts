import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Deps } from '../deps.ts';
import { AddressPolicy } from './address-policy.ts';
import { enqueueJob } from '../jobs/enqueue-job.ts';
import { backoffMs, JobError, type JobContext, type JobHandler } from '../jobs/job-runner.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { openSecret } from './endpoints.ts';
import { failpoint } from '../config/failpoints.ts';
import { signWebhook, WEBHOOK_HEADERS } from './signature.ts';
import { attemptSchema, type Attempt } from './webhook.schema.ts';

/** A receiver that has not answered after this long is taken as down (ms). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

type DeliverDeps = Pick<Deps, 'db' | 'clock' | 'keys' | 'logger' | 'config'>;

/** How one POST went: a status (2xx = delivered), or a fixed error code when no answer came. */
type Outcome = { status: number | null; error: string | null; ms: number };

/**
 * One POST through Node's http(s) client, whose `lookup` is the address policy's: the connection goes only to an
 * address deliveries may reach, judged after DNS (a literal address in the URL is judged here, since no lookup runs
 * for it). Redirects are not followed: a 3xx is a failed attempt, so a delivery cannot be steered to another host.
 */
async function post(policy: AddressPolicy, target: string, headers: Record<string, string>, body: string): Promise<Outcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(target);
  if (policy.refusalForUrl(url) !== null) return { status: null, error: 'blocked_address', ms: 0 };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Outcome>((resolve) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: policy.lookupFor(url),
        // One connection per attempt: each goes through the address check, none outlives its delivery.
        agent: false,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.destroy();
        const ok = status >= 200 && status < 300;
        resolve({ status, error: ok ? null : `http_${status}`, ms: elapsed() });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const error =
        err.name === 'AbortError' || err.code === 'ABORT_ERR'
          ? 'timeout'
          : err.code === 'EADDRBLOCKED'
            ? 'blocked_address'
            : `network_${typeof err.code === 'string' ? err.code : 'error'}`;
      resolve({ status: null, error: error.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 60), ms: elapsed() });
    });
    req.end(body);
  });
}

/**
 * The `webhook.deliver` job: one signed POST of one delivery. 2xx = delivered; anything else (3xx included) is a
 * failed attempt, recorded on the row and retried with the runner's backoff until the last attempt marks it
 * `failed`. Idempotent: a delivery already done, or gone with its endpoint, is left alone. The body is the one
 * stored when the change committed; the timestamp and signature are made at each attempt.
 */
export function createDeliverWebhookHandler(deps: DeliverDeps): JobHandler<'webhook.deliver'> {
  const log = deps.logger.child({ module: 'webhooks' });
  const policy = new AddressPolicy(deps.config.webhooks.allowedNetworks);
  return async ({ deliveryId }, job: JobContext) => {
    const row = await deps.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select(['d.id', 'd.org_id', 'd.event_type', 'd.payload', 'd.status', 'd.attempt_log', 'e.id as endpoint_id', 'e.url', 'e.enabled', 'e.secret_sealed'])
      .where('d.id', '=', deliveryId)
      .executeTakeFirst();
    if (!row || row.status !== 'pending') return;
    const now = deps.clock.now();
    const log_ = attemptSchema.array().parse(JSON.parse(row.attempt_log));

    const record = async (outcome: Outcome, state: 'pending' | 'delivered' | 'failed') => {
      const attempt: Attempt = { at: iso(now), status: outcome.status, error: outcome.error, ms: outcome.ms };
      await deps.db
        .updateTable('webhook_deliveries')
        .set({
          status: state,
          attempts: job.attempt,
          last_status: outcome.status,
          last_error: outcome.error,
          attempt_log: JSON.stringify([...log_, attempt]),
          next_attempt_at: state === 'pending' ? iso(new Date(now.getTime() + backoffMs(job.attempt))) : null,
          delivered_at: state === 'delivered' ? iso(now) : null,
        })
        .where('id', '=', row.id)
        .execute();
    };

    if (Number(row.enabled) !== 1 && row.event_type !== 'webhook.test') {
      await record({ status: null, error: 'endpoint_disabled', ms: 0 }, 'failed');
      return;
    }
    const timestamp = Math.floor(now.getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Parley-Webhooks/1',
      [WEBHOOK_HEADERS.id]: row.id,
      [WEBHOOK_HEADERS.event]: row.event_type,
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: signWebhook(openSecret(deps, { id: row.endpoint_id, secret_sealed: row.secret_sealed }), timestamp, row.payload),
    };
    failpoint('webhook.before_post');
    const outcome = await post(policy, row.url, headers, row.payload);
    if (outcome.error === null) failpoint('webhook.after_post');
    if (outcome.error === null) {
      await record(outcome, 'delivered');
      log.info({ deliveryId: row.id, webhookId: row.endpoint_id, status: outcome.status, attempt: job.attempt }, 'webhook delivered');
      return;
    }
    await record(outcome, job.lastAttempt ? 'failed' : 'pending');
    log.warn({ deliveryId: row.id, webhookId: row.endpoint_id, error: outcome.error, attempt: job.attempt }, 'webhook delivery failed');
    throw new JobError(`WEBHOOK_${outcome.error.toUpperCase()}`, `delivery ${row.id}: ${outcome.error}`);
  };
}

/**
 * The `webhook.prune` job: deletes the organisation's deliveries past their expiry (G25), then queues itself for
 * when the next one expires, so there is at most one per organisation and none once nothing is left.
 */
export function createPruneDeliveriesHandler(deps: Pick<Deps, 'db' | 'clock'>): JobHandler<'webhook.prune'> {
  return async (_payload, job) => {
    const orgId = job.orgId;
    if (orgId === null) return;
    const now = iso(deps.clock.now());
    await deps.db.deleteFrom('webhook_deliveries').where('org_id', '=', orgId).where('expires_at', '<=', now).execute();
    const next = await deps.db
      .selectFrom('webhook_deliveries')
      .select('expires_at')
      .where('org_id', '=', orgId)
      .orderBy('expires_at')
      .limit(1)
      .executeTakeFirst();
    if (!next) return;
    await deps.db.transaction().execute((tx) =>
      enqueueJob(tx, deps.clock, orgId as OrgId, 'webhook.prune', {}, { runAt: new Date(next.expires_at), maxAttempts: 3 }),
    );
  };
}
