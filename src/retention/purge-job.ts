import type { Deps } from '../deps.ts';
import { enqueueJob } from '../jobs/enqueue-job.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { purgeExpired } from './purge.ts';

type ScheduleDeps = Pick<Deps, 'db' | 'clock' | 'config'>;

/**
 * Queues the purge unless one is already waiting or running, so there is one `retention.purge` job at a time
 * (`parley start` calls this; each run queues the next). Two nodes starting at the same instant could both queue
 * one; two purges in a row are harmless (the second finds nothing to do).
 */
export async function ensurePurgeScheduled(deps: ScheduleDeps, options: { runAt?: Date; exceptJobId?: string } = {}): Promise<boolean> {
  return deps.db.transaction().execute(async (tx) => {
    let q = tx.selectFrom('jobs').select('id').where('kind', '=', 'retention.purge').where('state', 'in', ['pending', 'running']);
    if (options.exceptJobId) q = q.where('id', '<>', options.exceptJobId);
    if (await q.executeTakeFirst()) return false;
    await enqueueJob(tx, deps.clock, null, 'retention.purge', {}, { ...(options.runAt ? { runAt: options.runAt } : {}), maxAttempts: 3 });
    return true;
  });
}

/**
 * The job: one purge, then the next one queued PARLEY_PURGE_INTERVAL_HOURS later. A failed run is retried by the
 * runner; after its last attempt the next one is queued all the same, so the schedule never stops.
 */
export function createPurgeHandler(deps: Deps): JobHandler<'retention.purge'> {
  const log = deps.logger.child({ module: 'retention' });
  return async (_payload, job) => {
    const next = () =>
      ensurePurgeScheduled(deps, {
        runAt: new Date(deps.clock.now().getTime() + deps.config.retention.purgeIntervalHours * 3_600_000),
        exceptJobId: job.id,
      });
    try {
      const report = await purgeExpired(deps, { dryRun: false });
      log.info({ deleted: report.deleted, kept: report.kept, orphanBlobs: report.orphanBlobs, ms: report.durationMs }, 'retention purge done');
      deps.signals.emit('purgeFinished', { result: 'ok', deleted: report.deleted, kept: report.kept });
    } catch (err) {
      deps.signals.emit('purgeFinished', { result: 'failed', deleted: 0, kept: 0 });
      if (job.lastAttempt) await next();
      throw err;
    }
    await next();
  };
}
