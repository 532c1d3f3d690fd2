import { decryptRange } from '../storage/blob-format.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { TrackWriter } from './track-writer.ts';
import { encodeFloat, encodeSize, WebmScanner, type WebmScanResult } from './webm-scan.ts';

export interface FinalisedBlob {
  readonly ciphertextBytes: number;
  readonly plaintextBytes: number;
  readonly durationMs: number;
  readonly blocks: number;
}

export interface FinaliseInput {
  readonly store: BlobStore;
  readonly from: { readonly key: string; readonly dataKey: Buffer; readonly ciphertextBytes: number };
  readonly to: { readonly key: string; readonly dataKey: Buffer; readonly keyId: string };
  /** False for what a crash left: decrypt up to the last whole chunk, cut at the last whole WebM block. */
  readonly requireFinal: boolean;
  /**
   * What the plaintext is: the server's own WebM (`webm`, default), or the framed chunks an agent's browser uploaded
   * for an E2EE call (`e2ee-frames`, opaque to the server: only cut at the last whole frame, nothing patched).
   */
  readonly content?: 'webm' | 'e2ee-frames';
}

/**
 * Turns a track's blob as written during the call into its final form: the same WebM with its real duration and
 * segment size (the writer could not know them when it wrote the header, which is already encrypted), cut at the
 * last complete block, encrypted again under a new data key into a new object. Plaintext stays in memory, one
 * chunk at a time (G44); the caller swaps the rows and destroys the old object and key. Returns null when the
 * blob holds no media at all.
 */
export async function finaliseBlob(input: FinaliseInput): Promise<FinalisedBlob | null> {
  const { store, from } = input;
  const read = (start: number, end: number) => store.read(from.key, start, end);

  const e2ee = input.content === 'e2ee-frames';
  const scanner = e2ee ? new FrameScanner() : new WebmScanner();
  for await (const piece of decryptRange(read, from.ciphertextBytes, from.dataKey, { requireFinal: input.requireFinal })) scanner.push(piece);
  const scan = scanner.result();
  if (scan.blocks === 0 || scan.validEnd === 0) return null;

  const patches = scanner instanceof WebmScanner ? patchesFor(scan as WebmScanResult) : [];
  const upload = await store.createUpload(input.to.key);
  // A failed write is kept by the writer and thrown by finish().
  const writer = new TrackWriter(upload, input.to.dataKey, input.to.keyId, () => {});
  let offset = 0;
  try {
    for await (const piece of decryptRange(read, from.ciphertextBytes, from.dataKey, {
      requireFinal: input.requireFinal,
      start: 0,
      end: scan.validEnd - 1,
    })) {
      writer.write(applyPatches(piece, offset, patches));
      offset += piece.length;
    }
    const sizes = await writer.finish();
    return { ...sizes, durationMs: Math.round(scan.lastBlockMs), blocks: scan.blocks };
  } catch (err) {
    await upload.abort().catch(() => {});
    throw err;
  }
}

/**
 * Finds where the last whole frame of an E2EE track ends (frames: 4-byte length, 1 flag byte, ciphertext; see
 * web/customer/call/e2ee/recording-crypto.ts). A crash can cut the last one short; what comes before is kept. The
 * server cannot tell the media's duration from ciphertext: `lastBlockMs` stays 0 and the caller uses wall time.
 */
class FrameScanner {
  /** Absolute offset of the start of the next piece. */
  #offset = 0;
  #validEnd = 0;
  #frames = 0;
  #header: number[] = [];
  /** Ciphertext bytes of the current frame still to come. */
  #remaining = 0;

  push(piece: Buffer): void {
    let at = 0;
    while (at < piece.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, piece.length - at);
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0) this.#frameDone(this.#offset + at);
        continue;
      }
      this.#header.push(piece[at]!);
      at++;
      if (this.#header.length === 5) {
        this.#remaining = Buffer.from(this.#header).readUInt32BE(0);
        this.#header = [];
        if (this.#remaining === 0) this.#frameDone(this.#offset + at);
      }
    }
    this.#offset += piece.length;
  }

  #frameDone(end: number): void {
    this.#frames++;
    this.#validEnd = end;
  }

  result(): { validEnd: number; blocks: number; lastBlockMs: number } {
    return { validEnd: this.#validEnd, blocks: this.#frames, lastBlockMs: 0 };
  }
}

interface Patch {
  readonly offset: number;
  readonly bytes: Buffer;
}

function patchesFor(scan: WebmScanResult): Patch[] {
  const patches: Patch[] = [];
  if (scan.duration) {
    const units = (scan.lastBlockMs * 1_000_000) / scan.timecodeScaleNs;
    patches.push({ offset: scan.duration.offset, bytes: encodeFloat(Math.max(units, 1), scan.duration.length) });
  }
  // Clusters and the segment get their real sizes: a file with sized elements is what players and tools expect
  // of a finished recording (an unknown size inside a sized parent is an error to ffmpeg).
  for (const c of scan.clusters) patches.push({ offset: c.sizeOffset, bytes: encodeSize(c.end - c.dataStart, c.sizeLength) });
  if (scan.segmentSize) {
    patches.push({ offset: scan.segmentSize.offset, bytes: encodeSize(scan.validEnd - scan.segmentSize.dataStart, scan.segmentSize.length) });
  }
  return patches;
}

function applyPatches(piece: Buffer, offset: number, patches: readonly Patch[]): Buffer {
  let out = piece;
  for (const p of patches) {
    const start = Math.max(p.offset, offset);
    const end = Math.min(p.offset + p.bytes.length, offset + piece.length);
    if (start >= end) continue;
    if (out === piece) out = Buffer.from(piece);
    p.bytes.copy(out, start - offset, start - p.offset, end - p.offset);
  }
  return out;
}
