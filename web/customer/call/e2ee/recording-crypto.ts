/**
 * Recording of end-to-end encrypted calls (issue 8, item 3): the cryptography shared by the agent's browser (which
 * records and encrypts), the DPO's console (which unlocks the organisation's recording key and plays) and the tests
 * in Node. WebCrypto only, so it runs in all three. The format is described in docs/e2ee.md ("Recording").
 *
 * - The organisation's **recording key** is an ECDH P-256 key pair made in a DPO's browser. The server keeps the
 *   public key, and the private key sealed under a passphrase it never sees (PBKDF2-SHA256 → AES-256-GCM).
 * - Each recorded **track** has its own content key: ECDH between a fresh ephemeral key pair (made by the recording
 *   browser, its private half thrown away) and the organisation's public key, through HKDF-SHA256 with the track id
 *   as salt. Only the ephemeral public key (the track's *envelope*) is stored.
 * - The recorder's WebM is cut into **chunks**; chunk i is AES-256-GCM with IV = i (8 bytes, big-endian) ‖ last-chunk
 *   flag (1 byte) ‖ 3 zero bytes, the track id as additional data. A recording cut short is detectable (no chunk
 *   carries the flag), chunks cannot be reordered or moved to another track.
 * - The server stores the chunks in order, each **framed** as length (4 bytes, big-endian) ‖ flags (1 byte, bit 0 =
 *   last) ‖ ciphertext, inside its own at-rest encryption (so erasure still crypto-shreds it, G27).
 */

export const RECORDING_KEY_ITERATIONS = 600_000;
export const MIN_PASSPHRASE_CHARS = 12;
/** The largest chunk the server accepts (ciphertext bytes). */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
const HKDF_INFO = 'parley-e2ee-recording-v1';
const SEAL_AAD = 'parley-recording-key-v1';
const FRAME_HEADER_BYTES = 5;

type CryptoKeyT = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** The organisation's recording public key, as a JWK (only the public coordinates). */
export interface RecordingPublicKey {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** The private key, sealed under the DPO's passphrase. All binary fields are base64url. */
export interface SealedPrivateKey {
  readonly v: 1;
  readonly kdf: 'PBKDF2-SHA256';
  readonly iterations: number;
  readonly salt: string;
  readonly iv: string;
  readonly ciphertext: string;
}

/** What is stored with each E2EE track: which recording key, and the ephemeral public key. */
export interface TrackEnvelope {
  readonly v: 1;
  readonly keyId: string;
  readonly epk: RecordingPublicKey;
}

export class WrongPassphraseError extends Error {
  constructor() {
    super('The passphrase does not open this recording key.');
    this.name = 'WrongPassphraseError';
  }
}

export class RecordingDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordingDecryptError';
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const publicOnly = (jwk: { x?: string | undefined; y?: string | undefined }): RecordingPublicKey => ({ kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' });

async function passphraseKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKeyT> {
  const base = await crypto.subtle.importKey('raw', utf8(passphrase), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

/** A short, human-comparable fingerprint of a recording public key: SHA-256 of its point, first 16 bytes, in groups. */
export async function recordingKeyFingerprint(key: RecordingPublicKey): Promise<string> {
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(fromBase64Url(key.x), 1);
  point.set(fromBase64Url(key.y), 33);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', point)).subarray(0, 16);
  const hex = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
  return hex.match(/.{4}/g)!.join(' ');
}

/** Makes a new recording key pair and seals its private half under the passphrase (in the DPO's browser). */
export async function createRecordingKeyPair(
  passphrase: string,
  iterations = RECORDING_KEY_ITERATIONS,
): Promise<{ publicKey: RecordingPublicKey; sealed: SealedPrivateKey; fingerprint: string }> {
  if (passphrase.length < MIN_PASSPHRASE_CHARS) throw new Error(`The passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters.`);
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const wrapping = await passphraseKey(passphrase, salt, iterations);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(SEAL_AAD) }, wrapping, pkcs8));
  pkcs8.fill(0);
  const publicKey = publicOnly(await crypto.subtle.exportKey('jwk', pair.publicKey));
  return {
    publicKey,
    sealed: { v: 1, kdf: 'PBKDF2-SHA256', iterations, salt: toBase64Url(salt), iv: toBase64Url(iv), ciphertext: toBase64Url(ciphertext) },
    fingerprint: await recordingKeyFingerprint(publicKey),
  };
}

/** Opens the sealed private key with the passphrase; the result cannot be exported again. */
export async function unlockRecordingKey(sealed: SealedPrivateKey, passphrase: string): Promise<CryptoKeyT> {
  const wrapping = await passphraseKey(passphrase, fromBase64Url(sealed.salt), sealed.iterations);
  let pkcs8: ArrayBuffer;
  try {
    pkcs8 = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(sealed.iv), additionalData: utf8(SEAL_AAD) },
      wrapping,
      fromBase64Url(sealed.ciphertext),
    );
  } catch {
    throw new WrongPassphraseError();
  }
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
}

async function contentKey(privateKey: CryptoKeyT, publicKey: RecordingPublicKey, trackId: string): Promise<CryptoKeyT> {
  const peer = await crypto.subtle.importKey('jwk', { ...publicKey, ext: true }, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, privateKey, 256);
  const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: utf8(trackId), info: utf8(HKDF_INFO) }, ikm, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

function chunkIv(index: number, last: boolean): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad chunk index ${index}`);
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(0, BigInt(index));
  iv[8] = last ? 1 : 0;
  return iv;
}

/** The recording browser's side of one track: its envelope, and a chunk encrypter. */
export interface TrackEncrypter {
  readonly envelope: TrackEnvelope;
  encryptChunk(index: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array>;
}

export async function openTrackEncrypter(recordingKey: { id: string; publicKey: RecordingPublicKey }, trackId: string): Promise<TrackEncrypter> {
  const ephemeral = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const key = await contentKey(ephemeral.privateKey, recordingKey.publicKey, trackId);
  const epk = publicOnly(await crypto.subtle.exportKey('jwk', ephemeral.publicKey));
  const aad = utf8(trackId);
  return {
    envelope: { v: 1, keyId: recordingKey.id, epk },
    async encryptChunk(index, last, plaintext) {
      return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: chunkIv(index, last), additionalData: aad }, key, plaintext.slice()));
    },
  };
}

/** One stored chunk as the server frames it. */
export function frameChunk(last: boolean, ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + ciphertext.length);
  new DataView(out.buffer).setUint32(0, ciphertext.length);
  out[4] = last ? 1 : 0;
  out.set(ciphertext, FRAME_HEADER_BYTES);
  return out;
}

/** Splits stored bytes into chunks; bytes after the last whole frame (a crash cut it) are reported, not parsed. */
export function parseFrames(bytes: Uint8Array): { chunks: { last: boolean; ciphertext: Uint8Array }[]; trailingBytes: number } {
  const chunks: { last: boolean; ciphertext: Uint8Array }[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(at);
    if (at + FRAME_HEADER_BYTES + length > bytes.length) break;
    chunks.push({ last: (bytes[at + 4]! & 1) === 1, ciphertext: bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length) });
    at += FRAME_HEADER_BYTES + length;
  }
  return { chunks, trailingBytes: bytes.length - at };
}

export interface DecryptedRecording {
  /** The WebM the recording browser produced. */
  readonly webm: Uint8Array<ArrayBuffer>;
  readonly chunks: number;
  /** False when no chunk carried the last-chunk flag: the recording was cut short (a crash, a closed browser). */
  readonly complete: boolean;
}

/**
 * Decrypts a stored E2EE track with the unlocked organisation key. Throws RecordingDecryptError when a chunk does
 * not authenticate (wrong key, altered bytes, chunks out of order or from another track).
 */
export async function decryptRecording(privateKey: CryptoKeyT, envelope: TrackEnvelope, trackId: string, stored: Uint8Array): Promise<DecryptedRecording> {
  const key = await contentKey(privateKey, envelope.epk, trackId);
  const aad = utf8(trackId);
  const { chunks } = parseFrames(stored);
  const parts: Uint8Array[] = [];
  let complete = false;
  for (const [index, chunk] of chunks.entries()) {
    if (complete) throw new RecordingDecryptError(`chunk ${index} follows the last chunk`);
    try {
      parts.push(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: chunkIv(index, chunk.last), additionalData: aad }, key, chunk.ciphertext.slice())));
    } catch {
      throw new RecordingDecryptError(`chunk ${index} does not decrypt with this key: the key is not the one it was recorded to, or the file was altered`);
    }
    complete = chunk.last;
  }
  const webm = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    webm.set(p, at);
    at += p.length;
  }
  return { webm, chunks: chunks.length, complete };
}
