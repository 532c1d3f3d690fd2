
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
  created_at: string;
  updated_at: string;
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


export interface Database {
  organisations: OrganisationsTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  setup_tokens: SetupTokensTable;
  api_tokens: ApiTokensTable;
  training_attestations: TrainingAttestationsTable;
  login_throttle: LoginThrottleTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
}
