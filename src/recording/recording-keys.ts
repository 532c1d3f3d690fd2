import { createHash, webcrypto } from 'node:crypto';
import { z } from 'zod';
import type { DbOrTx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { actorOf, type Principal } from '../http/principal.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId, type UserId } from '../shared/ids.ts';
import { playbackPermission } from './playback.ts';
import { publicJwkSchema } from './recording.schema.ts';

/**
 * An organisation's recording keys for E2EE calls (issue 8, item 3). The key pair is made in a DPO's browser: the
 * server receives the public key and the private key sealed under a passphrase it never sees, so it can store and
 * hand out the sealed key but never open it. The newest key is the active one (recordings are made to it); older
 * keys stay, for the recordings made to them. Keys are never deleted here: a recording made to a deleted key
 * could not be played by anyone.
 */

const b64url = (min: number, max: number) => z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url').min(min).max(max);

/** Below this many PBKDF2 iterations a passphrase is too cheap to guess; the console uses 600 000. */
export const MIN_SEAL_ITERATIONS = 100_000;

export const sealedPrivateKeySchema = z.strictObject({
  v: z.literal(1),
  kdf: z.literal('PBKDF2-SHA256'),
  iterations: z.number().int().min(MIN_SEAL_ITERATIONS, `at least ${MIN_SEAL_ITERATIONS} PBKDF2 iterations`).max(10_000_000),
  salt: b64url(16, 64),
  iv: b64url(16, 16),
  ciphertext: b64url(100, 2_000),
});

export const createRecordingKeyBodySchema = z.strictObject({
  publicKey: publicJwkSchema,
  sealed: sealedPrivateKeySchema,
  /** The fingerprint the DPO was shown; the server computes it again and refuses a mismatch. */
  fingerprint: z.string().regex(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/, 'expected 8 groups of 4 hex digits'),
});

export const recordingKeyViewSchema = z.object({
  id: z.string(),
  publicKey: publicJwkSchema,
  fingerprint: z.string(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  active: z.boolean(),
});
export type RecordingKeyView = z.infer<typeof recordingKeyViewSchema>;
export type PublicJwk = z.infer<typeof publicJwkSchema>;

/** SHA-256 of the uncompressed point, first 16 bytes in groups of 4 hex digits (the browser computes the same). */
export function recordingKeyFingerprint(key: PublicJwk): string {
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(key.x, 'base64url'), Buffer.from(key.y, 'base64url')]);
  const hex = createHash('sha256').update(point).digest().subarray(0, 16).toString('hex');
  return hex.match(/.{4}/g)!.join(' ');
}

type KeyRow = { id: string; public_jwk: string; fingerprint: string; created_at: string; created_by: string | null; retired_at: string | null };
const toView = (r: KeyRow): RecordingKeyView => ({
  id: r.id,
  publicKey: publicJwkSchema.parse(JSON.parse(r.public_jwk)),
  fingerprint: r.fingerprint,
  createdAt: r.created_at,
  createdBy: r.created_by,
  active: r.retired_at === null,
});

export async function listRecordingKeys(deps: Pick<Deps, 'db'>, orgId: OrgId): Promise<RecordingKeyView[]> {
  const rows = await deps.db
    .selectFrom('recording_keys')
    .select(['id', 'public_jwk', 'fingerprint', 'created_at', 'created_by', 'retired_at'])
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toView);
}

/** The key new E2EE recordings are made to, or null when the organisation has none. */
export async function activeRecordingKey(deps: { readonly db: DbOrTx }, orgId: OrgId): Promise<{ id: string; publicKey: PublicJwk } | null> {
  const row = await deps.db
    .selectFrom('recording_keys')
    .select(['id', 'public_jwk'])
    .where('org_id', '=', orgId)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, publicKey: publicJwkSchema.parse(JSON.parse(row.public_jwk)) } : null;
}

export async function createRecordingKey(deps: Pick<Deps, 'db' | 'audit' | 'clock'>, p: Principal, input: z.infer<typeof createRecordingKeyBodySchema>): Promise<RecordingKeyView> {
  // A point that is not on the curve would make recordings nobody can open: WebCrypto refuses it here.
  try {
    await webcrypto.subtle.importKey('jwk', { ...input.publicKey, ext: true }, { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The public key is not a valid P-256 key.', { details: [{ path: ['publicKey'], message: 'not a point on P-256' }] });
  }
  const fingerprint = recordingKeyFingerprint(input.publicKey);
  if (fingerprint !== input.fingerprint) {
    throw new AppError('VALIDATION_FAILED', 'The fingerprint does not belong to this public key.', { details: [{ path: ['fingerprint'], message: 'mismatch' }] });
  }
  const now = iso(deps.clock.now());
  const id = newId('recordingKey');
  const userId = p.kind === 'session' ? (p.userId as UserId) : null;
  await deps.db.transaction().execute(async (tx) => {
    await tx.updateTable('recording_keys').set({ retired_at: now }).where('org_id', '=', p.orgId).where('retired_at', 'is', null).execute();
    await tx
      .insertInto('recording_keys')
      .values({
        id,
        org_id: p.orgId,
        public_jwk: JSON.stringify(input.publicKey),
        fingerprint,
        sealed_private: JSON.stringify(input.sealed),
        created_by: userId,
        created_at: now,
        retired_at: null,
      })
      .execute();
    await deps.audit.append(tx, p.orgId, actorOf(p), { type: 'recording_key.created', data: { keyId: id, fingerprint } });
  });
  return { id, publicKey: input.publicKey, fingerprint, createdAt: now, createdBy: userId, active: true };
}

/**
 * The sealed private key, for a browser that will unlock it with the passphrase to play an E2EE recording. Given
 * only to those who may play recordings (the organisation's playback roles, signed in, with a recent GDPR
 * training, G22) and audited: the passphrase is the last line of defence, not the only one.
 */
export async function fetchSealedRecordingKey(deps: Deps, p: Principal, keyId: string): Promise<{ id: string; sealed: z.infer<typeof sealedPrivateKeySchema> }> {
  const row = await deps.db.selectFrom('recording_keys').select(['id', 'sealed_private']).where('org_id', '=', p.orgId).where('id', '=', keyId).executeTakeFirst();
  if (!row) throw notFound('Recording key');
  const permission = await playbackPermission(deps, p);
  if (!permission.ok) throw permission.error;
  await deps.db.transaction().execute((tx) => deps.audit.append(tx, p.orgId, actorOf(p), { type: 'recording_key.fetched', data: { keyId: row.id } }));
  return { id: row.id, sealed: sealedPrivateKeySchema.parse(JSON.parse(row.sealed_private)) };
}
