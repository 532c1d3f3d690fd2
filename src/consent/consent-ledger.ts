import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { ConsentRecordsTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type Id, type OrgId } from '../shared/ids.ts';
import { emitWebhook } from '../webhooks/emit-webhook.ts';

export type ConsentAction = 'given' | 'declined' | 'withdrawn';

export interface ConsentEntry {
  readonly callId: string;
  readonly participantId: string;
  readonly subjectId: string;
  readonly consentPurpose: string;
  readonly action: ConsentAction;
  readonly withdrawsId: string | null;
  readonly textHash: string;
  readonly notice: { readonly id: string; readonly version: number; readonly hash: string };
  readonly locale: string;
  readonly method: 'join_page' | 'in_call';
  readonly retentionDays: number;
}

/**
 * Appends to the consent ledger (G11): who (pseudonymous subject id), which call and purpose, the hash of the
 * exact text and the notice version shown, the locale, the server's UTC time and how. No IP address. Written in
 * the caller's transaction together with its audit event; rows are never updated (a withdrawal is a new row).
 */
export async function appendConsent(tx: Tx, deps: Pick<Deps, 'clock' | 'audit'>, orgId: OrgId, actor: AuditActor, entry: ConsentEntry): Promise<Id<'consent'>> {
  const id = newId('consent');
  const now = deps.clock.now();
  await tx
    .insertInto('consent_records')
    .values({
      id,
      org_id: orgId,
      subject_id: entry.subjectId,
      call_id: entry.callId,
      participant_id: entry.participantId,
      consent_purpose: entry.consentPurpose,
      action: entry.action,
      withdraws_id: entry.withdrawsId,
      text_hash: entry.textHash,
      notice_id: entry.notice.id,
      notice_version: entry.notice.version,
      notice_hash: entry.notice.hash,
      locale: entry.locale,
      method: entry.method,
      recorded_at: iso(now),
      expires_at: iso(addDays(now, entry.retentionDays)),
      ...tagged('consent_records'),
    })
    .execute();
  await deps.audit.append(tx, orgId, actor, {
    type: 'consent.recorded',
    data: { consentId: id, callId: entry.callId, subjectId: entry.subjectId, purpose: entry.consentPurpose, action: entry.action },
  });
  await emitWebhook(tx, deps, orgId, { type: 'consent.recorded', data: { consentId: id, callId: entry.callId, subjectId: entry.subjectId, purpose: entry.consentPurpose, action: entry.action } });
  return id;
}

export interface ConsentState {
  readonly purpose: string;
  /** The latest decision for this participant and purpose, if any. */
  readonly action: ConsentAction | null;
  readonly recordId: string | null;
  readonly noticeVersion: number | null;
  readonly textHash: string | null;
  readonly recordedAt: string | null;
}

/** The latest decision per purpose of one participant: what is in force now. */
export async function currentConsents(db: DbOrTx, orgId: OrgId, participantId: string): Promise<Map<string, ConsentRecordsTable>> {
  const rows = await db
    .selectFrom('consent_records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('participant_id', '=', participantId)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  const latest = new Map<string, ConsentRecordsTable>();
  for (const r of rows) latest.set(r.consent_purpose, r);
  return latest;
}

/** A subject's whole consent history, oldest first (console and, later, the access export). */
export async function subjectConsentHistory(db: DbOrTx, orgId: OrgId, subjectId: string) {
  const rows = await db
    .selectFrom('consent_records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('subject_id', '=', subjectId)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    callId: r.call_id,
    participantId: r.participant_id,
    purpose: r.consent_purpose,
    action: r.action as ConsentAction,
    withdrawsId: r.withdraws_id,
    textHash: r.text_hash,
    noticeId: r.notice_id,
    noticeVersion: Number(r.notice_version),
    noticeHash: r.notice_hash,
    locale: r.locale,
    method: r.method,
    recordedAt: r.recorded_at,
    expiresAt: r.expires_at,
  }));
}
