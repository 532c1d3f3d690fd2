import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BlobIntegrityError,
  ChunkEncryptor,
  DEFAULT_CHUNK_BYTES,
  TAG_BYTES,
  decryptRange,
  layout,
  parseHeader,
  plaintextLength,
} from './blob-format.ts';

const CHUNK = 1024;
const key = randomBytes(32);

/** Encrypts in uneven pieces, as a recorder pushes media, so chunk boundaries fall inside pushes. */
function encrypt(plaintext: Buffer, options: { chunkSize?: number; dataKey?: Buffer } = {}): Buffer {
  const enc = new ChunkEncryptor(options.dataKey ?? key, 'trk_test', { chunkSize: options.chunkSize ?? CHUNK });
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < plaintext.length) {
    const n = Math.min(plaintext.length - offset, 1 + randomInt(3 * (options.chunkSize ?? CHUNK)));
    out.push(enc.push(plaintext.subarray(offset, offset + n)));
    offset += n;
  }
  out.push(enc.finish());
  return Buffer.concat(out);
}

const reader = (blob: Buffer) => {
  const calls: Array<[number, number]> = [];
  const read = async (start: number, end: number) => {
    calls.push([start, end]);
    if (start < 0 || end >= blob.length || end < start) throw new RangeError(`bad read ${start}-${end} of ${blob.length}`);
    return Buffer.from(blob.subarray(start, end + 1));
  };
  return { read, calls };
};

async function decryptAll(blob: Buffer, options: { start?: number; end?: number; requireFinal: boolean }, dataKey = key) {
  const pieces: Buffer[] = [];
  try {
    for await (const piece of decryptRange(reader(blob).read, blob.length, dataKey, options)) pieces.push(piece);
  } catch (err) {
    return { plaintext: Buffer.concat(pieces), error: err };
  }
  return { plaintext: Buffer.concat(pieces), error: undefined };
}

const integrityReason = (err: unknown) => (err instanceof BlobIntegrityError ? err.reason : `not an integrity error: ${String(err)}`);

describe('blob format', () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3.5 * CHUNK])('round-trips %i plaintext bytes', async (size) => {
    const plaintext = randomBytes(size);
    const blob = encrypt(plaintext);
    const header = parseHeader(blob);
    expect(header).toMatchObject({ version: 1, chunkSize: CHUNK, keyId: 'trk_test' });
    expect(layout(header, blob.length).plaintextBytes).toBe(size);
    const { plaintext: back, error } = await decryptAll(blob, { requireFinal: true });
    expect(error).toBeUndefined();
    expect(back.equals(plaintext)).toBe(true);
    expect(await plaintextLength(reader(blob).read, blob.length, key, true)).toBe(size);
  });

  it('emits the header first and then only whole chunks, the final chunk on finish', () => {
    const enc = new ChunkEncryptor(key, 'trk_x', { chunkSize: CHUNK });
    const first = enc.push(randomBytes(10));
    expect(first.equals(enc.header)).toBe(true);
    expect(enc.push(randomBytes(CHUNK - 10)).length).toBe(CHUNK + TAG_BYTES);
    expect(enc.push(Buffer.alloc(0)).length).toBe(0);
    expect(enc.finish().length).toBe(TAG_BYTES);
    expect(enc.chunksWritten).toBe(2);
    expect(enc.plaintextBytes).toBe(CHUNK);
    expect(() => enc.push(Buffer.from('x'))).toThrow();
  });

  it('uses 64 KiB chunks by default', () => {
    const enc = new ChunkEncryptor(key, 'trk_x');
    expect(parseHeader(enc.header).chunkSize).toBe(DEFAULT_CHUNK_BYTES);
  });

  it('decrypts random ranges equal to slices of the plaintext, reading only the chunks needed', async () => {
    const plaintext = randomBytes(Math.floor(9.3 * CHUNK));
    const blob = encrypt(plaintext);
    for (let i = 0; i < 200; i++) {
      const start = randomInt(plaintext.length);
      const end = start + randomInt(plaintext.length - start);
      const { plaintext: back, error } = await decryptAll(blob, { start, end, requireFinal: i % 2 === 0 });
      expect(error).toBeUndefined();
      expect(back.equals(plaintext.subarray(start, end + 1))).toBe(true);
    }
    // One byte in the middle: the header, the final chunk (to know the size), and the one chunk holding it.
    const { read, calls } = reader(blob);
    const pieces: Buffer[] = [];
    for await (const p of decryptRange(read, blob.length, key, { start: 4 * CHUNK + 5, end: 4 * CHUNK + 5, requireFinal: true })) pieces.push(p);
    expect(Buffer.concat(pieces).equals(plaintext.subarray(4 * CHUNK + 5, 4 * CHUNK + 6))).toBe(true);
    const bytesRead = calls.reduce((n, [s, e]) => n + e - s + 1, 0);
    expect(bytesRead).toBeLessThan(3 * (CHUNK + TAG_BYTES) + 100);
  });

  it('clamps an end past the last byte, and refuses a start past it', async () => {
    const plaintext = randomBytes(2 * CHUNK + 7);
    const blob = encrypt(plaintext);
    const { plaintext: tail } = await decryptAll(blob, { start: 2 * CHUNK, end: 10 * CHUNK, requireFinal: true });
    expect(tail.equals(plaintext.subarray(2 * CHUNK))).toBe(true);
    const { error } = await decryptAll(blob, { start: plaintext.length, requireFinal: true });
    expect(error).toBeInstanceOf(RangeError);
  });

  it('detects one flipped ciphertext bit as tampered and yields nothing of that chunk', async () => {
    const plaintext = randomBytes(5 * CHUNK + 100);
    const blob = encrypt(plaintext);
    const headerBytes = parseHeader(blob).headerBytes;
    const damaged = Buffer.from(blob);
    const target = 2; // third chunk
    damaged[headerBytes + target * (CHUNK + TAG_BYTES) + 17]! ^= 0x04;
    const { plaintext: before, error } = await decryptAll(damaged, { requireFinal: true });
    expect(integrityReason(error)).toBe('tampered');
    expect(before.length).toBe(target * CHUNK);
    expect(before.equals(plaintext.subarray(0, target * CHUNK))).toBe(true);
  });

  it('detects a changed header byte (every chunk is bound to the header)', async () => {
    const blob = encrypt(randomBytes(3 * CHUNK));
    const damaged = Buffer.from(blob);
    damaged[10]! ^= 0x01; // inside the nonce prefix
    expect(integrityReason((await decryptAll(damaged, { requireFinal: true })).error)).toBe('tampered');
  });

  it('reports a file cut at a chunk boundary as truncated, yet decrypts it as an interrupted blob', async () => {
    const plaintext = randomBytes(4 * CHUNK + 300);
    const blob = encrypt(plaintext);
    const headerBytes = parseHeader(blob).headerBytes;
    const cut = blob.subarray(0, headerBytes + 3 * (CHUNK + TAG_BYTES));
    const strict = await decryptAll(cut, { requireFinal: true });
    expect(integrityReason(strict.error)).toBe('truncated');
    expect(strict.plaintext.length).toBe(0);
    const lenient = await decryptAll(cut, { requireFinal: false });
    expect(lenient.error).toBeUndefined();
    expect(lenient.plaintext.equals(plaintext.subarray(0, 3 * CHUNK))).toBe(true);
    expect(await plaintextLength(reader(cut).read, cut.length, key, false)).toBe(3 * CHUNK);
  });

  it('ignores a trailing partial chunk of an interrupted blob, and reads a finished blob whole without requireFinal', async () => {
    const plaintext = randomBytes(4 * CHUNK + 300);
    const blob = encrypt(plaintext);
    const headerBytes = parseHeader(blob).headerBytes;
    const cut = blob.subarray(0, headerBytes + 2 * (CHUNK + TAG_BYTES) + 500);
    const lenient = await decryptAll(cut, { requireFinal: false });
    expect(lenient.error).toBeUndefined();
    expect(lenient.plaintext.equals(plaintext.subarray(0, 2 * CHUNK))).toBe(true);
    expect(layout(parseHeader(cut), cut.length)).toMatchObject({ wholeChunks: 2, trailingPartialBytes: 500 });
    expect((await decryptAll(cut, { requireFinal: true })).error).toBeInstanceOf(BlobIntegrityError);
    const whole = await decryptAll(blob, { requireFinal: false });
    expect(whole.plaintext.equals(plaintext)).toBe(true);
  });

  it('reports a blob without its final chunk as truncated, even when the plaintext is a multiple of the chunk size', async () => {
    const plaintext = randomBytes(3 * CHUNK);
    const blob = encrypt(plaintext);
    const withoutFinal = blob.subarray(0, blob.length - TAG_BYTES); // the empty final chunk is only its tag
    expect(integrityReason((await decryptAll(withoutFinal, { requireFinal: true })).error)).toBe('truncated');
    expect((await decryptAll(withoutFinal, { requireFinal: false })).plaintext.equals(plaintext)).toBe(true);
  });

  it('detects two swapped chunks', async () => {
    const blob = encrypt(randomBytes(4 * CHUNK + 10));
    const headerBytes = parseHeader(blob).headerBytes;
    const stride = CHUNK + TAG_BYTES;
    const swapped = Buffer.from(blob);
    blob.copy(swapped, headerBytes + stride, headerBytes + 2 * stride, headerBytes + 3 * stride);
    blob.copy(swapped, headerBytes + 2 * stride, headerBytes + stride, headerBytes + 2 * stride);
    const { error, plaintext } = await decryptAll(swapped, { requireFinal: true });
    expect(integrityReason(error)).toBe('tampered');
    expect(plaintext.length).toBe(CHUNK);
  });

  it('reports a final chunk that is not the last as tampered', async () => {
    // Built by hand: chunk 0 is full size and flagged final, then a genuine final chunk 1 follows.
    const noncePrefix = randomBytes(7);
    const header = new ChunkEncryptor(key, 'trk_glue', { chunkSize: CHUNK, noncePrefix }).header;
    const sealChunk = (index: number, plaintext: Buffer) => {
      const nonce = Buffer.concat([noncePrefix, Buffer.alloc(4), Buffer.from([1])]);
      nonce.writeUInt32BE(index, 7);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(header);
      return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    };
    const blob = Buffer.concat([header, sealChunk(0, randomBytes(CHUNK)), sealChunk(1, randomBytes(10))]);
    const { error } = await decryptAll(blob, { requireFinal: true });
    expect(integrityReason(error)).toBe('tampered');
    expect((error as Error).message).toMatch(/marked final/);
  });

  it('reports the wrong key as tampered', async () => {
    const blob = encrypt(randomBytes(2 * CHUNK));
    expect(integrityReason((await decryptAll(blob, { requireFinal: true }, randomBytes(32))).error)).toBe('tampered');
    expect(integrityReason((await decryptAll(blob, { requireFinal: false }, randomBytes(32))).error)).toBe('tampered');
  });

  it('rejects a bad or short header', () => {
    const blob = encrypt(randomBytes(10));
    expect(integrityReason(catchError(() => parseHeader(blob.subarray(0, 5))))).toBe('bad-header');
    expect(integrityReason(catchError(() => parseHeader(blob.subarray(0, parseHeader(blob).headerBytes - 1))))).toBe('bad-header');
    const wrongMagic = Buffer.from(blob);
    wrongMagic[0] = 0x51;
    expect(integrityReason(catchError(() => parseHeader(wrongMagic)))).toBe('bad-header');
    const wrongVersion = Buffer.from(blob);
    wrongVersion[4] = 2;
    expect(integrityReason(catchError(() => parseHeader(wrongVersion)))).toBe('bad-header');
    const zeroChunk = Buffer.from(blob);
    zeroChunk.writeUInt32BE(0, 5);
    expect(integrityReason(catchError(() => parseHeader(zeroChunk)))).toBe('bad-header');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
