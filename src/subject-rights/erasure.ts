import { recordShredded } from '../keys/shred-journal.ts';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { CHAT_SEAL_LABEL } from '../calls/call-records.ts';
import { eraseTrack } from '../recording/tracks.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { CONSENT_PROOF_REFERENCE, LEGAL_OBLIGATION_FALLBACK_REFERENCE, REQUEST_RECORD_REFERENCE } from './erasure-references.ts';
import { findSubjectData } from './inventory.ts';
import { failpoint } from '../config/failpoints.ts';

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
 * chat messages they sent, attendance, mail to their address or about them (the agent's confirmation names them),
 * exports (key destroyed, blob deleted, the row kept as `erased` without the subject), participant rows. Their name
 * and address are replaced (`[…]`) in the chat messages other people wrote in their calls (`chatMentions`): those
 * messages are the writer's, the name in them is the subject's. Rows that kept items still refer to (participant,
 * subject) stay, pseudonymised — name and address replaced — unless a hold needs them as they are; they are listed
 * in the report with the exception that keeps them, as are the calls and recordings those kept items belong to.
 *
 * The same plan serves the preview (`previewErasure`: nothing changes) and the erasure itself; the preview's
 * fingerprint, handed back with the DPO's confirmation, makes sure what is erased is what was shown.
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
/**
 * `subjectContact`: the name and email of a subject row kept (pseudonymised) because a kept item refers to it.
 * `chatMentions`: other people's chat messages in which the name or address was replaced.
 */
type ErasedCategory =
  | 'subject'
  | 'subjectContact'
  | 'participants'
  | 'attendance'
  | 'chatMessages'
  | 'chatMentions'
  | 'consentRecords'
  | 'recordingTracks'
  | 'exports'
  | 'mails';

/** What replaces the subject's name or address in a message someone else wrote: reads the same in any language. */
export const CHAT_REDACTION = '[…]';

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

/**
 * The strings that identify the subject in free text: the address, each name they were known by (the subject row
 * and their seats), and each part of those names of two letters or more — an agent writes "Hallo Frau Müller" or
 * "Hi Zoë", not the full name. Matched as whole words, case-insensitively. A short name part that is also a common
 * word ("Klein") is replaced there too: in a message already about the person, over-replacing is the safe side.
 */
function identifiers(email: string, names: readonly string[]): string[] {
  const found = new Set<string>([email.normalize('NFC')]);
  for (const name of names) {
    const n = name.normalize('NFC').trim();
    if (n.length === 0 || n === ERASED_NAME) continue;
    found.add(n);
    for (const part of n.split(/[^\p{L}\p{M}'’-]+/u)) if ((part.match(/\p{L}/gu) ?? []).length >= 2) found.add(part);
  }
  // Longest first, so the full name is replaced as one before its parts.
  return [...found].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text with every identifier replaced, or null when none occurs. */
export function redactIdentifiers(text: string, ids: readonly string[]): string | null {
  if (ids.length === 0) return null;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}@.+_-])(?:${ids.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}@])`, 'giu');
  const normal = text.normalize('NFC');
  const replaced = normal.replace(pattern, CHAT_REDACTION);
  return replaced === normal ? null : replaced;
}

/** Everything one erasure would do, computed without changing anything. */
interface ErasurePlan {
  readonly subjectId: string;
  readonly erase: Record<ErasedCategory, string[]>;
  readonly kept: ErasureReport['kept'];
  readonly pseudonymiseParticipants: string[];
  readonly subjectAction: 'delete' | 'pseudonymise' | 'none';
  readonly consents: { id: string; withdraws_id: string | null }[];
  readonly exportBlobs: { id: string; blob_key: string }[];
  /** Other people's chat messages with the subject's name or address replaced, sealed again. */
  readonly redactedChat: { id: string; sealed: string }[];
}

async function planErasure(deps: Deps, db: DbOrTx, orgId: OrgId, subjectId: string): Promise<ErasurePlan | null> {
  const inv = await findSubjectData(db, orgId, subjectId);
  if (!inv.subject) return null;
  const nowIso = iso(deps.clock.now());
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
    .orderBy('id')
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

  const tracks = await db
    .selectFrom('recording_tracks')
    .select(['id', 'recording_id', 'call_id', 'participant_id'])
    .where('org_id', '=', orgId)
    .where('id', 'in', inIds(inv.recordingTracks))
    .orderBy('id')
    .execute();
  const recordings = await db
    .selectFrom('recordings')
    .select(['id', 'mode', 'legal_reference', 'extension_reference', 'retain_until'])
    .where('org_id', '=', orgId)
    .where('id', 'in', inIds(inv.recordings))
    .execute();
  const recordingById = new Map(recordings.map((r) => [r.id, r]));
  const attendance = await db.selectFrom('call_attendance').select(['id', 'call_id', 'participant_id']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.attendance)).orderBy('id').execute();
  const chat = await db.selectFrom('call_chat_messages').select(['id', 'call_id', 'participant_id']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.chatMessages)).orderBy('id').execute();
  const consents = await db
    .selectFrom('consent_records')
    .select(['id', 'call_id', 'participant_id', 'action', 'withdraws_id', 'expires_at'])
    .where('org_id', '=', orgId)
    .where('id', 'in', inIds(inv.consentRecords))
    .orderBy('id')
    .execute();
  const requests = await db.selectFrom('rights_requests').select(['id', 'expires_at']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.rightsRequests)).orderBy('id').execute();
  const participants = await db.selectFrom('participants').select(['id', 'call_id', 'display_name']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.participants)).orderBy('id').execute();
  const exportRows = await db.selectFrom('subject_exports').select(['id', 'blob_key']).where('org_id', '=', orgId).where('id', 'in', inIds(inv.exports)).orderBy('id').execute();

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
        ? { reason: 'legal_obligation', reference: rec.extension_reference ?? rec.legal_reference ?? LEGAL_OBLIGATION_FALLBACK_REFERENCE, until: rec.retain_until }
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

  // Other people's chat messages in the subject's calls that name them (a hold on the call keeps them as they are).
  const ownSeats = new Set(inv.participants);
  const others = await db
    .selectFrom('call_chat_messages')
    .select(['id', 'call_id', 'participant_id', 'body_sealed'])
    .where('org_id', '=', orgId)
    .where('call_id', 'in', inIds(inv.calls))
    .orderBy('id')
    .execute();
  const needles = identifiers(inv.subject.email, [inv.subject.displayName, ...participants.map((p) => p.display_name)]);
  const redactedChat: { id: string; sealed: string }[] = [];
  for (const m of others) {
    if (ownSeats.has(m.participant_id) || heldBy(m.call_id)) continue;
    const redacted = redactIdentifiers(deps.keys.open(CHAT_SEAL_LABEL, m.id, m.body_sealed), needles);
    if (redacted !== null) redactedChat.push({ id: m.id, sealed: deps.keys.seal(CHAT_SEAL_LABEL, m.id, redacted) });
  }

  const order = (a: { category: string; itemId: string }, b: { category: string; itemId: string }) =>
    a.category === b.category ? a.itemId.localeCompare(b.itemId) : a.category.localeCompare(b.category);
  return {
    subjectId,
    erase: {
      recordingTracks: tracksToErase,
      chatMessages: chatToErase,
      chatMentions: redactedChat.map((m) => m.id),
      attendance: attendanceToErase,
      consentRecords: consentsToErase,
      mails: mailsToErase,
      exports: exportRows.map((e) => e.id),
      participants: participantsToErase,
      subject: subjectAction === 'delete' ? [subjectId] : [],
      subjectContact: subjectAction === 'pseudonymise' ? [subjectId] : [],
    },
    kept: kept.sort(order),
    pseudonymiseParticipants: pseudonymise,
    subjectAction,
    consents,
    exportBlobs: exportRows,
    redactedChat,
  };
}

/** The report a plan leads to: counts per erased category, every kept item with its exception. */
function reportOf(plan: ErasurePlan): ErasureReport {
  return {
    erased: (Object.entries(plan.erase) as [ErasedCategory, string[]][]).filter(([, ids]) => ids.length > 0).map(([category, ids]) => ({ category, count: ids.length })),
    kept: plan.kept.map((k) => ({ ...k })),
  };
}

/**
 * A digest of exactly what a plan touches (ids per category, kept items with their exceptions, what happens to the
 * subject row). The preview hands it out; the erasure refuses to run when the plan it computes differs.
 */
function fingerprintOf(plan: ErasurePlan | null): string {
  const body = plan
    ? {
        erase: Object.fromEntries(Object.entries(plan.erase).map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => String(a).localeCompare(String(b)))),
        kept: plan.kept.map((k) => [k.category, k.itemId, k.reason, k.reference, k.until]),
        subject: plan.subjectAction,
        pseudonymise: [...plan.pseudonymiseParticipants].sort(),
      }
    : { nothing: true };
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
}

/**
 * Kept items grouped for reading: one entry per category, exception and last day, with how many items it keeps
 * (two requests made the same day are kept until the same day, a few milliseconds apart); `until` is the latest.
 */
export function groupKept(kept: ErasureReport['kept']) {
  const groups = new Map<string, { category: string; reason: KeptReason; reference: string; until: string; count: number }>();
  for (const k of kept) {
    const key = JSON.stringify([k.category, k.reason, k.reference, k.until.slice(0, 10)]);
    const g = groups.get(key) ?? { category: k.category, reason: k.reason, reference: k.reference, until: k.until, count: 0 };
    g.count += 1;
    if (k.until > g.until) g.until = k.until;
    groups.set(key, g);
  }
  return [...groups.values()];
}

export interface ErasurePreview {
  /** Whether anything is on file for the request's address (otherwise the erasure only answers the requester). */
  readonly subjectFound: boolean;
  readonly erased: ErasureReport['erased'];
  readonly kept: ReturnType<typeof groupKept>;
  /** Hand back with the confirmation: the erasure runs only if it would still do exactly this. */
  readonly fingerprint: string;
}

/** What erasing this subject would do now — computed, nothing changed (issue 12, finding 11). */
export async function previewErasure(deps: Deps, orgId: OrgId, subjectId: string | null): Promise<ErasurePreview> {
  const plan = subjectId ? await planErasure(deps, deps.db, orgId, subjectId) : null;
  if (!plan) return { subjectFound: false, erased: [], kept: [], fingerprint: fingerprintOf(null) };
  const report = reportOf(plan);
  return { subjectFound: true, erased: report.erased, kept: groupKept(report.kept), fingerprint: fingerprintOf(plan) };
}

/** The preview for a rights request: only an open erasure request has one. */
export async function previewErasureForRequest(deps: Deps, orgId: OrgId, requestId: string): Promise<ErasurePreview> {
  const row = await deps.db.selectFrom('rights_requests').select(['id', 'type', 'status', 'subject_id']).where('org_id', '=', orgId).where('id', '=', requestId).executeTakeFirst();
  if (!row) throw notFound('Request');
  if (row.type !== 'erasure') throw new AppError('CONFLICT', `This is not an erasure request: there is nothing to preview.`);
  if (row.status === 'unverified') throw new AppError('CONFLICT', 'The requester has not confirmed their address yet.');
  if (row.status !== 'open') throw new AppError('CONFLICT', `This request is already ${row.status}.`);
  return previewErasure(deps, orgId, row.subject_id);
}

/** Refuses when what would be erased now is not what the preview (with this fingerprint) showed. */
export function stalePreview(): AppError {
  return new AppError(
    'ERASURE_PREVIEW_STALE',
    'What this erasure would delete or keep has changed since the preview was made (new data, or a legal hold placed or released). Look at the new preview and confirm again.',
  );
}

/** Checks a preview's fingerprint against what erasing would do now, without erasing. */
export async function checkErasurePreview(deps: Deps, orgId: OrgId, subjectId: string | null, fingerprint: string): Promise<void> {
  const plan = subjectId ? await planErasure(deps, deps.db, orgId, subjectId) : null;
  if (fingerprintOf(plan) !== fingerprint) throw stalePreview();
}

export async function eraseSubject(
  deps: Deps,
  orgId: OrgId,
  subjectId: string,
  ctx: {
    requestId: string;
    actor: AuditActor;
    expectedFingerprint?: string | undefined;
    /**
     * Runs inside the erasing transaction, with the report: the request's completion commits with the erasure or not
     * at all. (Committed apart, a crash between the two left the request open with the data gone, and the erasure run
     * again reported only what was left to do: not the whole report, and its audit events twice.)
     */
    complete?: (tx: Tx, report: ErasureReport) => Promise<void>;
  },
): Promise<ErasureReport> {
  const { db } = deps;
  const plan = await planErasure(deps, db, orgId, subjectId);
  if (!plan) throw notFound('Subject');
  if (ctx.expectedFingerprint !== undefined && ctx.expectedFingerprint !== fingerprintOf(plan)) throw stalePreview();
  const nowIso = iso(deps.clock.now());
  const erased = plan.erase;

  // 1. Crypto-shredding first, track by track (each destroys its key with its own audit event, then its blob).
  for (const trackId of erased.recordingTracks) await eraseTrack(deps, db, orgId, trackId, 'erasure_request', ctx.actor);
  failpoint('erasure.after_tracks_shredded');

  // 2. Everything else in one transaction with its audit events.
  await db.transaction().execute(async (tx) => {
    if (erased.recordingTracks.length > 0) await tx.deleteFrom('recording_tracks').where('org_id', '=', orgId).where('id', 'in', erased.recordingTracks).execute();
    if (erased.chatMessages.length > 0) await tx.deleteFrom('call_chat_messages').where('org_id', '=', orgId).where('id', 'in', erased.chatMessages).execute();
    for (const m of plan.redactedChat) await tx.updateTable('call_chat_messages').set({ body_sealed: m.sealed }).where('org_id', '=', orgId).where('id', '=', m.id).execute();
    if (erased.attendance.length > 0) await tx.deleteFrom('call_attendance').where('org_id', '=', orgId).where('id', 'in', erased.attendance).execute();
    if (erased.consentRecords.length > 0) await deleteConsentRecords(tx, deps, orgId, erased.consentRecords, plan.consents);
    if (erased.mails.length > 0) {
      await tx.deleteFrom('mail_outbox').where('org_id', '=', orgId).where('id', 'in', erased.mails).execute();
      await settleMailJobs(tx, nowIso, erased.mails);
    }
    if (erased.exports.length > 0) {
      // The key goes with the commit; the blobs are deleted after it (unreadable already).
      recordShredded(deps, 'subject_exports', erased.exports);
      await tx
        .updateTable('subject_exports')
        .set({ status: 'erased', wrapped_key: null, subject_id: null })
        .where('org_id', '=', orgId)
        .where('id', 'in', erased.exports)
        .execute();
    }
    if (erased.participants.length > 0) await tx.deleteFrom('participants').where('org_id', '=', orgId).where('id', 'in', erased.participants).execute();
    if (plan.pseudonymiseParticipants.length > 0) {
      await tx.updateTable('participants').set({ display_name: ERASED_NAME }).where('org_id', '=', orgId).where('id', 'in', plan.pseudonymiseParticipants).execute();
    }
    if (plan.subjectAction === 'delete') await tx.deleteFrom('subjects').where('org_id', '=', orgId).where('id', '=', subjectId).execute();
    if (plan.subjectAction === 'pseudonymise') {
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
    const count = (reason: KeptReason) => plan.kept.filter((e) => e.reason === reason).length;
    if (plan.kept.length > 0) {
      await deps.audit.append(tx, orgId, ctx.actor, {
        type: 'subject.data_kept',
        data: { requestId: ctx.requestId, subjectId, legalHold: count('legal_hold'), legalObligation: count('legal_obligation'), consentProof: count('consent_proof') },
      });
    }
    await ctx.complete?.(tx, reportOf(plan));
    failpoint('erasure.before_commit');
  });
  failpoint('erasure.after_commit');

  // 3. After the commit: the exports' ciphertext (their keys are already gone).
  for (const e of plan.exportBlobs) await deps.blobs.delete(e.blob_key);

  return reportOf(plan);
}

/**
 * The delivery jobs of erased messages: a pending one would only fail (the message is gone), so it is closed; and
 * no job keeps an error text from before addresses were taken out of relay answers (send-mail.ts).
 */
async function settleMailJobs(tx: Tx, nowIso: string, mailIds: readonly string[]): Promise<void> {
  const payloads = mailIds.map((mailId) => JSON.stringify({ mailId }));
  for (let i = 0; i < payloads.length; i += 500) {
    const batch = payloads.slice(i, i + 500);
    await tx
      .updateTable('jobs')
      .set({ state: 'done', done_at: nowIso, updated_at: nowIso, last_error: null })
      .where('kind', '=', 'mail.send')
      .where('state', '=', 'pending')
      .where('payload', 'in', batch)
      .execute();
    await tx.updateTable('jobs').set({ last_error: null }).where('kind', '=', 'mail.send').where('payload', 'in', batch).where('last_error', 'is not', null).execute();
  }
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
