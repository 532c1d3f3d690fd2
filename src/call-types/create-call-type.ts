import type { AuditActor } from '../audit/events.ts';
import type { Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { markDpiaNeedsReview } from '../documents/dpia-review.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import { staffRecordingBasisFor, type CallTypeConfig, type CallTypeView, type CreateCallTypeInput } from './call-type.schema.ts';
import { assertCallTypeRules } from './check-call-type-rules.ts';
import { activeRecordingKey } from '../recording/recording-keys.ts';
import { toCallTypeColumns, toCallTypeView } from './get-call-type.ts';
import { DEFAULT_RETENTION_PRESET, retentionPresets } from './retention-presets.ts';

/**
 * Privacy-protective defaults (G22) for whatever the caller leaves out: no recording, chat not kept, lobby on,
 * no biometrics, the shortest retention preset. E2EE is off by default only because it needs every participant's
 * browser to support it (and, to record, an organisation recording key); DTLS-SRTP protects media in transit either
 * way. Defaults only fill what was not sent: nothing that was sent is ever changed.
 */
export function withDefaults(input: CreateCallTypeInput): CallTypeConfig {
  const recordingMode = input.recordingMode ?? 'off';
  return {
    name: input.name,
    purposes: input.purposes.map((p) => ({ purpose: p.purpose, basis: p.basis, legitimateInterest: p.legitimateInterest ?? null })),
    recordingMode,
    recordingLegalReference: input.recordingLegalReference ?? null,
    chatKept: input.chatKept ?? false,
    e2eeRequired: input.e2eeRequired ?? false,
    lobbyEnabled: input.lobbyEnabled ?? true,
    biometricFeatures: input.biometricFeatures ?? [],
    dpiaReference: input.dpiaReference ?? null,
    staffRecordingBasis: staffRecordingBasisFor(recordingMode),
    staffRecordingInterest: input.staffRecordingInterest ?? null,
    retention: input.retention ?? { ...retentionPresets[DEFAULT_RETENTION_PRESET] },
  };
}

/** Creates a call type inside the caller's transaction, with its audit event (STYLE 10). */
export async function createCallType(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'audit'>,
  orgId: OrgId,
  actor: AuditActor,
  input: CreateCallTypeInput,
): Promise<CallTypeView> {
  const config = withDefaults(input);
  assertCallTypeRules(config, { hasRecordingKey: (await activeRecordingKey({ db: tx }, orgId)) !== null });
  const id = newId('callType');
  const now = iso(deps.clock.now());
  const row = { id, org_id: orgId, ...toCallTypeColumns(config), version: 1, archived_at: null, created_at: now, updated_at: now };
  await tx.insertInto('call_types').values(row).execute();
  await deps.audit.append(tx, orgId, actor, { type: 'call_type.created', data: { callTypeId: id } });
  // G51: a new call type brings its own recording, retention, E2EE and biometric settings: an approved DPIA needs review.
  await markDpiaNeedsReview(tx, deps, orgId, ['call_type.created']);
  return toCallTypeView(row);
}

/** The name of the call type every new organisation starts with. */
export const DEFAULT_CALL_TYPE_NAME = 'Video consultation';

/**
 * Every new organisation's first call type (G22): holding the call on the basis of the contract (or steps
 * before one) and nothing else — no recording, no kept chat, no training or analytics, lobby on, shortest
 * retention.
 */
export function createDefaultCallType(tx: Tx, deps: Pick<Deps, 'clock' | 'audit'>, orgId: OrgId): Promise<CallTypeView> {
  return createCallType(tx, deps, orgId, { type: 'system' }, {
    name: DEFAULT_CALL_TYPE_NAME,
    purposes: [{ purpose: 'call_delivery', basis: 'contract' }],
  });
}
