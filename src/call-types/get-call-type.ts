import type { DbOrTx } from '../db/database.ts';
import type { CallTypesTable } from '../db/schema.ts';
import { notFound } from '../shared/app-error.ts';
import type { CallTypeId, OrgId } from '../shared/ids.ts';
import { staffRecordingBasisFor, storedBiometricFeaturesSchema, storedPurposesSchema, type CallTypeConfig, type CallTypeView } from './call-type.schema.ts';

export function toCallTypeView(row: CallTypesTable): CallTypeView {
  const recordingMode = row.recording_mode as CallTypeView['recordingMode'];
  return {
    id: row.id,
    name: row.name,
    purposes: storedPurposesSchema.parse(JSON.parse(row.purposes)),
    recordingMode,
    recordingLegalReference: row.recording_legal_reference,
    chatKept: Number(row.chat_kept) === 1,
    e2eeRequired: Number(row.e2ee_required) === 1,
    lobbyEnabled: Number(row.lobby_enabled) === 1,
    biometricFeatures: storedBiometricFeaturesSchema.parse(JSON.parse(row.biometric_features)),
    dpiaReference: row.dpia_reference,
    staffRecordingBasis: staffRecordingBasisFor(recordingMode),
    staffRecordingInterest: row.staff_recording_interest,
    retention: {
      callMetadataDays: Number(row.retention_call_metadata_days),
      chatDays: Number(row.retention_chat_days),
      recordingsDays: Number(row.retention_recordings_days),
      consentDays: Number(row.retention_consent_days),
    },
    version: Number(row.version),
    archivedAt: row.archived_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns a configuration is stored in (create and update write the same way). */
export function toCallTypeColumns(c: CallTypeConfig) {
  return {
    name: c.name,
    purposes: JSON.stringify(c.purposes),
    recording_mode: c.recordingMode,
    recording_legal_reference: c.recordingLegalReference,
    chat_kept: c.chatKept ? 1 : 0,
    e2ee_required: c.e2eeRequired ? 1 : 0,
    lobby_enabled: c.lobbyEnabled ? 1 : 0,
    biometric_features: JSON.stringify(c.biometricFeatures),
    dpia_reference: c.dpiaReference,
    // The basis itself is not stored: it follows the recording mode (staffRecordingBasisFor).
    staff_recording_interest: c.staffRecordingInterest,
    retention_call_metadata_days: c.retention.callMetadataDays,
    retention_chat_days: c.retention.chatDays,
    retention_recordings_days: c.retention.recordingsDays,
    retention_consent_days: c.retention.consentDays,
  };
}

export function configOf(view: CallTypeView): CallTypeConfig {
  const { id: _id, version: _v, archivedAt: _a, createdAt: _c, updatedAt: _u, ...config } = view;
  return config;
}

/** One call type of the organisation, archived or not; another organisation's id is simply not found (404). */
export async function getCallType(db: DbOrTx, orgId: OrgId, callTypeId: CallTypeId): Promise<CallTypeView> {
  const row = await db.selectFrom('call_types').selectAll().where('org_id', '=', orgId).where('id', '=', callTypeId).executeTakeFirst();
  if (!row) throw notFound('Call type');
  return toCallTypeView(row);
}
