import { createHash, createHmac } from 'node:crypto';

/** Secrets handed to people (session cookies, set-up links, API tokens) are stored only as SHA-256 hashes. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}
