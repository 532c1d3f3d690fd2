import type { PublicationHandle } from '../media/media-api.ts';
import { PublishedTrack } from '../media/published-track.ts';
import type { BlobStore, BlobUpload } from '../storage/blob-store.ts';
import { DEFAULT_CHUNK_BYTES } from '../storage/blob-format.ts';
import { failpoint } from '../config/failpoints.ts';
import { TrackCapture } from './track-capture.ts';
import { TrackWriter } from './track-writer.ts';
import type { TrackRow, TrackSink } from './tracks.ts';

export { CaptureLostError } from './capture-lost.ts';

/** What a capture records and where: one person's tracks (camera: audio + video; or screen) into one track's blob. */
export interface CaptureSpec {
  readonly row: TrackRow;
  /** Plaintext bytes per encrypted chunk (tests use small ones). */
  readonly chunkSize?: number | undefined;
  readonly publications: readonly PublicationHandle[];
}

export type CaptureFailure = 'store' | 'encoder';

/** A capture running where the call's tracks are received. */
export interface RunningCapture extends TrackSink {
  /** Takes no packet from now on (withdrawal: at once) and lets the WebM writer write its tail. */
  stop(): Promise<void>;
}

/** Where the captures of a call run: beside its tracks, in this process or in the call's media worker. */
export interface CaptureHost {
  start(spec: CaptureSpec, onFailure: (err: unknown, reason: CaptureFailure) => void): Promise<RunningCapture>;
}

/**
 * Starts a capture on tracks received in this process: WebM from the tracks' RTP (TrackCapture), encrypted chunk by
 * chunk into the blob upload (TrackWriter). Plaintext exists only in memory, at most one chunk of it (G44).
 */
export async function startCapture(blobs: BlobStore, spec: CaptureSpec, onFailure: (err: unknown, reason: CaptureFailure) => void): Promise<RunningCapture> {
  const tracks = spec.publications.filter((t): t is PublishedTrack => t instanceof PublishedTrack);
  if (tracks.length !== spec.publications.length) throw new Error('the tracks to record are not received in this process');
  const upload = drilled(await blobs.createUpload(spec.row.blobKey));
  const writer = new TrackWriter(upload, spec.row.dataKey, spec.row.trackId, (err) => onFailure(err, 'store'), spec.chunkSize);
  const capture = new TrackCapture(
    tracks,
    (bytes) => writer.write(bytes),
    (err) => onFailure(err, 'encoder'),
  );
  return {
    stop: () => capture.stop(),
    finish: () => writer.finish(),
    abort: () => writer.abort(),
  };
}

/** Captures of calls whose media runs in this process. */
export const localCaptureHost = (blobs: BlobStore): CaptureHost => ({ start: (spec, onFailure) => startCapture(blobs, spec, onFailure) });

/** Whole chunks a live upload holds when the `recording.mid_capture` failpoint is reached (crash drills only). */
const MID_CAPTURE_CHUNKS = 3;

/** The live upload, passing each write through the `recording.mid_capture` failpoint once it holds a few chunks. */
function drilled(upload: BlobUpload): BlobUpload {
  let written = 0;
  return {
    async write(bytes) {
      await upload.write(bytes);
      written += bytes.length;
      if (written >= MID_CAPTURE_CHUNKS * DEFAULT_CHUNK_BYTES) failpoint('recording.mid_capture');
    },
    complete: () => upload.complete(),
    abort: () => upload.abort(),
  };
}
