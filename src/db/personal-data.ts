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
] as const;
export type DataCategory = (typeof dataCategories)[number];

/** Tables with personal data and the purpose/category their rows are written with. */
export const personalDataTables = {
  users: { purpose: 'staff_account_management', category: 'staff_account' },
  user_sessions: { purpose: 'security', category: 'staff_security' },
  setup_tokens: { purpose: 'staff_account_management', category: 'staff_security' },
  training_attestations: { purpose: 'accountability', category: 'staff_training' },
  mail_outbox: { purpose: 'call_delivery', category: 'communications' },
  subjects: { purpose: 'call_delivery', category: 'customer_contact' },
  calls: { purpose: 'call_delivery', category: 'call_metadata' },
  participants: { purpose: 'call_delivery', category: 'call_metadata' },
  consent_records: { purpose: 'accountability', category: 'consent_records' },
  call_attendance: { purpose: 'call_delivery', category: 'call_metadata' },
  call_chat_messages: { purpose: 'chat', category: 'chat' },
  /** Aggregates only, but tied to a call, so they expire with its metadata. */
  call_quality: { purpose: 'call_delivery', category: 'call_metadata' },
  recordings: { purpose: 'recording', category: 'call_metadata' },
  recording_tracks: { purpose: 'recording', category: 'recording' },
  rights_requests: { purpose: 'rights_requests', category: 'rights_requests' },
  subject_exports: { purpose: 'rights_requests', category: 'subject_exports' },
} as const satisfies Record<string, { purpose: Purpose; category: DataCategory }>;

export type PersonalDataTable = keyof typeof personalDataTables;

export function tagged<T extends PersonalDataTable>(table: T) {
  const { purpose, category } = personalDataTables[table];
  return { purpose, data_category: category } as const;
}
