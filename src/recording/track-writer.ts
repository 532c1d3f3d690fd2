import { ChunkEncryptor } from '../storage/blob-format.ts';
import type { BlobUpload } from '../storage/blob-store.ts';

/**
 * Encrypts a byte stream as it arrives and appends the ciphertext to a blob upload: plaintext exists only in
 * memory, at most one chunk of it (G44). Writes are applied in order, one at a time; the first failure is kept
 * and reported once (the capture is then flagged as failed) and later bytes are dropped.
 */
export class TrackWriter {
  readonly #encryptor: ChunkEncryptor;
  #chain: Promise<void> = Promise.resolve();
  #failed: unknown = null;
  #finished = false;
  ciphertextBytes = 0;

  constructor(
    private readonly upload: BlobUpload,
    dataKey: Buffer,
    keyId: string,
    private readonly onFailure: (err: unknown) => void,
    chunkSize?: number,
  ) {
    this.#encryptor = new ChunkEncryptor(dataKey, keyId, chunkSize !== undefined ? { chunkSize } : undefined);
  }

  get failed(): boolean {
    return this.#failed !== null;
  }

  write(plaintext: Buffer): void {
    if (this.#finished || this.#failed !== null) return;
    const ciphertext = this.#encryptor.push(plaintext);
    if (ciphertext.length > 0) this.#append(ciphertext);
  }

  #append(ciphertext: Buffer): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#failed !== null) return;
      try {
        await this.upload.write(ciphertext);
        this.ciphertextBytes += ciphertext.length;
      } catch (err) {
        this.#failed = err;
        this.onFailure(err);
      }
    });
  }

  /** Writes the last chunk and completes the object; returns its sizes. Throws if any write failed. */
  async finish(): Promise<{ ciphertextBytes: number; plaintextBytes: number }> {
    if (!this.#finished) {
      this.#finished = true;
      if (this.#failed === null) this.#append(this.#encryptor.finish());
    }
    await this.#chain;
    if (this.#failed !== null) throw this.#failed;
    const size = await this.upload.complete();
    return { ciphertextBytes: size, plaintextBytes: this.#encryptor.plaintextBytes };
  }

  /** Discards the upload (a capture that never started). */
  async abort(): Promise<void> {
    this.#finished = true;
    await this.#chain;
    await this.upload.abort();
  }
}
