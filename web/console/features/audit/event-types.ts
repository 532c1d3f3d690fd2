/**
 * The audit event types the server writes (src/audit/events.ts), with what each means to a reader.
 * The filter offers these; an unknown type in the log is still shown, by its code.
 */
export const auditEventTypes = {
  'organisation.created': 'Organisation created',
  'organisation.updated': 'Organisation settings changed',
  'user.created': 'User invited',
  'user.updated': 'User details changed',
  'user.role_changed': 'User role changed',
  'user.disabled': 'User disabled',
  'user.enabled': 'User enabled again',
  'user.setup_link_issued': 'Set-up link issued',
  'user.password_set': 'Password set',
  'user.totp_enrolled': 'Authenticator app set up',
  'user.totp_reset': 'Authenticator app reset',
  'user.training_attested': 'Training recorded',
  'auth.login_succeeded': 'Signed in',
  'auth.login_failed': 'Sign-in failed',
  'auth.locked_out': 'Account locked after failed sign-ins',
  'auth.logged_out': 'Signed out',
  'api_token.created': 'API token created',
  'api_token.revoked': 'API token revoked',
  'call_type.created': 'Call type created',
  'call_type.updated': 'Call type changed',
  'call_type.archived': 'Call type archived',
  'privacy_notice.created': 'Privacy notice draft created',
  'privacy_notice.updated': 'Privacy notice draft edited',
  'privacy_notice.published': 'Privacy notice published',
  'call.scheduled': 'Call scheduled',
  'call.rescheduled': 'Call moved',
  'call.cancelled': 'Call cancelled',
  'call.started': 'Call started',
  'call.ended': 'Call ended by the host',
  'call.guest_added': 'Another customer invited to a call',
  'consent.recorded': 'Consent decision recorded',
  'recording.started': 'Recording started',
  'recording.stopped': 'Recording stopped',
  'recording.failed': 'Recording failed (host alerted)',
  'recording.acknowledged': 'Recording notice acknowledged by a customer',
  'recording.track_started': 'Recording of a participant started',
  'recording.track_ended': 'Recording of a participant ended',
  'recording.track_erased': 'Recorded track erased (key destroyed)',
  'recording.played': 'Recording played back',
  'recording.downloaded': 'Recording downloaded',
  'recording.access_refused': 'Recording access refused',
  'keys.rotated': 'Encryption keys rotated',
  'mail.viewed': 'Message opened in the outbox',
  'mail.retried': 'Message sent again',
  'audit.verified': 'Audit chain verified',
} as const;

export type AuditEventType = keyof typeof auditEventTypes;

export const isAuditEventType = (type: string): type is AuditEventType => Object.hasOwn(auditEventTypes, type);

export const describeEventType = (type: string): string => (isAuditEventType(type) ? auditEventTypes[type] : type);
