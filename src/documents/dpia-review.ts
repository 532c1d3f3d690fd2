import { z } from 'zod';
import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import type { ConfigStamp } from './document-sources.ts';

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
  /** Setting codes whose change asked for the review, e.g. `call_type.retention.recordingsDays`. */
  reviewReasons: z.array(z.string()),
});
export type DpiaState = z.infer<typeof dpiaStateSchema>;

const reasonsSchema = z.array(z.string());

export async function getDpiaState(db: DbOrTx, orgId: OrgId): Promise<DpiaState> {
  const row = await db.selectFrom('dpia_reviews').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!row) return { state: 'not_approved', approvedAt: null, approvedBy: null, approvedConfig: null, reviewReasons: [] };
  return {
    state: row.state === 'approved' ? 'approved' : 'needs_review',
    approvedAt: row.approved_at,
    approvedBy: row.approved_by,
    approvedConfig: row.approved_config,
    reviewReasons: reasonsSchema.parse(JSON.parse(row.review_reasons)),
  };
}

/** Settings of a call type the DPIA rests on: a change to any of them asks the DPO to review it again. */
const reviewedCallTypeFields = ['recordingMode', 'recordingLegalReference', 'chatKept', 'e2eeRequired', 'biometricFeatures', 'dpiaReference'];

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
