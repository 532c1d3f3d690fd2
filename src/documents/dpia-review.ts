import { z } from 'zod';
import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import type { ConfigStamp } from './document-sources.ts';
import { describeStamp } from './describe-stamp.ts';

/**
 * The mini-DPIA's state (G51): `not_approved` until a DPO first approves it; `approved`; `needs_review` once a
 * setting the assessment rests on changes (recording, retention, E2EE, biometrics) until a DPO approves it again.
 */
export const dpiaStates = ['not_approved', 'approved', 'needs_review'] as const;
export type DpiaStateName = (typeof dpiaStates)[number];

export const dpiaStateSchema = z.object({
  state: z.enum(dpiaStates),
  approvedAt: z.string().nullable(),
  approvedBy: z.string().nullable(),
  /** The configuration stamp the approval was given for. */
  approvedConfig: z.string().nullable(),
  /** Setting codes whose change asked for the review, e.g. `call_type.retention.recordingsDays` (for programs). */
  reviewReasons: z.array(z.string()),
  /** The same reasons in words, for people: "how long recordings are kept". */
  reviewReasonTexts: z.array(z.string()),
  /** The configuration approved, in words: "organisation settings version 3, call type “Beratung” version 1". */
  approvedConfigText: z.string().nullable(),
});
export type DpiaState = z.infer<typeof dpiaStateSchema>;

const reasonsSchema = z.array(z.string());

const reasonWords: Readonly<Record<string, string>> = {
  'call_type.created': 'a new call type',
  'call_type.recordingMode': 'how calls are recorded',
  'call_type.recordingLegalReference': 'the law that requires recording',
  'call_type.staffRecordingInterest': 'the interest in recording staff',
  'call_type.chatKept': 'whether the chat is kept',
  'call_type.e2eeRequired': 'end-to-end encryption',
  'call_type.biometricFeatures': 'face and voice analysis',
  'call_type.dpiaReference': 'the DPIA reference',
  'call_type.retention.callMetadataDays': 'how long call details are kept',
  'call_type.retention.chatDays': 'how long chat messages are kept',
  'call_type.retention.recordingsDays': 'how long recordings are kept',
  'call_type.retention.consentDays': 'how long consent records are kept',
};

/** A review reason in words; a code this version does not know is described, never shown as is. */
export const reviewReasonText = (code: string): string => reasonWords[code] ?? 'another setting of a call type';

/** `org v3; ct_a v2, ct_b v1` (ConfigStamp.label) back into its parts; null for anything else. */
export function parseStampLabel(label: string): { configVersion: number; callTypes: { id: string; version: number }[] } | null {
  const m = /^org v(\d+); (.*)$/.exec(label);
  if (!m) return null;
  if (m[2] === 'no call types') return { configVersion: Number(m[1]), callTypes: [] };
  const callTypes: { id: string; version: number }[] = [];
  for (const part of m[2]!.split(', ')) {
    const ct = /^(ct_[0-9a-z]+) v(\d+)$/.exec(part);
    if (!ct) return null;
    callTypes.push({ id: ct[1]!, version: Number(ct[2]) });
  }
  return { configVersion: Number(m[1]), callTypes };
}

/** The approved stamp in words, naming each call type by its name (call types are archived, never deleted). */
async function approvedConfigText(db: DbOrTx, orgId: OrgId, label: string | null): Promise<string | null> {
  const parsed = label ? parseStampLabel(label) : null;
  if (!parsed) return null;
  const ids = parsed.callTypes.map((c) => c.id);
  const names = new Map(
    ids.length === 0
      ? []
      : (await db.selectFrom('call_types').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', ids).execute()).map((r) => [r.id, r.name]),
  );
  return describeStamp({
    configVersion: parsed.configVersion,
    callTypes: parsed.callTypes.map((c) => ({ id: c.id, name: names.get(c.id) ?? 'a call type no longer known', version: c.version })),
  });
}

export async function getDpiaState(db: DbOrTx, orgId: OrgId): Promise<DpiaState> {
  const row = await db.selectFrom('dpia_reviews').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!row) return { state: 'not_approved', approvedAt: null, approvedBy: null, approvedConfig: null, reviewReasons: [], reviewReasonTexts: [], approvedConfigText: null };
  const reviewReasons = reasonsSchema.parse(JSON.parse(row.review_reasons));
  return {
    state: row.state === 'approved' ? 'approved' : 'needs_review',
    approvedAt: row.approved_at,
    approvedBy: row.approved_by,
    approvedConfig: row.approved_config,
    reviewReasons,
    reviewReasonTexts: reviewReasons.map(reviewReasonText),
    approvedConfigText: await approvedConfigText(db, orgId, row.approved_config),
  };
}

/** Settings of a call type the DPIA rests on: a change to any of them asks the DPO to review it again. */
const reviewedCallTypeFields = ['recordingMode', 'recordingLegalReference', 'staffRecordingInterest', 'chatKept', 'e2eeRequired', 'biometricFeatures', 'dpiaReference'];

/** The changed call type fields (as `call_type.updated` names them) that put the DPIA back to review. */
export function dpiaRelevantFields(fields: readonly string[]): string[] {
  return fields.filter((f) => reviewedCallTypeFields.includes(f) || f.startsWith('retention.')).map((f) => `call_type.${f}`);
}

/**
 * Called inside the transaction of the change (STYLE 10): an approved DPIA goes back to `needs_review`, with the
 * settings that changed added to the reasons. A DPIA never approved stays `not_approved`. Nothing to do for an
 * empty list, so callers can pass whatever changed.
 */
export async function markDpiaNeedsReview(tx: Tx, deps: Pick<Deps, 'clock'>, orgId: OrgId, reasons: readonly string[]): Promise<void> {
  if (reasons.length === 0) return;
  const row = await tx.selectFrom('dpia_reviews').select(['review_reasons']).where('org_id', '=', orgId).executeTakeFirst();
  if (!row) return;
  const merged = [...new Set([...reasonsSchema.parse(JSON.parse(row.review_reasons)), ...reasons])].sort();
  await tx
    .updateTable('dpia_reviews')
    .set({ state: 'needs_review', review_reasons: JSON.stringify(merged), updated_at: iso(deps.clock.now()) })
    .where('org_id', '=', orgId)
    .execute();
}

/** The DPO approves the DPIA as generated from the configuration now (stamp), with its audit event. */
export async function approveDpia(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'audit'>,
  orgId: OrgId,
  actor: AuditActor & { type: 'user' },
  stamp: ConfigStamp,
): Promise<void> {
  const now = iso(deps.clock.now());
  const values = { state: 'approved', approved_by: actor.id, approved_at: now, approved_config: stamp.label, review_reasons: '[]', updated_at: now };
  const updated = await tx.updateTable('dpia_reviews').set(values).where('org_id', '=', orgId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await tx.insertInto('dpia_reviews').values({ org_id: orgId, ...values }).execute();
  await deps.audit.append(tx, orgId, actor, {
    type: 'documents.dpia_approved',
    data: { configVersion: stamp.configVersion, callTypes: stamp.callTypes.map((c) => ({ callTypeId: c.id, version: c.version })) },
  });
}
