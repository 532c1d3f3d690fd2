import type { AuditActor } from '../audit/events.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { addMonthsClamped } from '../shared/dates.ts';
import type { OrgId } from '../shared/ids.ts';

type ExtendDeps = Pick<Deps, 'db' | 'clock' | 'audit'>;

/**
 * An authority's request to keep a legal-obligation recording longer (G56; MiFID II Del. Reg. 2017/565 Art. 76(8):
 * up to 7 years): its minimum period and expiry become `started_at + years` (calendar years, UTC), its tracks expire
 * with it, and the authority's reference is stored on the recording. Consent recordings are refused: no law asks
 * for them to be kept. A request that would shorten the period is refused too.
 */
export async function extendRecordingRetention(
  deps: ExtendDeps,
  orgId: OrgId,
  actor: AuditActor,
  recordingId: string,
  body: { reference: string; years: number },
): Promise<{ recordingId: string; retainUntil: string; extensionReference: string }> {
  return deps.db.transaction().execute(async (tx) => {
    const rec = await tx.selectFrom('recordings').selectAll().where('org_id', '=', orgId).where('id', '=', recordingId).executeTakeFirst();
    if (!rec) throw notFound('The recording');
    if (rec.mode !== 'legal_obligation') {
      throw new AppError('RETENTION_EXTENSION_REFUSED', 'Only recordings made under a legal obligation can be kept longer at an authority\'s request.');
    }
    const until = iso(addMonthsClamped(new Date(rec.started_at), body.years * 12));
    const current = rec.retain_until ?? rec.expires_at;
    if (until < current) {
      throw new AppError('RETENTION_EXTENSION_REFUSED', `This recording is already kept until ${current.slice(0, 10)}; an extension cannot shorten that.`);
    }
    await tx.updateTable('recordings').set({ retain_until: until, expires_at: until, extension_reference: body.reference }).where('id', '=', rec.id).execute();
    await tx.updateTable('recording_tracks').set({ expires_at: until }).where('org_id', '=', orgId).where('recording_id', '=', rec.id).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'recording.retention_extended', data: { recordingId: rec.id, years: body.years, retainUntil: until } });
    return { recordingId: rec.id, retainUntil: until, extensionReference: body.reference };
  });
}
