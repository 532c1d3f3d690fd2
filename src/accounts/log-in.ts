import type { Deps } from '../deps.ts';
import { AppError } from '../shared/app-error.ts';
import type { OrgId, SessionId, UserId } from '../shared/ids.ts';
import { clearFailures, lockedUntil, recordFailure, throttleKey } from './login-throttle.ts';
import { verifyPassword } from './passwords.ts';
import { rolesRequiringTotp, type Role, type SessionStage } from './roles.ts';
import { createSession } from './sessions.ts';

export interface LoginResult {
  readonly token: string;
  readonly sessionId: SessionId;
  readonly expiresAt: Date;
  readonly stage: SessionStage;
}

export function lockedError(until: Date, now: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  return new AppError(
    'ACCOUNT_LOCKED',
    `Too many failed attempts. Sign-in is locked for ${minutes} more minute${minutes === 1 ? '' : 's'}.`,
  );
}

/** What a session must do next: TOTP users prove the code; admin/dpo without TOTP must enrol first (G46). */
export function firstStage(role: Role, totpEnabled: boolean): SessionStage {
  if (totpEnabled) return 'totp';
  return rolesRequiringTotp.has(role) ? 'totp_enrolment' : 'active';
}

/**
 * Email + password. Unknown email, wrong password and disabled account all answer the same
 * INVALID_CREDENTIALS after the same work, so the answer reveals nothing about which accounts exist.
 */
export async function logIn(deps: Deps, input: { email: string; password: string }): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const key = throttleKey(deps, email);
  const user = await deps.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();

  const until = await lockedUntil(deps.db, deps, key);
  if (until) {
    if (user) {
      await deps.db.transaction().execute((tx) =>
        deps.audit.append(tx, user.org_id as OrgId, { type: 'system' }, {
          type: 'auth.login_failed',
          data: { userId: user.id, reason: 'locked' },
        }),
      );
    }
    throw lockedError(until, deps.clock.now());
  }

  const passwordOk = await verifyPassword(user?.password_hash ?? null, input.password);
  if (!user || !passwordOk || user.disabled_at !== null) {
    // Committed before the error is thrown: a failed attempt must count even though the request fails.
    await deps.db.transaction().execute(async (tx) => {
      const locked = await recordFailure(tx, deps, key);
      if (user) {
        const orgId = user.org_id as OrgId;
        await deps.audit.append(tx, orgId, { type: 'system' }, [
          { type: 'auth.login_failed', data: { userId: user.id, reason: passwordOk ? 'disabled' : 'password' } },
          ...(locked ? [{ type: 'auth.locked_out' as const, data: { userId: user.id } }] : []),
        ]);
      }
    });
    throw new AppError('INVALID_CREDENTIALS', 'The email or password is not correct.');
  }

  const stage = firstStage(user.role as Role, user.totp_enabled_at !== null);
  return deps.db.transaction().execute(async (tx) => {
    await clearFailures(tx, key);
    const session = await createSession(tx, { clock: deps.clock, sessionTtlHours: deps.config.auth.sessionTtlHours }, {
      orgId: user.org_id as OrgId,
      userId: user.id as UserId,
      stage,
    });
    if (stage === 'active') {
      await deps.audit.append(tx, user.org_id as OrgId, { type: 'user', id: user.id }, {
        type: 'auth.login_succeeded',
        data: { userId: user.id, sessionId: session.sessionId },
      });
    }
    return { ...session, stage };
  });
}
