import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finaliseBlob } from '../../src/recording/finalise-blob.ts';
import { TrackWriter } from '../../src/recording/track-writer.ts';
import { decryptRange } from '../../src/storage/blob-format.ts';
import { LocalBlobStore } from '../../src/storage/local/local-blob-store.ts';
import { frameChunk, parseFrames } from '../../web/customer/call/e2ee/recording-crypto.ts';

// An E2EE track's blob holds the browser's chunks, framed, under the server's own encryption. Finalising it (at a
// clean stop, and after a crash) keeps every whole frame and nothing of a frame a crash cut short, without reading
// the chunks (the server cannot): the frames are what the DPO's browser decrypts later.

describe('finalising an E2EE track: whole frames kept, a cut one dropped', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'parley-frames-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const store = new LocalBlobStore(root);

  async function read(key: string, dataKey: Buffer, ciphertextBytes: number, requireFinal: boolean): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const p of decryptRange((s, e) => store.read(key, s, e), ciphertextBytes, dataKey, { requireFinal })) parts.push(p);
    return Buffer.concat(parts);
  }

  it('copies every frame of a cleanly stopped track under a new key', async () => {
    const frames = [randomBytes(3_000), randomBytes(70_000), randomBytes(16)].map((c, i, all) => Buffer.from(frameChunk(i === all.length - 1, c)));
    const fromKey = randomBytes(32);
    const writer = new TrackWriter(await store.createUpload('org_a/rec_1/live.pblb'), fromKey, 'trk_1', () => {}, 4_096);
    for (const f of frames) writer.write(f);
    const { ciphertextBytes } = await writer.finish();

    const toKey = randomBytes(32);
    const result = await finaliseBlob({
      store,
      from: { key: 'org_a/rec_1/live.pblb', dataKey: fromKey, ciphertextBytes },
      to: { key: 'org_a/rec_1/final.pblb', dataKey: toKey, keyId: 'trk_1' },
      requireFinal: true,
      content: 'e2ee-frames',
    });
    expect(result).toMatchObject({ blocks: 3, durationMs: 0 });
    const copied = await read('org_a/rec_1/final.pblb', toKey, result!.ciphertextBytes, true);
    expect(copied.equals(Buffer.concat(frames))).toBe(true);
    expect(parseFrames(copied).chunks.map((c) => [c.ciphertext.length, c.last])).toEqual([
      [3_000, false],
      [70_000, false],
      [16, true],
    ]);
  });

  it('after a crash cut the last frame in half, keeps the frames before it and none of its bytes', async () => {
    const whole = [randomBytes(5_000), randomBytes(9_000)].map((c) => Buffer.from(frameChunk(false, c)));
    const cut = Buffer.from(frameChunk(false, randomBytes(20_000))).subarray(0, 12_000);
    const fromKey = randomBytes(32);
    const dead = new LocalBlobStore(root);
    const upload = await dead.createUpload('org_a/rec_2/live.pblb');
    // The server's chunks are 4 KiB here: the cut frame spans whole chunks that reached the store before the crash.
    const writer = new TrackWriter(upload, fromKey, 'trk_2', () => {}, 4_096);
    for (const f of [...whole, cut]) writer.write(f);
    // The process dies: the last partial server chunk never gets written; after the restart the upload is recovered.
    await new Promise((r) => setTimeout(r, 50));
    await dead.close();
    const size = await store.recover('org_a/rec_2/live.pblb');
    expect(size).toBeGreaterThan(0);

    const toKey = randomBytes(32);
    const result = await finaliseBlob({
      store,
      from: { key: 'org_a/rec_2/live.pblb', dataKey: fromKey, ciphertextBytes: size! },
      to: { key: 'org_a/rec_2/final.pblb', dataKey: toKey, keyId: 'trk_2' },
      requireFinal: false,
      content: 'e2ee-frames',
    });
    expect(result?.blocks).toBe(2);
    const copied = await read('org_a/rec_2/final.pblb', toKey, result!.ciphertextBytes, true);
    expect(copied.equals(Buffer.concat(whole))).toBe(true);
    expect(parseFrames(copied).trailingBytes).toBe(0);
  });

  it('finds nothing to keep in a track that got no whole frame', async () => {
    const fromKey = randomBytes(32);
    const writer = new TrackWriter(await store.createUpload('org_a/rec_3/live.pblb'), fromKey, 'trk_3', () => {});
    writer.write(Buffer.from(frameChunk(true, randomBytes(100))).subarray(0, 50));
    const { ciphertextBytes } = await writer.finish();
    const result = await finaliseBlob({
      store,
      from: { key: 'org_a/rec_3/live.pblb', dataKey: fromKey, ciphertextBytes },
      to: { key: 'org_a/rec_3/final.pblb', dataKey: randomBytes(32), keyId: 'trk_3' },
      requireFinal: true,
      content: 'e2ee-frames',
    });
    expect(result).toBeNull();
  });
});
