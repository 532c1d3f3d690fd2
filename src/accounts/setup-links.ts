import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, newSecret, type OrgId, type UserId } from '../shared/ids.ts';
import { insertUser } from './insert-user.ts';
import { hashPassword } from './passwords.ts';
import type { Role, SessionStage } from './roles.ts';
import { firstStage } from './log-in.ts';
import { createSession, revokeUserSessions } from './sessions.ts';
import { hashToken } from './tokens.ts';

export interface SetupLink {
  /** The token sits in the URL fragment, so it never reaches server logs or a Referer header. */
  readonly url: string;
  readonly expiresAt: string;
}

/**
 * A one-time link to choose a password: for a new user, for a password reset, and on first run for the first
 * admin (`userId` null: the page also asks for the email and name). Issuing one voids the user's older links.
 */
export async function issueSetupLink(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'audit' | 'config'>,
  input: { orgId: OrgId; userId: UserId | null; actor: AuditActor },
): Promise<SetupLink> {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.auth.setupLinkTtlHours * 3_600_000);
  const token = newSecret('psl');
  let voidOld = tx.updateTable('setup_tokens').set({ used_at: iso(now) }).where('org_id', '=', input.orgId).where('used_at', 'is', null);
  voidOld = input.userId ? voidOld.where('user_id', '=', input.userId) : voidOld.where('user_id', 'is', null);
  await voidOld.execute();
  await tx
    .insertInto('setup_tokens')
    .values({
      id: newId('setupToken'),
      org_id: input.orgId,
      user_id: input.userId,
      token_hash: hashToken(token),
      created_at: iso(now),
      expires_at: iso(expiresAt),
      used_at: null,
      ...tagged('setup_tokens'),
    })
    .execute();
  await deps.audit.append(tx, input.orgId, input.actor, { type: 'user.setup_link_issued', data: { userId: input.userId } });
  return { url: `${deps.config.publicUrl}/setup#token=${token}`, expiresAt: iso(expiresAt) };
}

const invalidLink = () =>
  new AppError(
    'SETUP_LINK_INVALID',
    'This set-up link is not valid any more: it was used, replaced by a newer one, or it expired. Ask an admin for a new link.',
  );

async function findOpenToken(db: DbOrTx, deps: Pick<Deps, 'clock'>, token: string) {
  const row = await db.selectFrom('setup_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= iso(deps.clock.now())) throw invalidLink();
  if (row.user_id) {
    const user = await db.selectFrom('users').select('disabled_at').where('id', '=', row.user_id).executeTakeFirstOrThrow();
    if (user.disabled_at) throw new AppError('SETUP_LINK_INVALID', 'This account is disabled. Ask an admin of your organisation.');
  }
  return row;
}

export async function inspectSetupLink(deps: Deps, token: string) {
  return deps.db.transaction().execute(async (tx) => {
    const row = await findOpenToken(tx, deps, token);
    const org = await tx.selectFrom('organisations').select('legal_name').where('id', '=', row.org_id).executeTakeFirstOrThrow();
    const user = row.user_id
      ? await tx.selectFrom('users').select(['email', 'display_name']).where('id', '=', row.user_id).executeTakeFirstOrThrow()
      : null;
    return {
      kind: row.user_id ? ('user' as const) : ('first_admin' as const),
      organisationName: org.legal_name,
      email: user?.email ?? null,
      displayName: user?.display_name ?? null,
    };
  });
}

/**
 * Sets the password (creating the first admin when the link is the first-run one), marks the link used and
 * signs the person in; admin and dpo continue straight to TOTP enrolment.
 */
export async function completeSetup(
  deps: Deps,
  input: { token: string; password: string; email?: string | undefined; displayName?: string | undefined },
): Promise<{ token: string; expiresAt: Date; stage: SessionStage }> {
  // Checked once before the (deliberately slow) hashing, and again inside the transaction that uses it.
  await findOpenToken(deps.db, deps, input.token);
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction().execute(async (tx) => {
    const link = await findOpenToken(tx, deps, input.token);
    const orgId = link.org_id as OrgId;
    const now = iso(deps.clock.now());
    let userId = link.user_id as UserId | null;
    if (userId === null) {
      if (!input.email || !input.displayName) {
        throw new AppError('VALIDATION_FAILED', 'Enter your email and name to create the first admin account.');
      }
      userId = await insertUser(tx, deps, {
        orgId,
        email: input.email,
        displayName: input.displayName,
        role: 'admin',
        passwordHash,
        actor: { type: 'anonymous' },
      });
    } else {
      await tx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).execute();
      await revokeUserSessions(tx, orgId, userId);
    }
    await tx.updateTable('setup_tokens').set({ used_at: now }).where('id', '=', link.id).execute();
    const user = await tx.selectFrom('users').select(['role', 'totp_enabled_at']).where('id', '=', userId).executeTakeFirstOrThrow();
    await deps.audit.append(tx, orgId, { type: 'user', id: userId }, { type: 'user.password_set', data: { userId } });
    const stage = firstStage(user.role as Role, user.totp_enabled_at !== null);
    const session = await createSession(tx, { clock: deps.clock, sessionTtlHours: deps.config.auth.sessionTtlHours }, { orgId, userId, stage });
    if (stage === 'active') {
      await deps.audit.append(tx, orgId, { type: 'user', id: userId }, {
        type: 'auth.login_succeeded',
        data: { userId, sessionId: session.sessionId },
      });
    }
    return { token: session.token, expiresAt: session.expiresAt, stage };
  });
}
