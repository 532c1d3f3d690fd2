import type { AuditActor } from '../audit/events.ts';
import type { Deps } from '../deps.ts';
import { eraseTrack } from '../recording/tracks.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { holdCoveringRecording } from './legal-holds.ts';

type EraseDeps = Pick<Deps, 'db' | 'keys' | 'clock' | 'audit' | 'blobs' | 'config'>;

/**
 * Erases a recording before its expiry, on a DPO's or an administrator's decision (an erasure request, G36): every
 * track is crypto-shredded (eraseTrack: key destroyed with its audit event, then the blob), and the rows are left to
 * the next purge (their expiry is set to now). Refused while something requires the recording to stay:
 * - 423 when its processing is restricted (G20: deletion waits for the restriction to be lifted);
 * - 409 LEGAL_HOLD under an active legal hold (G37);
 * - 409 LEGAL_MINIMUM for a legal-obligation recording before the end of its minimum period (G56).
 */
export async function eraseRecording(deps: EraseDeps, orgId: OrgId, actor: AuditActor, recordingId: string): Promise<{ recordingId: string; erasedTracks: number }> {
  const now = deps.clock.now();
  const rec = await deps.db.selectFrom('recordings').selectAll().where('org_id', '=', orgId).where('id', '=', recordingId).executeTakeFirst();
  if (!rec) throw notFound('The recording');
  if (rec.restricted_at !== null) {
    throw new AppError('RECORDING_RESTRICTED', 'Processing of this recording is restricted: it cannot be deleted until the restriction is lifted.');
  }
  const hold = await holdCoveringRecording(deps.db, orgId, now, { id: rec.id, callId: rec.call_id });
  if (hold) {
    throw new AppError('LEGAL_HOLD', `This recording is under a legal hold (${hold.reference}) until ${hold.ends_on}; it cannot be deleted before the hold is released or ends.`, {
      details: { holdId: hold.id, endsOn: hold.ends_on },
    });
  }
  const until = rec.retain_until ?? (rec.mode === 'legal_obligation' ? rec.expires_at : null);
  if (rec.mode === 'legal_obligation' && until !== null && until > iso(now)) {
    throw new AppError(
      'LEGAL_MINIMUM',
      `This recording is kept under a legal obligation (${rec.legal_reference ?? 'record-keeping'}) until ${until.slice(0, 10)}; it cannot be deleted before that date.`,
      { details: { retainUntil: until } },
    );
  }
  if (rec.status === 'recording') throw new AppError('CONFLICT', 'This recording is still running; stop it first.');

  const tracks = await deps.db.selectFrom('recording_tracks').select('id').where('org_id', '=', orgId).where('recording_id', '=', rec.id).execute();
  let erased = 0;
  for (const t of tracks) if (await eraseTrack(deps, deps.db, orgId, t.id, 'erasure_request', actor)) erased += 1;
  await deps.db.transaction().execute(async (tx) => {
    await tx.updateTable('recordings').set({ expires_at: iso(now) }).where('id', '=', rec.id).execute();
    await tx.updateTable('recording_tracks').set({ expires_at: iso(now) }).where('recording_id', '=', rec.id).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'recording.erased', data: { recordingId: rec.id, tracks: erased } });
  });
  return { recordingId: rec.id, erasedTracks: erased };
}
