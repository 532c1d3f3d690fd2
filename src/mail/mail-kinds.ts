/**
 * Every kind of message Parley sends: one closed list, so the outbox can name each kind in words (the console's
 * catalogue has a label for every entry; test/mail/outbox-kinds.test.ts holds the two together) and a new kind
 * cannot be queued without being added here.
 *
 * `to` says who receives it; `namesCustomer` whether its text names a customer who is not the recipient (the
 * agent's confirmation does): such a message must carry the customer's subject id, so erasure reaches it.
 * `credential`: the message carries a link that signs its holder in (an account set-up link). The outbox never
 * shows that link to the staff who can read messages there: one of them could otherwise take over the account.
 */
export const mailKinds = {
  'call.invitation': { to: 'customer', namesCustomer: false },
  'call.rescheduled': { to: 'customer', namesCustomer: false },
  'call.cancelled': { to: 'customer', namesCustomer: false },
  'call.agent_confirmation': { to: 'staff', namesCustomer: true },
  'rights_request.code': { to: 'customer', namesCustomer: false },
  'rights_request.export_ready': { to: 'customer', namesCustomer: false },
  'rights_request.erased': { to: 'customer', namesCustomer: false },
  'rights_request.restricted': { to: 'customer', namesCustomer: false },
  'rights_request.restriction_lifted': { to: 'customer', namesCustomer: false },
  'rights_request.completed': { to: 'customer', namesCustomer: false },
  'rights_request.extended': { to: 'customer', namesCustomer: false },
  'rights_request.refused': { to: 'customer', namesCustomer: false },
  'user.invitation': { to: 'staff', namesCustomer: false, credential: true },
  'user.setup_link': { to: 'staff', namesCustomer: false, credential: true },
} as const satisfies Record<string, { to: 'customer' | 'staff'; namesCustomer: boolean; credential?: boolean }>;

/** Whether a kind's message carries a sign-in credential that the outbox must not show. */
export const carriesCredential = (kind: string): boolean => isMailKind(kind) && 'credential' in mailKinds[kind] && mailKinds[kind].credential === true;

export type MailKind = keyof typeof mailKinds;
export const mailKindList = Object.keys(mailKinds) as MailKind[];

export const isMailKind = (kind: string): kind is MailKind => Object.hasOwn(mailKinds, kind);
