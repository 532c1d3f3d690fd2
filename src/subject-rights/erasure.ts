import { sql } from 'kysely';
import type { AuditActor } from '../audit/events.ts';
import type { Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { eraseTrack } from '../recording/tracks.ts';
import { notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { findSubjectData } from './inventory.ts';

/**
 * Erasure of everything about one subject (Art. 17, G36, G37), driven by the same inventory as the access export.
 *
 * Per item, in this order of precedence of the exceptions (the one lasting longest is reported):
 * - an active legal hold (scope subject, or the item's call, or its recording) keeps the item unchanged;
 * - a legal-obligation recording before its `retain_until` keeps the subject's tracks in it;
 * - proof of consent (Art. 7(1), G11) keeps the `given` and `withdrawn` consent records until their expiry
 *   (a `declined` record proves nothing that needs proving and goes);
 * - the record of a rights request (Art. 5(2), 12) is kept until its own expiry, the current request included.
 * Everything else goes: tracks are crypto-shredded (eraseTrack, reason `erasure_request`) and their rows deleted,
 * chat messages they sent, attendance, mail to their address, exports (key destroyed, blob deleted, the row kept
 * as `erased` without the subject), participant rows. Rows that kept items still refer to (participant, subject)
 * stay, pseudonymised — name and address replaced — unless a hold needs them as they are; they are listed in the
 * report with the exception that keeps them, as are the calls and recordings those kept items belong to.
 *
 * Afterwards findSubjectData finds exactly the `kept` items. Audit: one `subject.data_erased` per category (ids
 * and counts), one `subject.data_kept` (counts per reason), each erased track its own `recording.track_erased`.
 */

export type KeptReason = 'legal_hold' | 'legal_obligation' | 'consent_proof';

export interface ErasureReport {
  erased: { category: string; count: number }[];
  kept: { category: string; itemId: string; reason: KeptReason; reference: string; until: string }[];
}

type Keep = { reason: KeptReason; reference: string; until: string };
/** `subjectContact`: the name and email of a subject row kept (pseudonymised) because a kept item refers to it. */
type ErasedCategory = 'subject' | 'subjectContact' | 'participants' | 'attendance' | 'chatMessages' | 'consentRecords' | 'recordingTracks' | 'exports' | 'mails';

/** The exception lasting longest (a later end date wins; on a tie the first one found). */
function longest(...candidates: (Keep | undefined)[]): Keep | undefined {
  let best: Keep | undefined;
  for (const c of candidates) if (c && (!best || c.until > best.until)) best = c;
  return best;
}

const inIds = (list: readonly string[]) => (list.length > 0 ? list : ['-']);

/** The pseudonym a kept subject row gets instead of its address (unique per subject, never deliverable). */
export const erasedEmail = (subjectId: string) => `erased+${subjectId}@erased.invalid`;
export const ERASED_NAME = '[erased]';

const REQUEST_RECORD_REFERENCE = 'GDPR Art. 5(2), Art. 12: record of the request and how it was answered';
const CONSENT_PROOF_REFERENCE = 'GDPR Art. 7(1): proof of consent given or withdrawn';

export async function eraseSubject(
  deps: Deps,
  orgId: OrgId,
  subjectId: string,
  ctx: { requestId: string; actor: AuditActor },
): Promise<ErasureReport> {
  const { db } = deps;
  const inv = await findSubjectData(db, orgId, subjectId);
  if (!inv.subject) throw notFound('Subject');
  const now = deps.clock.now();
  const nowIso = iso(now);
  const today = nowIso.slice(0, 10);

  // Active holds on the subject, one of their calls or one of the recordings of them.
  const holds = await db
    .selectFrom('legal_holds')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('released_at', 'is', null)
    .where('ends_on', '>=', today)
    .where((eb) =>
      eb.or([
        eb.and([eb('scope', '=', 'subject'), eb('target_id', '=', subjectId)]),
        eb.and([eb('scope', '=', 'call'), eb('target_id', 'in', inIds(inv.calls))]),
        eb.and([eb('scope', '=', 'recording'), eb('target_id', 'in', inIds(inv.recordings))]),
      ]),
    )
    .execute();
  const holdOf = (scope: 'subject' | 'call' | 'recording', target: string | null): Keep | undefined =>
    longest(
      ...holds
        .filter((h) => h.scope === scope && h.target_id === target)
        .map((h): Keep => ({ reason: 'legal_hold', reference: h.reference, until: h.ends_on })),
    );
  const subjectHold = holdOf('subject', subjectId);
  const heldBy = (callId: string | null, recordingId: string | null = null) =>
    longest(subjectHold, holdOf('call', callId), recordingId ? holdOf('recording', recordingId) : undefined);

  const tracks = await db.selectFrom('recording_tracks').select(['id', 'recording_id', 'call_id', 'participant_id']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.recordingTracks)).execute();
  const recordings = await db
    .selectFrom('recordings')
    .select(['id', 'mode', 'legal_reference', 'extension_reference', 'retain_until'])
    .where('org_id', '=', orgId)
    .where('id', 'in', inIds(inv.recordings))
    .execute();
  const recordingById = new Map(recordings.map((r) => [r.id, r]));
  const attendance = await db.selectFrom('call_attendance').select(['id', 'call_id', 'participant_id']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.attendance)).execute();
  const chat = await db.selectFrom('call_chat_messages').select(['id', 'call_id', 'participant_id']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.chatMessages)).execute();
  const consents = await db
    .selectFrom('consent_records')
    .select(['id', 'call_id', 'participant_id', 'action', 'withdraws_id', 'expires_at'])
    .where('org_id', '=', orgId)
    .where('id', 'in', inIds(inv.consentRecords))
    .execute();
  const requests = await db.selectFrom('rights_requests').select(['id', 'expires_at']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.rightsRequests)).execute();
  const participants = await db.selectFrom('participants').select(['id', 'call_id']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.participants)).execute();
  const exportRows = await db.selectFrom('subject_exports').select(['id', 'blob_key']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.exports)).execute();

  const kept: ErasureReport['kept'] = [];
  const keep = (category: string, itemId: string, k: Keep) => kept.push({ category, itemId, ...k });
  /** What keeps each participant row: the exceptions of kept items that refer to it, or a hold on its call. */
  const participantKeep = new Map<string, Keep>();
  const needParticipant = (participantId: string, k: Keep) => participantKeep.set(participantId, longest(participantKeep.get(participantId), k)!);

  // Recording tracks: holds, then a legal-obligation minimum period.
  const tracksToErase: string[] = [];
  for (const t of tracks) {
    const rec = recordingById.get(t.recording_id);
    const obligation: Keep | undefined =
      rec && rec.mode === 'legal_obligation' && rec.retain_until !== null && rec.retain_until > nowIso
        ? { reason: 'legal_obligation', reference: rec.extension_reference ?? rec.legal_reference ?? 'legal obligation to record', until: rec.retain_until }
        : undefined;
    const k = longest(heldBy(t.call_id, t.recording_id), obligation);
    if (k) {
      keep('recordingTracks', t.id, k);
      needParticipant(t.participant_id, k);
    } else tracksToErase.push(t.id);
  }
  const erasedTrackIds = new Set(tracksToErase);
  for (const t of tracks) {
    if (erasedTrackIds.has(t.id)) continue;
    const k = kept.find((e) => e.category === 'recordingTracks' && e.itemId === t.id)!;
    const existing = kept.find((e) => e.category === 'recordings' && e.itemId === t.recording_id);
    const best = longest(existing, k)!;
    if (existing) Object.assign(existing, { reason: best.reason, reference: best.reference, until: best.until });
    else keep('recordings', t.recording_id, { reason: best.reason, reference: best.reference, until: best.until });
  }

  const split = <T extends { id: string; call_id: string; participant_id: string }>(category: string, rows: T[], extra: (row: T) => Keep | undefined = () => undefined) => {
    const erase: string[] = [];
    for (const row of rows) {
      const k = longest(heldBy(row.call_id), extra(row));
      if (k) {
        keep(category, row.id, k);
        needParticipant(row.participant_id, k);
      } else erase.push(row.id);
    }
    return erase;
  };
  const attendanceToErase = split('attendance', attendance);
  const chatToErase = split('chatMessages', chat);
  const consentsToErase = split('consentRecords', consents, (r) =>
    (r.action === 'given' || r.action === 'withdrawn') && r.expires_at > nowIso ? { reason: 'consent_proof', reference: CONSENT_PROOF_REFERENCE, until: r.expires_at } : undefined,
  );
  // A kept withdrawal needs the record it withdraws (a foreign key, and the proof is the pair).
  const consentById = new Map(consents.map((c) => [c.id, c]));
  for (const entry of [...kept]) {
    if (entry.category !== 'consentRecords') continue;
    const withdraws = consentById.get(entry.itemId)?.withdraws_id;
    const idx = withdraws ? consentsToErase.indexOf(withdraws) : -1;
    if (withdraws && idx >= 0) {
      consentsToErase.splice(idx, 1);
      const target = consentById.get(withdraws)!;
      keep('consentRecords', withdraws, { reason: entry.reason, reference: entry.reference, until: entry.until });
      needParticipant(target.participant_id, entry);
    }
  }

  const mailsToErase = subjectHold ? [] : inv.mails;
  for (const id of subjectHold ? inv.mails : []) keep('mails', id, subjectHold!);
  for (const r of requests) keep('rightsRequests', r.id, { reason: 'legal_obligation', reference: REQUEST_RECORD_REFERENCE, until: r.expires_at });

  // Participant rows: kept when a kept item refers to them or a hold covers their call; then the calls they are in.
  const participantsToErase: string[] = [];
  const pseudonymise: string[] = [];
  for (const p of participants) {
    const k = longest(participantKeep.get(p.id), heldBy(p.call_id));
    if (!k) {
      participantsToErase.push(p.id);
      continue;
    }
    keep('participants', p.id, k);
    // Kept as evidence (hold, legal obligation): as it is. Kept only as the other end of a proof: without the name.
    if (k.reason === 'consent_proof' && !heldBy(p.call_id)) pseudonymise.push(p.id);
    const existing = kept.find((e) => e.category === 'calls' && e.itemId === p.call_id);
    const best = longest(existing, k)!;
    if (existing) Object.assign(existing, { reason: best.reason, reference: best.reference, until: best.until });
    else keep('calls', p.call_id, { reason: best.reason, reference: best.reference, until: best.until });
  }

  // The subject row stays while anything kept refers to it; its address and name go unless a subject hold needs them.
  const subjectNeeded = longest(subjectHold, ...kept.filter((e) => e.category !== 'mails' && e.category !== 'calls' && e.category !== 'recordings'));
  if (subjectNeeded) keep('subject', subjectId, { reason: subjectNeeded.reason, reference: subjectNeeded.reference, until: subjectNeeded.until });
  const subjectAction: 'delete' | 'pseudonymise' | 'none' = !subjectNeeded ? 'delete' : subjectHold ? 'none' : 'pseudonymise';

  // 1. Crypto-shredding first, track by track (each destroys its key with its own audit event, then its blob).
  for (const trackId of tracksToErase) await eraseTrack(deps, db, orgId, trackId, 'erasure_request', ctx.actor);

  // 2. Everything else in one transaction with its audit events.
  const erased: Record<ErasedCategory, string[]> = {
    recordingTracks: tracksToErase,
    chatMessages: chatToErase,
    attendance: attendanceToErase,
    consentRecords: consentsToErase,
    mails: mailsToErase,
    exports: exportRows.map((e) => e.id),
    participants: participantsToErase,
    subject: subjectAction === 'delete' ? [subjectId] : [],
    subjectContact: subjectAction === 'pseudonymise' ? [subjectId] : [],
  };
  await db.transaction().execute(async (tx) => {
    if (tracksToErase.length > 0) await tx.deleteFrom('recording_tracks').where('org_id', '=', orgId).where('id', 'in', tracksToErase).execute();
    if (chatToErase.length > 0) await tx.deleteFrom('call_chat_messages').where('org_id', '=', orgId).where('id', 'in', chatToErase).execute();
    if (attendanceToErase.length > 0) await tx.deleteFrom('call_attendance').where('org_id', '=', orgId).where('id', 'in', attendanceToErase).execute();
    if (consentsToErase.length > 0) await deleteConsentRecords(tx, deps, orgId, consentsToErase, consents);
    if (mailsToErase.length > 0) await tx.deleteFrom('mail_outbox').where('org_id', '=', orgId).where('id', 'in', mailsToErase).execute();
    if (exportRows.length > 0) {
      // The key goes with the commit; the blobs are deleted after it (unreadable already).
      await tx
        .updateTable('subject_exports')
        .set({ status: 'erased', wrapped_key: null, subject_id: null })
        .where('org_id', '=', orgId)
        .where('id', 'in', exportRows.map((e) => e.id))
        .execute();
    }
    if (participantsToErase.length > 0) await tx.deleteFrom('participants').where('org_id', '=', orgId).where('id', 'in', participantsToErase).execute();
    if (pseudonymise.length > 0) await tx.updateTable('participants').set({ display_name: ERASED_NAME }).where('org_id', '=', orgId).where('id', 'in', pseudonymise).execute();
    if (subjectAction === 'delete') await tx.deleteFrom('subjects').where('org_id', '=', orgId).where('id', '=', subjectId).execute();
    if (subjectAction === 'pseudonymise') {
      await tx
        .updateTable('subjects')
        .set({ email: erasedEmail(subjectId), display_name: ERASED_NAME, updated_at: nowIso })
        .where('org_id', '=', orgId)
        .where('id', '=', subjectId)
        .execute();
    }
    for (const [category, ids] of Object.entries(erased) as [ErasedCategory, string[]][]) {
      if (ids.length === 0) continue;
      await deps.audit.append(tx, orgId, ctx.actor, {
        type: 'subject.data_erased',
        data: { requestId: ctx.requestId, subjectId, category, count: ids.length, ids: [...ids].sort() },
      });
    }
    const count = (reason: KeptReason) => kept.filter((e) => e.reason === reason).length;
    if (kept.length > 0) {
      await deps.audit.append(tx, orgId, ctx.actor, {
        type: 'subject.data_kept',
        data: { requestId: ctx.requestId, subjectId, legalHold: count('legal_hold'), legalObligation: count('legal_obligation'), consentProof: count('consent_proof') },
      });
    }
  });

  // 3. After the commit: the exports' ciphertext (their keys are already gone).
  for (const e of exportRows) await deps.blobs.delete(e.blob_key);

  const order = (a: { category: string; itemId: string }, b: { category: string; itemId: string }) =>
    a.category === b.category ? a.itemId.localeCompare(b.itemId) : a.category.localeCompare(b.category);
  return {
    erased: (Object.entries(erased) as [ErasedCategory, string[]][]).filter(([, ids]) => ids.length > 0).map(([category, ids]) => ({ category, count: ids.length })),
    kept: kept.sort(order),
  };
}

/**
 * Consent records are append-only at the database (migration 0004); deleting them needs the retention unlock for
 * this transaction only. Withdrawals go before the records they withdraw (foreign key).
 */
async function deleteConsentRecords(
  tx: Tx,
  deps: Pick<Deps, 'dialect'>,
  orgId: OrgId,
  ids: string[],
  rows: readonly { id: string; withdraws_id: string | null }[],
): Promise<void> {
  const unlock = `erasure-${orgId}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  if (deps.dialect === 'postgres') await sql`select set_config('parley.retention', 'on', true)`.execute(tx);
  else await sql`insert into retention_unlock (txn) values (${unlock})`.execute(tx);
  const set = new Set(ids);
  const withdrawals = rows.filter((r) => set.has(r.id) && r.withdraws_id !== null).map((r) => r.id);
  const others = ids.filter((id) => !withdrawals.includes(id));
  if (withdrawals.length > 0) await tx.deleteFrom('consent_records').where('org_id', '=', orgId).where('id', 'in', withdrawals).execute();
  if (others.length > 0) await tx.deleteFrom('consent_records').where('org_id', '=', orgId).where('id', 'in', others).execute();
  if (deps.dialect === 'postgres') await sql`select set_config('parley.retention', 'off', true)`.execute(tx);
  else await sql`delete from retention_unlock where txn = ${unlock}`.execute(tx);
}
