import type { Deps } from '../deps.ts';
import { JobError, type JobHandler } from '../jobs/job-runner.ts';
import type { OrgId } from '../shared/ids.ts';
import { eraseTrack } from './tracks.ts';

/**
 * Job `recording.erase_withdrawn`: after a participant withdrew their consent, what was recorded of them on
 * consent alone is erased (G13, Art. 17(1)(b)) — key destroyed first, then the blob. Tracks on another basis stay.
 * A track still being finalised is retried later (the job fails and is rescheduled with backoff).
 */
export function createEraseWithdrawnHandler(deps: Deps): JobHandler<'recording.erase_withdrawn'> {
  return async ({ recordingId, participantId }, job) => {
    const orgId = job.orgId as OrgId;
    const tracks = await deps.db
      .selectFrom('recording_tracks')
      .select(['id', 'status'])
      .where('org_id', '=', orgId)
      .where('recording_id', '=', recordingId)
      .where('participant_id', '=', participantId)
      .where('basis', '=', 'consent')
      .execute();
    if (tracks.some((t) => t.status === 'recording' || t.status === 'finalising')) {
      throw new JobError('TRACK_BUSY', 'a track of this participant is still being written; erasure retried later');
    }
    for (const t of tracks) await eraseTrack(deps, deps.db, orgId, t.id, 'consent_withdrawn');
  };
}
