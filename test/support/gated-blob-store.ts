import type { BlobStore, BlobUpload } from '../../src/storage/blob-store.ts';

/** A hold on some of a store's reads: `reached` resolves once one is waiting; `release` lets them all go on. */
export interface ReadHold {
  readonly reached: Promise<void>;
  release(): void;
}

/**
 * A real blob store whose reads can be held at will, so a test can stop work that reads blobs (a track being
 * finalised) at a known point and see what other work does meanwhile: ordering bugs are then reproduced by
 * construction, not by a slow machine.
 */
export class GatedBlobStore implements BlobStore {
  #holds: { matches: (key: string) => boolean; gate: Promise<void>; reach: () => void }[] = [];

  constructor(private readonly inner: BlobStore) {}

  get location() {
    return this.inner.location;
  }

  holdReads(matches: (key: string) => boolean): ReadHold {
    let reach!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => (reach = r));
    const gate = new Promise<void>((r) => (release = r));
    const hold = { matches, gate, reach };
    this.#holds.push(hold);
    return {
      reached,
      release: () => {
        this.#holds = this.#holds.filter((h) => h !== hold);
        release();
      },
    };
  }

  async read(key: string, start: number, endInclusive: number): Promise<Buffer> {
    for (const hold of this.#holds.filter((h) => h.matches(key))) {
      hold.reach();
      await hold.gate;
    }
    return this.inner.read(key, start, endInclusive);
  }

  createUpload(key: string): Promise<BlobUpload> {
    return this.inner.createUpload(key);
  }
  size(key: string): Promise<number | null> {
    return this.inner.size(key);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  recover(key: string): Promise<number | null> {
    return this.inner.recover(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
