import type { DbOrTx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { addMinutes, iso } from '../shared/clock.ts';
import { keyedHash } from './tokens.ts';

/**
 * Lockout after repeated failures (G46), keyed by an HMAC of the email so that unknown and known emails are
 * throttled alike: the answer never tells whether an account exists. Passwords and TOTP codes share it.
 */
export function throttleKey(deps: Pick<Deps, 'keys'>, email: string): string {
  return keyedHash(deps.keys.deriveKey('login-throttle'), email.trim().toLowerCase());
}

export async function lockedUntil(db: DbOrTx, deps: Pick<Deps, 'clock'>, key: string): Promise<Date | null> {
  const row = await db.selectFrom('login_throttle').select('locked_until').where('key_hash', '=', key).executeTakeFirst();
  if (!row?.locked_until) return null;
  const until = new Date(row.locked_until);
  return until > deps.clock.now() ? until : null;
}

/** Counts a failure; returns true when this failure locked the account. */
export async function recordFailure(db: DbOrTx, deps: Pick<Deps, 'clock' | 'config'>, key: string): Promise<boolean> {
  const { loginMaxFailures, loginLockoutMinutes } = deps.config.auth;
  const now = deps.clock.now();
  const row = await db.selectFrom('login_throttle').selectAll().where('key_hash', '=', key).executeTakeFirst();
  const windowOpen = row !== undefined && addMinutes(new Date(row.window_started_at), loginLockoutMinutes) > now;
  const failures = windowOpen ? row.failures + 1 : 1;
  const lock = failures >= loginMaxFailures;
  const values = {
    failures: lock ? 0 : failures,
    window_started_at: windowOpen ? row.window_started_at : iso(now),
    locked_until: lock ? iso(addMinutes(now, loginLockoutMinutes)) : null,
  };
  await db
    .insertInto('login_throttle')
    .values({ key_hash: key, ...values })
    .onConflict((oc) => oc.column('key_hash').doUpdateSet(values))
    .execute();
  return lock;
}

export async function clearFailures(db: DbOrTx, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key_hash', '=', key).execute();
}
