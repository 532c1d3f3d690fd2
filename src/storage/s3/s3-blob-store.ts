import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import {
  assertBlobKey,
  assertBlobPrefix,
  assertRange,
  BlobNotFoundError,
  type BlobLocation,
  type BlobStore,
  type BlobUpload,
} from '../blob-store.ts';

/** S3's minimum size for every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/**
 * AWS regions whose data centres are in the EEA. Not eu-west-2 (London) nor eu-central-2 (Zurich): the UK and
 * Switzerland have adequacy decisions but are not in the EEA, and Parley reports what it knows, not what is
 * probably fine. Other providers name regions differently: set `eeaOverride` for them.
 */
const EEA_REGIONS: ReadonlySet<string> = new Set(['eu-central-1', 'eu-west-1', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2']);

export function isEeaRegion(region: string): boolean {
  return EEA_REGIONS.has(region.trim().toLowerCase());
}

export interface S3BlobStoreOptions {
  /** Endpoint URL for S3-compatible services (MinIO, Hetzner, OVH, s3rver); omitted for AWS. */
  readonly endpoint?: string;
  /** Region name, e.g. `eu-central-1`. Decides `location.eea` unless `eeaOverride` is set. */
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`). Default true: what S3-compatible servers expect; AWS accepts it too. */
  readonly forcePathStyle?: boolean;
  /** Whether the provider keeps the data in the EEA, for providers whose region names are not AWS's. */
  readonly eeaOverride?: boolean;
  /**
   * Bytes buffered in memory before a part is uploaded: what a crash can lose at most. Default and minimum 5 MiB
   * (S3's minimum part size); smaller values are refused unless `allowSmallParts` is set.
   */
  readonly partBytes?: number;
  /** Tests only: allow `partBytes` under 5 MiB (s3rver does not enforce the minimum; real S3 rejects the upload). */
  readonly allowSmallParts?: boolean;
}

/**
 * Where an unfinished upload's id and uploaded parts are recorded, beside the data. Keys are lowercase, so no
 * object key can ever collide with a journal key.
 */
const JOURNAL_PREFIX = 'UPLOADS/';
const journalKey = (key: string) => `${JOURNAL_PREFIX}${key}.json`;

const journalSchema = z.object({
  version: z.literal(1),
  uploadId: z.string().min(1),
  parts: z.array(z.object({ partNumber: z.number().int().positive(), etag: z.string(), bytes: z.number().int().nonnegative() })),
});
type Journal = z.infer<typeof journalSchema>;

const errorName = (err: unknown) => (err as { name?: string }).name;
const httpStatus = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isNotFound = (err: unknown) => ['NoSuchKey', 'NotFound'].includes(errorName(err) ?? '') || httpStatus(err) === 404;

/**
 * Blobs in an S3 bucket. An upload is a multipart upload: writes are buffered and a part goes up each time
 * `partBytes` have been buffered, so at most that much is lost to a crash. A small object that never filled a
 * part is one PutObject on `complete()`.
 *
 * Crash recovery. Every multipart upload keeps a small journal object (`UPLOADS/<key>.json`: upload id and the
 * parts uploaded so far), rewritten after each part. `recover(key)` completes the upload from the journal.
 * Why a journal rather than ListMultipartUploads + ListParts: S3-compatible servers implement those unevenly
 * (s3rver, which the tests run against, answers NotImplemented), while a journal needs only GetObject and
 * PutObject. Bytes still buffered in the dead process, and a part uploaded just before the crash but not yet
 * journaled, are lost; the blob format reads up to the last whole chunk that did arrive.
 *
 * Buckets should have a lifecycle rule aborting incomplete multipart uploads after a few days, for uploads that
 * crashed between CreateMultipartUpload and their first journal write (and for servers where AbortMultipartUpload
 * is not implemented, which delete() tolerates).
 *
 * The client is built with `requestChecksumCalculation` and `responseChecksumValidation` set to `WHEN_REQUIRED`:
 * with the SDK's defaults, bodies go out aws-chunked with trailing checksums, which some S3-compatible servers
 * (s3rver among them) store verbatim as the object: silent corruption. Real S3 accepts these settings.
 */
export class S3BlobStore implements BlobStore {
  readonly location: BlobLocation;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #partBytes: number;
  readonly #uploads = new Map<string, S3Upload>();

  constructor(options: S3BlobStoreOptions) {
    const partBytes = options.partBytes ?? MIN_PART_BYTES;
    if (!Number.isInteger(partBytes) || partBytes < 1 || (partBytes < MIN_PART_BYTES && !options.allowSmallParts)) {
      throw new RangeError(`S3 part size must be at least ${MIN_PART_BYTES} bytes (5 MiB)`);
    }
    this.#partBytes = partBytes;
    this.#bucket = options.bucket;
    this.#client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? true,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const where = options.endpoint ? ` at ${new URL(options.endpoint).host}` : '';
    this.location = {
      kind: 's3',
      region: options.region,
      eea: options.eeaOverride ?? isEeaRegion(options.region),
      description: `S3 bucket ${options.bucket} in ${options.region}${where}`,
    };
  }

  async createUpload(key: string): Promise<BlobUpload> {
    assertBlobKey(key);
    await this.#uploads.get(key)?.abort();
    const upload = new S3Upload(this, key, this.#partBytes, () => this.#uploads.delete(key));
    this.#uploads.set(key, upload);
    return upload;
  }

  async size(key: string): Promise<number | null> {
    assertBlobKey(key);
    return this.headSize(key);
  }

  async read(key: string, start: number, endInclusive: number): Promise<Buffer> {
    assertBlobKey(key);
    assertRange(start, endInclusive);
    let body: Uint8Array;
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: `bytes=${start}-${endInclusive}` }));
      if (!res.Body) throw new Error(`GetObject of ${key} returned no body`);
      body = await res.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      if (errorName(err) === 'InvalidRange' || httpStatus(err) === 416) {
        throw new RangeError(`range ${start}-${endInclusive} is beyond the end of blob ${key}`);
      }
      throw err;
    }
    const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (buffer.length !== endInclusive - start + 1) {
      throw new RangeError(`range ${start}-${endInclusive} is beyond the end of blob ${key} (got ${buffer.length} bytes)`);
    }
    return buffer;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.#uploads.get(key)?.abort();
    const journal = await this.readJournal(key);
    if (journal) {
      await this.abortMultipart(key, journal.uploadId);
      await this.deleteJournal(key);
    }
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  async recover(key: string): Promise<number | null> {
    assertBlobKey(key);
    const journal = await this.readJournal(key);
    if (!journal) return this.headSize(key);
    if (journal.parts.length === 0) {
      await this.abortMultipart(key, journal.uploadId);
      await this.deleteJournal(key);
      return this.headSize(key);
    }
    const expected = journal.parts.reduce((n, p) => n + p.bytes, 0);
    try {
      await this.completeMultipart(key, journal.uploadId, journal.parts);
    } catch (err) {
      // An earlier recover() may have completed it and died before removing the journal: the object is there.
      if ((await this.headSize(key)) !== expected) throw err;
    }
    await this.deleteJournal(key);
    return this.headSize(key);
  }

  async list(prefix: string): Promise<string[]> {
    assertBlobPrefix(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of res.Contents ?? []) if (o.Key && !o.Key.startsWith(JOURNAL_PREFIX)) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async close(): Promise<void> {
    // Unfinished uploads stay as they are (journaled), for recover(), as a crash would leave them.
    this.#uploads.clear();
    this.#client.destroy();
  }

  // ---- used by S3Upload ----

  async headSize(key: string): Promise<number | null> {
    try {
      const res = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return res.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async putObject(key: string, body: Buffer): Promise<void> {
    await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentLength: body.length }));
  }

  async startMultipart(key: string): Promise<string> {
    const res = await this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: key }));
    if (!res.UploadId) throw new Error(`CreateMultipartUpload of ${key} returned no upload id`);
    return res.UploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const res = await this.#client.send(
      new UploadPartCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
    );
    if (!res.ETag) throw new Error(`UploadPart ${partNumber} of ${key} returned no ETag`);
    return res.ETag;
  }

  async completeMultipart(key: string, uploadId: string, parts: Journal['parts']): Promise<void> {
    await this.#client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.#bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }

  /** Best effort where the server cannot: an upload already gone, or a server without the call, is fine. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId }));
    } catch (err) {
      const name = errorName(err);
      const status = httpStatus(err);
      if (name === 'NoSuchUpload' || name === 'NotImplemented' || name === 'MethodNotAllowed' || status === 404 || status === 405 || status === 501) return;
      throw err;
    }
  }

  async writeJournal(key: string, journal: Journal): Promise<void> {
    await this.putObject(journalKey(key), Buffer.from(JSON.stringify(journal)));
  }

  async readJournal(key: string): Promise<Journal | null> {
    let text: string;
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: journalKey(key) }));
      text = (await res.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    return journalSchema.parse(JSON.parse(text));
  }

  async deleteJournal(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: journalKey(key) }));
  }
}

class S3Upload implements BlobUpload {
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  #total = 0;
  #uploadId: string | null = null;
  #parts: Journal['parts'] = [];
  #state: 'open' | 'completed' | 'aborted' = 'open';
  /** Writes and part uploads run one after another, in call order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: S3BlobStore,
    private readonly key: string,
    private readonly partBytes: number,
    private readonly forget: () => void,
  ) {}

  write(bytes: Buffer): Promise<void> {
    // Copied: the caller may reuse its buffer before the part goes up.
    const copy = Buffer.from(bytes);
    const run = this.#queue.then(async () => {
      this.#assertOpen();
      this.#buffered.push(copy);
      this.#bufferedBytes += copy.length;
      this.#total += copy.length;
      while (this.#bufferedBytes >= this.partBytes) await this.#uploadPart(this.#take(this.partBytes));
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async complete(): Promise<number> {
    await this.#queue;
    this.#assertOpen();
    this.#state = 'completed';
    this.forget();
    const rest = this.#take(this.#bufferedBytes);
    if (this.#uploadId === null) {
      await this.store.putObject(this.key, rest);
    } else {
      if (rest.length > 0) await this.#uploadPart(rest);
      await this.store.completeMultipart(this.key, this.#uploadId, this.#parts);
      await this.store.deleteJournal(this.key);
    }
    return this.#total;
  }

  async abort(): Promise<void> {
    await this.#queue;
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    this.forget();
    this.#buffered = [];
    this.#bufferedBytes = 0;
    if (this.#uploadId !== null) {
      await this.store.abortMultipart(this.key, this.#uploadId);
      await this.store.deleteJournal(this.key);
    }
  }

  async #uploadPart(body: Buffer): Promise<void> {
    if (this.#uploadId === null) {
      this.#uploadId = await this.store.startMultipart(this.key);
      await this.store.writeJournal(this.key, { version: 1, uploadId: this.#uploadId, parts: [] });
    }
    const partNumber = this.#parts.length + 1;
    const etag = await this.store.uploadPart(this.key, this.#uploadId, partNumber, body);
    this.#parts.push({ partNumber, etag, bytes: body.length });
    await this.store.writeJournal(this.key, { version: 1, uploadId: this.#uploadId, parts: this.#parts });
  }

  #take(n: number): Buffer {
    const all = this.#buffered.length === 1 ? this.#buffered[0]! : Buffer.concat(this.#buffered, this.#bufferedBytes);
    const taken = all.subarray(0, n);
    const left = all.subarray(n);
    this.#buffered = left.length > 0 ? [left] : [];
    this.#bufferedBytes = left.length;
    return taken;
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new Error(`upload of ${this.key} is ${this.#state}`);
  }
}
