import type { MediaSource } from '../protocol/signalling.ts';
import type { MediaCounts, MediaTraffic } from './counters.ts';
import type { CandidateInit, PeerFailure, PeerOffer, PeerStats } from './peer.ts';
import type { TypedEmitter } from './typed-emitter.ts';

/**
 * What the signalling layer (LiveCall, CallHub) and the recorder see of the media: rooms, peers and publications,
 * wherever they live. The in-process classes (Room, Peer, PublishedTrack) are one implementation; the proxies of a
 * media worker's objects (worker/remote-room.ts) the other.
 */

export interface PublicationHandle {
  readonly id: string;
  readonly publisherId: string;
  readonly source: MediaSource;
  readonly kind: 'audio' | 'video';
}

export type PeerHandleEvents = {
  offer: [PeerOffer];
  failed: [PeerFailure];
  closed: [];
};

export interface PeerHandle {
  readonly participantId: string;
  readonly events: Pick<TypedEmitter<PeerHandleEvents>, 'on'>;
  readonly closed: boolean;
  /** Sources the participant currently sends (negotiated and receiving). */
  readonly publishedSources: MediaSource[];
  readonly publications: readonly PublicationHandle[];
  publish(source: MediaSource): void;
  unpublish(source: MediaSource): void;
  /** Rejects with a PeerInputError when the participant's answer is refused. */
  handleAnswer(sdp: string): Promise<void>;
  addIceCandidate(candidate: CandidateInit): Promise<void>;
  /** Counters since the connection opened (null once the peer is gone). */
  stats(): PeerStats | null | Promise<PeerStats | null>;
  /** Asks the participant's browser for a keyframe of each video source it publishes (rate-limited per source). */
  requestKeyframes(): void;
  close(): void;
}

export type RoomHandleEvents = {
  published: [PeerHandle, PublicationHandle];
  unpublished: [PeerHandle, PublicationHandle];
  'peer-failed': [PeerHandle, PeerFailure];
  closed: [];
};

export interface RoomHandle {
  readonly callId: string;
  readonly events: Pick<TypedEmitter<RoomHandleEvents>, 'on'>;
  readonly closed: boolean;
  /** A new peer for a participant, receiving everyone else's publications. Replaces (closes) an older one. */
  addPeer(participantId: string): PeerHandle;
  close(): void;
}

/** Where calls' media runs: this process (MediaServer) or media workers (WorkerPool). */
export interface MediaEngine {
  /** The room of a call, created on first use. */
  openRoom(callId: string): RoomHandle;
  /** Live objects of each kind, as this process knows them; all zero when nothing is going on. */
  counts(): MediaCounts & { timers: number };
  /** Packets received, lost and forwarded since the engine started (every worker's; for metrics). */
  mediaTraffic(): Promise<MediaTraffic>;
  /** Tells `listener` of calls whose media was lost (their worker died); their rooms are closed by then. */
  onLost(listener: (callIds: string[]) => void): void;
  close(): void;
}
