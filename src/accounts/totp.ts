import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Principal } from '../http/principal.ts';
import { AppError } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';

import { lockedError } from './log-in.ts';
import { lockedUntil, recordFailure, throttleKey } from './login-throttle.ts';

export const totpCodeSchema = z.string().trim().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.');

const PERIOD_SECONDS = 30;
const SEAL_LABEL = 'totp-secrets';

function totpFor(secretBase32: string, email: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: 'Parley',
    label: email,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

type SessionPrincipal = Extract<Principal, { kind: 'session' }>;

function sessionOnly(p: Principal | null): SessionPrincipal {
  if (!p || p.kind !== 'session') throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return p;
}

async function loadUser(deps: Deps, p: SessionPrincipal) {
  const user = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', p.orgId)
    .where('id', '=', p.userId)
    .executeTakeFirstOrThrow();
  return user;
}

/**
 * Checks a code against the user's secret, accepting one step of clock drift either way and refusing a step
 * already used (a code seen over someone's shoulder cannot be replayed). Returns the matched step or null.
 */
function matchStep(deps: Deps, sealed: string, userId: string, email: string, code: string, lastStep: number | null) {
  const secret = deps.keys.open(SEAL_LABEL, userId, sealed);
  const now = deps.clock.now().getTime();
  const delta = totpFor(secret, email).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

async function failCode(deps: Deps, p: SessionPrincipal, email: string): Promise<never> {
  await deps.db.transaction().execute(async (tx) => {
    const locked = await recordFailure(tx, deps, throttleKey(deps, email));
    await deps.audit.append(tx, p.orgId, { type: 'user', id: p.userId }, [
      { type: 'auth.login_failed', data: { userId: p.userId, reason: 'totp' } },
      ...(locked ? [{ type: 'auth.locked_out' as const, data: { userId: p.userId } }] : []),
    ]);
    if (locked) await tx.deleteFrom('user_sessions').where('id', '=', p.sessionId).execute();
  });
  throw new AppError('TOTP_INVALID', 'That code is not valid. Check the time on your phone and try the current code.');
}

async function activate(deps: Deps, p: SessionPrincipal, step: number, extra: { enrolled: boolean }) {
  await deps.db.transaction().execute(async (tx) => {
    const now = iso(deps.clock.now());
    await tx
      .updateTable('users')
      .set({
        totp_last_step: step,
        updated_at: now,
        ...(extra.enrolled ? { totp_enabled_at: now } : {}),
      })
      .where('org_id', '=', p.orgId)
      .where('id', '=', p.userId)
      .execute();
    await tx.updateTable('user_sessions').set({ stage: 'active', last_seen_at: now }).where('id', '=', p.sessionId).execute();
    await deps.audit.append(tx, p.orgId, { type: 'user', id: p.userId }, [
      ...(extra.enrolled ? [{ type: 'user.totp_enrolled' as const, data: { userId: p.userId } }] : []),
      { type: 'auth.login_succeeded', data: { userId: p.userId, sessionId: p.sessionId } },
    ]);
  });
}

/** Second step of sign-in for a user with TOTP. */
export async function verifyTotp(deps: Deps, principal: Principal | null, code: string): Promise<void> {
  const p = sessionOnly(principal);
  if (p.stage !== 'totp') throw new AppError('CONFLICT', 'This session is not waiting for a code.');
  const user = await loadUser(deps, p);
  const until = await lockedUntil(deps.db, deps, throttleKey(deps, user.email));
  if (until) throw lockedError(until, deps.clock.now());
  if (!user.totp_secret_sealed || !user.totp_enabled_at) throw new AppError('CONFLICT', 'Two-factor authentication is not set up.');
  const step = matchStep(deps, user.totp_secret_sealed, user.id, user.email, code, user.totp_last_step);
  if (step === null) return failCode(deps, p, user.email);
  await activate(deps, p, step, { enrolled: false });
}

export interface TotpEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  /** PNG as a data: URL, rendered here so the console loads nothing from elsewhere. */
  readonly qrCodeDataUrl: string;
}

/** Creates (or replaces) a pending TOTP secret; it becomes active only once a code from it is confirmed. */
export async function startTotpEnrolment(deps: Deps, principal: Principal | null): Promise<TotpEnrolment> {
  const p = sessionOnly(principal);
  const user = await loadUser(deps, p);
  if (user.totp_enabled_at) {
    throw new AppError('CONFLICT', 'Two-factor authentication is already set up. An admin can reset it.');
  }
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  await deps.db
    .updateTable('users')
    .set({ totp_secret_sealed: deps.keys.seal(SEAL_LABEL, user.id, secret), updated_at: iso(deps.clock.now()) })
    .where('org_id', '=', p.orgId)
    .where('id', '=', p.userId)
    .execute();
  const otpauthUri = totpFor(secret, user.email).toString();
  return { secret, otpauthUri, qrCodeDataUrl: await QRCode.toDataURL(otpauthUri, { margin: 1, width: 220 }) };
}

export async function confirmTotpEnrolment(deps: Deps, principal: Principal | null, code: string): Promise<void> {
  const p = sessionOnly(principal);
  const user = await loadUser(deps, p);
  if (user.totp_enabled_at) throw new AppError('CONFLICT', 'Two-factor authentication is already set up.');
  if (!user.totp_secret_sealed) throw new AppError('CONFLICT', 'Start the set-up first: no code has been issued.');
  const until = await lockedUntil(deps.db, deps, throttleKey(deps, user.email));
  if (until) throw lockedError(until, deps.clock.now());
  const step = matchStep(deps, user.totp_secret_sealed, user.id, user.email, code, null);
  if (step === null) return failCode(deps, p, user.email);
  await activate(deps, p, step, { enrolled: true });
}

/** For tests and the CLI: the current code of a secret. */
export function currentCode(secretBase32: string, at: Date): string {
  return totpFor(secretBase32, 'x').generate({ timestamp: at.getTime() });
}

