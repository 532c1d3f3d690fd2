import type { MediaSource } from '../../protocol/signalling.ts';
import type { MediaCounts } from '../counters.ts';
import type { CandidateInit, PeerFailure, PeerOffer, PeerStats } from '../peer.ts';
import type { RtcNetworkOptions } from '../rtc-config.ts';

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
}

export interface PeerRef {
  readonly callId: string;
  readonly participantId: string;
  readonly peer: number;
}

export interface PublicationInfo {
  readonly id: string;
  readonly publisherId: string;
  readonly source: MediaSource;
  readonly kind: 'audio' | 'video';
}

/** API process → worker. Those with a `requestId` are answered with a `reply` of the same id. */
export type ToWorker =
  | { type: 'init'; settings: WorkerSettings }
  | { type: 'close-room'; callId: string }
  | ({ type: 'add-peer' } & PeerRef)
  | ({ type: 'close-peer' } & PeerRef)
  | ({ type: 'publish' | 'unpublish'; source: MediaSource } & PeerRef)
  | ({ type: 'answer'; requestId: number; sdp: string } & PeerRef)
  | ({ type: 'ice'; requestId: number; candidate: CandidateInit } & PeerRef)
  | ({ type: 'stats'; requestId: number } & PeerRef)
  | { type: 'counts'; requestId: number }
  | { type: 'shutdown' };

/** What a worker counts, for placement and for the leak tests: all zero when it holds nothing. */
export interface WorkerCounts extends MediaCounts {
  readonly timers: number;
  /** UDP sockets the worker process has open (the kernel's count; null where /proc is missing). */
  readonly udpSockets: number | null;
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
  | ({ type: 'published' | 'unpublished'; publication: PublicationInfo } & PeerRef)
  | ({ type: 'peer-failed'; reason: PeerFailure } & PeerRef)
  | WorkerReply;

export type { PeerStats };
