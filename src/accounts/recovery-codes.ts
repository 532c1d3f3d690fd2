import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { DbOrTx, Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId, UserId } from '../shared/ids.ts';
import { keyedHash } from './tokens.ts';

/**
 * TOTP recovery codes: single-use codes made when a person sets up their authenticator app, for the day the phone is
 * lost (without them a sole admin would be locked out for good). They are shown once and stored only as keyed hashes.
 *
 * Each code is 12 characters from a 31-character alphabet without look-alikes (0/o, 1/l/i): about 59 bits of
 * randomness. At that entropy a slow password hash (Argon2) adds no protection — nobody can try 2^59 guesses — but it
 * would cost: salted hashes cannot be looked up, so every attempt would have to verify against all ten (ten Argon2 runs
 * a request, on a public endpoint). An HMAC-SHA256 under a key derived from the master key is looked up directly
 * and, unlike a plain SHA-256, a copy of the database alone does not even let anyone test a guess.
 */
export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 12;
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const HASH_KEY = 'totp-recovery-codes';

/** What a person types: any case, with or without the dashes and spaces of the printed form. */
export const recoveryCodeSchema = z
  .string()
  .max(40, 'A recovery code has 12 letters and digits, like k7m2-q9xd-4hwp.')
  .transform((v) => v.toLowerCase().replace(/[\s-]/g, ''))
  .refine((v) => /^[a-z0-9]{12}$/.test(v), 'A recovery code has 12 letters and digits, like k7m2-q9xd-4hwp.');

/** `k7m2q9xd4hwp` → `k7m2-q9xd-4hwp`, the form shown and printed. */
const printed = (code: string) => code.match(/.{4}/g)!.join('-');

function hashOf(deps: Pick<Deps, 'keys'>, userId: string, normalised: string): string {
  // Bound to the user, so the same code (however unlikely) never matches another account.
  return keyedHash(deps.keys.deriveKey(HASH_KEY), `${userId}:${normalised}`);
}

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Replaces the user's codes with a new set inside the caller's transaction; returns the codes to show once. */
export async function replaceRecoveryCodes(
  tx: Tx,
  deps: Pick<Deps, 'keys' | 'clock'>,
  input: { orgId: OrgId; userId: UserId },
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const now = iso(deps.clock.now());
  await deleteRecoveryCodes(tx, input.orgId, input.userId);
  await tx
    .insertInto('totp_recovery_codes')
    .values(
      codes.map((code) => ({
        code_hash: hashOf(deps, input.userId, code),
        org_id: input.orgId,
        user_id: input.userId,
        created_at: now,
        used_at: null,
        ...tagged('totp_recovery_codes'),
      })),
    )
    .execute();
  return codes.map(printed);
}

export async function deleteRecoveryCodes(tx: DbOrTx, orgId: OrgId, userId: UserId): Promise<void> {
  await tx.deleteFrom('totp_recovery_codes').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

/**
 * Spends a code: one conditional UPDATE, so two requests racing with the same code cannot both succeed.
 * Returns whether a code was spent (false: unknown, of another user, or already used).
 */
export async function spendRecoveryCode(
  tx: Tx,
  deps: Pick<Deps, 'keys' | 'clock'>,
  input: { orgId: OrgId; userId: UserId; code: string },
): Promise<boolean> {
  const result = await tx
    .updateTable('totp_recovery_codes')
    .set({ used_at: iso(deps.clock.now()) })
    .where('code_hash', '=', hashOf(deps, input.userId, input.code))
    .where('org_id', '=', input.orgId)
    .where('user_id', '=', input.userId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recoveryCodesLeft(db: DbOrTx, orgId: OrgId, userId: UserId): Promise<number> {
  const row = await db
    .selectFrom('totp_recovery_codes')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
