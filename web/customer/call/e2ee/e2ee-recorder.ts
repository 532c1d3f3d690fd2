import * as z from 'zod/mini';
import type { E2eeCaptureStart, E2eeCaptureStop } from '../protocol.ts';
import { MAX_CHUNK_BYTES, openTrackEncrypter, type TrackEncrypter } from './recording-crypto.ts';

/**
 * Recording of end-to-end encrypted calls, in the recording agent's browser (issue 8, item 3). The server cannot see
 * the media, so it tells this browser (`e2ee-capture-start`) whose source to record; the browser records the decrypted
 * tracks with MediaRecorder, encrypts each piece to the organisation's recording key (recording-crypto.ts) and uploads
 * it to `/api/e2ee-tracks/<trackId>`, in order, one request at a time per track.
 *
 * - Every MediaRecorder blob (one per TIMESLICE_MS) becomes a chunk; a blob too big for one chunk is cut into several
 *   (the chunks are only concatenated again, so a cut anywhere is fine).
 * - The last chunk carries the last-chunk flag inside its encryption, and which chunk is last is only known when the
 *   recorder stops: so the most recent piece is held back unencrypted until the next one arrives or the recorder stops.
 * - A network failure is retried with backoff (RETRY_MIN_MS doubling to RETRY_MAX_MS), asking the server where the
 *   track stands before sending again; unsent chunks stay in memory meanwhile (unbounded: dropping them would cut the
 *   recording, and a few minutes of WebM is a few tens of MB).
 * - A withdrawal of consent (`withdrawn`, or the server answering TRACK_ENDED) drops everything not yet uploaded at
 *   once: nothing more of that person may leave this browser.
 *
 * Uploads outlive the call page's session: after the call ends, the remaining chunks are still sent while the page is
 * open. What is in memory when the page itself closes is lost (the server then keeps a recording with no last chunk,
 * which reads as cut short).
 */

/** MediaRecorder timeslice, in ms: one blob (≈ one chunk) per second bounds what a crash loses. */
const TIMESLICE_MS = 1_000;
/** How often, in ms, and for how long, the participant's media is looked for before giving up on a track. */
const WAIT_POLL_MS = 200;
const WAIT_FOR_MEDIA_MS = 10_000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;
/** AES-GCM adds a 16-byte tag: the plaintext of one chunk is this much smaller than the server's limit. */
const MAX_PLAINTEXT_BYTES = MAX_CHUNK_BYTES - 16;
const CSRF_HEADER = 'x-csrf-token';

/**
 * Where one track recording is:
 * - `waiting`: looking for the participant's media, opening the encrypter, sending the envelope;
 * - `recording`: the MediaRecorder runs;
 * - `flushing`: the recorder stopped, the rest (ending with the last chunk) is being uploaded;
 * - `done`: the last chunk is stored;
 * - `cancelled`: stopped before anything was recorded;
 * - `discarded`: consent withdrawn or the track ended on the server: what was not uploaded was dropped;
 * - `failed`: given up (no media, refused by the server, recorder unavailable); logged with the track id.
 */
export type TrackRecordingState = 'waiting' | 'recording' | 'flushing' | 'done' | 'cancelled' | 'discarded' | 'failed';

export interface TrackRecordingStats {
  readonly trackId: string;
  /** Chunks, and their ciphertext bytes, the server has confirmed (204). */
  readonly chunksSent: number;
  readonly bytesSent: number;
  /** Encrypted chunks waiting for upload (not counting the piece held back until the next one). */
  readonly queued: number;
  readonly state: TrackRecordingState;
}

/** The media to record: a stream, or a function asked every WAIT_POLL_MS until it returns one with a live track. */
export type CaptureMedia = MediaStream | (() => MediaStream | null);

export interface E2eeRecorderOptions {
  /** The fetch to upload with; default: the page's own. */
  readonly fetch?: typeof fetch;
}

/** The participant's media as the call session knows it (a structural slice of CallSnapshot). */
export interface CaptureSources {
  readonly selfId: string | null;
  readonly local: { readonly audio: MediaStreamTrack | null; readonly video: MediaStreamTrack | null; readonly screen: MediaStreamTrack | null };
  readonly remote: ReadonlyMap<string, { audio?: MediaStreamTrack; video?: MediaStreamTrack; screen?: MediaStreamTrack }>;
}

/**
 * A new stream of the live tracks `message` asks for: for `camera` the participant's audio and video, for `screen`
 * their screen; this browser's own local tracks when the participant is the agent. Null when there is none (yet).
 * A new MediaStream each time, so no one else can add or remove tracks under a running MediaRecorder.
 */
export function captureStream(sources: CaptureSources, message: Pick<E2eeCaptureStart, 'participantId' | 'source'>): MediaStream | null {
  const media = message.participantId === sources.selfId ? sources.local : sources.remote.get(message.participantId);
  const wanted = message.source === 'screen' ? [media?.screen] : [media?.audio, media?.video];
  const live = wanted.filter((t): t is MediaStreamTrack => !!t && t.readyState === 'live');
  return live.length > 0 ? new MediaStream(live) : null;
}

interface Chunk {
  readonly index: number;
  readonly last: boolean;
  readonly ciphertext: Uint8Array<ArrayBuffer>;
}

interface TrackRecording {
  readonly trackId: string;
  state: TrackRecordingState;
  encrypter: TrackEncrypter | null;
  recorder: MediaRecorder | null;
  envelopeStored: boolean;
  /** The most recent piece, unencrypted until it is known whether it is the last. */
  held: Uint8Array | null;
  /** The index the next encrypted chunk gets. */
  nextIndex: number;
  queue: Chunk[];
  chunksSent: number;
  bytesSent: number;
  pumping: boolean;
  /** Blobs and the recorder's stop are handled one after the other, in the order they came. */
  intake: Promise<void>;
  /** Aborts the request in flight and any wait when the track is dropped. */
  readonly abort: AbortController;
  readonly settled: Promise<void>;
  settle: () => void;
}

/** What the server said to one upload (or to the envelope). */
type Outcome =
  | { readonly kind: 'stored' }
  /** CHUNK_OUT_OF_ORDER: the server holds the chunks below `from` (null: it did not say; ask). */
  | { readonly kind: 'resume'; readonly from: number | null }
  /** TRACK_ENDED: nothing more of this track is accepted. */
  | { readonly kind: 'ended' }
  /** Refused for good (403, 404, 413, …): give up on the track. */
  | { readonly kind: 'refused'; readonly status: number; readonly code: string | null }
  /** Network failure, 5xx, 429: try again later. */
  | { readonly kind: 'retry' };

const errorBody = z.object({
  error: z.object({ code: z.string(), expected: z.optional(z.number()), details: z.optional(z.unknown()) }),
});
const expectedDetails = z.object({ expected: z.number() });
const trackStatus = z.object({ trackId: z.string(), nextIndex: z.number(), state: z.enum(['open', 'ended']) });
const csrfBody = z.object({ token: z.string() });

const FINAL_STATES: ReadonlySet<TrackRecordingState> = new Set(['done', 'cancelled', 'discarded', 'failed']);

/**
 * The agent browser's E2EE recordings, one per track id, any number at once. Made by the call session at the first
 * `e2ee-capture-start`; `stopAll` when the call is left or ends.
 */
export class E2eeRecorder {
  readonly #tracks = new Map<string, TrackRecording>();
  readonly #fetch: typeof fetch;
  #csrfToken: Promise<string> | null = null;

  constructor(options: E2eeRecorderOptions = {}) {
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Starts recording a track: waits (up to WAIT_FOR_MEDIA_MS) for the media, sends the envelope, starts the
   * MediaRecorder. Resolves once recording runs or the track was given up; never rejects. A track id already known is
   * ignored (the server repeating itself must not start a second recording into the same track).
   */
  async start(message: E2eeCaptureStart, media: CaptureMedia): Promise<void> {
    if (this.#tracks.has(message.trackId)) return;
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const rec: TrackRecording = {
      trackId: message.trackId,
      state: 'waiting',
      encrypter: null,
      recorder: null,
      envelopeStored: false,
      held: null,
      nextIndex: 0,
      queue: [],
      chunksSent: 0,
      bytesSent: 0,
      pumping: false,
      intake: Promise.resolve(),
      abort: new AbortController(),
      settled,
      settle,
    };
    this.#tracks.set(rec.trackId, rec);

    const stream = await waitForMedia(media, rec.abort.signal);
    if (rec.state !== 'waiting') return; // stopped meanwhile
    if (!stream) return this.#end(rec, 'failed', 'no media to record arrived in time');
    const hasVideo = stream.getVideoTracks().length > 0;
    const mimeType = pickMimeType(hasVideo);
    // Only WebM: the DPO's player and docs/e2ee.md expect it, and a recording in another format would be mislabelled.
    if (!mimeType) return this.#end(rec, 'failed', 'this browser cannot record WebM');

    try {
      rec.encrypter = await openTrackEncrypter(message.recordingKey, message.trackId);
    } catch {
      return this.#end(rec, 'failed', 'the recording key could not be used');
    }
    if (rec.state !== 'waiting') return;
    // The envelope goes first so a server that refuses the track is known before anything is recorded. A network
    // failure does not hold recording back: the upload loop sends the envelope again before chunk 0.
    const outcome = await this.#putEnvelope(rec);
    if (rec.state !== 'waiting') return;
    if (outcome.kind === 'stored') rec.envelopeStored = true;
    else if (outcome.kind === 'ended') return this.#end(rec, 'discarded', null);
    else if (outcome.kind === 'refused') return this.#end(rec, 'failed', `the server refused the envelope (${outcome.status})`);

    let recorder: MediaRecorder;
    try {
      recorder = new MediaRecorder(stream, { mimeType });
      recorder.ondataavailable = (event) => this.#take(rec, () => this.#addBlob(rec, event.data));
      // Also reached when every recorded track ended (the connection was rebuilt, the person left) or on an error:
      // the recording then ends there, complete with its last chunk.
      recorder.onstop = () => this.#take(rec, () => this.#addLast(rec));
      recorder.onerror = () => console.warn(`E2EE recording of track ${rec.trackId}: the recorder failed; keeping what was recorded`);
      recorder.start(TIMESLICE_MS);
    } catch {
      return this.#end(rec, 'failed', 'the recorder could not start');
    }
    rec.recorder = recorder;
    rec.state = 'recording';
    if (!rec.envelopeStored) void this.#pump(rec);
  }

  /**
   * Stops recording a track. `withdrawn`: stops at once and drops everything not yet uploaded. Otherwise: the
   * recorder's final piece is taken and the rest is uploaded, ending with the last chunk. Resolves when the track has
   * reached its end state (`done`, `discarded`, …), which with the network down can take until it is back.
   */
  stop(trackId: string, reason: E2eeCaptureStop['reason']): Promise<void> {
    const rec = this.#tracks.get(trackId);
    if (!rec) return Promise.resolve();
    if (reason === 'withdrawn') {
      if (!FINAL_STATES.has(rec.state)) this.#end(rec, 'discarded', null);
    } else if (rec.state === 'waiting') {
      this.#end(rec, 'cancelled', null);
    } else if (rec.state === 'recording') {
      rec.state = 'flushing';
      // onstop follows the final dataavailable; both go through the intake in order.
      if (rec.recorder && rec.recorder.state !== 'inactive') rec.recorder.stop();
    }
    return rec.settled;
  }

  /** Stops every track as `stop(…, 'stopped')` does (the call was left or ended); resolves when all have ended. */
  stopAll(): Promise<void> {
    return Promise.all([...this.#tracks.keys()].map((trackId) => this.stop(trackId, 'stopped'))).then(() => undefined);
  }

  /** Where each track recording is, for tests and diagnostics. */
  stats(): TrackRecordingStats[] {
    return [...this.#tracks.values()].map((rec) => ({
      trackId: rec.trackId,
      chunksSent: rec.chunksSent,
      bytesSent: rec.bytesSent,
      queued: rec.queue.length,
      state: rec.state,
    }));
  }

  // --- from recorder to queue ---

  #take(rec: TrackRecording, step: () => Promise<void>): void {
    rec.intake = rec.intake.then(step).catch(() => this.#end(rec, 'failed', 'a recorded piece could not be encrypted'));
  }

  #taking(rec: TrackRecording): boolean {
    return rec.state === 'recording' || rec.state === 'flushing';
  }

  async #addBlob(rec: TrackRecording, blob: Blob): Promise<void> {
    if (blob.size === 0 || !this.#taking(rec)) return;
    const bytes = new Uint8Array(await blob.arrayBuffer());
    for (let at = 0; at < bytes.length; at += MAX_PLAINTEXT_BYTES) {
      const piece = bytes.subarray(at, at + MAX_PLAINTEXT_BYTES);
      const previous = rec.held;
      rec.held = piece;
      if (previous) await this.#enqueue(rec, previous, { last: false });
      if (!this.#taking(rec)) return;
    }
  }

  async #addLast(rec: TrackRecording): Promise<void> {
    if (!this.#taking(rec)) return;
    rec.state = 'flushing';
    // Nothing recorded at all still ends with a (empty) last chunk, so the track reads as complete, not cut short.
    const last = rec.held ?? new Uint8Array(0);
    rec.held = null;
    await this.#enqueue(rec, last, { last: true });
  }

  async #enqueue(rec: TrackRecording, plaintext: Uint8Array, options: { last: boolean }): Promise<void> {
    const encrypter = rec.encrypter;
    if (!encrypter) return;
    const index = rec.nextIndex++;
    // encryptChunk returns a copy backed by a fresh ArrayBuffer.
    const ciphertext = (await encrypter.encryptChunk(index, options.last, plaintext)) as Uint8Array<ArrayBuffer>;
    if (!this.#taking(rec)) return;
    rec.queue.push({ index, last: options.last, ciphertext });
    void this.#pump(rec);
  }

  // --- from queue to server ---

  /** Uploads the queue in order, one request at a time; the only place that sends chunks of a track. */
  async #pump(rec: TrackRecording): Promise<void> {
    if (rec.pumping) return;
    rec.pumping = true;
    let failures = 0;
    try {
      while (!FINAL_STATES.has(rec.state)) {
        const chunk = rec.queue[0];
        if (rec.envelopeStored && !chunk) break;
        const outcome = !rec.envelopeStored ? await this.#putEnvelope(rec) : await this.#putChunk(rec, chunk!);
        if (FINAL_STATES.has(rec.state)) break;
        switch (outcome.kind) {
          case 'stored':
            failures = 0;
            if (!rec.envelopeStored) rec.envelopeStored = true;
            else this.#storedUpTo(rec, chunk!.index + 1);
            break;
          case 'resume':
            // A server that expects the very chunk it refused contradicts itself: back off instead of hammering it.
            if (outcome.from !== null && outcome.from !== chunk!.index) {
              failures = 0;
              this.#storedUpTo(rec, outcome.from);
            } else {
              await sleep(backoff(failures++), rec.abort.signal);
              if (!FINAL_STATES.has(rec.state)) await this.#resync(rec);
            }
            break;
          case 'ended':
            this.#end(rec, 'discarded', null);
            break;
          case 'refused':
            this.#end(rec, 'failed', `the server refused the upload (${outcome.status}${outcome.code ? ` ${outcome.code}` : ''})`);
            break;
          case 'retry':
            await sleep(backoff(failures++), rec.abort.signal);
            // The request may have been stored before the answer was lost: ask where the track stands first.
            if (rec.envelopeStored && !FINAL_STATES.has(rec.state)) await this.#resync(rec);
            break;
          default:
            outcome satisfies never;
        }
      }
    } finally {
      rec.pumping = false;
    }
  }

  /** Asks the server how far the track got and continues from there. */
  async #resync(rec: TrackRecording): Promise<'ok' | 'retry'> {
    let res: Response;
    try {
      res = await this.#request('GET', rec, trackPath(rec.trackId), null);
    } catch {
      return 'retry';
    }
    if (FINAL_STATES.has(rec.state)) return 'ok';
    if (!res.ok) {
      const outcome = await outcomeOf(res);
      if (outcome.kind === 'refused') this.#end(rec, 'failed', `the server refused the track status (${outcome.status})`);
      else if (outcome.kind === 'ended') this.#end(rec, 'discarded', null);
      return outcome.kind === 'retry' ? 'retry' : 'ok';
    }
    const status = trackStatus.safeParse(await res.json().catch(() => null));
    if (!status.success) return 'retry';
    this.#storedUpTo(rec, status.data.nextIndex);
    // A track ended on the server (consent withdrawn, or the stop came too long ago) takes nothing more; unless the
    // last chunk was stored just now, which ended it as done.
    if (status.data.state === 'ended') this.#end(rec, 'discarded', null);
    return 'ok';
  }

  /** The server holds every chunk below `next`: drop them from the queue. */
  #storedUpTo(rec: TrackRecording, next: number): void {
    let lastStored = false;
    while (rec.queue[0] && rec.queue[0].index < next) {
      const chunk = rec.queue.shift()!;
      rec.chunksSent += 1;
      rec.bytesSent += chunk.ciphertext.byteLength;
      lastStored ||= chunk.last;
    }
    if (lastStored) return this.#end(rec, 'done', null);
    // The server wants a chunk this browser no longer has (it lost some it had confirmed): the track cannot be
    // completed; sending the later ones would only be refused.
    const have = rec.queue[0]?.index ?? rec.nextIndex;
    if (next < have) this.#end(rec, 'failed', `the server asks for chunk ${next}, which was already sent`);
  }

  async #putEnvelope(rec: TrackRecording): Promise<Outcome> {
    if (!rec.encrypter) return { kind: 'refused', status: 0, code: null };
    try {
      const res = await this.#request('PUT', rec, `${trackPath(rec.trackId)}/envelope`, {
        type: 'application/json',
        body: JSON.stringify(rec.encrypter.envelope),
      });
      const outcome = await outcomeOf(res);
      // CHUNK_OUT_OF_ORDER is about chunks; for the envelope it would mean a server this code does not understand.
      return outcome.kind === 'resume' ? { kind: 'refused', status: res.status, code: 'CHUNK_OUT_OF_ORDER' } : outcome;
    } catch {
      return { kind: 'retry' };
    }
  }

  async #putChunk(rec: TrackRecording, chunk: Chunk): Promise<Outcome> {
    try {
      const res = await this.#request('PUT', rec, `${trackPath(rec.trackId)}/chunks/${chunk.index}?last=${chunk.last ? 1 : 0}`, {
        type: 'application/octet-stream',
        body: chunk.ciphertext,
      });
      return await outcomeOf(res);
    } catch {
      return { kind: 'retry' };
    }
  }

  /**
   * One same-origin request with the session cookie. Writes carry the CSRF token the server asks of every
   * cookie-authenticated write (fetched once, fetched again once when refused as CSRF_FAILED). Throws on a network
   * failure or an abort.
   */
  async #request(method: 'GET' | 'PUT', rec: TrackRecording, path: string, body: { type: string; body: BodyInit } | null): Promise<Response> {
    const send = async () => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body) {
        headers['content-type'] = body.type;
        headers[CSRF_HEADER] = await this.#csrf();
      }
      return this.#fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        signal: rec.abort.signal,
        ...(body ? { body: body.body } : {}),
      });
    };
    const res = await send();
    if (!body || res.status !== 403) return res;
    const code = await res.clone().json().then(
      (json: unknown) => errorBody.safeParse(json).data?.error.code ?? null,
      () => null,
    );
    if (code !== 'CSRF_FAILED') return res;
    this.#csrfToken = null;
    return send();
  }

  #csrf(): Promise<string> {
    this.#csrfToken ??= this.#fetch('/api/auth/csrf', { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(async (res) => csrfBody.parse(await res.json()).token)
      .catch((cause: unknown) => {
        this.#csrfToken = null;
        throw cause;
      });
    return this.#csrfToken;
  }

  /** Ends a track: stops its recorder, drops what is left, aborts what is in flight. Safe to call twice. */
  #end(rec: TrackRecording, state: 'done' | 'cancelled' | 'discarded' | 'failed', why: string | null): void {
    if (FINAL_STATES.has(rec.state)) return;
    rec.state = state;
    const recorder = rec.recorder;
    if (recorder) {
      recorder.ondataavailable = null;
      recorder.onstop = null;
      recorder.onerror = null;
      if (recorder.state !== 'inactive') recorder.stop();
    }
    rec.held = null;
    rec.queue = [];
    rec.abort.abort();
    // Ids only: no names, no addresses (STYLE 12).
    if (why) console.warn(`E2EE recording of track ${rec.trackId} given up: ${why}`);
    rec.settle();
  }
}

const trackPath = (trackId: string) => `/api/e2ee-tracks/${encodeURIComponent(trackId)}`;

const backoff = (failures: number) => Math.min(RETRY_MIN_MS * 2 ** failures, RETRY_MAX_MS);

function pickMimeType(hasVideo: boolean): string | null {
  const type = hasVideo ? 'video/webm;codecs=vp8,opus' : 'audio/webm;codecs=opus';
  return typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(type) ? type : null;
}

async function waitForMedia(media: CaptureMedia, signal: AbortSignal): Promise<MediaStream | null> {
  const deadline = Date.now() + WAIT_FOR_MEDIA_MS;
  for (;;) {
    const stream = typeof media === 'function' ? media() : media;
    if (stream && stream.getTracks().some((t) => t.readyState === 'live')) return stream;
    if (Date.now() >= deadline || signal.aborted) return null;
    await sleep(WAIT_POLL_MS, signal);
  }
}

/** Waits `ms`, or less when `signal` aborts (it never rejects: the caller checks the track's state). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

async function outcomeOf(res: Response): Promise<Outcome> {
  if (res.ok) return { kind: 'stored' };
  const parsed = errorBody.safeParse(await res.json().catch(() => null));
  const error = parsed.success ? parsed.data.error : null;
  if (res.status === 409 && error?.code === 'CHUNK_OUT_OF_ORDER') {
    // `expected` is in the error itself by the contract; also read it from `details`, where AppError puts extras.
    const from = error.expected ?? expectedDetails.safeParse(error.details).data?.expected ?? null;
    return { kind: 'resume', from };
  }
  if (res.status === 410) return { kind: 'ended' };
  if (res.status === 408 || res.status === 429 || res.status >= 500) return { kind: 'retry' };
  return { kind: 'refused', status: res.status, code: error?.code ?? null };
}
