import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature, and the check a receiver runs (exported so receivers written in TypeScript can reuse it,
 * and so the tests check exactly what docs/webhooks.md documents):
 *
 *   Parley-Signature: v1=<hex HMAC-SHA256(secret, `${Parley-Timestamp}.${raw body}`)>
 *
 * The key is the secret string as shown once at creation (UTF-8 bytes of the whole `whsec_…` text). The timestamp
 * (unix seconds) is part of what is signed, so a captured request cannot be replayed later than the tolerance.
 */
export const WEBHOOK_HEADERS = {
  id: 'parley-webhook-id',
  event: 'parley-event',
  timestamp: 'parley-timestamp',
  signature: 'parley-signature',
} as const;

/** Receivers reject a timestamp further than this from their own clock (seconds; 5 minutes). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing_header' | 'bad_timestamp' | 'too_old' | 'bad_signature' };

/**
 * Checks a delivery as a receiver should: the raw body exactly as received (before any JSON parsing), the two
 * headers, and the receiver's clock. Compares in constant time; accepts any `v1=` entry of a comma-separated header.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  /** The receiver's clock; default now. */
  now?: Date;
  /** Seconds; default 300. */
  toleranceSeconds?: number;
}): VerifyResult {
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'missing_header' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const ts = Number(input.timestamp);
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - ts) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'too_old' };
  const expected = Buffer.from(signWebhook(input.secret, ts, input.body), 'utf8');
  for (const part of input.signature.split(',')) {
    const given = Buffer.from(part.trim(), 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'bad_signature' };
}
