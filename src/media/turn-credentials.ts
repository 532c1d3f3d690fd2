import { createHmac } from 'node:crypto';

/** What a client needs to use a TURN server: the form of an `RTCIceServer`. */
export interface TurnIceServer {
  readonly urls: string[];
  readonly username: string;
  readonly credential: string;
}

/**
 * Time-limited TURN credentials in the "TURN REST API" scheme that coturn's `--use-auth-secret` checks: the username
 * is `<expiry unix seconds>:<participant id>`, the password base64(HMAC-SHA1(shared secret, username)). The TURN
 * server needs no database of users and refuses the credentials once `expiry` has passed.
 */
export function turnCredentials(secret: string, participantId: string, now: Date, ttlSeconds: number): { username: string; credential: string } {
  const expiry = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const username = `${expiry}:${participantId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The ICE servers handed to one participant: none without TURN configured (Parley never names a third party). */
export function iceServersFor(
  turn: { readonly urls: readonly string[]; readonly secret: string; readonly ttlSeconds: number } | undefined,
  participantId: string,
  now: Date,
): TurnIceServer[] {
  if (!turn || turn.urls.length === 0) return [];
  return [{ urls: [...turn.urls], ...turnCredentials(turn.secret, participantId, now, turn.ttlSeconds) }];
}
