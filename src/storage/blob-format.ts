import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Parley's encrypted blob format: a chunked AES-256-GCM envelope for recordings and any other large object.
 *
 *   header  = "PBLB" | version (1 byte = 1) | chunk size (u32 BE) | nonce prefix (7 bytes) | key id length (1 byte) | key id
 *   chunk i = AES-256-GCM(plaintext, nonce = prefix ‖ i (u32 BE) ‖ flag) ‖ tag (16 bytes)
 *
 * Every chunk holds exactly `chunkSize` plaintext bytes except the final one, which carries flag 0x01 and holds
 * fewer (possibly none). Every chunk's AAD is the whole header, and its nonce carries its index and whether it is
 * the last: a chunk moved, a header changed, a chunk cut off or a final chunk dropped all fail authentication.
 *
 * Why chunks: a recording is written as it happens (a crash loses at most the chunk being filled), and played
 * back with HTTP ranges, which decrypt only the chunks they touch. The data key is per object (see
 * keys/data-keys.ts), so the 7-byte random prefix is defence in depth, not what keeps nonces unique.
 */

export const DEFAULT_CHUNK_BYTES = 65536;
/** Largest chunk accepted when parsing: bounds the memory one chunk can take. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
export const TAG_BYTES = 16;
const MAGIC = Buffer.from('PBLB', 'ascii');
const VERSION = 1;
const NONCE_PREFIX_BYTES = 7;
const MAX_KEY_ID_BYTES = 64;
/** Magic, version, chunk size, nonce prefix, key id length. */
const FIXED_HEADER_BYTES = 4 + 1 + 4 + NONCE_PREFIX_BYTES + 1;
export const MAX_HEADER_BYTES = FIXED_HEADER_BYTES + MAX_KEY_ID_BYTES;
const KEY_ID_PATTERN = /^[\x21-\x7e]{1,64}$/;
const FLAG_MORE = 0x00;
const FLAG_FINAL = 0x01;
/** How much ciphertext one `read` call asks for when several chunks are needed (fewer round trips to S3). */
const READ_BATCH_BYTES = 1024 * 1024;

export class BlobIntegrityError extends Error {
  constructor(
    readonly reason: 'bad-header' | 'tampered' | 'truncated',
    message: string,
  ) {
    super(message);
    this.name = 'BlobIntegrityError';
  }
}

export interface ParsedHeader {
  version: 1;
  chunkSize: number;
  noncePrefix: Buffer;
  keyId: string;
  headerBytes: number;
}

export function parseHeader(buf: Buffer): ParsedHeader {
  const bad = (why: string) => new BlobIntegrityError('bad-header', `blob header: ${why}`);
  if (buf.length < FIXED_HEADER_BYTES) throw bad('too short');
  if (!buf.subarray(0, 4).equals(MAGIC)) throw bad('not a Parley blob (magic)');
  const version = buf[4];
  if (version !== VERSION) throw bad(`unknown version ${version}`);
  const chunkSize = buf.readUInt32BE(5);
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) throw bad(`chunk size ${chunkSize} out of range`);
  const noncePrefix = Buffer.from(buf.subarray(9, 9 + NONCE_PREFIX_BYTES));
  const keyIdLength = buf[FIXED_HEADER_BYTES - 1]!;
  if (keyIdLength > MAX_KEY_ID_BYTES) throw bad(`key id length ${keyIdLength} out of range`);
  if (buf.length < FIXED_HEADER_BYTES + keyIdLength) throw bad('too short');
  const keyId = buf.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + keyIdLength).toString('latin1');
  if (!KEY_ID_PATTERN.test(keyId)) throw bad('key id is not printable ASCII');
  return { version: VERSION, chunkSize, noncePrefix, keyId, headerBytes: FIXED_HEADER_BYTES + keyIdLength };
}

function buildHeader(chunkSize: number, noncePrefix: Buffer, keyId: string): Buffer {
  const header = Buffer.alloc(FIXED_HEADER_BYTES + keyId.length);
  MAGIC.copy(header, 0);
  header[4] = VERSION;
  header.writeUInt32BE(chunkSize, 5);
  noncePrefix.copy(header, 9);
  header[FIXED_HEADER_BYTES - 1] = keyId.length;
  header.write(keyId, FIXED_HEADER_BYTES, 'latin1');
  return header;
}

function nonceFor(prefix: Buffer, index: number, final: boolean): Buffer {
  if (index > 0xffffffff) throw new RangeError('blob has more chunks than the format can number (2^32)');
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  nonce[11] = final ? FLAG_FINAL : FLAG_MORE;
  return nonce;
}

function checkDataKey(dataKey: Buffer): void {
  if (dataKey.length !== 32) throw new RangeError('a blob data key is 32 bytes (AES-256)');
}

/** Streaming encryptor: push plaintext as it arrives, get back ciphertext to append (header first, then only whole chunks). */
export class ChunkEncryptor {
  readonly header: Buffer;
  readonly #key: Buffer;
  readonly #chunkSize: number;
  readonly #noncePrefix: Buffer;
  /** Plaintext of the chunk being filled; only the first `#filled` bytes are meaningful. */
  readonly #pending: Buffer;
  #filled = 0;
  #headerSent = false;
  #finished = false;
  #plaintextBytes = 0;
  #chunks = 0;

  /**
   * @param keyId the id of the object the data key belongs to (e.g. a track id): printable ASCII, 1–64 bytes.
   * @param options.chunkSize plaintext bytes per chunk, 1 B – 16 MiB; default 64 KiB. Bigger chunks cost fewer
   *   tags and cipher set-ups but a range read decrypts a whole chunk, and a crash loses up to one.
   * @param options.noncePrefix 7 bytes; default random. Only tests pass one.
   */
  constructor(dataKey: Buffer, keyId: string, options: { chunkSize?: number; noncePrefix?: Buffer } = {}) {
    checkDataKey(dataKey);
    if (!KEY_ID_PATTERN.test(keyId)) throw new RangeError('blob key id must be 1–64 printable ASCII characters');
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
      throw new RangeError(`chunk size must be a whole number of bytes from 1 to ${MAX_CHUNK_BYTES}`);
    }
    const noncePrefix = options.noncePrefix ?? randomBytes(NONCE_PREFIX_BYTES);
    if (noncePrefix.length !== NONCE_PREFIX_BYTES) throw new RangeError('nonce prefix must be 7 bytes');
    this.#key = Buffer.from(dataKey);
    this.#chunkSize = chunkSize;
    this.#noncePrefix = Buffer.from(noncePrefix);
    this.#pending = Buffer.alloc(chunkSize);
    this.header = buildHeader(chunkSize, this.#noncePrefix, keyId);
  }

  get plaintextBytes(): number {
    return this.#plaintextBytes;
  }

  get chunksWritten(): number {
    return this.#chunks;
  }

  /** Ciphertext bytes to append now: the header on the first call, then every chunk that filled up (may be empty). */
  push(plaintext: Buffer): Buffer {
    if (this.#finished) throw new Error('ChunkEncryptor: push after finish');
    const out: Buffer[] = [];
    this.#takeHeader(out);
    let offset = 0;
    while (offset < plaintext.length) {
      // Whole chunks straight from the caller's buffer: no copy into the pending chunk.
      if (this.#filled === 0 && plaintext.length - offset >= this.#chunkSize) {
        out.push(...this.#seal(plaintext.subarray(offset, offset + this.#chunkSize), false));
        offset += this.#chunkSize;
        continue;
      }
      const n = Math.min(this.#chunkSize - this.#filled, plaintext.length - offset);
      plaintext.copy(this.#pending, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.#chunkSize) {
        out.push(...this.#seal(this.#pending, false));
        this.#filled = 0;
      }
    }
    this.#plaintextBytes += plaintext.length;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** The final chunk (flag 0x01) with whatever plaintext is pending, possibly none; the header too if nothing was pushed. */
  finish(): Buffer {
    if (this.#finished) throw new Error('ChunkEncryptor: finish called twice');
    this.#finished = true;
    const out: Buffer[] = [];
    this.#takeHeader(out);
    out.push(...this.#seal(this.#pending.subarray(0, this.#filled), true));
    this.#filled = 0;
    return Buffer.concat(out);
  }

  #takeHeader(out: Buffer[]): void {
    if (!this.#headerSent) {
      out.push(this.header);
      this.#headerSent = true;
    }
  }

  #seal(plaintext: Buffer, final: boolean): Buffer[] {
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonceFor(this.#noncePrefix, this.#chunks, final));
    cipher.setAAD(this.header);
    const body = cipher.update(plaintext);
    cipher.final();
    this.#chunks++;
    return [body, cipher.getAuthTag()];
  }
}

/**
 * Where the ciphertext of a blob of `ciphertextBytes` total length sits.
 * - `wholeChunks`: full-size chunks (`chunkSize` + 16 bytes each) after the header.
 * - `trailingPartialBytes`: the ciphertext bytes after them (less than a full chunk): the final chunk of a finished
 *   blob, or what a crash left of a chunk being written.
 * - `plaintextBytes`: the plaintext the blob holds if it is finished, i.e. if the trailing bytes are its final
 *   chunk. An interrupted blob holds `wholeChunks × chunkSize` readable bytes.
 */
export function layout(
  header: ParsedHeader,
  ciphertextBytes: number,
): { wholeChunks: number; plaintextBytes: number; trailingPartialBytes: number } {
  const body = ciphertextBytes - header.headerBytes;
  if (body < 0) throw new BlobIntegrityError('truncated', 'blob is shorter than its header');
  const stride = header.chunkSize + TAG_BYTES;
  const wholeChunks = Math.floor(body / stride);
  const trailingPartialBytes = body - wholeChunks * stride;
  return { wholeChunks, trailingPartialBytes, plaintextBytes: wholeChunks * header.chunkSize + Math.max(0, trailingPartialBytes - TAG_BYTES) };
}

type Read = (start: number, endInclusive: number) => Promise<Buffer>;

/** The chunks of one blob, decrypted on demand, with what is known of its end. */
interface OpenedBlob {
  readonly header: ParsedHeader;
  /** Chunks that hold readable plaintext. */
  readonly chunks: number;
  readonly plaintextBytes: number;
  /** The last chunk, already read and verified while finding the end, so a read of the tail does not fetch it twice. */
  readonly lastChunk: { index: number; plaintext: Buffer } | null;
}

function tryDecrypt(key: Buffer, header: ParsedHeader, headerBytes: Buffer, index: number, chunk: Buffer, final: boolean): Buffer | null {
  if (chunk.length < TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, nonceFor(header.noncePrefix, index, final));
  decipher.setAAD(headerBytes);
  decipher.setAuthTag(chunk.subarray(chunk.length - TAG_BYTES));
  const plaintext = decipher.update(chunk.subarray(0, chunk.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plaintext;
}

/** A chunk that is not the last: must verify as "more follows". */
function decryptInner(key: Buffer, header: ParsedHeader, headerBytes: Buffer, index: number, chunk: Buffer): Buffer {
  const plaintext = tryDecrypt(key, header, headerBytes, index, chunk, false);
  if (plaintext) return plaintext;
  if (tryDecrypt(key, header, headerBytes, index, chunk, true)) {
    throw new BlobIntegrityError('tampered', `chunk ${index} is marked final but is not the last chunk`);
  }
  throw new BlobIntegrityError('tampered', `chunk ${index} failed authentication (altered, moved, or the wrong key)`);
}

async function openBlob(read: Read, ciphertextBytes: number, key: Buffer, requireFinal: boolean): Promise<{ opened: OpenedBlob; headerBytes: Buffer }> {
  checkDataKey(key);
  if (ciphertextBytes < FIXED_HEADER_BYTES) {
    throw new BlobIntegrityError(requireFinal ? 'truncated' : 'bad-header', 'blob is shorter than a header');
  }
  const head = await read(0, Math.min(ciphertextBytes, MAX_HEADER_BYTES) - 1);
  const header = parseHeader(head);
  const headerBytes = Buffer.from(head.subarray(0, header.headerBytes));
  const { wholeChunks, trailingPartialBytes } = layout(header, ciphertextBytes);
  const stride = header.chunkSize + TAG_BYTES;
  const chunkAt = (index: number, bytes: number) => {
    const start = header.headerBytes + index * stride;
    return read(start, start + bytes - 1);
  };

  if (requireFinal) {
    // The last chunk of the file must be the final one: the trailing bytes, or the last whole chunk.
    if (trailingPartialBytes > 0 && trailingPartialBytes < TAG_BYTES) {
      throw new BlobIntegrityError('truncated', 'blob ends inside a chunk');
    }
    const lastIndex = trailingPartialBytes > 0 ? wholeChunks : wholeChunks - 1;
    if (lastIndex < 0) throw new BlobIntegrityError('truncated', 'blob has no chunks (no final chunk)');
    const lastLength = trailingPartialBytes > 0 ? trailingPartialBytes : stride;
    const chunk = await chunkAt(lastIndex, lastLength);
    const plaintext = tryDecrypt(key, header, headerBytes, lastIndex, chunk, true);
    if (!plaintext) {
      if (lastLength === stride && tryDecrypt(key, header, headerBytes, lastIndex, chunk, false)) {
        throw new BlobIntegrityError('truncated', `blob ends after chunk ${lastIndex}, which is not the final chunk`);
      }
      throw new BlobIntegrityError('tampered', `final chunk ${lastIndex} failed authentication (altered, cut short, or the wrong key)`);
    }
    return {
      headerBytes,
      opened: { header, chunks: lastIndex + 1, plaintextBytes: lastIndex * header.chunkSize + plaintext.length, lastChunk: { index: lastIndex, plaintext } },
    };
  }

  // An interrupted blob: whole chunks are readable; trailing bytes count only if they are a genuine final chunk
  // (the blob was in fact finished), otherwise they are what a crash left of a chunk and are ignored.
  if (trailingPartialBytes >= TAG_BYTES) {
    const chunk = await chunkAt(wholeChunks, trailingPartialBytes);
    const plaintext = tryDecrypt(key, header, headerBytes, wholeChunks, chunk, true);
    if (plaintext) {
      return {
        headerBytes,
        opened: { header, chunks: wholeChunks + 1, plaintextBytes: wholeChunks * header.chunkSize + plaintext.length, lastChunk: { index: wholeChunks, plaintext } },
      };
    }
  }
  return { headerBytes, opened: { header, chunks: wholeChunks, plaintextBytes: wholeChunks * header.chunkSize, lastChunk: null } };
}

/**
 * Decrypts plaintext bytes [start, end] (inclusive, as HTTP ranges) of a blob, reading only the chunks needed through
 * `read(start, endInclusive)` (ciphertext byte offsets). With `requireFinal` (a finished object), the last chunk must
 * carry the last-chunk flag and the size must add up, else BlobIntegrityError('truncated'); without it (a blob a crash
 * interrupted) it decrypts up to the last whole chunk and ignores a trailing partial chunk. A failing tag → 'tampered'.
 * Yields plaintext pieces in order; never yields plaintext of a chunk whose tag did not verify.
 *
 * `end` defaults to the last byte and is clamped to it (as HTTP does); a `start` past the end throws a RangeError.
 * The final chunk is verified before anything is yielded, so a truncated finished blob yields nothing.
 */
export async function* decryptRange(
  read: Read,
  ciphertextBytes: number,
  dataKey: Buffer,
  options: { start?: number; end?: number; requireFinal: boolean },
): AsyncGenerator<Buffer> {
  const { opened, headerBytes } = await openBlob(read, ciphertextBytes, dataKey, options.requireFinal);
  const { header, plaintextBytes } = opened;
  const start = options.start ?? 0;
  const end = Math.min(options.end ?? plaintextBytes - 1, plaintextBytes - 1);
  if (!Number.isInteger(start) || start < 0) throw new RangeError('range start must be a non-negative whole number');
  if (plaintextBytes === 0 && options.start === undefined && options.end === undefined) return;
  if (start > end) throw new RangeError(`range ${start}-${options.end ?? ''} is not satisfiable: the blob holds ${plaintextBytes} bytes`);

  const { chunkSize } = header;
  const stride = chunkSize + TAG_BYTES;
  const firstChunk = Math.floor(start / chunkSize);
  const lastChunk = Math.floor(end / chunkSize);
  const perBatch = Math.max(1, Math.floor(READ_BATCH_BYTES / stride));
  const cached = opened.lastChunk;

  for (let batchStart = firstChunk; batchStart <= lastChunk; batchStart += perBatch) {
    const batchEnd = Math.min(lastChunk, batchStart + perBatch - 1);
    // Every chunk but the cached final one is a whole chunk; the batch's whole chunks come in one read.
    const readTo = cached?.index === batchEnd ? batchEnd - 1 : batchEnd;
    const data =
      readTo >= batchStart
        ? await read(header.headerBytes + batchStart * stride, header.headerBytes + (readTo + 1) * stride - 1)
        : Buffer.alloc(0);
    for (let index = batchStart; index <= batchEnd; index++) {
      let plaintext: Buffer;
      if (cached?.index === index) {
        plaintext = cached.plaintext;
      } else {
        const offset = (index - batchStart) * stride;
        const chunk = data.subarray(offset, offset + stride);
        if (chunk.length !== stride) throw new BlobIntegrityError('truncated', `chunk ${index} is shorter than the blob's size says`);
        plaintext = decryptInner(dataKey, header, headerBytes, index, chunk);
      }
      const chunkStart = index * chunkSize;
      const from = Math.max(start, chunkStart) - chunkStart;
      const to = Math.min(end, chunkStart + plaintext.length - 1) - chunkStart + 1;
      if (to > from) yield plaintext.subarray(from, to);
    }
  }
}

/** Exact plaintext size (checks the final chunk when requireFinal; without it, counts only readable chunks). */
export async function plaintextLength(read: Read, ciphertextBytes: number, dataKey: Buffer, requireFinal: boolean): Promise<number> {
  const { opened } = await openBlob(read, ciphertextBytes, dataKey, requireFinal);
  return opened.plaintextBytes;
}
