import type { MailContent } from '../mail/mail.schema.ts';
import type { Role } from './roles.ts';
import { longDateTime } from '../shared/dates.ts';

/**
 * The mails that carry a set-up link to a member of staff: the invitation to a new account, and a new link for an
 * existing one (forgotten password, lost invitation). In English, like the console they lead to. The link is in the
 * body only, never in the subject: subjects show in notification previews, lock screens and mail-server logs.
 */
export interface SetupMailFacts {
  readonly kind: 'invitation' | 'new_link';
  readonly toName: string;
  readonly role: Role;
  readonly organisationName: string;
  /** Who asked for the mail, when a person did (an admin's name); null for an API token or the system. */
  readonly senderName: string | null;
  readonly url: string;
  readonly expiresAt: Date;
  /** IANA zone the expiry is written in (PARLEY_TIME_ZONE). */
  readonly timeZone: string;
}

const rolePhrases: Readonly<Record<Role, string>> = {
  admin: 'an administrator',
  dpo: 'the data protection officer',
  agent: 'an agent',
};

function until(facts: SetupMailFacts): string {
  return longDateTime(facts.expiresAt, 'en', facts.timeZone);
}

export function setupMail(facts: SetupMailFacts): MailContent {
  const org = facts.organisationName;
  const needsTotp = facts.role !== 'agent';
  const by = facts.senderName ? `${facts.senderName} has` : 'An administrator has';
  const opening =
    facts.kind === 'invitation'
      ? `${by} created a Parley account for you at ${org}, as ${rolePhrases[facts.role]}. Parley is the video-call service ${org} uses to talk with its customers.`
      : `${by} sent you a new link to set the password of your Parley account at ${org}. Links sent to you before stop working.`;
  const text = [
    `Hello ${facts.toName},`,
    '',
    opening,
    '',
    facts.kind === 'invitation' ? 'Choose your password here:' : 'Choose a new password here:',
    facts.url,
    '',
    `The link works once, until ${until(facts)}. Do not forward it: whoever opens it can set the password.`,
    ...(needsTotp
      ? [
          '',
          'After the password you set up two-factor sign-in with an authenticator app on your phone (for example FreeOTP, Aegis, Microsoft Authenticator or Google Authenticator), and you receive recovery codes to keep in a safe place.',
        ]
      : []),
    '',
    `If you did not expect this mail, you can ignore it; nobody can use the account without the link. Questions go to the administrators of ${org}.`,
  ].join('\n');
  return {
    toName: facts.toName,
    subject: facts.kind === 'invitation' ? `Your Parley account at ${org}` : `A new link for your Parley account at ${org}`,
    text,
  };
}
