/**
 * Where encrypted blobs (recordings) live: a swap point with one folder per implementation (`local/`, `s3/`).
 * Stores see ciphertext only (blob-format.ts); they never hold a key. Objects are written once, as a stream of
 * appends, and read back by byte ranges.
 */

export interface BlobLocation {
  readonly kind: 'local' | 's3';
  readonly region: string | null;
  /** true if the data stays in the EEA */
  readonly eea: boolean;
  readonly description: string;
}

export interface BlobUpload {
  /** Appends bytes; the store decides when they are durable (local: written through to the file; S3: parts of >= 5 MiB uploaded as they fill). */
  write(bytes: Buffer): Promise<void>;
  /** Makes the object complete and readable; returns its size in bytes. */
  complete(): Promise<number>;
  /** Throws away what was written. */
  abort(): Promise<void>;
}

export interface BlobStore {
  readonly location: BlobLocation;
  createUpload(key: string): Promise<BlobUpload>;
  /** Size of a complete object, or null if there is none. */
  size(key: string): Promise<number | null>;
  /**
   * Bytes [start, endInclusive] of a complete object. Throws BlobNotFoundError when there is none, and a
   * RangeError when the range does not lie inside the object.
   */
  read(key: string, start: number, endInclusive: number): Promise<Buffer>;
  /** Idempotent: deleting a missing object is fine. Also aborts an unfinished upload of that key. */
  delete(key: string): Promise<void>;
  /** After a crash: turns what an interrupted upload left durable into a complete object and returns its size (null: nothing was left). Idempotent. */
  recover(key: string): Promise<number | null>;
  /** Keys of complete objects under a prefix (for consistency checks). */
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A key outside the allowed shape: a programming error or an attempt to escape the store's directory. */
export class BlobKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobKeyError';
  }
}

/** The object asked for does not exist (or is not complete yet). */
export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob ${key} does not exist`);
    this.name = 'BlobNotFoundError';
  }
}

const MAX_KEY_LENGTH = 300;
const KEY_PATTERN = /^[a-z0-9_/.-]+$/;

/**
 * Keys: `[a-z0-9_/.-]`, at most 300 characters, no `..`, no leading `/`, no empty or `.` path segment and no
 * trailing `/`. The same rule for every store, so a key that works on disk works on S3 and the other way round.
 */
export function assertBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new BlobKeyError('blob key is empty');
  if (key.length > MAX_KEY_LENGTH) throw new BlobKeyError(`blob key is longer than ${MAX_KEY_LENGTH} characters`);
  if (!KEY_PATTERN.test(key)) throw new BlobKeyError('blob key may hold only a-z, 0-9, "_", "/", "." and "-"');
  if (key.includes('..')) throw new BlobKeyError('blob key must not contain ".."');
  if (key.startsWith('/') || key.endsWith('/')) throw new BlobKeyError('blob key must not start or end with "/"');
  if (key.split('/').some((segment) => segment === '' || segment === '.')) {
    throw new BlobKeyError('blob key must not contain an empty or "." path segment');
  }
}

/** A list prefix: empty, or the start of a valid key (it may end with "/"). */
export function assertBlobPrefix(prefix: string): void {
  if (prefix === '') return;
  assertBlobKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** Checks a read range before it reaches a store. */
export function assertRange(start: number, endInclusive: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(endInclusive) || start < 0 || endInclusive < start) {
    throw new RangeError(`invalid byte range ${start}-${endInclusive}`);
  }
}
