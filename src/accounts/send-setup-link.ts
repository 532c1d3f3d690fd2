import type { AuditActor } from '../audit/events.ts';
import type { Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { queueMail } from '../mail/queue-mail.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import type { OrgId, UserId } from '../shared/ids.ts';
import type { Role } from './roles.ts';
import { issueSetupLink } from './setup-links.ts';
import { setupMail } from './staff-mails.ts';

/**
 * How a set-up link reached its person. With an SMTP relay (PARLEY_SMTP_URL) the link is mailed and nobody else
 * sees it: the answer has no `url`, so the admin never holds another person's credential. Without one, mail is only
 * kept in the outbox and reaches nobody, so the admin gets the link to pass on — the one case it is shown.
 */
export interface SetupLinkDelivery {
  readonly sentTo: string;
  readonly transport: 'smtp' | 'outbox';
  readonly expiresAt: string;
  readonly url: string | null;
}

export const SETUP_MAIL_KINDS = { invitation: 'user.invitation', new_link: 'user.setup_link' } as const;

/**
 * Issues a new set-up link for a user (voiding older ones) and queues the mail that carries it, inside the caller's
 * transaction: the mail goes out after commit, through the job runner, retried. Nothing here is logged.
 */
export async function sendSetupLink(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'audit' | 'config' | 'keys'>,
  input: { orgId: OrgId; userId: UserId; actor: AuditActor; kind: 'invitation' | 'new_link' },
): Promise<SetupLinkDelivery> {
  const user = await tx
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'role', 'disabled_at'])
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!user) throw notFound('User');
  if (user.disabled_at) throw new AppError('CONFLICT', 'This account is disabled. Enable it before sending a set-up link.');
  const org = await tx.selectFrom('organisations').select('legal_name').where('id', '=', input.orgId).executeTakeFirstOrThrow();
  const sender =
    input.actor.type === 'user'
      ? await tx.selectFrom('users').select('display_name').where('org_id', '=', input.orgId).where('id', '=', input.actor.id).executeTakeFirst()
      : undefined;

  const link = await issueSetupLink(tx, deps, { orgId: input.orgId, userId: input.userId, actor: input.actor });
  await queueMail(tx, deps, {
    orgId: input.orgId,
    kind: SETUP_MAIL_KINDS[input.kind],
    to: user.email,
    purpose: 'staff_account_management',
    content: setupMail({
      kind: input.kind,
      toName: user.display_name,
      role: user.role as Role,
      organisationName: org.legal_name,
      senderName: sender?.display_name ?? null,
      url: link.url,
      expiresAt: new Date(link.expiresAt),
      timeZone: deps.config.timeZone,
    }),
  });
  const transport = deps.config.mail.smtpUrl ? 'smtp' : 'outbox';
  return { sentTo: user.email, transport, expiresAt: link.expiresAt, url: transport === 'outbox' ? link.url : null };
}
