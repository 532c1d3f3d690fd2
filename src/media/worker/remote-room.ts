import type { MediaSource } from '../../protocol/signalling.ts';
import type { PeerHandle, PeerHandleEvents, PublicationHandle, RoomHandle, RoomHandleEvents } from '../media-api.ts';
import { PeerInputError, type CandidateInit, type PeerStats } from '../peer.ts';
import { TypedEmitter } from '../typed-emitter.ts';
import type { FromWorker, PeerRef, ToWorker, WorkerReply } from './protocol.ts';

/** How the proxies reach their worker: one-way messages, and requests answered by a `reply`. */
export interface WorkerLink {
  post(message: ToWorker): void;
  request(message: DistributiveOmit<Extract<ToWorker, { requestId: number }>, 'requestId'>): Promise<unknown>;
  readonly onListenerError: (err: unknown) => void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A reply's refusal, as the caller of the in-process classes would have seen it. */
export function replyError(reply: Extract<WorkerReply, { ok: false }>): Error {
  const { code, message } = reply.error;
  return code === 'BAD_SDP' || code === 'BAD_CANDIDATE' ? new PeerInputError(code, message) : new Error(message);
}

/** A participant's peer in a media worker, seen from the API process. */
export class RemotePeer implements PeerHandle {
  readonly events: TypedEmitter<PeerHandleEvents>;
  readonly #publications = new Map<string, PublicationHandle>();
  readonly #ref: PeerRef;
  #closed = false;

  constructor(
    readonly room: RemoteRoom,
    readonly participantId: string,
    peer: number,
    private readonly link: WorkerLink,
  ) {
    this.events = new TypedEmitter(link.onListenerError);
    this.#ref = { callId: room.callId, participantId, peer };
  }

  get ref(): PeerRef {
    return this.#ref;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get publications(): PublicationHandle[] {
    return [...this.#publications.values()];
  }

  get publishedSources(): MediaSource[] {
    return this.publications.map((p) => p.source);
  }

  publish(source: MediaSource): void {
    if (!this.#closed) this.link.post({ type: 'publish', ...this.#ref, source });
  }

  unpublish(source: MediaSource): void {
    if (!this.#closed) this.link.post({ type: 'unpublish', ...this.#ref, source });
  }

  async handleAnswer(sdp: string): Promise<void> {
    if (this.#closed) return;
    await this.link.request({ type: 'answer', ...this.#ref, sdp });
  }

  async addIceCandidate(candidate: CandidateInit): Promise<void> {
    if (this.#closed) return;
    await this.link.request({ type: 'ice', ...this.#ref, candidate });
  }

  async stats(): Promise<PeerStats | null> {
    if (this.#closed) return null;
    return ((await this.link.request({ type: 'stats', ...this.#ref })) as PeerStats | null) ?? null;
  }

  requestKeyframes(): void {
    if (!this.#closed) this.link.post({ type: 'keyframes', ...this.#ref });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.link.post({ type: 'close-peer', ...this.#ref });
    this.#gone();
  }

  /** The worker's events for this peer. */
  receive(message: Extract<FromWorker, PeerRef>): void {
    if (this.#closed) return;
    switch (message.type) {
      case 'offer':
        this.events.emit('offer', message.offer);
        return;
      case 'published':
        this.#publications.set(message.publication.id, message.publication);
        this.room.events.emit('published', this, message.publication);
        return;
      case 'unpublished':
        this.#publications.delete(message.publication.id);
        this.room.events.emit('unpublished', this, message.publication);
        return;
      case 'peer-failed':
        this.events.emit('failed', message.reason);
        this.room.events.emit('peer-failed', this, message.reason);
        return;
    }
  }

  /** The peer is gone (closed here, or its worker died): what it published went with it. */
  #gone(): void {
    this.#publications.clear();
    this.room.forget(this);
    this.events.emit('closed');
    this.events.removeAllListeners();
  }

  /** The worker died under this peer. */
  lost(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#gone();
  }
}

/** A call's room in a media worker, seen from the API process. */
export class RemoteRoom implements RoomHandle {
  readonly events: TypedEmitter<RoomHandleEvents>;
  readonly #peers = new Map<string, RemotePeer>();
  #nextPeer = 1;
  #closed = false;

  constructor(
    readonly callId: string,
    private readonly link: WorkerLink,
    private readonly onClosed: (room: RemoteRoom) => void,
  ) {
    this.events = new TypedEmitter(link.onListenerError);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get peers(): RemotePeer[] {
    return [...this.#peers.values()];
  }

  addPeer(participantId: string): RemotePeer {
    if (this.#closed) throw new Error(`room ${this.callId} is closed`);
    this.#peers.get(participantId)?.close();
    const peer = new RemotePeer(this, participantId, this.#nextPeer++, this.link);
    this.#peers.set(participantId, peer);
    this.link.post({ type: 'add-peer', ...peer.ref });
    return peer;
  }

  /** A peer closed: it is no longer the participant's. */
  forget(peer: RemotePeer): void {
    if (this.#peers.get(peer.participantId) === peer) this.#peers.delete(peer.participantId);
  }

  /** Routes a worker event to the peer it names (a replaced peer's late events are dropped). */
  receive(message: Extract<FromWorker, PeerRef>): void {
    const peer = this.#peers.get(message.participantId);
    if (peer && peer.ref.peer === message.peer) peer.receive(message);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.lost();
    this.#peers.clear();
    this.link.post({ type: 'close-room', callId: this.callId });
    this.onClosed(this);
    this.events.emit('closed');
    this.events.removeAllListeners();
  }

  /** The worker died: every peer is gone; the room closes (the call's participants rejoin elsewhere). */
  lost(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.lost();
    this.#peers.clear();
    this.onClosed(this);
    this.events.emit('closed');
    this.events.removeAllListeners();
  }
}
