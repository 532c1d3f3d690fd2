import type { Config } from '../config/load.ts';
import type { BlobStore } from './blob-store.ts';
import { LocalBlobStore } from './local/local-blob-store.ts';
import { S3BlobStore } from './s3/s3-blob-store.ts';

/** The blob store the configuration names (PARLEY_BLOB_STORE). */
export function openBlobStore(config: Pick<Config, 'blobs' | 'blobDir'>): BlobStore {
  const blobs = config.blobs;
  if (blobs.kind === 'local') return new LocalBlobStore(config.blobDir);
  return new S3BlobStore({
    ...(blobs.endpoint !== undefined ? { endpoint: blobs.endpoint } : {}),
    region: blobs.region,
    bucket: blobs.bucket,
    accessKeyId: blobs.accessKeyId,
    secretAccessKey: blobs.secretAccessKey,
    forcePathStyle: true,
    ...(blobs.regionInEea !== undefined ? { eeaOverride: blobs.regionInEea } : {}),
  });
}
