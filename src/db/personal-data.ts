/**
 * Purposes and data categories (G1, G25). Every table that holds personal data lists here which purpose and
 * category its rows carry; the columns are NOT NULL with a non-empty CHECK, so a row without them cannot be
 * stored. Retention (a later issue) hangs expiry on the category.
 */
export const purposes = ['staff_account_management', 'security', 'accountability', 'call_delivery', 'chat', 'recording', 'rights_requests'] as const;
export type Purpose = (typeof purposes)[number];

export const dataCategories = [
  'staff_account',
  'staff_security',
  'staff_training',
  'communications',
  'customer_contact',
  'call_metadata',
  'consent_records',
  'chat',
  'recording',
  'rights_requests',
  'subject_exports',
  'breach_records',
] as const;
export type DataCategory = (typeof dataCategories)[number];

/**
 * How a table's rows expire (G25):
 * - `expires_at`: each row carries its own expiry (NOT NULL, never empty: migration 0008), computed when it is written
 *   from the call type's retention or a setting; the retention purge (src/retention/purge.ts) deletes it after that
 *   instant unless a legal hold, a restriction, a legal minimum or a longer-kept row that needs it keeps it.
 * - `account`: staff data kept while the staff account exists, by rule (below), without a per-row expiry.
 */
export type Expiry =
  | { readonly kind: 'expires_at'; readonly rule: string }
  | { readonly kind: 'account'; readonly rule: string };

export interface PersonalDataEntry {
  readonly purpose: Purpose;
  readonly category: DataCategory;
  /** Whose data: customers (the subjects of calls and requests) or the organisation's own staff. */
  readonly holder: 'customer' | 'staff';
  readonly expiry: Expiry;
}

const expiresAt = (rule: string): Expiry => ({ kind: 'expires_at', rule });

/** Tables with personal data, the purpose/category their rows are written with, and how they expire. */
export const personalDataTables = {
  users: {
    purpose: 'staff_account_management',
    category: 'staff_account',
    holder: 'staff',
    expiry: { kind: 'account', rule: 'Kept while the account exists; a leaver is disabled (sign-in refused) and keeps no other data.' },
  },
  user_sessions: {
    purpose: 'security',
    category: 'staff_security',
    holder: 'staff',
    expiry: { kind: 'account', rule: 'Refused after expires_at (PARLEY_SESSION_TTL_HOURS); deleted at sign-out or lockout, and by the purge once expired.' },
  },
  setup_tokens: {
    purpose: 'staff_account_management',
    category: 'staff_security',
    holder: 'staff',
    expiry: { kind: 'account', rule: 'Refused after expires_at (PARLEY_SETUP_LINK_TTL_HOURS) or once used; holds a hash only; deleted by the purge once expired.' },
  },
  totp_recovery_codes: {
    purpose: 'security',
    category: 'staff_security',
    holder: 'staff',
    expiry: { kind: 'account', rule: 'Keyed hashes only; the whole set is replaced when the person makes new codes and deleted when their second factor is reset.' },
  },
  training_attestations: {
    purpose: 'accountability',
    category: 'staff_training',
    holder: 'staff',
    expiry: { kind: 'account', rule: 'Kept while the account exists: proof that whoever played a recording was trained (G54).' },
  },
  mail_outbox: { purpose: 'call_delivery', category: 'communications', holder: 'customer', expiry: expiresAt('Queued time + PARLEY_MAIL_RETENTION_DAYS, sent or not.') },
  subjects: { purpose: 'call_delivery', category: 'customer_contact', holder: 'customer', expiry: expiresAt("The call type's call-metadata days after their last call; kept while any row still refers to them.") },
  calls: { purpose: 'call_delivery', category: 'call_metadata', holder: 'customer', expiry: expiresAt("End of the call + the call type's call-metadata days; kept while any row still refers to it.") },
  participants: { purpose: 'call_delivery', category: 'call_metadata', holder: 'customer', expiry: expiresAt('As the call; kept while any row still refers to it.') },
  consent_records: { purpose: 'accountability', category: 'consent_records', holder: 'customer', expiry: expiresAt("Recorded time + the call type's consent days (proof of consent outlives the call)." ) },
  call_attendance: { purpose: 'call_delivery', category: 'call_metadata', holder: 'customer', expiry: expiresAt("Join time + the call type's call-metadata days.") },
  call_chat_messages: { purpose: 'chat', category: 'chat', holder: 'customer', expiry: expiresAt("Sent time + the call type's chat days.") },
  /** Aggregates only, but tied to a call, so they expire with its metadata. */
  call_quality: { purpose: 'call_delivery', category: 'call_metadata', holder: 'customer', expiry: expiresAt("Session end + the call type's call-metadata days.") },
  recordings: { purpose: 'recording', category: 'call_metadata', holder: 'customer', expiry: expiresAt("Stop + the call type's recording days; legal obligation: never before retain_until (5 years, 7 on an authority's request, G56).") },
  recording_tracks: { purpose: 'recording', category: 'recording', holder: 'customer', expiry: expiresAt("End of capture + the call type's recording days (as its recording when extended); key destroyed first (G27).") },
  rights_requests: { purpose: 'rights_requests', category: 'rights_requests', holder: 'customer', expiry: expiresAt('Set by the rights-request workflow when the request is received and completed (src/subject-rights/).') },
  subject_exports: { purpose: 'rights_requests', category: 'subject_exports', holder: 'customer', expiry: expiresAt('Set when the access export is built: the download window; key destroyed first (G27).') },
  /** Free text about a breach may name the people affected: sealed, and kept only as long as the authority may ask. */
  breaches: { purpose: 'accountability', category: 'breach_records', holder: 'customer', expiry: expiresAt('Awareness + 5 years (BREACH_RECORD_YEARS, src/breaches/): the Art. 33(5) documentation an authority may ask to see.') },
  breach_updates: { purpose: 'accountability', category: 'breach_records', holder: 'customer', expiry: expiresAt('As its breach (awareness + 5 years).') },
} as const satisfies Record<string, PersonalDataEntry>;

/**
 * Tables without personal data (or with pseudonymous ids only), each with the reason. A test (test/db/expiry-schema)
 * walks the real schema and fails for a table in neither list, so a new table is classified when it is added.
 */
export const nonPersonalTables = {
  organisations: "The controller's own details (legal name, address, DPO contact published in its notice) and its processor's business details named in its documents: kept while the organisation exists.",
  call_types: "An organisation's call configuration (purposes, bases, retention): no data about people.",
  privacy_notices: 'Published notice texts, immutable evidence of what customers were told (G14); no data about people.',
  jobs: 'Background work; payloads hold ids only. Done rows are bookkeeping.',
  audit_events:
    'Pseudonymous ids, role names and fixed codes only (G54, G26): no names, emails or text. Kept for accountability; once the rows the ids name are purged, nothing links them to a person.',
  audit_heads: 'The head (sequence number and hash) of each audit chain.',
  org_keys: "Key-encryption keys of an organisation, sealed by the master key; no data about people.",
  recording_keys: "Recording key pairs for E2EE calls: a public key, the private key sealed under a DPO's passphrase, a fingerprint; created_by is a user id.",
  api_tokens: 'Credentials of other systems (a label, a role and a hash); created_by is a user id.',
  login_throttle:
    'Failed-login counters keyed by a keyed hash of an email (not reversible without the server key); each row is reset by a successful login or its window.',
  legal_holds: 'Case references (G37) on ids; the reference and reason name a case, not a person, by design of the form.',
  retention_unlock: 'SQLite only: a marker row that lets the retention purge delete consent records inside its transaction.',
  webhook_endpoints: "Recipients of signed webhooks (another system's https address, a label, the subscribed event types, the sealed signing secret); created_by is a user id.",
  webhook_deliveries:
    'The webhook outbox (src/webhooks/): event type, pseudonymous ids, fixed codes and counts only — never names, emails or text — and the HTTP status of each attempt. Each row has an expires_at (created + 30 days) and is deleted then by the webhook.prune job.',
  sub_processors: 'Companies the organisation declares as sub-processors (G39): company name, purpose, place, country, EEA flag, transfer tool — no contact persons.',
  dpia_reviews: "State of the organisation's mini-DPIA (G51): a state code, the approving user's id, a configuration stamp, setting codes and timestamps.",
  kysely_migration: "Kysely's record of applied migrations.",
  kysely_migration_lock: "Kysely's migration lock.",
} as const satisfies Record<string, string>;

export type NonPersonalTable = keyof typeof nonPersonalTables;

export type PersonalDataTable = keyof typeof personalDataTables;

export function tagged<T extends PersonalDataTable>(table: T) {
  const { purpose, category } = personalDataTables[table];
  return { purpose, data_category: category } as const;
}
