import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

/**
 * The organisation's recording key (E2EE recording, docs/e2ee.md): the public key the agents' browsers encrypt
 * recordings to, and the private key sealed under a DPO's passphrase. The shapes mirror
 * web/customer/call/e2ee/recording-crypto.ts, so what is parsed here can be handed to it as is.
 */

export const recordingPublicKeySchema = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() });

export const sealedPrivateKeySchema = z.object({
  v: z.literal(1),
  kdf: z.literal('PBKDF2-SHA256'),
  iterations: z.number(),
  salt: z.string(),
  iv: z.string(),
  ciphertext: z.string(),
});

const recordingKeySchema = z.object({
  id: z.string(),
  publicKey: recordingPublicKeySchema,
  fingerprint: z.string(),
  createdAt: z.string(),
  createdBy: z.nullable(z.string()),
  /** The key new recordings are encrypted to; older keys stay, they still open older recordings. */
  active: z.boolean(),
});
export type RecordingKey = z.infer<typeof recordingKeySchema>;

/** Newest first; exactly one is active when there are any. */
export const listRecordingKeys = async (api: ApiClient) =>
  (await api.get('/api/recording-keys', z.object({ keys: z.array(recordingKeySchema) }))).keys;

/** DPO only. The sealed private key is opaque to the server: only the passphrase typed in a browser opens it. */
export const createRecordingKey = async (
  api: ApiClient,
  input: { publicKey: z.infer<typeof recordingPublicKeySchema>; sealed: z.infer<typeof sealedPrivateKeySchema>; fingerprint: string },
) => (await api.post('/api/recording-keys', z.object({ key: recordingKeySchema }), input)).key;
