import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { AuditEvent } from '../audit/events.ts';
import type { Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import type { Principal } from '../http/principal.ts';
import { AppError } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';

import { lockedError } from './log-in.ts';
import { lockedUntil, recordFailure, throttleKey } from './login-throttle.ts';
import { recoveryCodesLeft, replaceRecoveryCodes, spendRecoveryCode } from './recovery-codes.ts';

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

/** How a code compares with the user's secret: right (with its time step), right but already used, or wrong. */
type CodeMatch = { readonly kind: 'ok'; readonly step: number } | { readonly kind: 'replayed' } | { readonly kind: 'wrong' };

/**
 * Checks a code against the user's secret, accepting one step of clock drift either way and refusing a step
 * already used (a code seen over someone's shoulder cannot be replayed). A replay is told apart from a wrong code:
 * the person typed a right code, only a second time, and should wait for the next one rather than check their clock.
 */
function matchCode(deps: Deps, sealed: string, userId: string, email: string, code: string, lastStep: number | null): CodeMatch {
  const secret = deps.keys.open(SEAL_LABEL, userId, sealed);
  const now = deps.clock.now().getTime();
  const delta = totpFor(secret, email).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return { kind: 'wrong' };
  const step = Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  // PostgreSQL returns the bigint column as a string.
  if (lastStep !== null && step <= Number(lastStep)) return { kind: 'replayed' };
  return { kind: 'ok', step };
}

type FailureReason = 'totp' | 'totp_replayed' | 'recovery_code';

const failureErrors: Readonly<Record<FailureReason, () => AppError>> = {
  totp: () =>
    new AppError(
      'TOTP_INVALID',
      'That code is not right. Enter the code your app shows now; if codes keep failing, check that your phone sets its time automatically.',
    ),
  totp_replayed: () => new AppError('TOTP_REPLAYED', 'This code was already used. Wait for the next code in your app.'),
  recovery_code: () =>
    new AppError(
      'RECOVERY_CODE_INVALID',
      'That recovery code is not valid, or it was already used: each code works once. Check it for typos, or use another code from your list.',
    ),
};

const reasonOf = (match: CodeMatch): FailureReason => (match.kind === 'replayed' ? 'totp_replayed' : 'totp');

/**
 * A failed second factor counts towards the same lockout as a wrong password (G46), whatever its kind: a wrong code, a
 * replayed one or a wrong recovery code. The attempt is committed before the error is thrown; a lockout ends the session.
 */
async function failCode(deps: Deps, p: SessionPrincipal, email: string, reason: FailureReason): Promise<never> {
  await deps.db.transaction().execute(async (tx) => {
    const locked = await recordFailure(tx, deps, throttleKey(deps, email));
    await deps.audit.append(tx, p.orgId, { type: 'user', id: p.userId }, [
      { type: 'auth.login_failed', data: { userId: p.userId, reason } },
      ...(locked ? [{ type: 'auth.locked_out' as const, data: { userId: p.userId } }] : []),
    ]);
    if (locked) await tx.deleteFrom('user_sessions').where('id', '=', p.sessionId).execute();
  });
  throw failureErrors[reason]();
}

async function ensureNotLocked(deps: Deps, email: string): Promise<void> {
  const until = await lockedUntil(deps.db, deps, throttleKey(deps, email));
  if (until) throw lockedError(until, deps.clock.now());
}

/** Moves the session to `active` and records the sign-in, with the caller's events before it. */
async function activateSession(tx: Tx, deps: Deps, p: SessionPrincipal, events: AuditEvent[]): Promise<void> {
  const now = iso(deps.clock.now());
  await tx.updateTable('user_sessions').set({ stage: 'active', last_seen_at: now }).where('id', '=', p.sessionId).execute();
  await deps.audit.append(tx, p.orgId, { type: 'user', id: p.userId }, [
    ...events,
    { type: 'auth.login_succeeded', data: { userId: p.userId, sessionId: p.sessionId } },
  ]);
}

/**
 * Stores the step just used. Conditional on it being newer than the stored one, so two requests racing with the same
 * code cannot both pass: the second updates nothing and is a replay. Returns false then.
 */
async function rememberStep(tx: Tx, deps: Deps, p: SessionPrincipal, step: number, extra: { enrolled: boolean }): Promise<boolean> {
  const now = iso(deps.clock.now());
  const result = await tx
    .updateTable('users')
    .set({ totp_last_step: step, updated_at: now, ...(extra.enrolled ? { totp_enabled_at: now } : {}) })
    .where('org_id', '=', p.orgId)
    .where('id', '=', p.userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The session and user of a sign-in waiting for its second factor, unless sign-in is locked. */
async function awaitingSecondFactor(deps: Deps, principal: Principal | null) {
  const p = sessionOnly(principal);
  if (p.stage !== 'totp') throw new AppError('CONFLICT', 'This session is not waiting for a code.');
  const user = await loadUser(deps, p);
  await ensureNotLocked(deps, user.email);
  if (!user.totp_secret_sealed || !user.totp_enabled_at) throw new AppError('CONFLICT', 'Two-factor authentication is not set up.');
  return { p, user, sealed: user.totp_secret_sealed };
}

/** Second step of sign-in for a user with TOTP. */
export async function verifyTotp(deps: Deps, principal: Principal | null, code: string): Promise<void> {
  const { p, user, sealed } = await awaitingSecondFactor(deps, principal);
  const match = matchCode(deps, sealed, user.id, user.email, code, user.totp_last_step);
  if (match.kind !== 'ok') return failCode(deps, p, user.email, reasonOf(match));
  const fresh = await deps.db.transaction().execute(async (tx) => {
    if (!(await rememberStep(tx, deps, p, match.step, { enrolled: false }))) return false;
    await activateSession(tx, deps, p, []);
    return true;
  });
  if (!fresh) return failCode(deps, p, user.email, 'totp_replayed');
}

/**
 * Second step of sign-in with a recovery code instead of a TOTP code (a lost or forgotten phone). Each code works
 * once, is audited, and the answer says how many are left, so the person knows when to make new ones.
 */
export async function verifyRecoveryCode(deps: Deps, principal: Principal | null, code: string): Promise<{ recoveryCodesLeft: number }> {
  const { p, user } = await awaitingSecondFactor(deps, principal);
  const left = await deps.db.transaction().execute(async (tx) => {
    if (!(await spendRecoveryCode(tx, deps, { orgId: p.orgId, userId: p.userId, code }))) return null;
    const codesLeft = await recoveryCodesLeft(tx, p.orgId, p.userId);
    await activateSession(tx, deps, p, [{ type: 'auth.recovery_code_used', data: { userId: p.userId, codesLeft } }]);
    return codesLeft;
  });
  if (left === null) return failCode(deps, p, user.email, 'recovery_code');
  return { recoveryCodesLeft: left };
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

/**
 * Turns TOTP on once a code from the pending secret is confirmed, and makes the first set of recovery codes: this
 * answer carries them, the only time they are shown.
 */
export async function confirmTotpEnrolment(deps: Deps, principal: Principal | null, code: string): Promise<{ recoveryCodes: string[] }> {
  const p = sessionOnly(principal);
  const user = await loadUser(deps, p);
  if (user.totp_enabled_at) throw new AppError('CONFLICT', 'Two-factor authentication is already set up.');
  if (!user.totp_secret_sealed) throw new AppError('CONFLICT', 'Start the set-up first: no code has been issued.');
  await ensureNotLocked(deps, user.email);
  const match = matchCode(deps, user.totp_secret_sealed, user.id, user.email, code, null);
  if (match.kind !== 'ok') return failCode(deps, p, user.email, 'totp');
  return deps.db.transaction().execute(async (tx) => {
    await rememberStep(tx, deps, p, match.step, { enrolled: true });
    const recoveryCodes = await replaceRecoveryCodes(tx, deps, { orgId: p.orgId, userId: p.userId });
    await activateSession(tx, deps, p, [
      { type: 'user.totp_enrolled', data: { userId: p.userId } },
      { type: 'user.recovery_codes_generated', data: { userId: p.userId, count: recoveryCodes.length } },
    ]);
    return { recoveryCodes };
  });
}

/**
 * A new set of recovery codes for a signed-in person; the old set stops working. It needs a current TOTP code, so a
 * session left open on someone's desk cannot be used to take the account's recovery over. Wrong and replayed codes
 * count towards the lockout as at sign-in.
 */
export async function regenerateRecoveryCodes(deps: Deps, principal: Principal | null, code: string): Promise<{ recoveryCodes: string[] }> {
  const p = sessionOnly(principal);
  const user = await loadUser(deps, p);
  if (!user.totp_secret_sealed || !user.totp_enabled_at) {
    throw new AppError('CONFLICT', 'Two-factor sign-in is not set up for your account, so it has no recovery codes.');
  }
  await ensureNotLocked(deps, user.email);
  const match = matchCode(deps, user.totp_secret_sealed, user.id, user.email, code, user.totp_last_step);
  if (match.kind !== 'ok') return failCode(deps, p, user.email, reasonOf(match));
  const result = await deps.db.transaction().execute(async (tx) => {
    if (!(await rememberStep(tx, deps, p, match.step, { enrolled: false }))) return null;
    const recoveryCodes = await replaceRecoveryCodes(tx, deps, { orgId: p.orgId, userId: p.userId });
    await deps.audit.append(tx, p.orgId, { type: 'user', id: p.userId }, {
      type: 'user.recovery_codes_generated',
      data: { userId: p.userId, count: recoveryCodes.length },
    });
    return { recoveryCodes };
  });
  return result ?? failCode(deps, p, user.email, 'totp_replayed');
}

/** For tests and the CLI: the current code of a secret. */
export function currentCode(secretBase32: string, at: Date): string {
  return totpFor(secretBase32, 'x').generate({ timestamp: at.getTime() });
}
