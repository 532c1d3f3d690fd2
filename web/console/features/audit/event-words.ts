import { formatDate, formatDateTime } from '../../../shared/format.ts';
import { basisLabels, purposeLabels } from '../call-types/explanations.ts';
import { describeEventType } from './event-types.ts';

/**
 * The details of an audit event in words (issue 12, finding 12). Events hold ids and fixed codes only (never
 * names or free text, G54); this is where a reason such as `sources_changed` becomes "Camera or screen changed" and a
 * key such as `recordingId` becomes "Recording". Ids stay ids: they are what an auditor looks up. A code this page does
 * not know yet (added on the server later) is shown in words made from it, never left out.
 */

/** Words of codes that are not simply split at capitals and underscores. */
const codeWords: Readonly<Record<string, string>> = { dpo: 'DPO', dpa: 'DPA', dpia: 'DPIA', url: 'address', e2ee: 'end-to-end encryption', totp: 'authenticator', id: '' };

/** `sources_changed` → "Sources changed", `dpoEmail` → "DPO email": the fallback for codes not listed below. */
export function codeInWords(code: string): string {
  const words = code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((w) => codeWords[w.toLowerCase()] ?? w.toLowerCase())
    .filter((w) => w !== '')
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const keyLabels: Readonly<Record<string, string>> = {
  orgId: 'Organisation',
  userId: 'User',
  sessionId: 'Session',
  tokenId: 'API token',
  attestationId: 'Training record',
  callId: 'Call',
  callTypeId: 'Call type',
  subjectId: 'Customer',
  consentId: 'Consent record',
  recordingId: 'Recording',
  participantId: 'Participant',
  trackId: 'Recorded track',
  keyId: 'Recording key',
  mailId: 'Message',
  noticeId: 'Privacy notice',
  holdId: 'Legal hold',
  targetId: 'Held item',
  requestId: 'Rights request',
  exportId: 'Access export',
  webhookId: 'Webhook endpoint',
  deliveryId: 'Delivery',
  subProcessorId: 'Sub-processor',
  breachId: 'Breach',
  updateId: 'Follow-up',
  itemId: 'Item',
  fields: 'Changed',
  configVersion: 'Settings version',
  version: 'Version',
  role: 'Role',
  from: 'From',
  to: 'To',
  reason: 'Reason',
  purpose: 'Purpose',
  action: 'Decision',
  mode: 'Basis',
  source: 'Source',
  basis: 'Basis',
  status: 'Outcome',
  textHash: 'Text fingerprint',
  contentHash: 'Content fingerprint',
  noticeHash: 'Notice fingerprint',
  fingerprint: 'Key fingerprint',
  kekVersion: 'Key version',
  rewrapped: 'Data keys re-wrapped',
  ok: 'Chain intact',
  events: 'Events',
  table: 'Kind of record',
  category: 'Data category',
  blobs: 'Files removed',
  scope: 'Covers',
  endsOn: 'Ends on',
  tracks: 'Tracks',
  years: 'Years',
  retainUntil: 'Kept until',
  requestType: 'Request',
  attempt: 'Attempt',
  months: 'Months added',
  dueAt: 'Now due',
  count: 'Number',
  codesLeft: 'Recovery codes left',
  ids: 'Items',
  legalHold: 'Kept under a legal hold',
  legalObligation: 'Kept by legal obligation',
  consentProof: 'Kept as proof of consent',
  callTypes: 'Call types',
  types: 'Type',
};

export const dataKeyLabel = (key: string): string => keyLabels[key] ?? codeInWords(key.replace(/Id$/, ''));

/** Reasons differ by event: the same word (`failed`, `call_ended`) is said the way that event means it. */
export const reasonLabels: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'auth.login_failed': {
    password: 'Wrong password',
    totp: 'Wrong authenticator code',
    totp_replayed: 'Authenticator code used a second time',
    recovery_code: 'Wrong or used recovery code',
    locked: 'Account locked',
    disabled: 'Account disabled',
  },
  'recording.stopped': { agent: 'Stopped by the host', call_ended: 'The call ended', shutdown: 'The server shut down', crash: 'A crash of the server or a media worker', failed: 'Capture failed' },
  'recording.failed': {
    store: 'The recording could not be stored',
    encoder: 'The recording could not be encoded',
    no_media: 'No picture or sound arrived',
    region: 'Storage is outside the EEA without a safeguard',
    recording_key: 'No recording key for end-to-end encrypted calls',
  },
  'recording.track_ended': {
    stopped: 'Recording stopped',
    withdrawn: 'Consent withdrawn',
    left: 'Left the call',
    sources_changed: 'Camera or screen changed',
    call_ended: 'The call ended',
    shutdown: 'The server shut down',
    crash: 'A crash of the server or a media worker',
    failed: 'Capture failed',
  },
  'recording.track_erased': { consent_withdrawn: 'Consent withdrawn', expired: 'Retention period over', erasure_request: 'Erasure request' },
  'recording.access_refused': { role: 'Role not allowed to play recordings', training: 'No recent GDPR training', restricted: 'Processing restricted' },
};

const valueLabels: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  role: { admin: 'Administrator', dpo: 'Data protection officer', agent: 'Agent' },
  mode: { consent: 'With consent', legal_obligation: 'Required by law' },
  source: { camera: 'Camera and microphone', screen: 'Screen share' },
  basis: basisLabels as Readonly<Record<string, string>>,
  action: {
    given: 'Consent given',
    declined: 'Declined',
    withdrawn: 'Withdrawn',
    export_produced: 'Access export produced',
    erased: 'Data erased',
    restricted: 'Processing restricted',
    restriction_lifted: 'Restriction lifted',
    objection_handled: 'Objection handled',
    rectified: 'Data corrected',
  },
  status: { complete: 'Complete', incomplete: 'Incomplete', failed: 'Failed', empty: 'Nothing captured (dropped)' },
  requestType: { access: 'Access', erasure: 'Erasure', restriction: 'Restriction', objection: 'Objection', rectification: 'Rectification' },
  scope: { subject: 'A customer', call: 'A call', recording: 'A recording' },
  types: { confidentiality: 'Confidentiality', integrity: 'Integrity', availability: 'Availability' },
  category: {
    staff_account: 'Staff accounts',
    staff_security: 'Staff sign-in data',
    staff_training: 'Staff training records',
    communications: 'Mail',
    customer_contact: 'Customer contact details',
    call_metadata: 'Call details',
    consent_records: 'Consent records',
    chat: 'Chat',
    recording: 'Recordings',
    rights_requests: 'Rights requests',
    subject_exports: 'Access exports',
    breach_records: 'Breach records',
    subject: 'Customer record',
    subjectContact: 'Contact details',
    participants: 'Call participation',
    attendance: 'Attendance',
    chatMessages: 'Chat messages',
    chatMentions: 'Name or address in others\' chat messages (replaced)',
    consentRecords: 'Consent records',
    recordingTracks: 'Recorded tracks',
    exports: 'Access exports',
    mails: 'Mail',
  },
  table: {
    recording_tracks: 'Recorded track',
    subject_exports: 'Access export',
    call_chat_messages: 'Chat message',
    call_attendance: 'Attendance',
    call_quality: 'Call quality figures',
    consent_records: 'Consent record',
    mail_outbox: 'Message',
    rights_requests: 'Rights request',
    recordings: 'Recording',
    participants: 'Participant',
    calls: 'Call',
    subjects: 'Customer',
    breach_updates: 'Breach follow-up',
    breaches: 'Breach',
    user_sessions: 'Sign-in session',
    setup_tokens: 'Set-up link',
  },
  purpose: purposeLabels as Readonly<Record<string, string>>,
};

/** A code in words for the event and key it appears under. */
export function codeValueInWords(type: string, key: string, code: string): string {
  if (key === 'reason') return reasonLabels[type]?.[code] ?? codeInWords(code);
  const table = key === 'from' || key === 'to' ? valueLabels.role : valueLabels[key];
  return table?.[code] ?? codeInWords(code);
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const hash = /^[0-9a-f]{32,}$/;

/** One detail of an event, as a reader should see it. `nameOf` turns a user id into the person's name when known. */
export function eventValueInWords(type: string, key: string, value: unknown, nameOf: (userId: string) => string | undefined = () => undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return value.toLocaleString('en-GB');
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    return value.map((v) => (key === 'fields' && typeof v === 'string' ? codeInWords(v) : key === 'events' && typeof v === 'string' ? describeEventType(v) : eventValueInWords(type, key, v, nameOf))).join(', ');
  }
  if (typeof value === 'object') {
    // The call types a DPIA approval covered: { callTypeId, version }.
    const o = value as Record<string, unknown>;
    if (typeof o.callTypeId === 'string') return `${o.callTypeId}${typeof o.version === 'number' ? ` (version ${o.version})` : ''}`;
    return Object.entries(o)
      .map(([k, v]) => `${dataKeyLabel(k)}: ${eventValueInWords(type, k, v, nameOf)}`)
      .join('; ');
  }
  const text = String(value);
  if (key === 'userId') {
    const name = nameOf(text);
    return name ? `${name} (${text})` : text;
  }
  if (/Id$|^ids$/.test(key)) return text;
  if (hash.test(text)) return `${text.slice(0, 12)}…`;
  if (isoDate.test(text)) return formatDate(text);
  if (isoInstant.test(text)) return formatDateTime(text);
  if (/^[a-z]+(?:_[a-z]+)*$|^[a-z]+[A-Z]/.test(text)) return codeValueInWords(type, key, text);
  return text;
}
