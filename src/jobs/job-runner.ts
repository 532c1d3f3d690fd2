import { sql } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import type { JobsTable } from '../db/schema.ts';
import type { Logger } from '../logging/logger.ts';
import { iso, type Clock } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { jobPayloadSchemas, type JobKind, type JobPayload } from './job-kinds.ts';

/** A job failure worth retrying later; its `code` (never the message, which may hold an address) is logged. */
export class JobError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly options: { retry: boolean } = { retry: true },
  ) {
    super(message);
    this.name = 'JobError';
  }
}

export interface JobContext {
  readonly id: string;
  readonly orgId: OrgId | null;
  /** 1 on the first run. */
  readonly attempt: number;
  /** True when a failure now marks the job failed for good. */
  readonly lastAttempt: boolean;
}
export type JobHandler<K extends JobKind> = (payload: JobPayload<K>, job: JobContext) => Promise<void>;
export type JobHandlers = { [K in JobKind]: JobHandler<K> };

export interface JobRunner {
  /** Polls every `pollMs` until stopped. */
  start(): void;
  /** Finishes the job in hand, then stops. Safe to call twice. */
  stop(): Promise<void>;
  /** Runs every job that is due now, one after another; returns how many ran. Tests and the CLI use it. */
  runDue(): Promise<number>;
}

/** How long a claimed job stays claimed: a runner that dies mid-job leaves it to be picked up after this. */
const LEASE_MS = 5 * 60_000;

/**
 * A single node takes back, at start, the jobs its previous process claimed and never finished (killed mid-job):
 * nothing else shares its queue, so every `running` row is a dead process's. They become `pending` again, due at
 * once, their attempt counted (a job that kills its runner every time still ends `failed`). A node of a cluster
 * must not do this — a `running` row may be a live node's — and waits for the lease to run out (LEASE_MS).
 * Returns how many jobs were taken back.
 */
export async function reclaimDeadLeases(db: Db, clock: Clock): Promise<number> {
  const now = iso(clock.now());
  const result = await db.updateTable('jobs').set({ state: 'pending', locked_until: null, updated_at: now }).where('state', '=', 'running').executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Retry backoff: 30 s, 1 min, 2 min … capped at 1 h. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000 * 2 ** (attempt - 1), 3_600_000);
}

/**
 * Runs queued jobs from the `jobs` table. Claiming is one UPDATE of the oldest due row; on PostgreSQL the row is
 * picked with FOR UPDATE SKIP LOCKED, so several Parley nodes can share the queue without taking the same job.
 */
export function createJobRunner(deps: { db: Db; dialect: Dialect; clock: Clock; logger: Logger; pollMs: number; handlers: JobHandlers }): JobRunner {
  const log = deps.logger.child({ module: 'jobs' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function claim(): Promise<JobsTable | undefined> {
    const now = iso(deps.clock.now());
    const leaseUntil = iso(new Date(deps.clock.now().getTime() + LEASE_MS));
    const lock = deps.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<JobsTable>`
      update jobs set state = 'running', attempts = attempts + 1, locked_until = ${leaseUntil}, updated_at = ${now}
      where id = (
        select id from jobs
        where (state = 'pending' and run_at <= ${now}) or (state = 'running' and locked_until < ${now})
        order by run_at, id
        limit 1
        ${lock}
      )
      returning *`.execute(deps.db);
    return result.rows[0];
  }

  async function finish(job: JobsTable, outcome: { ok: true } | { ok: false; error: unknown }): Promise<void> {
    const now = deps.clock.now();
    if (outcome.ok) {
      await deps.db
        .updateTable('jobs')
        .set({ state: 'done', locked_until: null, last_error: null, done_at: iso(now), updated_at: iso(now) })
        .where('id', '=', job.id)
        .execute();
      return;
    }
    const err = outcome.error;
    const code = err instanceof JobError ? err.code : 'UNEXPECTED';
    const retry = !(err instanceof JobError) || err.options.retry;
    const attempts = Number(job.attempts);
    const giveUp = !retry || attempts >= Number(job.max_attempts);
    const message = err instanceof Error ? err.message : String(err);
    await deps.db
      .updateTable('jobs')
      .set({
        state: giveUp ? 'failed' : 'pending',
        locked_until: null,
        // Stored with the job (the database is where personal data may live), never logged.
        last_error: `${code}: ${message}`.slice(0, 2000),
        run_at: giveUp ? job.run_at : iso(new Date(now.getTime() + backoffMs(attempts))),
        updated_at: iso(now),
      })
      .where('id', '=', job.id)
      .execute();
    (giveUp ? log.error.bind(log) : log.warn.bind(log))({ jobId: job.id, kind: job.kind, attempt: attempts, code }, giveUp ? 'job failed for good' : 'job failed, will retry');
  }

  async function runOne(job: JobsTable): Promise<void> {
    const kind = job.kind as JobKind;
    const schema = jobPayloadSchemas[kind];
    if (!schema) {
      await finish(job, { ok: false, error: new JobError('UNKNOWN_KIND', `no handler for ${job.kind}`, { retry: false }) });
      return;
    }
    const parsed = schema.safeParse(JSON.parse(job.payload));
    if (!parsed.success) {
      await finish(job, { ok: false, error: new JobError('BAD_PAYLOAD', 'payload does not match its schema', { retry: false }) });
      return;
    }
    try {
      const handler = deps.handlers[kind] as JobHandler<typeof kind>;
      await handler(parsed.data, {
        id: job.id,
        orgId: job.org_id as OrgId | null,
        attempt: Number(job.attempts),
        lastAttempt: Number(job.attempts) >= Number(job.max_attempts),
      });
      await finish(job, { ok: true });
    } catch (error) {
      await finish(job, { ok: false, error });
    }
  }

  async function drain(): Promise<number> {
    let count = 0;
    while (!stopped) {
      const job = await claim();
      if (!job) break;
      await runOne(job);
      count += 1;
    }
    return count;
  }

  function runDue(): Promise<number> {
    // One drain at a time in this process; a second caller waits for it and then drains again.
    const next = (running ?? Promise.resolve(0)).then(drain, drain);
    running = next.finally(() => {
      if (running === next) running = undefined;
    });
    return next;
  }

  return {
    start() {
      if (timer || stopped) return;
      const tick = () => {
        runDue()
          .catch((err) => log.error({ err: { code: (err as { code?: string }).code, name: (err as Error).name } }, 'job runner tick failed'))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, deps.pollMs).unref();
          });
      };
      timer = setTimeout(tick, 0).unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
    runDue,
  };
}
