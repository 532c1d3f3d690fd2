import { describe, expect, it } from 'vitest';
import {
  createRecordingKeyPair,
  decryptRecording,
  frameChunk,
  MIN_PASSPHRASE_CHARS,
  openTrackEncrypter,
  parseFrames,
  RecordingDecryptError,
  recordingKeyFingerprint,
  unlockRecordingKey,
  WrongPassphraseError,
  type RecordingPublicKey,
  type TrackEncrypter,
} from '../../web/customer/call/e2ee/recording-crypto.ts';

// Few PBKDF2 iterations: the tests are about the format, not the cost of guessing a passphrase.
const ITERATIONS = 1000;
const PASSPHRASE = 'correct horse battery staple';
const TRACK = 'trk_01';

/** Distinct, recognisable bytes per chunk, so a swapped or dropped chunk changes the output. */
const plain = (chunk: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (chunk * 31 + i * 7 + 1) & 0xff);
const concat = (parts: readonly Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

async function newOrgKey(passphrase = PASSPHRASE) {
  const made = await createRecordingKeyPair(passphrase, ITERATIONS);
  return { ...made, id: 'rk_test', privateKey: await unlockRecordingKey(made.sealed, passphrase) };
}

/** Encrypts and frames chunks as the recording browser and the server do; the last one carries the flag when asked. */
async function record(encrypter: TrackEncrypter, chunks: readonly Uint8Array[], options: { finished: boolean }) {
  const frames: Uint8Array[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const last = options.finished && i === chunks.length - 1;
    frames.push(frameChunk(last, await encrypter.encryptChunk(i, last, chunk)));
  }
  return frames;
}

const chunks = [plain(0, 1000), plain(1, 4096), plain(2, 17)];

describe('E2EE recording: key pair and passphrase', () => {
  it('opens the sealed private key with its passphrase only, and refuses a short passphrase', async () => {
    const made = await createRecordingKeyPair(PASSPHRASE, ITERATIONS);
    expect(made.sealed.iterations).toBe(ITERATIONS);
    expect(JSON.stringify(made.sealed)).not.toContain(PASSPHRASE);
    await expect(unlockRecordingKey(made.sealed, `${PASSPHRASE}!`)).rejects.toBeInstanceOf(WrongPassphraseError);
    await expect(unlockRecordingKey(made.sealed, 'Correct horse battery staple')).rejects.toBeInstanceOf(WrongPassphraseError);
    const key = await unlockRecordingKey(made.sealed, PASSPHRASE);
    expect(key.extractable).toBe(false);
    await expect(createRecordingKeyPair('x'.repeat(MIN_PASSPHRASE_CHARS - 1), ITERATIONS)).rejects.toThrow(/at least/);
  });

  it('gives a key a stable fingerprint, different from another key', async () => {
    const a = await createRecordingKeyPair(PASSPHRASE, ITERATIONS);
    const b = await createRecordingKeyPair(PASSPHRASE, ITERATIONS);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
    expect(await recordingKeyFingerprint(a.publicKey)).toBe(a.fingerprint);
    const copy: RecordingPublicKey = JSON.parse(JSON.stringify(a.publicKey));
    expect(await recordingKeyFingerprint(copy)).toBe(a.fingerprint);
    expect(b.fingerprint).not.toBe(a.fingerprint);
    expect(await recordingKeyFingerprint({ ...a.publicKey, y: b.publicKey.y })).not.toBe(a.fingerprint);
  });
});

describe('E2EE recording: tracks', () => {
  it('decrypts a multi-chunk recording back to the exact WebM bytes, and stores none of them in the clear', async () => {
    const org = await newOrgKey();
    const encrypter = await openTrackEncrypter(org, TRACK);
    expect(encrypter.envelope.keyId).toBe(org.id);
    const stored = concat(await record(encrypter, chunks, { finished: true }));
    expect(Buffer.from(stored).includes(Buffer.from(chunks[1]!.subarray(0, 64)))).toBe(false);

    const again = await unlockRecordingKey(org.sealed, PASSPHRASE);
    const result = await decryptRecording(again, encrypter.envelope, TRACK, stored);
    expect(result.chunks).toBe(3);
    expect(result.complete).toBe(true);
    expect(result.webm).toEqual(concat(chunks));
  });

  it('refuses chunks in another order', async () => {
    const org = await newOrgKey();
    const encrypter = await openTrackEncrypter(org, TRACK);
    const [a, b, c] = await record(encrypter, chunks, { finished: true });
    await expect(decryptRecording(org.privateKey, encrypter.envelope, TRACK, concat([b!, a!, c!]))).rejects.toBeInstanceOf(RecordingDecryptError);
    // Nor may the last chunk come early, the rest following it.
    await expect(decryptRecording(org.privateKey, encrypter.envelope, TRACK, concat([a!, c!, b!]))).rejects.toBeInstanceOf(RecordingDecryptError);
  });

  it('refuses a recording with one altered byte', async () => {
    const org = await newOrgKey();
    const encrypter = await openTrackEncrypter(org, TRACK);
    const stored = concat(await record(encrypter, chunks, { finished: true }));
    const altered = stored.slice();
    const inSecondChunk = 5 + chunks[0]!.length + 16 + 5 + 100;
    altered[inSecondChunk] = altered[inSecondChunk]! ^ 0x01;
    await expect(decryptRecording(org.privateKey, encrypter.envelope, TRACK, altered)).rejects.toBeInstanceOf(RecordingDecryptError);
    // Flipping the stored last-chunk flag is caught too: the flag is part of the IV.
    const unflagged = stored.slice();
    unflagged[stored.length - (chunks[2]!.length + 16) - 1] = 0;
    await expect(decryptRecording(org.privateKey, encrypter.envelope, TRACK, unflagged)).rejects.toBeInstanceOf(RecordingDecryptError);
  });

  it('refuses a chunk taken from another track, and a track read under another track id', async () => {
    const org = await newOrgKey();
    const mine = await openTrackEncrypter(org, TRACK);
    const other = await openTrackEncrypter(org, 'trk_02');
    const [a, , c] = await record(mine, chunks, { finished: true });
    const [, foreign] = await record(other, chunks, { finished: true });
    await expect(decryptRecording(org.privateKey, mine.envelope, TRACK, concat([a!, foreign!, c!]))).rejects.toBeInstanceOf(RecordingDecryptError);
    const whole = concat(await record(mine, chunks, { finished: true }));
    await expect(decryptRecording(org.privateKey, mine.envelope, 'trk_02', whole)).rejects.toBeInstanceOf(RecordingDecryptError);
  });

  it("refuses to decrypt with another organisation's recording key", async () => {
    const org = await newOrgKey();
    const otherOrg = await newOrgKey();
    const encrypter = await openTrackEncrypter(org, TRACK);
    const stored = concat(await record(encrypter, chunks, { finished: true }));
    await expect(decryptRecording(otherOrg.privateKey, encrypter.envelope, TRACK, stored)).rejects.toBeInstanceOf(RecordingDecryptError);
    // The same passphrase does not make the keys interchangeable either.
    await expect(unlockRecordingKey(otherOrg.sealed, PASSPHRASE)).resolves.toBeDefined();
    expect(otherOrg.fingerprint).not.toBe(org.fingerprint);
  });

  it('reports a recording without its last-flagged chunk as incomplete, and plays what was stored', async () => {
    const org = await newOrgKey();
    const encrypter = await openTrackEncrypter(org, TRACK);
    // The browser closed after two chunks: neither carries the flag.
    const cut = concat(await record(encrypter, chunks.slice(0, 2), { finished: false }));
    const result = await decryptRecording(org.privateKey, encrypter.envelope, TRACK, cut);
    expect(result.complete).toBe(false);
    expect(result.chunks).toBe(2);
    expect(result.webm).toEqual(concat(chunks.slice(0, 2)));

    // A finished recording whose last frame was lost is incomplete too.
    const finished = await record(encrypter, chunks, { finished: true });
    const truncated = await decryptRecording(org.privateKey, encrypter.envelope, TRACK, concat(finished.slice(0, 2)));
    expect(truncated.complete).toBe(false);
    expect(truncated.webm).toEqual(concat(chunks.slice(0, 2)));
  });
});

describe('E2EE recording: stored frames', () => {
  it('splits whole frames and reports a trailing partial frame without parsing it', () => {
    const one = frameChunk(false, plain(7, 10));
    const two = frameChunk(true, plain(8, 20));
    const next = frameChunk(false, plain(9, 30));

    const cutInBody = parseFrames(concat([one, two, next.subarray(0, 12)]));
    expect(cutInBody.chunks.map((c) => [c.last, c.ciphertext.length])).toEqual([
      [false, 10],
      [true, 20],
    ]);
    expect(cutInBody.chunks[1]!.ciphertext).toEqual(plain(8, 20));
    expect(cutInBody.trailingBytes).toBe(12);

    const cutInHeader = parseFrames(concat([one, next.subarray(0, 3)]));
    expect(cutInHeader.chunks).toHaveLength(1);
    expect(cutInHeader.trailingBytes).toBe(3);

    const whole = parseFrames(concat([one, two]));
    expect(whole.chunks).toHaveLength(2);
    expect(whole.trailingBytes).toBe(0);
    expect(parseFrames(new Uint8Array(0))).toEqual({ chunks: [], trailingBytes: 0 });
  });

  it('parses frames inside a larger buffer (a view with an offset)', () => {
    const body = concat([new Uint8Array(7), frameChunk(true, plain(1, 9))]);
    const parsed = parseFrames(body.subarray(7));
    expect(parsed.chunks).toHaveLength(1);
    expect(parsed.chunks[0]!.last).toBe(true);
    expect(parsed.chunks[0]!.ciphertext).toEqual(plain(1, 9));
  });

  it('decrypts the whole chunks before a partial trailing frame, as incomplete', async () => {
    const org = await newOrgKey();
    const encrypter = await openTrackEncrypter(org, TRACK);
    const frames = await record(encrypter, chunks, { finished: true });
    const crashed = concat([frames[0]!, frames[1]!, frames[2]!.subarray(0, 9)]);
    const result = await decryptRecording(org.privateKey, encrypter.envelope, TRACK, crashed);
    expect(result.chunks).toBe(2);
    expect(result.complete).toBe(false);
    expect(result.webm).toEqual(concat(chunks.slice(0, 2)));
  });
});
