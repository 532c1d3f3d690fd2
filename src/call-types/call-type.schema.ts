import { z } from 'zod';

/**
 * What a call of this type is for (G1). `call_delivery` is holding the call itself and is always declared;
 * `recording` keeps audio/video; `chat` keeps the chat messages after the call; `training_qa` reuses
 * recordings for staff training and quality checks (G4); `analytics` computes statistics about calls.
 */
export const callTypePurposes = ['call_delivery', 'recording', 'chat', 'training_qa', 'analytics'] as const;
export type CallTypePurpose = (typeof callTypePurposes)[number];

/** Art. 6(1)(a) consent, (b) contract, (c) legal obligation, (f) legitimate interest. */
export const lawfulBases = ['consent', 'contract', 'legal_obligation', 'legitimate_interest'] as const;
export type LawfulBasis = (typeof lawfulBases)[number];

/** `off`; `consent`: each participant opts in (G3); `legal_obligation`: required by law, e.g. MiFID II (G55). */
export const recordingModes = ['off', 'consent', 'legal_obligation'] as const;
export type RecordingMode = (typeof recordingModes)[number];

/**
 * The basis on which the host's (staff member's) part of a recorded call is captured (G7). Staff are data subjects
 * too, but never on consent: an employee cannot refuse their employer freely. It follows the recording mode and is
 * never chosen apart from it: with `consent` recording the organisation relies on its legitimate interest (which it
 * may state in `staffRecordingInterest`), with `legal_obligation` recording on the same law that requires the
 * recording of the call.
 */
export const staffRecordingBases = ['legitimate_interest', 'legal_obligation'] as const;
export type StaffRecordingBasis = (typeof staffRecordingBases)[number];

export function staffRecordingBasisFor(mode: RecordingMode): StaffRecordingBasis | null {
  switch (mode) {
    case 'off':
      return null;
    case 'consent':
      return 'legitimate_interest';
    case 'legal_obligation':
      return 'legal_obligation';
    default: {
      const never: never = mode;
      throw new Error(`unknown recording mode ${String(never)}`);
    }
  }
}

/** Special-category processing (Art. 9): never without a DPIA reference (G6). */
export const biometricFeatures = ['face_recognition', 'voice_recognition', 'emotion_inference'] as const;
export type BiometricFeature = (typeof biometricFeatures)[number];

/** Upper bound for any retention period, in days (10 years): longer is never "necessary" for a call. */
export const MAX_RETENTION_DAYS = 3650;
/** MiFID II legal-obligation recordings: kept at least 5 years (G56)… */
export const LEGAL_OBLIGATION_MIN_RECORDING_DAYS = 1826;
/** …and at most 7 (5 years, extended to 7 on a competent authority's request), and no longer. */
export const LEGAL_OBLIGATION_MAX_RECORDING_DAYS = 2557;

const days = z
  .number()
  .int('Use a whole number of days.')
  .min(0, 'Days cannot be negative.')
  .max(MAX_RETENTION_DAYS, `At most ${MAX_RETENTION_DAYS} days (10 years).`);

/** Retention per data category in days (G25); 0 means "deleted as soon as the call ends". */
export const retentionSchema = z.strictObject({
  /** Who took part, when, for how long, with which call type. */
  callMetadataDays: days,
  /** Chat messages, when the call type keeps them. */
  chatDays: days,
  /** Audio/video recordings, when the call type records. */
  recordingsDays: days,
  /** Consent records: proof of consent (Art. 7(1)) outlives what it covers. */
  consentDays: days,
});
export type Retention = z.infer<typeof retentionSchema>;

/** Optional text: an empty value means "none" and is stored as null. */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .nullable()
    .transform((v) => (v === '' ? null : v));

export const purposeDeclarationInputSchema = z.strictObject({
  purpose: z.enum(callTypePurposes),
  basis: z.enum(lawfulBases),
  /** The interest relied on, in the controller's words (Art. 13(1)(d)); only with basis `legitimate_interest`. */
  legitimateInterest: optionalText(1000).optional(),
});

export const purposeDeclarationSchema = z.object({
  purpose: z.enum(callTypePurposes),
  basis: z.enum(lawfulBases),
  legitimateInterest: z.string().nullable(),
});
export type PurposeDeclaration = z.infer<typeof purposeDeclarationSchema>;

/** The editable fields, without defaults: create fills the privacy-protective ones, update merges. */
const fields = {
  name: z.string().trim().min(1, 'Enter a name.').max(120, 'Use at most 120 characters.'),
  purposes: z
    .array(purposeDeclarationInputSchema)
    .min(1, 'Declare at least the purpose of holding the call.')
    .max(callTypePurposes.length, 'Declare each purpose once.'),
  recordingMode: z.enum(recordingModes),
  /** The law that requires recording, e.g. "MiFID II Art. 16(7)"; only with `legal_obligation`. */
  recordingLegalReference: optionalText(300),
  chatKept: z.boolean(),
  e2eeRequired: z.boolean(),
  lobbyEnabled: z.boolean(),
  biometricFeatures: z.array(z.enum(biometricFeatures)).max(biometricFeatures.length),
  /** Where the data protection impact assessment is filed (G6). */
  dpiaReference: optionalText(300),
  /**
   * With `consent` recording only: the organisation's legitimate interest in recording its own staff, in its words
   * (G7). Empty: the documents state Parley's standard wording (src/call-types/staff-recording.ts).
   */
  staffRecordingInterest: optionalText(1000),
};

export const createCallTypeSchema = z.strictObject({
  name: fields.name,
  purposes: fields.purposes,
  recordingMode: fields.recordingMode.optional(),
  recordingLegalReference: fields.recordingLegalReference.optional(),
  chatKept: fields.chatKept.optional(),
  e2eeRequired: fields.e2eeRequired.optional(),
  lobbyEnabled: fields.lobbyEnabled.optional(),
  biometricFeatures: fields.biometricFeatures.optional(),
  dpiaReference: fields.dpiaReference.optional(),
  staffRecordingInterest: fields.staffRecordingInterest.optional(),
  /** Absent: the shortest preset (G22). */
  retention: retentionSchema.optional(),
});
export type CreateCallTypeInput = z.infer<typeof createCallTypeSchema>;

export const updateCallTypeSchema = z
  .strictObject({
    name: fields.name,
    purposes: fields.purposes,
    recordingMode: fields.recordingMode,
    recordingLegalReference: fields.recordingLegalReference,
    chatKept: fields.chatKept,
    e2eeRequired: fields.e2eeRequired,
    lobbyEnabled: fields.lobbyEnabled,
    biometricFeatures: fields.biometricFeatures,
    dpiaReference: fields.dpiaReference,
    staffRecordingInterest: fields.staffRecordingInterest,
    /** Only the categories sent change. */
    retention: retentionSchema.partial(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');
export type UpdateCallTypeInput = z.infer<typeof updateCallTypeSchema>;

export const callTypeSchema = z.object({
  id: z.string(),
  name: z.string(),
  purposes: z.array(purposeDeclarationSchema),
  recordingMode: z.enum(recordingModes),
  recordingLegalReference: z.string().nullable(),
  chatKept: z.boolean(),
  e2eeRequired: z.boolean(),
  lobbyEnabled: z.boolean(),
  biometricFeatures: z.array(z.enum(biometricFeatures)),
  dpiaReference: z.string().nullable(),
  /** On which basis staff are recorded in these calls (G7): follows `recordingMode`; null when calls are not recorded. */
  staffRecordingBasis: z.enum(staffRecordingBases).nullable(),
  /** The interest stated for recording staff (consent recording only); null: Parley's standard wording applies. */
  staffRecordingInterest: z.string().nullable(),
  retention: retentionSchema,
  /** Bumped on every change; calls and documents can say which configuration they were made under. */
  version: z.number().int(),
  archivedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CallTypeView = z.infer<typeof callTypeSchema>;

/** Everything the rules in check-call-type-rules.ts look at: a call type as it would be stored. */
export type CallTypeConfig = Omit<CallTypeView, 'id' | 'version' | 'archivedAt' | 'createdAt' | 'updatedAt'>;

export const listCallTypesQuerySchema = z.preprocess(
  // An empty parameter (`?status=`) means "no filter", as a form with an empty field sends it.
  (q) => (q && typeof q === 'object' ? Object.fromEntries(Object.entries(q).filter(([, v]) => v !== '')) : q),
  z.strictObject({ status: z.enum(['active', 'archived', 'all']).default('active') }),
);

/** Stored JSON, validated when read back (STYLE 5). */
export const storedPurposesSchema = z.array(purposeDeclarationSchema);
export const storedBiometricFeaturesSchema = z.array(z.enum(biometricFeatures));
