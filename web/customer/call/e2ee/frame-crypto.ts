/**
 * Encryption of one encoded media frame (issue 8), shared by the transform worker and the unit tests; it uses only
 * WebCrypto, so it runs in a browser worker and in Node alike.
 *
 * Layout of an encrypted frame:
 *
 *   clear codec header | AES-GCM ciphertext of the rest, with its 16-byte tag | IV (12) | keyId (4, big-endian) | header length (1)
 *
 * The codec header stays in the clear so the packetiser, the SFU and the receiver's depacketiser still see a VP8
 * frame (keyframe bit, dimensions) or an Opus TOC byte: VP8 keyframes keep 10 bytes (frame tag, start code, size),
 * delta frames 3 (frame tag), Opus 1. The header is bound to the ciphertext as additional data, so it cannot be
 * altered unnoticed. The IV is a per-key random salt (4 bytes) and a frame counter (8 bytes) shared by all of a
 * sender's tracks: a key is never used twice with the same IV.
 */

export const TRAILER_BYTES = 12 + 4 + 1;
const TAG_BYTES = 16;

export type FrameKind = 'audio' | 'video';
/** A WebCrypto key (named through `crypto` so this file type-checks in the browser build and in the Node tests). */
export type MediaKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** How many leading bytes stay in the clear for a frame of this kind. */
export function clearHeaderBytes(kind: FrameKind, keyframe: boolean): number {
  if (kind === 'audio') return 1;
  return keyframe ? 10 : 3;
}

/** One sender's current key: what it encrypts with, and where its IVs come from. */
export interface SendKey {
  readonly keyId: number;
  readonly key: MediaKey;
  readonly salt: Uint8Array;
  counter: bigint;
}

export async function importMediaKey(raw: Uint8Array): Promise<MediaKey> {
  return crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

export async function newSendKey(keyId: number, raw: Uint8Array): Promise<SendKey> {
  return { keyId, key: await importMediaKey(raw), salt: crypto.getRandomValues(new Uint8Array(4)), counter: 0n };
}

export async function encryptFrame(frame: Uint8Array, headerBytes: number, send: SendKey): Promise<Uint8Array> {
  const header = frame.subarray(0, Math.min(headerBytes, frame.length));
  const iv = new Uint8Array(12);
  iv.set(send.salt, 0);
  new DataView(iv.buffer).setBigUint64(4, send.counter);
  send.counter += 1n;
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: header.slice() }, send.key, frame.slice(header.length)),
  );
  const out = new Uint8Array(header.length + sealed.length + TRAILER_BYTES);
  out.set(header, 0);
  out.set(sealed, header.length);
  const trailer = header.length + sealed.length;
  out.set(iv, trailer);
  const view = new DataView(out.buffer);
  view.setUint32(trailer + 12, send.keyId);
  view.setUint8(trailer + 16, header.length);
  return out;
}

/** The key id an encrypted frame names, or null when the frame is too short to be one. */
export function frameKeyId(frame: Uint8Array): number | null {
  if (frame.length < TRAILER_BYTES + TAG_BYTES) return null;
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(frame.length - 5);
}

/** The clear frame, or null when it does not decrypt (wrong key, altered, not encrypted at all). */
export async function decryptFrame(frame: Uint8Array, key: MediaKey): Promise<Uint8Array | null> {
  if (frame.length < TRAILER_BYTES + TAG_BYTES) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerBytes = view.getUint8(frame.length - 1);
  const trailer = frame.length - TRAILER_BYTES;
  if (headerBytes > trailer - TAG_BYTES) return null;
  const iv = frame.slice(trailer, trailer + 12);
  const header = frame.slice(0, headerBytes);
  try {
    const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: header }, key, frame.slice(headerBytes, trailer)));
    const out = new Uint8Array(headerBytes + plain.length);
    out.set(header, 0);
    out.set(plain, headerBytes);
    return out;
  } catch {
    return null;
  }
}
