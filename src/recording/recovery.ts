import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { finaliseTrack, recordingPrefix, recoverTrack } from './tracks.ts';

export interface RecoveryReport {
  readonly recordings: number;
  readonly tracks: number;
  readonly incomplete: number;
  readonly failed: number;
  readonly orphanBlobsDeleted: number;
}

/**
 * Which interrupted work a recovery takes. A single node takes everything (at start, nothing else is running). A node
 * of a cluster takes the tracks of dead nodes only, and finalises a recording only once its call did not come back
 * to a live node (src/cluster/cluster-recovery.ts).
 */
export interface RecoveryScope {
  readonly tracks: (nodeId: string | null) => boolean;
  readonly recordings: (recording: { readonly id: string; readonly call_id: string; readonly node_id: string | null }) => boolean;
}

const everything: RecoveryScope = { tracks: () => true, recordings: () => true };

/**
 * Runs at start, before calls are accepted: recordings a crash interrupted are closed. A track still `recording`
 * keeps what reached the store — its upload is recovered, cut to the last whole encrypted chunk and the last
 * whole WebM block, given its real duration and re-encrypted under a new key — and becomes `incomplete`; one
 * caught while `finalising` is finalised as `complete`. Nothing is ever left as plaintext, and blobs no row
 * points to (a crash between writing a new object and deleting the old one) are deleted. Idempotent.
 */
export async function recoverRecordings(deps: Pick<Deps, 'db' | 'keys' | 'clock' | 'audit' | 'blobs' | 'logger' | 'config'>, scope: RecoveryScope = everything): Promise<RecoveryReport> {
  const log = deps.logger.child({ module: 'recording-recovery' });
  const tracks = (
    await deps.db
      .selectFrom('recording_tracks')
      .select(['id', 'org_id', 'recording_id', 'status', 'blob_key', 'node_id'])
      .where('status', 'in', ['recording', 'finalising'])
      .execute()
  ).filter((t) => scope.tracks(t.node_id));
  const recordings = (
    await deps.db.selectFrom('recordings').select(['id', 'org_id', 'status', 'call_id', 'node_id']).where('status', '=', 'recording').execute()
  ).filter((r) => scope.recordings(r));
  let incomplete = 0;
  let failed = 0;
  for (const t of tracks) {
    const orgId = t.org_id as OrgId;
    try {
      if (t.status === 'recording') {
        const status = await recoverTrack(deps, orgId, t.id);
        if (status === 'failed') failed++;
        else if (status === 'incomplete') incomplete++;
      } else {
        const status = await finaliseTrack(deps, orgId, t.id, { status: 'complete', requireFinal: false });
        if (status === 'failed') failed++;
      }
    } catch (err) {
      failed++;
      log.error({ err, trackId: t.id }, 'track could not be recovered');
    }
  }
  for (const r of recordings) {
    const ended = await deps.db
      .selectFrom('recording_tracks')
      .select((eb) => eb.fn.max('ended_at').as('last'))
      .where('recording_id', '=', r.id)
      .executeTakeFirst();
    const stoppedAt = ended?.last ?? iso(deps.clock.now());
    await deps.db.transaction().execute(async (tx) => {
      // Only while it is still what was read: in a cluster another node may have adopted it meanwhile.
      const done = await tx
        .updateTable('recordings')
        .set({ status: 'incomplete', stop_reason: 'crash', stopped_at: stoppedAt })
        .where('id', '=', r.id)
        .where('status', '=', 'recording')
        .where((eb) => (r.node_id === null ? eb('node_id', 'is', null) : eb('node_id', '=', r.node_id)))
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) return;
      await deps.audit.append(tx, r.org_id as OrgId, { type: 'system' }, {
        type: 'recording.stopped',
        data: { recordingId: r.id, callId: r.call_id, reason: 'crash' },
      });
    });
  }
  // Blobs of the recordings just recovered that no row points to any more.
  let orphanBlobsDeleted = 0;
  const touched = new Map<string, string>();
  for (const t of tracks) touched.set(t.recording_id, t.org_id);
  for (const r of recordings) touched.set(r.id, r.org_id);
  for (const [recordingId, orgId] of touched) {
    // A recording still running (adopted by the node its call moved to, in a cluster) is writing new blobs now.
    const now = await deps.db.selectFrom('recordings').select('status').where('id', '=', recordingId).executeTakeFirst();
    if (now?.status === 'recording') continue;
    const referenced = new Set(
      (await deps.db.selectFrom('recording_tracks').select('blob_key').where('recording_id', '=', recordingId).where('status', '!=', 'erased').execute()).map((r) => r.blob_key),
    );
    for (const key of await deps.blobs.list(recordingPrefix(orgId, recordingId))) {
      if (referenced.has(key)) continue;
      await deps.blobs.delete(key);
      orphanBlobsDeleted++;
    }
  }
  return { recordings: recordings.length, tracks: tracks.length, incomplete, failed, orphanBlobsDeleted };
}
