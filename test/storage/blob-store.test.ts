import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobKeyError, BlobNotFoundError, type BlobStore } from '../../src/storage/blob-store.ts';
import { LocalBlobStore } from '../../src/storage/local/local-blob-store.ts';
import { isEeaRegion, S3BlobStore } from '../../src/storage/s3/s3-blob-store.ts';

import { startTestS3, type TestS3 } from '../support/s3rver.ts';

const BUCKET = 'parley-test';
/** Small parts so a test crosses several part boundaries quickly; s3rver does not enforce S3's 5 MiB minimum. */
const PART_BYTES = 64 * 1024;

interface StoreUnderTest {
  readonly name: 'local' | 's3';
  /** A new store instance over the same data, as after a restart. */
  open(): BlobStore;
  /** The bytes the store keeps on disk for a complete object (both stores here keep files). */
  fileOf(key: string): string;
}

const root = mkdtempSync(path.join(tmpdir(), 'parley-blob-'));
let s3: TestS3 | undefined;
let s3endpoint = '';

const stores: StoreUnderTest[] = [
  {
    name: 'local',
    open: () => new LocalBlobStore(path.join(root, 'local')),
    fileOf: (key) => path.join(root, 'local', ...key.split('/')),
  },
  {
    name: 's3',
    open: () =>
      new S3BlobStore({
        endpoint: s3endpoint,
        region: 'eu-central-1',
        bucket: BUCKET,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
        partBytes: PART_BYTES,
        allowSmallParts: true,
      }),
    fileOf: (key) => {
      const parts = key.split('/');
      const base = parts.pop()!;
      return path.join(s3!.directory, BUCKET, ...parts, `${base}._S3rver_object`);
    },
  },
];

beforeAll(async () => {
  s3 = await startTestS3(BUCKET);
  s3endpoint = s3.endpoint;
});

afterAll(async () => {
  await s3?.close();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
const newKey = () => `org_test/rec_${process.pid}_${++n}/trk_${randomBytes(4).toString('hex')}.pblb`;

/** Writes `data` in uneven small pieces, as a recorder does. */
async function writeInPieces(store: BlobStore, key: string, data: Buffer, options: { complete: boolean }) {
  const upload = await store.createUpload(key);
  let offset = 0;
  while (offset < data.length) {
    const piece = Math.min(data.length - offset, 1 + randomInt(9000));
    await upload.write(data.subarray(offset, offset + piece));
    offset += piece;
  }
  return options.complete ? upload.complete() : upload;
}

describe.each(stores)('blob store contract: $name', (s) => {
  let store: BlobStore;
  beforeAll(() => {
    store = s.open();
  });
  afterAll(async () => {
    await store.close();
  });

  it('stores bytes written in many small pieces across several parts, and reads any range back', async () => {
    const key = newKey();
    const data = randomBytes(4 * PART_BYTES + 12345);
    expect(await writeInPieces(store, key, data, { complete: true })).toBe(data.length);
    expect(await store.size(key)).toBe(data.length);
    for (let i = 0; i < 30; i++) {
      const start = randomInt(data.length);
      const end = start + randomInt(Math.min(data.length - start, 200_000));
      expect((await store.read(key, start, end)).equals(data.subarray(start, end + 1))).toBe(true);
    }
    expect((await store.read(key, 0, data.length - 1)).equals(data)).toBe(true);
  });

  it('stores a small object and an empty one', async () => {
    const small = newKey();
    const upload = await store.createUpload(small);
    await upload.write(Buffer.from('hello'));
    expect(await upload.complete()).toBe(5);
    expect((await store.read(small, 1, 3)).toString()).toBe('ell');
    const empty = newKey();
    expect(await (await store.createUpload(empty)).complete()).toBe(0);
    expect(await store.size(empty)).toBe(0);
  });

  it('keeps on disk exactly the bytes written (no transfer framing stored with the object)', async () => {
    const key = newKey();
    const data = randomBytes(2 * PART_BYTES + 777);
    await writeInPieces(store, key, data, { complete: true });
    expect(readFileSync(s.fileOf(key)).equals(data)).toBe(true);
    const single = newKey();
    const upload = await store.createUpload(single);
    await upload.write(data.subarray(0, 1000));
    await upload.complete();
    expect(readFileSync(s.fileOf(single)).equals(data.subarray(0, 1000))).toBe(true);
  });

  it('shows an object only once it is complete, and lists complete objects under a prefix', async () => {
    const prefix = `org_list/rec_${randomBytes(4).toString('hex')}/`;
    const done = `${prefix}a.pblb`;
    await writeInPieces(store, done, randomBytes(1000), { complete: true });
    const pending = (await writeInPieces(store, `${prefix}b.pblb`, randomBytes(PART_BYTES + 10), { complete: false })) as Awaited<
      ReturnType<BlobStore['createUpload']>
    >;
    expect(await store.size(`${prefix}b.pblb`)).toBeNull();
    expect(await store.list(prefix)).toEqual([done]);
    expect(await store.list('org_list/rec_nothing-here/')).toEqual([]);
    await pending.abort();
    expect(await store.list(prefix)).toEqual([done]);
  });

  it('deletes idempotently, also a key that never existed, and an unfinished upload of the key', async () => {
    const key = newKey();
    await writeInPieces(store, key, randomBytes(3000), { complete: true });
    await store.delete(key);
    expect(await store.size(key)).toBeNull();
    await store.delete(key);
    await store.delete(newKey());
    const unfinished = newKey();
    const upload = (await writeInPieces(store, unfinished, randomBytes(2 * PART_BYTES), { complete: false })) as Awaited<
      ReturnType<BlobStore['createUpload']>
    >;
    await store.delete(unfinished);
    await expect(upload.complete()).rejects.toThrow();
    expect(await store.recover(unfinished)).toBeNull();
  });

  it('recovers an interrupted upload after a restart, with the bytes that were durable', async () => {
    const key = newKey();
    const data = randomBytes(3 * PART_BYTES + 5000);
    // Not completed and not aborted: the process "dies" here (close() leaves unfinished uploads as a crash does).
    const dead = s.open();
    await writeInPieces(dead, key, data, { complete: false });
    await dead.close();
    const restarted = s.open();
    try {
      expect(await restarted.size(key)).toBeNull();
      const size = await restarted.recover(key);
      // Local writes are durable as they go; S3 keeps the whole parts that went up (the buffered rest is lost).
      const durable = s.name === 'local' ? data.length : 3 * PART_BYTES;
      expect(size).toBe(durable);
      expect(await restarted.size(key)).toBe(durable);
      expect((await restarted.read(key, 0, durable - 1)).equals(data.subarray(0, durable))).toBe(true);
      expect(await restarted.recover(key)).toBe(durable); // idempotent
      expect(await restarted.list(key.slice(0, key.lastIndexOf('/') + 1))).toEqual([key]);
    } finally {
      await restarted.close();
    }
  });

  it('recovers nothing when nothing was durable', async () => {
    expect(await store.recover(newKey())).toBeNull();
    if (s.name === 's3') {
      // Less than a part, still in the dead process's memory.
      const key = newKey();
      const dead = s.open();
      await writeInPieces(dead, key, randomBytes(PART_BYTES - 1), { complete: false });
      await dead.close();
      const restarted = s.open();
      expect(await restarted.recover(key)).toBeNull();
      await restarted.close();
    }
  });

  it('refuses keys outside [a-z0-9_/.-], with "..", a leading "/", or over 300 characters', async () => {
    for (const bad of ['', '/abs', '../escape', 'a/../b', 'a//b', 'a/', 'Upper', 'sp ace', 'x'.repeat(301), 'a/./b', 'ü']) {
      await expect(store.createUpload(bad), bad).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.size(bad), bad).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.delete(bad), bad).rejects.toBeInstanceOf(BlobKeyError);
    }
    await expect(store.size('a-b_c.d/e0'.padEnd(300, 'z'))).resolves.toBeNull();
  });

  it('answers a read of a missing key with BlobNotFoundError, and a range past the end with a RangeError', async () => {
    const missing = newKey();
    await expect(store.read(missing, 0, 10)).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.read(missing, 0, 10)).rejects.toThrow(missing);
    const key = newKey();
    await writeInPieces(store, key, randomBytes(100), { complete: true });
    await expect(store.read(key, 50, 100)).rejects.toBeInstanceOf(RangeError);
    await expect(store.read(key, 200, 300)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('local blob store', () => {
  it('creates files 0600 and directories 0700', async () => {
    const store = new LocalBlobStore(path.join(root, 'modes'));
    const key = 'org_m/rec_m/trk_m.pblb';
    const upload = await store.createUpload(key);
    await upload.write(Buffer.from('x'));
    await upload.complete();
    expect(statSync(path.join(root, 'modes', key)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(root, 'modes', 'org_m', 'rec_m')).mode & 0o777).toBe(0o700);
    expect(store.location).toEqual({ kind: 'local', region: null, eea: true, description: 'local directory' });
    await expect(store.createUpload('a/b.part')).rejects.toBeInstanceOf(BlobKeyError);
  });
});

describe('S3 blob store location', () => {
  it('counts only EEA regions as EEA (not London, not Zurich), unless overridden', () => {
    for (const r of ['eu-central-1', 'eu-west-1', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2']) expect(isEeaRegion(r)).toBe(true);
    for (const r of ['eu-west-2', 'eu-central-2', 'us-east-1', 'fsn1', '']) expect(isEeaRegion(r)).toBe(false);
    const opts = { region: 'fsn1', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's', endpoint: 'https://fsn1.your-objectstorage.com' };
    expect(new S3BlobStore(opts).location.eea).toBe(false);
    expect(new S3BlobStore({ ...opts, eeaOverride: true }).location).toMatchObject({ kind: 's3', region: 'fsn1', eea: true });
    expect(new S3BlobStore({ ...opts, region: 'eu-west-2' }).location.eea).toBe(false);
  });

  it('refuses parts under 5 MiB unless small parts are allowed', () => {
    const opts = { region: 'eu-central-1', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's' };
    expect(() => new S3BlobStore({ ...opts, partBytes: 1024 * 1024 })).toThrow(RangeError);
    expect(() => new S3BlobStore({ ...opts, partBytes: 1024 * 1024, allowSmallParts: true })).not.toThrow();
  });
});
