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
