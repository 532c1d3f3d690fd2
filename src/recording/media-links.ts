import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { KeyProvider } from '../keys/key-provider.ts';
import { idSchema, type OrgId, type UserId } from '../shared/ids.ts';
import { linkPurposes, type LinkPurpose } from './recording.schema.ts';

/**
 * Signed, short-lived links to one recorded track (G22: links need login and expire). The token carries what it
 * grants — which track, for whom, what for, until when — and an HMAC-SHA256 over that text with a key derived for
 * this use alone, so nothing is stored per link and a server restart keeps links valid. It is bound to the user
 * who asked for it: the media route also needs that user's session, so a copied link is useless to anyone else.
 *
 *   token = base64url(JSON payload) "." base64url(HMAC-SHA256(key, first part))
 *
 * Trade-off: a link cannot be revoked before it expires (at most PARLEY_RECORDING_LINK_MINUTES); restriction is
 * still checked on every request, so restricting a recording stops its links at once.
 */

const KEY_LABEL = 'recording-links';
const MAC_BYTES = 32;

const payloadSchema = z.strictObject({
  trackId: idSchema('track'),
  orgId: idSchema('org'),
  userId: idSchema('user'),
  purpose: z.enum(linkPurposes),
  /** Expiry, whole seconds since the epoch. */
  exp: z.number().int().positive(),
});
export type MediaLinkPayload = z.infer<typeof payloadSchema>;

function mac(keys: KeyProvider, text: string): Buffer {
  return createHmac('sha256', keys.deriveKey(KEY_LABEL)).update(text, 'ascii').digest();
}

export function signMediaLink(
  keys: KeyProvider,
  payload: { trackId: string; orgId: OrgId; userId: UserId; purpose: LinkPurpose; exp: number },
): string {
  const body = Buffer.from(JSON.stringify(payloadSchema.parse(payload)), 'utf8').toString('base64url');
  return `${body}.${mac(keys, body).toString('base64url')}`;
}

/**
 * The payload of a token whose signature verifies, or null for anything else (forged, garbled, truncated): callers
 * give one answer for every bad token. Expiry is the caller's check (it has the clock).
 */
export function verifyMediaLink(keys: KeyProvider, token: string): MediaLinkPayload | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [body, signature] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(signature)) return null;
  const given = Buffer.from(signature, 'base64url');
  // Re-encoding must give the same text: base64url has several spellings of the last character's spare bits.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== signature) return null;
  if (!timingSafeEqual(given, mac(keys, body))) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
