import type { DbOrTx, Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import { iso, type Clock } from '../shared/clock.ts';
import { newId, newSecret, type OrgId, type SessionId, type UserId } from '../shared/ids.ts';
import type { Role, SessionStage } from './roles.ts';
import { hashToken } from './tokens.ts';

export const SESSION_COOKIE = 'parley_session';

export interface SessionDeps {
  readonly clock: Clock;
  readonly sessionTtlHours: number;
}

export async function createSession(
  tx: Tx,
  deps: SessionDeps,
  input: { orgId: OrgId; userId: UserId; stage: SessionStage },
): Promise<{ sessionId: SessionId; token: string; expiresAt: Date }> {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.sessionTtlHours * 3_600_000);
  const token = newSecret('pss');
  const sessionId = newId('session');
  await tx
    .insertInto('user_sessions')
    .values({
      id: sessionId,
      org_id: input.orgId,
      user_id: input.userId,
      token_hash: hashToken(token),
      stage: input.stage,
      created_at: iso(now),
      last_seen_at: iso(now),
      expires_at: iso(expiresAt),
      ...tagged('user_sessions'),
    })
    .execute();
  return { sessionId, token, expiresAt };
}

export interface ResolvedSession {
  readonly sessionId: SessionId;
  readonly orgId: OrgId;
  readonly userId: UserId;
  readonly role: Role;
  readonly stage: SessionStage;
  readonly lastSeenAt: string;
}

/** The live session for a cookie value, or null when unknown, expired or its user is disabled. */
export async function resolveSession(db: DbOrTx, clock: Clock, token: string): Promise<ResolvedSession | null> {
  const row = await db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.org_id', 's.user_id', 's.stage', 's.expires_at', 's.last_seen_at', 'u.role', 'u.disabled_at'])
    .where('s.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.disabled_at !== null || row.expires_at <= iso(clock.now())) return null;
  return {
    sessionId: row.id as SessionId,
    orgId: row.org_id as OrgId,
    userId: row.user_id as UserId,
    role: row.role as Role,
    stage: row.stage as SessionStage,
    lastSeenAt: row.last_seen_at,
  };
}

/** Ends every session of a user (role change, disable, TOTP reset, new password). */
export async function revokeUserSessions(tx: Tx, orgId: OrgId, userId: UserId): Promise<void> {
  await tx.deleteFrom('user_sessions').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}
