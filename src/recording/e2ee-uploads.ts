import type { Db } from '../db/database.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import type { OrgId } from '../shared/ids.ts';
import type { TrackEnvelope } from './recording.schema.ts';
import type { TrackWriter } from './track-writer.ts';

/** The largest chunk of an E2EE track the server takes (ciphertext bytes); the browser sends one a second. */
export const MAX_E2EE_CHUNK_BYTES = 4 * 1024 * 1024;
/** How long an ended track is still known, so a late chunk gets "ended" (410) rather than "unknown" (404). */
const ENDED_MEMORY_MS = 60 * 60_000;
const FRAME_HEADER_BYTES = 5;

/** One E2EE track being uploaded by the recording agent's browser. */
interface OpenUpload {
  readonly trackId: string;
  readonly orgId: OrgId;
  /** The recording agent's user id: only their signed-in browser may upload. */
  readonly userId: string;
  /** The recording key the browser was told to encrypt to. */
  readonly keyId: string;
  readonly writer: TrackWriter;
  envelope: string | null;
  /** Ciphertext length of each stored chunk, by index: a retried chunk is recognised. */
  readonly sizes: number[];
  gotLast: boolean;
  readonly lastWaiters: (() => void)[];
}

export interface UploadCaller {
  readonly orgId: OrgId;
  readonly userId: string | null;
}

export type UploadStatus = { trackId: string; nextIndex: number; state: 'open' | 'ended' };

/** What the upload routes call: this process's uploads, or (cluster mode) the node's view of the cluster's. */
export interface E2eeUploadService {
  status(caller: UploadCaller, trackId: string): UploadStatus | Promise<UploadStatus>;
  setEnvelope(caller: UploadCaller, trackId: string, envelope: TrackEnvelope): Promise<void>;
  putChunk(caller: UploadCaller, trackId: string, index: number, last: boolean, ciphertext: Buffer | null): void | Promise<void>;
}

/**
 * The E2EE tracks of this server being uploaded right now (issue 8, item 3). The live call's recording opens an
 * entry when it starts capturing someone (the track row and the server-side writer exist by then), the agent's
 * browser sends the envelope and then the chunks in order, and the recording ends the entry — at once on a
 * withdrawal (G12: nothing later is taken), or once the browser has sent its last chunk (or 10 s passed) otherwise.
 *
 * Each chunk is stored framed (length, last-chunk flag, ciphertext) through the track's writer, i.e. inside the
 * server's own at-rest encryption, so erasure crypto-shreds it like any track (G27). The server never sees the
 * chunks' content. State is in memory: an upload does not survive a restart (the track is then recovered as
 * `incomplete`, up to its last whole chunk).
 */
export class E2eeUploads implements E2eeUploadService {
  readonly #open = new Map<string, OpenUpload>();
  readonly #ended = new Map<string, { orgId: OrgId; at: number }>();

  constructor(private readonly db: Db) {}

  open(upload: { trackId: string; orgId: OrgId; userId: string; keyId: string; writer: TrackWriter }): void {
    const now = Date.now();
    for (const [id, e] of this.#ended) if (now - e.at > ENDED_MEMORY_MS) this.#ended.delete(id);
    this.#open.set(upload.trackId, { ...upload, envelope: null, sizes: [], gotLast: false, lastWaiters: [] });
  }

  /** No more chunks are taken for this track; the writer is the caller's to finish. */
  end(trackId: string): void {
    const upload = this.#open.get(trackId);
    if (!upload) return;
    this.#open.delete(trackId);
    this.#ended.set(trackId, { orgId: upload.orgId, at: Date.now() });
    for (const wake of upload.lastWaiters.splice(0)) wake();
  }

  /** Resolves when the browser has sent the last chunk of the track, or after `timeoutMs`. */
  lastChunk(trackId: string, timeoutMs: number): Promise<void> {
    const upload = this.#open.get(trackId);
    if (!upload || upload.gotLast) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      upload.lastWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Whether this process holds the track's upload (open, or ended lately). */
  knows(trackId: string): boolean {
    return this.#open.has(trackId) || this.#ended.has(trackId);
  }

  get openCount(): number {
    return this.#open.size;
  }

  status(caller: UploadCaller, trackId: string): UploadStatus {
    const upload = this.#open.get(trackId);
    if (upload) {
      this.#mustBeRecorder(caller, upload);
      return { trackId, nextIndex: upload.sizes.length, state: upload.gotLast ? 'ended' : 'open' };
    }
    const ended = this.#ended.get(trackId);
    if (ended && ended.orgId === caller.orgId) return { trackId, nextIndex: 0, state: 'ended' };
    throw notFound('E2EE track');
  }

  async setEnvelope(caller: UploadCaller, trackId: string, envelope: TrackEnvelope): Promise<void> {
    const upload = this.#take(caller, trackId);
    const json = JSON.stringify(envelope);
    if (upload.envelope !== null) {
      if (upload.envelope === json) return;
      throw new AppError('ENVELOPE_CONFLICT', 'This track already has its envelope; it cannot be changed.');
    }
    if (envelope.keyId !== upload.keyId) {
      throw new AppError('VALIDATION_FAILED', 'The envelope names another recording key than the one this track is recorded to.');
    }
    upload.envelope = json;
    await this.db.updateTable('recording_tracks').set({ e2ee_envelope: json }).where('org_id', '=', upload.orgId).where('id', '=', trackId).execute();
  }

  /** Stores chunk `index` (ciphertext); a retry of a stored chunk is accepted again, anything else out of order is refused. */
  putChunk(caller: UploadCaller, trackId: string, index: number, last: boolean, ciphertext: Buffer | null): void {
    const upload = this.#take(caller, trackId);
    if (ciphertext === null) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the chunk as application/octet-stream.');
    if (ciphertext.length === 0) throw new AppError('VALIDATION_FAILED', 'The chunk is empty.');
    if (ciphertext.length > MAX_E2EE_CHUNK_BYTES) {
      throw new AppError('CHUNK_TOO_LARGE', `A chunk may hold at most ${MAX_E2EE_CHUNK_BYTES} bytes; send smaller ones.`);
    }
    if (upload.envelope === null) throw new AppError('ENVELOPE_REQUIRED', "Send the track's envelope before its first chunk.");
    const next = upload.sizes.length;
    if (index < next) {
      if (upload.sizes[index] === ciphertext.length) return; // a retry of a chunk already stored
      throw new AppError('CHUNK_CONFLICT', `Chunk ${index} is already stored with other content.`, { details: { expected: next } });
    }
    if (upload.gotLast) throw new AppError('TRACK_ENDED', 'The last chunk of this track was already received.');
    if (index > next) throw new AppError('CHUNK_OUT_OF_ORDER', `Chunk ${next} comes next, not ${index}.`, { details: { expected: next } });
    const frame = Buffer.alloc(FRAME_HEADER_BYTES + ciphertext.length);
    frame.writeUInt32BE(ciphertext.length, 0);
    frame[4] = last ? 1 : 0;
    ciphertext.copy(frame, FRAME_HEADER_BYTES);
    upload.writer.write(frame);
    upload.sizes.push(ciphertext.length);
    if (last) {
      upload.gotLast = true;
      for (const wake of upload.lastWaiters.splice(0)) wake();
    }
  }

  #take(caller: UploadCaller, trackId: string): OpenUpload {
    const upload = this.#open.get(trackId);
    if (!upload) {
      const ended = this.#ended.get(trackId);
      if (ended && ended.orgId === caller.orgId) {
        throw new AppError('TRACK_ENDED', 'This track no longer takes chunks: its recording ended or the person withdrew their consent.');
      }
      throw notFound('E2EE track');
    }
    this.#mustBeRecorder(caller, upload);
    return upload;
  }

  #mustBeRecorder(caller: UploadCaller, upload: OpenUpload): void {
    // Another organisation's track is as unknown as one that does not exist (STYLE 11).
    if (caller.orgId !== upload.orgId) throw notFound('E2EE track');
    if (caller.userId !== upload.userId) throw new AppError('NOT_THE_RECORDER', "Only the browser of the agent recording this call uploads its tracks.");
  }
}
