/**
 * Every kind of message the server sends (src/mail/mail-kinds.ts), in words, as the outbox shows it — the console
 * speaks English. test/mail/outbox-kinds.test.ts fails when the server gains a kind without a label here.
 */
export const mailKindLabels = {
  'call.invitation': 'Invitation to the customer',
  'call.rescheduled': 'New time, to the customer',
  'call.cancelled': 'Cancellation, to the customer',
  'call.agent_confirmation': 'Confirmation to the agent',
  'rights_request.code': 'Verification code for a rights request',
  'rights_request.export_ready': 'Copy of their data ready, to the requester',
  'rights_request.erased': 'Erasure report, to the requester',
  'rights_request.restricted': 'Processing restricted, to the requester',
  'rights_request.restriction_lifted': 'Restriction being lifted, to the requester',
  'rights_request.completed': 'Request handled, to the requester',
  'rights_request.extended': 'More time needed for a request, to the requester',
  'rights_request.refused': 'Request refused, with reasons, to the requester',
  'user.invitation': 'Invitation to a new user (set-up link)',
  'user.setup_link': 'New set-up link, to a user',
} as const satisfies Record<string, string>;

/** The kind in words; a kind this console does not know yet (a newer server) is never shown as its code. */
export const mailKindLabel = (kind: string): string =>
  Object.hasOwn(mailKindLabels, kind) ? mailKindLabels[kind as keyof typeof mailKindLabels] : 'Other message';
