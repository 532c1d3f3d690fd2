import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';

/** At least 12 characters (NIST 800-63B favours length over composition rules); 200 caps hashing cost. */
export const passwordSchema = z
  .string()
  .min(12, 'Use at least 12 characters.')
  .max(200, 'Use at most 200 characters.');

// Argon2id with the library defaults (19 MiB, 2 passes, 1 lane): OWASP's recommended minimum.
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verifying against this when the account is unknown keeps the response time the same either way.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummyHash ??= hash('parley-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
