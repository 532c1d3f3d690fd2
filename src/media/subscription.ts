import { MediaStream, MediaStreamTrack, type RTCPeerConnection, type RTCRtpTransceiver, type RtpPacket } from 'werift';
import type { MediaCounts } from './counters.ts';
import type { PublishedTrack, RtpSink } from './published-track.ts';
import { TypedEmitter } from './typed-emitter.ts';

export type SubscriptionEvents = {
  /** Closed by its peer, or because the publication it forwards ended. */
  closed: [];
};

/**
 * One other participant's source, sent to one subscriber: a send-only m-line on the subscriber's peer
 * connection, fed with the publisher's packets. Owned by the subscriber's Peer, which passes the subscriber's
 * keyframe requests (PLI/FIR, read from its transport) to the publication, which rate-limits them.
 */
export class Subscription implements RtpSink {
  readonly events: TypedEmitter<SubscriptionEvents>;
  readonly transceiver: RTCRtpTransceiver;
  /** Packets handed to the sender (it drops them until DTLS is up). */
  packetsForwarded = 0;
  #flowing = false;
  readonly #unsubscribers: (() => void)[] = [];
  #closed = false;

  constructor(
    readonly subscriberId: string,
    readonly publication: PublishedTrack,
    pc: RTCPeerConnection,
    private readonly counts: MediaCounts,
    onListenerError: (err: unknown) => void,
  ) {
    this.events = new TypedEmitter(onListenerError);
    const track = new MediaStreamTrack({ kind: publication.kind });
    // The stream id is the publisher's participant id, so a browser groups one person's audio and video.
    this.transceiver = pc.addTransceiver(track, {
      direction: 'sendonly',
      streams: [new MediaStream({ id: publication.publisherId })],
    });
    const off = publication.events.on('closed', () => this.close());
    this.#unsubscribers.push(off);
    publication.addSink(this);
    counts.subscriptions++;
  }

  forward(rtp: RtpPacket): void {
    if (this.#closed) return;
    const sender = this.transceiver.sender;
    if (!this.#flowing && sender.dtlsTransport?.state === 'connected' && sender.codec) {
      // The first packet this subscriber can actually get: its decoder can start only at a keyframe, so ask
      // the publisher for one now (a request sent before DTLS was up would have been answered into the void).
      this.#flowing = true;
      this.publication.requestKeyframe();
    }
    this.packetsForwarded++;
    sender.sendRtp(rtp).catch(() => {});
  }

  /** The m-line's mid once negotiated (null before the first offer including it). */
  get mid(): string | null {
    return this.transceiver.mid;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops forwarding and the m-line (negotiated away in the subscriber's next offer). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.publication.removeSink(this);
    for (const off of this.#unsubscribers) off();
    try {
      this.transceiver.stop();
    } catch {
      // The peer connection is already closed: nothing left to stop.
    }
    this.counts.subscriptions--;
    this.events.emit('closed');
    this.events.removeAllListeners();
  }
}
