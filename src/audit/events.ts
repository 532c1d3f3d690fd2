import { z } from 'zod';

/**
 * Every audit event Parley writes: a discriminated union on `type`. Data holds ids, role names and field
 * names only — never names, emails, addresses or free text (G54, G24). Adding a capability adds its events here.
 */
const id = z.string().regex(/^[a-z]+_[0-9a-z]{25}$/);
const role = z.enum(['admin', 'dpo', 'agent']);

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
  z.strictObject({
    type: z.literal('user.training_attested'),
    data: z.strictObject({ userId: id, attestationId: id }),
  }),
  z.strictObject({ type: z.literal('auth.login_succeeded'), data: z.strictObject({ userId: id, sessionId: id }) }),
  z.strictObject({
    type: z.literal('auth.login_failed'),
    data: z.strictObject({ userId: id, reason: z.enum(['password', 'totp', 'locked', 'disabled']) }),
  }),
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
  /** Capture failed (G55): the agent was alerted; `reason` is a fixed code, never media or names. */
  z.strictObject({
    type: z.literal('recording.failed'),
    data: z.strictObject({ recordingId: id, callId: id, reason: z.enum(['store', 'encoder', 'no_media', 'region']) }),
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
