import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

/** Mirrors src/call-types/call-type.schema.ts (the console imports nothing from the server). */
export const callTypePurposes = ['call_delivery', 'recording', 'chat', 'training_qa', 'analytics'] as const;
export type CallTypePurpose = (typeof callTypePurposes)[number];
export const lawfulBases = ['consent', 'contract', 'legal_obligation', 'legitimate_interest'] as const;
export type LawfulBasis = (typeof lawfulBases)[number];
export const recordingModes = ['off', 'consent', 'legal_obligation'] as const;
export type RecordingMode = (typeof recordingModes)[number];
export const biometricFeatures = ['face_recognition', 'voice_recognition', 'emotion_inference'] as const;
export type BiometricFeature = (typeof biometricFeatures)[number];
export const retentionCategories = ['callMetadataDays', 'chatDays', 'recordingsDays', 'consentDays'] as const;
/** Staff are recorded on the organisation's legitimate interest or on the law, never on consent (G7). */
export const staffRecordingBases = ['legitimate_interest', 'legal_obligation'] as const;
export type StaffRecordingBasis = (typeof staffRecordingBases)[number];
export type RetentionCategory = (typeof retentionCategories)[number];

/** G56: legal-obligation recordings are kept between 5 and 7 years. */
export const LEGAL_OBLIGATION_MIN_RECORDING_DAYS = 1826;
export const LEGAL_OBLIGATION_MAX_RECORDING_DAYS = 2557;

const retentionSchema = z.object({
  callMetadataDays: z.number(),
  chatDays: z.number(),
  recordingsDays: z.number(),
  consentDays: z.number(),
});
export type Retention = z.infer<typeof retentionSchema>;

const purposeSchema = z.object({
  purpose: z.enum(callTypePurposes),
  basis: z.enum(lawfulBases),
  legitimateInterest: z.nullable(z.string()),
});
export type PurposeDeclaration = z.infer<typeof purposeSchema>;

export const callTypeSchema = z.object({
  id: z.string(),
  name: z.string(),
  purposes: z.array(purposeSchema),
  recordingMode: z.enum(recordingModes),
  recordingLegalReference: z.nullable(z.string()),
  chatKept: z.boolean(),
  e2eeRequired: z.boolean(),
  lobbyEnabled: z.boolean(),
  biometricFeatures: z.array(z.enum(biometricFeatures)),
  dpiaReference: z.nullable(z.string()),
  /** Follows the recording mode (the server derives it); null when calls are not recorded. */
  staffRecordingBasis: z.nullable(z.enum(staffRecordingBases)),
  staffRecordingInterest: z.nullable(z.string()),
  retention: retentionSchema,
  version: z.number(),
  archivedAt: z.nullable(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CallType = z.infer<typeof callTypeSchema>;

const presetSchema = z.object({ name: z.string(), description: z.string(), retention: retentionSchema, isDefault: z.boolean() });
export type RetentionPreset = z.infer<typeof presetSchema>;

/**
 * What the form sends: the whole configuration (the server records only the fields that really changed). The staff
 * recording basis is not sent: it follows the recording mode.
 */
export type CallTypeInput = Omit<CallType, 'id' | 'version' | 'archivedAt' | 'createdAt' | 'updatedAt' | 'staffRecordingBasis'>;

export type CallTypeStatus = 'active' | 'archived' | 'all';

export const listCallTypes = async (api: ApiClient, status: CallTypeStatus = 'active') =>
  (await api.get('/api/call-types', z.object({ callTypes: z.array(callTypeSchema) }), { status })).callTypes;

export const listRetentionPresets = async (api: ApiClient) =>
  (await api.get('/api/call-types/retention-presets', z.object({ presets: z.array(presetSchema) }))).presets;

const path = (id: string) => `/api/call-types/${encodeURIComponent(id)}`;

export const createCallType = (api: ApiClient, input: CallTypeInput) => api.post('/api/call-types', callTypeSchema, input);

export const updateCallType = (api: ApiClient, id: string, input: Partial<CallTypeInput>) => api.patch(path(id), callTypeSchema, input);

export const archiveCallType = (api: ApiClient, id: string) => api.post(`${path(id)}/archive`, callTypeSchema);
