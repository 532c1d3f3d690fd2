/**
 * A streaming scan of the WebM files the recorder writes (werift's layout: an EBML header, a Segment of unknown
 * size holding Info, Tracks, Clusters of unknown size with a Timecode and SimpleBlocks, and Cues when stopped
 * cleanly). Finalising a track needs three facts the writer could not know in advance or lost in a crash: where
 * the last complete element ends (a crash can cut a block in half), the time of the last block (the duration),
 * and where the Duration and Segment-size fields sit in the header, to patch them. Written here because no
 * maintained npm library parses Matroska incrementally without buffering the file; this reads only element
 * headers and the first bytes of each block.
 */

const ID = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  info: 0x1549a966,
  duration: 0x4489,
  timecodeScale: 0x2ad7b1,
  cluster: 0x1f43b675,
  timecode: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
} as const;

export interface WebmScanResult {
  /** Bytes from the start up to the end of the last complete element: what a finalised file keeps. */
  readonly validEnd: number;
  /** Offset and length of the Segment's size field (to write the real size), or null if not seen. */
  readonly segmentSize: { readonly offset: number; readonly length: number; readonly dataStart: number } | null;
  /** Clusters written with an unknown size (as a live writer does): where their size field is, and their extent. */
  readonly clusters: readonly { readonly sizeOffset: number; readonly sizeLength: number; readonly dataStart: number; readonly end: number }[];
  /** Offset and length of the Duration float in Info, or null if none. */
  readonly duration: { readonly offset: number; readonly length: number } | null;
  /** Time of the last complete block, in ms (TimecodeScale applied). */
  readonly lastBlockMs: number;
  readonly blocks: number;
  readonly timecodeScaleNs: number;
}

type Context = { kind: 'top' } | { kind: 'segment' } | { kind: 'info'; end: number } | { kind: 'cluster'; end: number | null };

const UNKNOWN = -1;

function readVint(buf: Buffer, at: number, keepMarker: boolean): { value: number; length: number } | null {
  if (at >= buf.length) return null;
  const first = buf[at]!;
  if (first === 0) throw new WebmScanError('an element header is malformed');
  const length = Math.clz32(first) - 23;
  if (at + length > buf.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i++) {
    const b = buf[at + i]!;
    value = value * 256 + b;
    if (b !== 0xff) allOnes = false;
  }
  if (!keepMarker && allOnes) return { value: UNKNOWN, length };
  return { value, length };
}

export class WebmScanError extends Error {
  constructor(message: string) {
    super(`not a readable WebM recording: ${message}`);
    this.name = 'WebmScanError';
  }
}

export class WebmScanner {
  #pending: Buffer = Buffer.alloc(0);
  /** Absolute offset of #pending[0]. */
  #offset = 0;
  /** Body bytes still to skip of the element being passed over, and where it ends. */
  #skip = 0;
  #skipEnd = 0;
  readonly #stack: Context[] = [{ kind: 'top' }];
  #validEnd = 0;
  #segmentSize: WebmScanResult['segmentSize'] = null;
  #duration: WebmScanResult['duration'] = null;
  #timecodeScale = 1_000_000;
  #clusterTimecode = 0;
  #lastBlock = 0;
  #blocks = 0;
  /** Time of the block being skipped over, counted once its whole body has been seen. */
  #pendingBlock: number | null = null;
  #blockEnd = -1;
  readonly #clusters: { sizeOffset: number; sizeLength: number; dataStart: number; end: number | null }[] = [];

  push(piece: Buffer): void {
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, piece]) : piece;
    let at = 0;
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - at);
        this.#skip -= n;
        at += n;
        if (this.#skip > 0) break;
        if (this.#skipEnd === this.#blockEnd) this.#completeBlock();
        this.#complete(this.#skipEnd);
        continue;
      }
      const consumed = this.#step(buf, at);
      if (consumed === 0) break;
      at += consumed;
    }
    this.#offset += at;
    buf = buf.subarray(at);
    this.#pending = Buffer.from(buf);
  }

  result(): WebmScanResult {
    const validEnd = this.#validEnd;
    return {
      validEnd,
      segmentSize: this.#segmentSize,
      clusters: this.#clusters
        .filter((c) => c.dataStart <= validEnd)
        .map((c) => ({ sizeOffset: c.sizeOffset, sizeLength: c.sizeLength, dataStart: c.dataStart, end: Math.min(c.end ?? validEnd, validEnd) })),
      duration: this.#duration,
      lastBlockMs: (this.#lastBlock * this.#timecodeScale) / 1_000_000,
      blocks: this.#blocks,
      timecodeScaleNs: this.#timecodeScale,
    };
  }

  #top(): Context {
    return this.#stack[this.#stack.length - 1]!;
  }

  /** An element (or a container's known end) is complete at `end`: the file is valid up to there. */
  #complete(end: number): void {
    this.#validEnd = Math.max(this.#validEnd, end);
    for (;;) {
      const ctx = this.#top();
      if ((ctx.kind === 'info' || ctx.kind === 'cluster') && ctx.end !== null && end >= ctx.end) {
        this.#stack.pop();
        continue;
      }
      break;
    }
  }

  /** Reads one element header at `at`; returns bytes consumed, 0 when more input is needed. */
  #step(buf: Buffer, at: number): number {
    const id = readVint(buf, at, true);
    if (!id) return 0;
    const size = readVint(buf, at + id.length, false);
    if (!size) return 0;
    const header = id.length + size.length;
    const start = this.#offset + at;
    const dataStart = start + header;
    const ctx = this.#top();

    // A new Cluster (or any Segment-level element) ends an unknown-size Cluster.
    if (ctx.kind === 'cluster' && ctx.end === null && (id.value === ID.cluster || id.value > 0xffffff)) {
      this.#stack.pop();
      const open = this.#clusters.at(-1);
      if (open && open.end === null) open.end = start;
      return this.#step(buf, at);
    }

    if (ctx.kind === 'top' && id.value === ID.segment) {
      this.#segmentSize = { offset: start + id.length, length: size.length, dataStart };
      this.#stack.push({ kind: 'segment' });
      this.#validEnd = Math.max(this.#validEnd, dataStart);
      return header;
    }
    if (ctx.kind === 'segment' && id.value === ID.info && size.value !== UNKNOWN) {
      this.#stack.push({ kind: 'info', end: dataStart + size.value });
      return header;
    }
    if (ctx.kind === 'segment' && id.value === ID.cluster) {
      this.#clusterTimecode = 0;
      this.#stack.push({ kind: 'cluster', end: size.value === UNKNOWN ? null : dataStart + size.value });
      if (size.value === UNKNOWN) this.#clusters.push({ sizeOffset: start + id.length, sizeLength: size.length, dataStart, end: null });
      this.#validEnd = Math.max(this.#validEnd, dataStart);
      return header;
    }
    if (size.value === UNKNOWN) throw new WebmScanError('an element of unknown size where none is expected');

    // Elements whose value is needed: read them whole (they are a few bytes).
    const wantsValue =
      (ctx.kind === 'info' && (id.value === ID.duration || id.value === ID.timecodeScale)) ||
      (ctx.kind === 'cluster' && (id.value === ID.timecode || id.value === ID.simpleBlock || id.value === ID.block));
    if (wantsValue) {
      const need = id.value === ID.simpleBlock || id.value === ID.block ? Math.min(size.value, 4) : size.value;
      if (at + header + need > buf.length) return 0;
      const data = buf.subarray(at + header, at + header + need);
      if (id.value === ID.duration) this.#duration = { offset: dataStart, length: size.value };
      else if (id.value === ID.timecodeScale) this.#timecodeScale = readUint(data);
      else if (id.value === ID.timecode) this.#clusterTimecode = readUint(data);
      else {
        const track = readVint(data, 0, false);
        if (track && data.length >= track.length + 2) {
          const t = this.#clusterTimecode + data.readInt16BE(track.length);
          this.#pendingBlock = t;
        }
      }
    }
    // Skip the body (the whole of it, even if partly read above); completion is recorded when it has been seen.
    this.#skip = size.value;
    this.#skipEnd = dataStart + size.value;
    if (id.value === ID.simpleBlock || id.value === ID.block) this.#blockEnd = this.#skipEnd;
    if (this.#skip === 0) {
      if (this.#skipEnd === this.#blockEnd) this.#completeBlock();
      this.#complete(this.#skipEnd);
    }
    return header;
  }

  #completeBlock(): void {
    if (this.#pendingBlock !== null) {
      this.#lastBlock = Math.max(this.#lastBlock, this.#pendingBlock);
      this.#blocks++;
      this.#pendingBlock = null;
    }
  }

}

function readUint(data: Buffer): number {
  let v = 0;
  for (const b of data) v = v * 256 + b;
  return v;
}

/** EBML float element body of `length` (4 or 8) bytes. */
export function encodeFloat(value: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  if (length === 4) out.writeFloatBE(value);
  else if (length === 8) out.writeDoubleBE(value);
  else throw new WebmScanError(`a Duration of ${length} bytes`);
  return out;
}

/** EBML size field of `length` bytes holding `value`. */
export function encodeSize(value: number, length: number): Buffer {
  if (value >= 2 ** (7 * length) - 1) throw new WebmScanError('the segment is too large for its size field');
  const out = Buffer.alloc(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0]! |= 0x80 >> (length - 1);
  return out;
}
