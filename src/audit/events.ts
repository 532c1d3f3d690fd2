import { z } from 'zod';

/**
 * Every audit event Parley writes: a discriminated union on `type`. Data holds ids, role names and field
 * names only — never names, emails, addresses or free text (G54, G24). Adding a capability adds its events here.
 */
const id = z.string().regex(/^[a-z]+_[0-9a-z]{25}$/);
const role = z.enum(['admin', 'dpo', 'agent']);
/** Tables the retention purge deletes from (src/retention/purge.ts). */
export const retentionTables = [
  'recording_tracks',
  'subject_exports',
  'call_chat_messages',
  'call_attendance',
  'call_quality',
  'consent_records',
  'mail_outbox',
  'rights_requests',
  'recordings',
  'participants',
  'calls',
  'subjects',
  'breach_updates',
  'breaches',
  'user_sessions',
  'setup_tokens',
] as const;

export const auditEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('organisation.created'), data: z.strictObject({ orgId: id }) }),
  z.strictObject({
    type: z.literal('organisation.updated'),
    data: z.strictObject({ fields: z.array(z.string()), configVersion: z.number().int() }),
  }),
  z.strictObject({ type: z.literal('user.created'), data: z.strictObject({ userId: id, role }) }),
  z.strictObject({
    type: z.literal('user.updated'),
    data: z.strictObject({ userId: id, fields: z.array(z.string()) }),
  }),
  z.strictObject({
    type: z.literal('user.role_changed'),
    data: z.strictObject({ userId: id, from: role, to: role }),
  }),
  z.strictObject({ type: z.literal('user.disabled'), data: z.strictObject({ userId: id }) }),
  z.strictObject({ type: z.literal('user.enabled'), data: z.strictObject({ userId: id }) }),
  z.strictObject({ type: z.literal('user.setup_link_issued'), data: z.strictObject({ userId: id.nullable() }) }),
  z.strictObject({ type: z.literal('user.password_set'), data: z.strictObject({ userId: id }) }),
  z.strictObject({ type: z.literal('user.totp_enrolled'), data: z.strictObject({ userId: id }) }),
  z.strictObject({ type: z.literal('user.totp_reset'), data: z.strictObject({ userId: id }) }),
  /** A new set of TOTP recovery codes (at enrolment, or made again by the person, which voids the old set). */
  z.strictObject({ type: z.literal('user.recovery_codes_generated'), data: z.strictObject({ userId: id, count: z.number().int() }) }),
  z.strictObject({
    type: z.literal('user.training_attested'),
    data: z.strictObject({ userId: id, attestationId: id }),
  }),
  z.strictObject({ type: z.literal('auth.login_succeeded'), data: z.strictObject({ userId: id, sessionId: id }) }),
  z.strictObject({
    type: z.literal('auth.login_failed'),
    data: z.strictObject({ userId: id, reason: z.enum(['password', 'totp', 'totp_replayed', 'recovery_code', 'locked', 'disabled']) }),
  }),
  /** Signed in with a recovery code instead of a TOTP code; `codesLeft` unused codes remain. */
  z.strictObject({ type: z.literal('auth.recovery_code_used'), data: z.strictObject({ userId: id, codesLeft: z.number().int() }) }),
  z.strictObject({ type: z.literal('auth.locked_out'), data: z.strictObject({ userId: id }) }),
  z.strictObject({ type: z.literal('auth.logged_out'), data: z.strictObject({ userId: id, sessionId: id }) }),
  z.strictObject({ type: z.literal('api_token.created'), data: z.strictObject({ tokenId: id, role }) }),
  z.strictObject({ type: z.literal('api_token.revoked'), data: z.strictObject({ tokenId: id }) }),
  z.strictObject({
    type: z.literal('call.scheduled'),
    data: z.strictObject({ callId: id, callTypeId: id, subjectId: id }),
  }),
  z.strictObject({ type: z.literal('call.rescheduled'), data: z.strictObject({ callId: id }) }),
  /** Another customer was invited to a scheduled call. */
  z.strictObject({ type: z.literal('call.guest_added'), data: z.strictObject({ callId: id, subjectId: id }) }),
  z.strictObject({ type: z.literal('call.cancelled'), data: z.strictObject({ callId: id }) }),
  /** The first participant joined the live call. */
  z.strictObject({ type: z.literal('call.started'), data: z.strictObject({ callId: id }) }),
  /** The agent ended the live call for everyone. */
  z.strictObject({ type: z.literal('call.ended'), data: z.strictObject({ callId: id }) }),
  z.strictObject({
    type: z.literal('consent.recorded'),
    data: z.strictObject({
      consentId: id,
      callId: id,
      subjectId: id,
      purpose: z.string(),
      action: z.enum(['given', 'declined', 'withdrawn']),
    }),
  }),
  /** Recording began: by the agent (consent mode) or with the call (legal obligation, actor `system`). */
  z.strictObject({
    type: z.literal('recording.started'),
    data: z.strictObject({ recordingId: id, callId: id, mode: z.enum(['consent', 'legal_obligation']) }),
  }),
  z.strictObject({
    type: z.literal('recording.stopped'),
    data: z.strictObject({ recordingId: id, callId: id, reason: z.enum(['agent', 'call_ended', 'shutdown', 'crash', 'failed']) }),
  }),
  /** Cluster mode: the node the call moved to (its node died or was drained) goes on with the running recording. */
  z.strictObject({
    type: z.literal('recording.resumed'),
    data: z.strictObject({ recordingId: id, callId: id }),
  }),
  /** Capture failed (G55): the agent was alerted; `reason` is a fixed code, never media or names. */
  z.strictObject({
    type: z.literal('recording.failed'),
    data: z.strictObject({ recordingId: id, callId: id, reason: z.enum(['store', 'encoder', 'no_media', 'region', 'recording_key']) }),
  }),
  /** A customer acknowledged the notice of a legal-obligation recording. */
  z.strictObject({
    type: z.literal('recording.acknowledged'),
    data: z.strictObject({ recordingId: id, participantId: id, textHash: z.string() }),
  }),
  z.strictObject({
    type: z.literal('recording.track_started'),
    data: z.strictObject({
      recordingId: id,
      trackId: id,
      participantId: id,
      source: z.enum(['camera', 'screen']),
      basis: z.enum(['consent', 'legal_obligation', 'legitimate_interest']),
    }),
  }),
  z.strictObject({
    type: z.literal('recording.track_ended'),
    data: z.strictObject({
      recordingId: id,
      trackId: id,
      reason: z.enum(['stopped', 'withdrawn', 'left', 'sources_changed', 'call_ended', 'shutdown', 'crash', 'failed']),
      /** `empty`: nothing had been captured yet; the track was dropped. */
      status: z.enum(['complete', 'incomplete', 'failed', 'empty']),
    }),
  }),
  /** A track's data key and blob were destroyed (crypto-shredding, G27). */
  z.strictObject({
    type: z.literal('recording.track_erased'),
    data: z.strictObject({ recordingId: id, trackId: id, reason: z.enum(['consent_withdrawn', 'expired', 'erasure_request']) }),
  }),
  /** Someone played back (streamed) or downloaded a recorded track (G54). */
  z.strictObject({ type: z.literal('recording.played'), data: z.strictObject({ recordingId: id, trackId: id }) }),
  z.strictObject({ type: z.literal('recording.downloaded'), data: z.strictObject({ recordingId: id, trackId: id }) }),
  /** Playback or download refused: role, training or restriction. */
  z.strictObject({
    type: z.literal('recording.access_refused'),
    data: z.strictObject({ recordingId: id, reason: z.enum(['role', 'training', 'restricted']) }),
  }),
  /** A DPO made a new recording key for E2EE calls (its public key and passphrase-sealed private key are stored). */
  z.strictObject({ type: z.literal('recording_key.created'), data: z.strictObject({ keyId: id, fingerprint: z.string() }) }),
  /** Someone fetched the sealed private recording key to unlock it in their browser (to play an E2EE recording). */
  z.strictObject({ type: z.literal('recording_key.fetched'), data: z.strictObject({ keyId: id }) }),
  /** `parley keys rotate`: a new key-encryption key version, data keys re-wrapped. */
  z.strictObject({ type: z.literal('keys.rotated'), data: z.strictObject({ kekVersion: z.number().int(), rewrapped: z.number().int() }) }),
  z.strictObject({ type: z.literal('mail.viewed'), data: z.strictObject({ mailId: id }) }),
  z.strictObject({ type: z.literal('mail.retried'), data: z.strictObject({ mailId: id }) }),
  z.strictObject({ type: z.literal('call_type.created'), data: z.strictObject({ callTypeId: id }) }),
  z.strictObject({
    type: z.literal('call_type.updated'),
    data: z.strictObject({ callTypeId: id, fields: z.array(z.string()), version: z.number().int() }),
  }),
  z.strictObject({ type: z.literal('call_type.archived'), data: z.strictObject({ callTypeId: id }) }),
  z.strictObject({
    type: z.literal('privacy_notice.created'),
    data: z.strictObject({ noticeId: id, version: z.number().int() }),
  }),
  z.strictObject({
    type: z.literal('privacy_notice.updated'),
    data: z.strictObject({ noticeId: id, version: z.number().int(), fields: z.array(z.string()) }),
  }),
  z.strictObject({
    type: z.literal('privacy_notice.published'),
    data: z.strictObject({ noticeId: id, version: z.number().int(), contentHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  }),
  z.strictObject({ type: z.literal('audit.verified'), data: z.strictObject({ ok: z.boolean(), events: z.number().int() }) }),
  /**
   * The retention purge deleted one expired item (G26): which table, its data category and its id — never names,
   * emails or text. One event per deleted row, in the transaction that deletes it.
   */
  z.strictObject({
    type: z.literal('retention.purged'),
    data: z.strictObject({ table: z.enum(retentionTables), category: z.string().regex(/^[a-z_]+$/), itemId: id }),
  }),
  /** The purge destroyed the data key of an expired encrypted item (an access export) before deleting its blob (G27). */
  z.strictObject({ type: z.literal('retention.key_destroyed'), data: z.strictObject({ table: z.enum(retentionTables), itemId: id }) }),
  /** Orphan blobs (no row owns them: an interrupted write or delete) removed by the purge's sweep. */
  z.strictObject({ type: z.literal('retention.orphans_removed'), data: z.strictObject({ blobs: z.number().int() }) }),
  /** A legal hold suspends deletion of what it covers (G37); its reason and reference stay on the hold, not here. */
  z.strictObject({
    type: z.literal('legal_hold.placed'),
    data: z.strictObject({ holdId: id, scope: z.enum(['subject', 'call', 'recording']), targetId: id, endsOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  }),
  z.strictObject({ type: z.literal('legal_hold.released'), data: z.strictObject({ holdId: id }) }),
  /** A recording's tracks were erased on request before their expiry (DELETE /api/recordings/:recordingId). */
  z.strictObject({ type: z.literal('recording.erased'), data: z.strictObject({ recordingId: id, tracks: z.number().int() }) }),
  /** An authority asked to keep a legal-obligation recording longer (G56: 7 years); its reference is on the recording. */
  z.strictObject({
    type: z.literal('recording.retention_extended'),
    data: z.strictObject({ recordingId: id, years: z.number().int(), retainUntil: z.string() }),
  }),
  /** Data-subject rights requests (G28–G31): ids, the request type and fixed codes only — never the address. */
  z.strictObject({
    type: z.literal('rights_request.received'),
    data: z.strictObject({ requestId: id, requestType: z.enum(['access', 'erasure', 'restriction', 'objection', 'rectification']) }),
  }),
  z.strictObject({ type: z.literal('rights_request.code_sent'), data: z.strictObject({ requestId: id }) }),
  z.strictObject({ type: z.literal('rights_request.verified'), data: z.strictObject({ requestId: id, subjectId: id.nullable() }) }),
  z.strictObject({ type: z.literal('rights_request.code_failed'), data: z.strictObject({ requestId: id, attempt: z.number().int() }) }),
  z.strictObject({ type: z.literal('rights_request.locked'), data: z.strictObject({ requestId: id }) }),
  z.strictObject({
    type: z.literal('rights_request.extended'),
    data: z.strictObject({ requestId: id, months: z.number().int(), dueAt: z.string() }),
  }),
  z.strictObject({
    type: z.literal('rights_request.completed'),
    data: z.strictObject({
      requestId: id,
      action: z.enum(['export_produced', 'erased', 'restricted', 'restriction_lifted', 'objection_handled', 'rectified']),
      exportId: id.optional(),
    }),
  }),
  z.strictObject({ type: z.literal('rights_request.refused'), data: z.strictObject({ requestId: id }) }),
  z.strictObject({ type: z.literal('rights_request.export_link_issued'), data: z.strictObject({ requestId: id, exportId: id }) }),
  /** Data-subject access, erasure and restriction (G20, G32–G37, src/subject-rights/): ids, counts and fixed codes only. */
  z.strictObject({
    type: z.literal('rights_request.export_created'),
    data: z.strictObject({ requestId: id, exportId: id, subjectId: id.nullable(), tracks: z.number().int() }),
  }),
  z.strictObject({ type: z.literal('rights_request.export_downloaded'), data: z.strictObject({ requestId: id, exportId: id }) }),
  /** One event per category erased for a subject (G36): the ids and how many. */
  z.strictObject({
    type: z.literal('subject.data_erased'),
    data: z.strictObject({
      requestId: id,
      subjectId: id,
      // chatMentions: other people's chat messages in which the subject's name or address was replaced (ids of those messages).
      category: z.enum(['subject', 'subjectContact', 'participants', 'attendance', 'chatMessages', 'chatMentions', 'consentRecords', 'recordingTracks', 'exports', 'mails']),
      count: z.number().int(),
      ids: z.array(id),
    }),
  }),
  /** What erasure kept under an exception (G37), counted per reason; the per-item list is the erasure report. */
  z.strictObject({
    type: z.literal('subject.data_kept'),
    data: z.strictObject({
      requestId: id,
      subjectId: id,
      legalHold: z.number().int(),
      legalObligation: z.number().int(),
      consentProof: z.number().int(),
    }),
  }),
  z.strictObject({ type: z.literal('subject.restricted'), data: z.strictObject({ subjectId: id, requestId: id }) }),
  /** Restriction lifted; the subject was told (G20): the SHA-256 of the notice they were sent, never its text. */
  /** Webhook endpoints (G21, src/webhooks/): ids and event-type codes only; never the URL or the secret. */
  z.strictObject({ type: z.literal('webhook.created'), data: z.strictObject({ webhookId: id, events: z.array(z.string()) }) }),
  z.strictObject({ type: z.literal('webhook.updated'), data: z.strictObject({ webhookId: id, fields: z.array(z.string()) }) }),
  z.strictObject({ type: z.literal('webhook.secret_rotated'), data: z.strictObject({ webhookId: id }) }),
  z.strictObject({ type: z.literal('webhook.deleted'), data: z.strictObject({ webhookId: id }) }),
  z.strictObject({ type: z.literal('webhook.test_sent'), data: z.strictObject({ webhookId: id, deliveryId: id }) }),
  /** Accountability documents (G39, G51, G53, src/documents/): ids, field names and version numbers only. */
  z.strictObject({ type: z.literal('sub_processor.created'), data: z.strictObject({ subProcessorId: id }) }),
  z.strictObject({ type: z.literal('sub_processor.updated'), data: z.strictObject({ subProcessorId: id, fields: z.array(z.string()) }) }),
  z.strictObject({ type: z.literal('sub_processor.deleted'), data: z.strictObject({ subProcessorId: id }) }),
  /** The DPO approved the mini-DPIA as generated from this configuration (organisation and call type versions). */
  z.strictObject({
    type: z.literal('documents.dpia_approved'),
    data: z.strictObject({
      configVersion: z.number().int(),
      callTypes: z.array(z.strictObject({ callTypeId: id, version: z.number().int() })),
    }),
  }),
  z.strictObject({
    type: z.literal('subject.restriction_lifted'),
    data: z.strictObject({ subjectId: id, requestId: id, noticeHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  }),
  /** The breach register (G49, src/breaches/): ids, type codes and the names of changed fields — never the free text. */
  z.strictObject({
    type: z.literal('breach.recorded'),
    data: z.strictObject({ breachId: id, types: z.array(z.enum(['confidentiality', 'integrity', 'availability'])) }),
  }),
  z.strictObject({ type: z.literal('breach.edited'), data: z.strictObject({ breachId: id, fields: z.array(z.string().regex(/^[a-zA-Z]+$/)) }) }),
  z.strictObject({ type: z.literal('breach.update_added'), data: z.strictObject({ breachId: id, updateId: id }) }),
]);

export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditEventType = AuditEvent['type'];
export const auditEventTypes = auditEventSchema.options.map((o) => o.shape.type.value) as AuditEventType[];

/** Who caused an event. `system` covers first-run set-up and jobs; `anonymous` a set-up link or a public page. */
export const auditActorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('user'), id }),
  z.strictObject({ type: z.literal('api_token'), id }),
  z.strictObject({ type: z.literal('system') }),
  z.strictObject({ type: z.literal('anonymous') }),
]);
export type AuditActor = z.infer<typeof auditActorSchema>;
