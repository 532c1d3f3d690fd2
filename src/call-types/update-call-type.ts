import stringify from 'safe-stable-stringify';
import type { AuditActor } from '../audit/events.ts';
import type { Deps } from '../deps.ts';
import { dpiaRelevantFields, markDpiaNeedsReview } from '../documents/dpia-review.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { CallTypeId, OrgId } from '../shared/ids.ts';
import { staffRecordingBasisFor, type CallTypeConfig, type CallTypeView, type Retention, type UpdateCallTypeInput } from './call-type.schema.ts';
import { assertCallTypeRules } from './check-call-type-rules.ts';
import { activeRecordingKey } from '../recording/recording-keys.ts';
import { configOf, toCallTypeColumns, toCallTypeView } from './get-call-type.ts';

/**
 * The merged configuration: fields sent replace, retention merges per category, everything else stays as it is.
 * Nothing is changed that was not sent (a field that no longer fits is refused by the rules, with what to do, rather
 * than dropped or switched behind the caller's back); only the staff recording basis, which is not a setting of its
 * own, follows the recording mode.
 */
function merge(current: CallTypeConfig, input: UpdateCallTypeInput): CallTypeConfig {
  const recordingMode = input.recordingMode ?? current.recordingMode;
  return {
    name: input.name ?? current.name,
    purposes: input.purposes
      ? input.purposes.map((p) => ({ purpose: p.purpose, basis: p.basis, legitimateInterest: p.legitimateInterest ?? null }))
      : current.purposes,
    recordingMode,
    recordingLegalReference: input.recordingLegalReference !== undefined ? input.recordingLegalReference : current.recordingLegalReference,
    chatKept: input.chatKept ?? current.chatKept,
    e2eeRequired: input.e2eeRequired ?? current.e2eeRequired,
    lobbyEnabled: input.lobbyEnabled ?? current.lobbyEnabled,
    biometricFeatures: input.biometricFeatures ?? current.biometricFeatures,
    dpiaReference: input.dpiaReference !== undefined ? input.dpiaReference : current.dpiaReference,
    staffRecordingBasis: staffRecordingBasisFor(recordingMode),
    staffRecordingInterest: input.staffRecordingInterest !== undefined ? input.staffRecordingInterest : current.staffRecordingInterest,
    retention: { ...current.retention, ...input.retention },
  };
}

/**
 * Field names that differ, retention per category (`retention.chatDays`): what the audit event records. The staff
 * recording basis is left out: it follows the recording mode, whose change is recorded.
 */
function changedFields(before: CallTypeConfig, after: CallTypeConfig): string[] {
  const changed: string[] = [];
  for (const key of Object.keys(after) as (keyof CallTypeConfig)[]) {
    if (key === 'retention' || key === 'staffRecordingBasis') continue;
    if (stringify(before[key]) !== stringify(after[key])) changed.push(key);
  }
  for (const key of Object.keys(after.retention) as (keyof Retention)[]) {
    if (before.retention[key] !== after.retention[key]) changed.push(`retention.${key}`);
  }
  return changed.sort();
}

/**
 * Changes a call type and bumps its version. Archived call types are frozen (calls made under them keep
 * pointing at what they were). A concurrent change is refused rather than silently overwritten.
 */
export async function updateCallType(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  callTypeId: CallTypeId,
  input: UpdateCallTypeInput,
): Promise<CallTypeView> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('call_types').selectAll().where('org_id', '=', orgId).where('id', '=', callTypeId).executeTakeFirst();
    if (!row) throw notFound('Call type');
    if (row.archived_at) throw new AppError('CONFLICT', 'This call type is archived and can no longer be changed. Create a new one instead.');
    const current = toCallTypeView(row);
    const before = configOf(current);
    const after = merge(before, input);
    assertCallTypeRules(after, { hasRecordingKey: (await activeRecordingKey({ db: tx }, orgId)) !== null });
    const fields = changedFields(before, after);
    if (fields.length === 0) return current;

    const version = current.version + 1;
    const result = await tx
      .updateTable('call_types')
      .set({ ...toCallTypeColumns(after), version, updated_at: iso(deps.clock.now()) })
      .where('org_id', '=', orgId)
      .where('id', '=', callTypeId)
      .where('version', '=', current.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new AppError('CONFLICT', 'Someone else changed this call type at the same time. Reload it and try again.');
    }
    await deps.audit.append(tx, orgId, actor, { type: 'call_type.updated', data: { callTypeId, fields, version } });
    // G51: a change to recording, retention, E2EE or biometric settings puts an approved DPIA back to review.
    await markDpiaNeedsReview(tx, deps, orgId, dpiaRelevantFields(fields));
    return toCallTypeView(
      await tx.selectFrom('call_types').selectAll().where('org_id', '=', orgId).where('id', '=', callTypeId).executeTakeFirstOrThrow(),
    );
  });
}
