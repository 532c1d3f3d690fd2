import { mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** s3rver ships no types; the part of its API the tests use. */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverClass;

/**
 * s3rver's filesystem store answers a PutObject before its file is fully written (it resolves when the request body
 * has been read, not when the write stream has finished), so a GetObject right after can read a short file — a flake
 * seen under load, in s3rver, not in the S3 protocol. Its putObject is wrapped to answer only once the file on disk
 * has the object's size. Patched once per process, before any server starts.
 */
interface FilesystemStoreProto {
  putObject(object: { bucket: string; key: string }): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string, resource: string): string;
}
const storeProto = (require('s3rver/lib/stores/filesystem') as { prototype: FilesystemStoreProto }).prototype;
const PATCHED = Symbol.for('parley.s3rver.putObjectWaits');
if (!(storeProto as unknown as Record<symbol, boolean>)[PATCHED]) {
  const original = storeProto.putObject;
  storeProto.putObject = async function putObjectWhenWritten(this: FilesystemStoreProto, object) {
    const result = await original.call(this, object);
    const file = this.getResourcePath(object.bucket, object.key, 'object');
    for (let i = 0; i < 200; i++) {
      if ((await stat(file).catch(() => null))?.size === result.size) return result;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`s3rver did not finish writing ${object.key}`);
  };
  (storeProto as unknown as Record<symbol, boolean>)[PATCHED] = true;
}

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** Where s3rver keeps its objects (one file per object, `<bucket>/<key>._S3rver_object`). */
  readonly directory: string;
  close(): Promise<void>;
}

/** A real S3-speaking server (s3rver) on 127.0.0.1 and a free port, keeping its objects in a temporary directory. */
export async function startTestS3(bucket = 'parley-test'): Promise<TestS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'parley-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
