import type { MediaSource } from '../../protocol/signalling.ts';
import type { MediaCounts } from '../counters.ts';
import type { PublicationHandle } from '../media-api.ts';
import type { CandidateInit, PeerFailure, PeerOffer } from '../peer.ts';
import type { RtcNetworkOptions } from '../rtc-config.ts';
import type { Config } from '../../config/load.ts';

/**
 * The messages between the API process and a media worker, over Node's IPC channel (JSON). The API process places
 * calls and relays signalling; the worker owns the calls' media (rooms, peers, tracks) and never sees the database.
 * No media packet crosses this channel.
 *
 * A peer is named by call, participant and `peer`, a number the API process gives each new peer of a participant:
 * events of a peer that was replaced (a rejoin) still in flight are recognised and dropped.
 */

export interface WorkerSettings {
  readonly network: RtcNetworkOptions;
  /** The worker's UDP port (ICE mux); 0 lets the system pick. */
  readonly udpPort: number;
  readonly negotiationTimeoutMs?: number | undefined;
  readonly logLevel: string;
  /** The blob store the worker's captures write their ciphertext to (the configured one). */
  readonly blobs: Pick<Config, 'blobs' | 'blobDir'>;
}

/**
 * A capture to run in the worker, beside the call's tracks: one person's publications into one track's blob. The
 * track's data key comes with it (base64): the worker encrypts with it in memory and never writes it down.
 */
export interface CaptureStart {
  readonly captureId: string;
  readonly callId: string;
  readonly publicationIds: string[];
  readonly trackId: string;
  readonly blobKey: string;
  readonly dataKey: string;
  readonly chunkSize?: number | undefined;
}

export interface PeerRef {
  readonly callId: string;
  readonly participantId: string;
  readonly peer: number;
}


/** API process → worker. Those with a `requestId` are answered with a `reply` of the same id. */
export type ToWorker =
  | { type: 'init'; settings: WorkerSettings }
  | { type: 'close-room'; callId: string }
  | ({ type: 'add-peer' } & PeerRef)
  | ({ type: 'close-peer' | 'keyframes' } & PeerRef)
  | ({ type: 'publish' | 'unpublish'; source: MediaSource } & PeerRef)
  | ({ type: 'answer'; requestId: number; sdp: string } & PeerRef)
  | ({ type: 'ice'; requestId: number; candidate: CandidateInit } & PeerRef)
  | ({ type: 'stats'; requestId: number } & PeerRef)
  | { type: 'counts' | 'traffic' | 'vitals'; requestId: number }
  | ({ type: 'capture-start'; requestId: number } & CaptureStart)
  /** Stop: no packet is taken from now on; the reply comes once the WebM tail is written. Finish: sizes, or a failure. */
  | { type: 'capture-stop' | 'capture-finish' | 'capture-abort'; requestId: number; captureId: string }
  | { type: 'shutdown' };

/** What a worker counts, for placement and for the leak tests: all zero when it holds nothing. */
export interface WorkerCounts extends MediaCounts {
  readonly timers: number;
  /** UDP sockets the worker process has open (the kernel's count; null where /proc is missing). */
  readonly udpSockets: number | null;
  /** Captures running (recording tracks being written). */
  readonly captures: number;
}

export type WorkerReply = { type: 'reply'; requestId: number } & (
  | { ok: true; value?: unknown }
  | { ok: false; error: { code: 'BAD_SDP' | 'BAD_CANDIDATE' | 'INTERNAL'; message: string } }
);

/** Worker → API process. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  /** One log line of the worker's (pino JSON), written into the API process's log. */
  | { type: 'log'; line: string }
  | ({ type: 'offer'; offer: PeerOffer } & PeerRef)
  | ({ type: 'published' | 'unpublished'; publication: PublicationHandle } & PeerRef)
  | ({ type: 'peer-failed'; reason: PeerFailure } & PeerRef)
  | { type: 'capture-failed'; captureId: string; reason: 'store' | 'encoder'; message: string }
  | WorkerReply;

