import type { Generated } from 'kysely';


/**
 * The database as Kysely sees it. Timestamps are ISO-8601 UTC text on both dialects; JSON is text.
 * Tables holding personal data carry `org_id`, `purpose` and `data_category` (G1, G25): see personal-data.ts.
 */
export interface OrganisationsTable {
  id: string;
  legal_name: string;
  address: string;
  contact_email: string;
  dpo_name: string;
  dpo_email: string;
  dpo_phone: string | null;
  supervisory_authority: string;
  residency_region: string;
  /** Transfer safeguard when the region is outside the EEA (G52). */
  residency_safeguard: string | null;
  /** Bumped on every settings change; documents generated later are stamped with it. */
  config_version: number;
  /** The organisation's own full privacy policy (https), linked from every page and email customers see. */
  privacy_policy_url: string | null;
  created_at: string;
  updated_at: string;
  /** JSON array of the roles that may play recordings back (migration 0006; default ["dpo"], G22). */
  playback_roles: Generated<string>;
  /**
   * The processor (operator of the installation) as this organisation's documents name it (migration 0013); null:
   * the installation's PARLEY_OPERATOR_* setting applies.
   */
  operator_name: string | null;
  operator_address: string | null;
  operator_contact_email: string | null;
}

export interface UsersTable {
  id: string;
  org_id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  /** TOTP secret sealed with the master key (never plaintext at rest). */
  totp_secret_sealed: string | null;
  totp_enabled_at: string | null;
  /** Last accepted TOTP time step, so a code cannot be replayed. */
  totp_last_step: number | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  purpose: string;
  data_category: string;
}

export interface UserSessionsTable {
  id: string;
  org_id: string;
  user_id: string;
  token_hash: string;
  stage: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface SetupTokensTable {
  id: string;
  org_id: string;
  /** Null for the first-run link, which creates the first admin (email chosen on the set-up page). */
  user_id: string | null;
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  purpose: string;
  data_category: string;
}

/** A TOTP recovery code of a user: only its keyed hash (src/accounts/recovery-codes.ts); used_at once spent. */
export interface TotpRecoveryCodesTable {
  code_hash: string;
  org_id: string;
  user_id: string;
  created_at: string;
  used_at: string | null;
  purpose: string;
  data_category: string;
}

export interface ApiTokensTable {
  id: string;
  org_id: string;
  name: string;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TrainingAttestationsTable {
  id: string;
  org_id: string;
  user_id: string;
  course: string;
  completed_on: string;
  recorded_by: string;
  created_at: string;
  purpose: string;
  data_category: string;
}

/** Failed-login counters keyed by a keyed hash of the email, so known and unknown emails behave alike. */
export interface LoginThrottleTable {
  key_hash: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
}

export interface AuditEventsTable {
  id: string;
  org_id: string;
  seq: number;
  type: string;
  actor_type: string;
  actor_id: string | null;
  data: string;
  created_at: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  org_id: string;
  seq: number;
  hash: string;
}


export interface JobsTable {
  id: string;
  org_id: string | null;
  kind: string;
  payload: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  done_at: string | null;
}

export interface MailOutboxTable {
  id: string;
  org_id: string;
  kind: string;
  to_address: string;
  /** The customer the message is to or about, when one is on file (migration 0015): erasure reaches it by this too. */
  subject_id: Generated<string | null>;
  content_sealed: string;
  status: string;
  transport: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  /** When the message (sent or not) is deleted (migration 0007). */
  expires_at: string;
  purpose: string;
  data_category: string;
}

/** A call type: what a call is for, on which lawful bases, and how long its data is kept (src/call-types/). */
export interface CallTypesTable {
  id: string;
  org_id: string;
  name: string;
  /** JSON: `[{ purpose, basis, legitimateInterest }]`, each purpose at most once (G1). */
  purposes: string;
  recording_mode: string;
  recording_legal_reference: string | null;
  /** Booleans as 0/1 on both dialects. */
  chat_kept: number;
  e2ee_required: number;
  lobby_enabled: number;
  /** JSON array of biometric feature names; `[]` when none (G6). */
  biometric_features: string;
  dpia_reference: string | null;
  /** The stated interest in recording staff, consent recording only (migration 0013); null: the standard wording. */
  staff_recording_interest: string | null;
  retention_call_metadata_days: number;
  retention_chat_days: number;
  retention_recordings_days: number;
  retention_consent_days: number;
  version: number;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A privacy notice version; published rows are immutable at the database (G14). */
export interface PrivacyNoticesTable {
  id: string;
  org_id: string;
  version: number;
  status: string;
  /** JSON: per locale, the notice's own Art. 13 texts (src/notices/notice.schema.ts). */
  texts: string;
  content_hash: string | null;
  /** The user or API token id that created the draft. */
  created_by: string;
  created_at: string;
  updated_at: string;
  published_by: string | null;
  published_at: string | null;
}

export interface SubjectsTable {
  id: string;
  org_id: string;
  email: string;
  display_name: string;
  created_at: string;
  updated_at: string;
  expires_at: string;
  /** Restriction of processing (G20, migration 0007): playback and export answer 423, deletion waits. */
  restricted_at: Generated<string | null>;
  restriction_request_id: Generated<string | null>;
  purpose: string;
  data_category: string;
}

export interface CallsTable {
  id: string;
  org_id: string;
  call_type_id: string;
  call_type_version: number;
  agent_id: string;
  starts_at: string;
  ends_at: string;
  locale: string;
  status: string;
  sequence: number;
  cancelled_at: string | null;
  /** When the agent ended the live call (migration 0005). */
  ended_at: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface ParticipantsTable {
  id: string;
  org_id: string;
  call_id: string;
  kind: string;
  user_id: string | null;
  subject_id: string | null;
  display_name: string;
  created_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface ConsentRecordsTable {
  id: string;
  org_id: string;
  subject_id: string;
  call_id: string;
  participant_id: string;
  consent_purpose: string;
  action: string;
  withdraws_id: string | null;
  text_hash: string;
  notice_id: string;
  notice_version: number;
  notice_hash: string;
  locale: string;
  method: string;
  recorded_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface CallAttendanceTable {
  id: string;
  org_id: string;
  call_id: string;
  participant_id: string;
  joined_at: string;
  admitted_at: string | null;
  left_at: string | null;
  leave_reason: string | null;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface CallChatMessagesTable {
  id: string;
  org_id: string;
  call_id: string;
  participant_id: string;
  sent_at: string;
  body_sealed: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface CallQualityTable {
  id: string;
  org_id: string;
  call_id: string;
  started_at: string;
  ended_at: string;
  samples: number;
  bitrate_in_kbps_min: number | null;
  bitrate_in_kbps_avg: number | null;
  bitrate_in_kbps_max: number | null;
  bitrate_out_kbps_min: number | null;
  bitrate_out_kbps_avg: number | null;
  bitrate_out_kbps_max: number | null;
  packet_loss_pct_min: number | null;
  packet_loss_pct_avg: number | null;
  packet_loss_pct_max: number | null;
  rtt_ms_min: number | null;
  rtt_ms_avg: number | null;
  rtt_ms_max: number | null;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface OrgKeysTable {
  id: string;
  org_id: string;
  version: number;
  sealed_key: string;
  created_at: string;
  retired_at: string | null;
}

export interface RecordingsTable {
  id: string;
  org_id: string;
  call_id: string;
  mode: string;
  legal_reference: string | null;
  status: string;
  started_at: string;
  started_by: string | null;
  stopped_at: string | null;
  stopped_by: string | null;
  stop_reason: string | null;
  failure: string | null;
  restricted_at: string | null;
  created_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
  /** Legal-obligation recordings (migration 0007): not deletable before this date (G56), and the authority's extension. */
  retain_until: Generated<string | null>;
  extension_reference: Generated<string | null>;
  /** Cluster mode (migration 0016): the node whose live call writes this recording; null on a single node. */
  node_id: Generated<string | null>;
}

export interface LegalHoldsTable {
  id: string;
  org_id: string;
  scope: string;
  target_id: string;
  reference: string;
  reason: string;
  ends_on: string;
  created_by: string;
  created_at: string;
  released_at: string | null;
  released_by: string | null;
}

export interface RightsRequestsTable {
  id: string;
  org_id: string;
  type: string;
  email_sealed: string;
  email_hash: string;
  subject_id: string | null;
  details_sealed: string;
  status: string;
  code_hash: string | null;
  code_expires_at: string | null;
  code_attempts: Generated<number>;
  locked_at: string | null;
  verified_at: string | null;
  received_at: string;
  due_at: string;
  extended_due_at: string | null;
  extension_reasons: string | null;
  extension_notified_at: string | null;
  completed_at: string | null;
  outcome: string | null;
  refusal_reasons: string | null;
  created_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface SubjectExportsTable {
  id: string;
  org_id: string;
  request_id: string;
  subject_id: string | null;
  status: string;
  blob_key: string;
  wrapped_key: string | null;
  kek_version: number | null;
  ciphertext_bytes: number | null;
  plaintext_bytes: number | null;
  created_at: string;
  ready_at: string | null;
  downloaded_at: string | null;
  expires_at: string;
  purpose: string;
  data_category: string;
}

export interface RecordingTracksTable {
  id: string;
  org_id: string;
  recording_id: string;
  call_id: string;
  participant_id: string;
  subject_id: string | null;
  source: string;
  basis: string;
  consent_id: string | null;
  status: string;
  started_at: string;
  ended_at: string | null;
  end_reason: string | null;
  blob_key: string;
  wrapped_key: string | null;
  kek_version: number | null;
  ciphertext_bytes: number | null;
  plaintext_bytes: number | null;
  duration_ms: number | null;
  codecs: string | null;
  erased_at: string | null;
  created_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
  /** Recorded in the agent's browser (E2EE calls): JSON {v, keyId, epk}; null for server-side capture. */
  e2ee_envelope: string | null;
  /** Cluster mode (migration 0016): the node writing this track while it is `recording`; null on a single node. */
  node_id: Generated<string | null>;
}

/** An organisation's recording key pair for E2EE calls (migration 0012). */
export interface RecordingKeysTable {
  id: string;
  org_id: string;
  public_jwk: string;
  fingerprint: string;
  sealed_private: string;
  created_by: string | null;
  created_at: string;
  retired_at: string | null;
}

/** A recipient of signed webhooks (migration 0009, src/webhooks/). */
export interface WebhookEndpointsTable {
  id: string;
  org_id: string;
  url: string;
  description: string;
  /** JSON array of the event types it is sent. */
  events: string;
  /** 0/1 on both dialects. */
  enabled: number;
  /** The signing secret, sealed with the key provider (context: the endpoint id); never shown again. */
  secret_sealed: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  secret_rotated_at: string | null;
}

/** The webhook outbox: one row per event and endpoint, written in the transaction of the change (migration 0009). */
export interface WebhookDeliveriesTable {
  id: string;
  org_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The exact JSON body sent (ids and codes only); signed at each attempt. */
  payload: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  /** JSON array of every attempt: `{ at, status, error, ms }`. */
  attempt_log: string;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
  expires_at: string;
}

/** The breach register (migration 0011, src/breaches/, G48–G50). Free text is sealed in `details_sealed`. */
export interface BreachesTable {
  id: string;
  org_id: string;
  /** When the controller became aware: the 72 h clock to notify the authority starts here (Art. 33(1)). */
  aware_at: string;
  /** JSON array of breach types (confidentiality, integrity, availability). */
  types: string;
  approx_subjects: number | null;
  approx_records: number | null;
  decision: string;
  authority_notified_at: string | null;
  subject_communication: string;
  subjects_communicated_at: string | null;
  details_sealed: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

/** A follow-up update of a breach: append-only (migration 0011). */
export interface BreachUpdatesTable {
  id: string;
  org_id: string;
  breach_id: string;
  at: string;
  text_sealed: string;
  created_by: string;
  expires_at: string;
  purpose: string;
  data_category: string;
}

/** A sub-processor the organisation's calls rely on (migration 0010, src/documents/; G39, G53). */
export interface SubProcessorsTable {
  id: string;
  org_id: string;
  name: string;
  purpose: string;
  /** Where it processes the data: a place or country, as the organisation states it. */
  location: string;
  /** ISO 3166-1 alpha-2 country code. */
  country: string;
  /** 0/1 on both dialects. */
  in_eea: number;
  /** `adequacy_decision`, `sccs_tia` or `none` (only allowed inside the EEA). */
  transfer_tool: string;
  created_at: string;
  updated_at: string;
}

/** The state of an organisation's mini-DPIA (migration 0010, src/documents/; G51). One row per organisation, once approved. */
export interface DpiaReviewsTable {
  org_id: string;
  /** `approved` or `needs_review`. */
  state: string;
  approved_by: string | null;
  approved_at: string | null;
  /** The configuration stamp (organisation and call type versions) the DPO approved. */
  approved_config: string | null;
  /** JSON array of the setting codes whose change asked for a review. */
  review_reasons: string;
  updated_at: string;
}

export interface Database {
  organisations: OrganisationsTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  setup_tokens: SetupTokensTable;
  totp_recovery_codes: TotpRecoveryCodesTable;
  api_tokens: ApiTokensTable;
  training_attestations: TrainingAttestationsTable;
  login_throttle: LoginThrottleTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  call_types: CallTypesTable;
  privacy_notices: PrivacyNoticesTable;
  jobs: JobsTable;
  mail_outbox: MailOutboxTable;
  subjects: SubjectsTable;
  calls: CallsTable;
  participants: ParticipantsTable;
  consent_records: ConsentRecordsTable;
  call_attendance: CallAttendanceTable;
  call_chat_messages: CallChatMessagesTable;
  call_quality: CallQualityTable;
  org_keys: OrgKeysTable;
  recordings: RecordingsTable;
  recording_tracks: RecordingTracksTable;
  recording_keys: RecordingKeysTable;
  legal_holds: LegalHoldsTable;
  rights_requests: RightsRequestsTable;
  subject_exports: SubjectExportsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  sub_processors: SubProcessorsTable;
  dpia_reviews: DpiaReviewsTable;
  breaches: BreachesTable;
  breach_updates: BreachUpdatesTable;
}
