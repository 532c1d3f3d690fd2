import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  assertBlobKey,
  assertBlobPrefix,
  assertRange,
  BlobKeyError,
  BlobNotFoundError,
  type BlobLocation,
  type BlobStore,
  type BlobUpload,
} from '../blob-store.ts';

const PART_SUFFIX = '.part';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Blobs as files under one directory: `<dir>/<key>` when complete, `<dir>/<key>.part` while being written.
 * Files are 0600 and directories 0700: only Parley's user reads them (the content is ciphertext anyway).
 *
 * A write resolves once the bytes are in the file (the kernel's page cache): they survive a crash of Parley,
 * not a power cut; `complete()` fsyncs the file and its directory. The location reports `eea: true` because
 * the data stays on the operator's own machine: the operator must host that machine in the EEA (or document a
 * transfer safeguard), as they must for the database.
 *
 * Keys ending in `.part` are refused (they would collide with the files of unfinished uploads), and a key cannot
 * also be a "directory" of other keys (`a` and `a/b`), as on any file system.
 */
export class LocalBlobStore implements BlobStore {
  readonly location: BlobLocation = {
    kind: 'local',
    region: null,
    eea: true,
    description: 'local directory',
  };
  readonly #dir: string;
  readonly #uploads = new Map<string, LocalUpload>();

  constructor(dir: string) {
    this.#dir = path.resolve(dir);
  }

  #pathOf(key: string): string {
    assertBlobKey(key);
    if (key.endsWith(PART_SUFFIX)) throw new BlobKeyError(`blob key must not end with "${PART_SUFFIX}"`);
    return path.join(this.#dir, ...key.split('/'));
  }

  async createUpload(key: string): Promise<BlobUpload> {
    const file = this.#pathOf(key);
    await this.#uploads.get(key)?.abort();
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // 'w' truncates: a new upload of a key replaces whatever an earlier, abandoned one left.
    const handle = await fs.open(file + PART_SUFFIX, 'w', 0o600);
    const upload = new LocalUpload(handle, file, () => this.#uploads.delete(key));
    this.#uploads.set(key, upload);
    return upload;
  }

  async size(key: string): Promise<number | null> {
    try {
      const stat = await fs.stat(this.#pathOf(key));
      return stat.isFile() ? stat.size : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async read(key: string, start: number, endInclusive: number): Promise<Buffer> {
    const file = this.#pathOf(key);
    assertRange(start, endInclusive);
    let handle: FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      if (isMissing(err)) throw new BlobNotFoundError(key);
      throw err;
    }
    try {
      const length = endInclusive - start + 1;
      const buffer = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled < length) {
        throw new RangeError(`range ${start}-${endInclusive} is beyond the end of blob ${key} (${start + filled} bytes)`);
      }
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.#pathOf(key);
    await this.#uploads.get(key)?.abort();
    await Promise.all([unlinkIfThere(file), unlinkIfThere(file + PART_SUFFIX)]);
  }

  /**
   * Renames an interrupted upload's `.part` to the final name: everything written before the crash is there
   * (writes go straight to the file). A trailing partial chunk is the caller's to handle (blob-format.ts reads
   * past it). An empty `.part` is removed and counts as nothing left.
   */
  async recover(key: string): Promise<number | null> {
    const file = this.#pathOf(key);
    const part = file + PART_SUFFIX;
    let partSize: number;
    try {
      partSize = (await fs.stat(part)).size;
    } catch (err) {
      if (!isMissing(err)) throw err;
      return this.size(key);
    }
    if (partSize === 0) {
      await unlinkIfThere(part);
      return this.size(key);
    }
    const handle = await fs.open(part, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(part, file);
    await syncDir(path.dirname(file));
    return partSize;
  }

  async list(prefix: string): Promise<string[]> {
    assertBlobPrefix(prefix);
    // Walk only the deepest directory the prefix names.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    const walk = async (relative: string) => {
      let entries;
      try {
        entries = await fs.readdir(path.join(this.#dir, ...relative.split('/').filter(Boolean)), { withFileTypes: true });
      } catch (err) {
        if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw err;
      }
      for (const entry of entries) {
        const key = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(key);
        else if (entry.isFile() && !entry.name.endsWith(PART_SUFFIX) && key.startsWith(prefix)) keys.push(key);
      }
    };
    await walk(base);
    return keys.sort();
  }

  async close(): Promise<void> {
    // Uploads left open are left as `.part` files for recover(), as a crash would leave them.
    await Promise.all([...this.#uploads.values()].map((u) => u.release()));
    this.#uploads.clear();
  }
}

class LocalUpload implements BlobUpload {
  #position = 0;
  #state: 'open' | 'completed' | 'aborted' | 'released' = 'open';
  /** Writes run one after another, in call order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
    private readonly forget: () => void,
  ) {}

  write(bytes: Buffer): Promise<void> {
    const run = this.#queue.then(async () => {
      this.#assertOpen();
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, this.#position);
        written += bytesWritten;
        this.#position += bytesWritten;
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async complete(): Promise<number> {
    await this.#queue;
    this.#assertOpen();
    this.#state = 'completed';
    this.forget();
    await this.handle.sync();
    await this.handle.close();
    await fs.rename(this.file + PART_SUFFIX, this.file);
    await syncDir(path.dirname(this.file));
    return this.#position;
  }

  async abort(): Promise<void> {
    await this.#queue;
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    this.forget();
    await this.handle.close();
    await unlinkIfThere(this.file + PART_SUFFIX);
  }

  /** Closes the file without deciding its fate (store closing). */
  async release(): Promise<void> {
    await this.#queue;
    if (this.#state !== 'open') return;
    this.#state = 'released';
    await this.handle.close();
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new Error(`upload of ${path.basename(this.file)} is ${this.#state}`);
  }
}

async function unlinkIfThere(file: string): Promise<void> {
  try {
    await fs.unlink(file);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
}

/** Makes a rename durable: fsync the directory holding the entry. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
