import type { Tx } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';
import { iso } from '../shared/clock.ts';
import { newId, type Id, type OrgId } from '../shared/ids.ts';
import type { JobKind, JobPayload } from './job-kinds.ts';

export interface EnqueueOptions {
  /** Earliest run time; default now. */
  readonly runAt?: Date;
  /** Attempts before the job is marked failed; default 8 (about 2 hours of backoff). */
  readonly maxAttempts?: number;
}

/**
 * Queues work inside the caller's transaction: if the change rolls back, the job was never there; once it
 * commits, the runner picks the job up — also after a restart (STYLE 10).
 */
export async function enqueueJob<K extends JobKind>(
  tx: Tx,
  clock: Clock,
  orgId: OrgId | null,
  kind: K,
  payload: JobPayload<K>,
  options: EnqueueOptions = {},
): Promise<Id<'job'>> {
  const id = newId('job');
  const now = iso(clock.now());
  await tx
    .insertInto('jobs')
    .values({
      id,
      org_id: orgId,
      kind,
      payload: JSON.stringify(payload),
      state: 'pending',
      attempts: 0,
      max_attempts: options.maxAttempts ?? 8,
      run_at: options.runAt ? iso(options.runAt) : now,
      locked_until: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      done_at: null,
    })
    .execute();
  return id;
}
