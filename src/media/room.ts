import type { MediaCounts } from './counters.ts';
import { Peer, type PeerContext, type PeerFailure } from './peer.ts';
import type { PublishedTrack } from './published-track.ts';
import { TypedEmitter } from './typed-emitter.ts';

export type RoomEvents = {
  published: [Peer, PublishedTrack];
  unpublished: [Peer, PublishedTrack];
  'peer-failed': [Peer, PeerFailure];
  closed: [];
};

/**
 * The media side of one call: owns one Peer per admitted participant and wires every publication to every
 * other peer. Who may have a peer (lobby, grace period) is the signalling layer's business; it closes the room
 * when the agent ends the call or the last participant has gone.
 */
export class Room {
  readonly events: TypedEmitter<RoomEvents>;
  readonly #peers = new Map<string, Peer>();
  #closed = false;

  constructor(
    readonly callId: string,
    private readonly ctx: PeerContext,
    private readonly counts: MediaCounts,
  ) {
    this.events = new TypedEmitter(ctx.onListenerError);
    counts.rooms++;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get peers(): Peer[] {
    return [...this.#peers.values()];
  }

  getPeer(participantId: string): Peer | undefined {
    return this.#peers.get(participantId);
  }

  /** A new peer for a participant, receiving everyone else's publications. Replaces (closes) an older one. */
  addPeer(participantId: string): Peer {
    if (this.#closed) throw new Error(`room ${this.callId} is closed`);
    this.#peers.get(participantId)?.close();
    const peer = new Peer(participantId, this.ctx);
    this.#peers.set(participantId, peer);
    for (const other of this.#peers.values()) {
      if (other === peer) continue;
      for (const publication of other.publications) peer.subscribe(publication);
    }
    peer.events.on('published', (publication) => {
      for (const other of this.#peers.values()) if (other !== peer) other.subscribe(publication);
      this.events.emit('published', peer, publication);
    });
    peer.events.on('unpublished', (publication) => this.events.emit('unpublished', peer, publication));
    peer.events.on('failed', (reason) => this.events.emit('peer-failed', peer, reason));
    peer.events.on('closed', () => {
      if (this.#peers.get(participantId) === peer) this.#peers.delete(participantId);
    });
    return peer;
  }

  removePeer(participantId: string): void {
    this.#peers.get(participantId)?.close();
  }

  /** Closes every peer (and so every track). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.close();
    this.#peers.clear();
    this.counts.rooms--;
    this.events.emit('closed');
    this.events.removeAllListeners();
  }
}
