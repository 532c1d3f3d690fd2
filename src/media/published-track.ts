import { randomUUID } from 'node:crypto';
import type { MediaStreamTrack, RTCRtpReceiver, RtpPacket } from 'werift';
import type { MediaSource } from '../protocol/signalling.ts';
import type { MediaCounts } from './counters.ts';
import { TypedEmitter } from './typed-emitter.ts';

/** Something that takes the publisher's packets: a subscription's sender. */
export interface RtpSink {
  forward(rtp: RtpPacket): void;
}

export type PublishedTrackEvents = {
  /** The publisher stopped this source, left, or its peer closed. */
  closed: [];
};

export interface PublishedTrackOptions {
  /** Smallest interval between two keyframe requests sent to the publisher, in ms (default 500). */
  readonly keyframeMinIntervalMs: number;
}

/**
 * One source a participant publishes (its microphone, camera or screen), as received by the server. Owned by the
 * publisher's Peer. It fans each packet out to its sinks and is the one place keyframe requests go to the
 * publisher, rate-limited, however many subscribers ask.
 */
export class PublishedTrack {
  readonly id = randomUUID();
  readonly events: TypedEmitter<PublishedTrackEvents>;
  readonly kind: 'audio' | 'video';
  /** Packets received from the publisher since the track appeared. */
  packetsReceived = 0;
  /** Keyframe requests actually sent to the publisher (after rate limiting). */
  keyframeRequestsSent = 0;
  readonly #sinks = new Set<RtpSink>();
  readonly #unsubscribe: () => void;
  #ssrc: number | undefined;
  #lastKeyframeRequestAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(
    readonly publisherId: string,
    readonly source: MediaSource,
    private readonly receiver: RTCRtpReceiver,
    track: MediaStreamTrack,
    private readonly counts: MediaCounts,
    private readonly options: PublishedTrackOptions,
    onListenerError: (err: unknown) => void,
  ) {
    this.kind = source === 'audio' ? 'audio' : 'video';
    this.events = new TypedEmitter(onListenerError);
    this.#ssrc = track.ssrc;
    const { unSubscribe } = track.onReceiveRtp.subscribe((rtp) => this.#onRtp(rtp));
    this.#unsubscribe = unSubscribe;
    counts.publications++;
  }

  #onRtp(rtp: RtpPacket): void {
    if (this.#closed) return;
    this.packetsReceived++;
    this.#ssrc ??= rtp.header.ssrc;
    // The publisher's header extensions carry ids and values of the publisher's leg (its mid above all); werift's
    // sender would copy them over its own, and a subscriber would then route the packet by the wrong mid. Each
    // sender writes its own extensions instead. The packet is already this track's own copy (werift clones it
    // per track), and each sender clones it again before rewriting ssrc and sequence numbers.
    rtp.header.extensions = [];
    for (const sink of this.#sinks) sink.forward(rtp);
  }

  addSink(sink: RtpSink): void {
    if (!this.#closed) this.#sinks.add(sink);
  }

  removeSink(sink: RtpSink): void {
    this.#sinks.delete(sink);
  }

  get sinkCount(): number {
    return this.#sinks.size;
  }

  /**
   * Asks the publisher for a keyframe (PLI), at most once per `keyframeMinIntervalMs`: every subscriber's
   * decoder asks after a loss or at start, and a publisher flooded with PLIs spends its bitrate on keyframes.
   */
  requestKeyframe(): void {
    if (this.#closed || this.kind !== 'video' || this.#ssrc === undefined) return;
    const now = performance.now();
    if (now - this.#lastKeyframeRequestAt < this.options.keyframeMinIntervalMs) return;
    this.#lastKeyframeRequestAt = now;
    this.keyframeRequestsSent++;
    this.receiver.sendRtcpPLI(this.#ssrc).catch(() => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops forwarding and tells the subscriptions (which close themselves). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#sinks.clear();
    this.counts.publications--;
    this.events.emit('closed');
    this.events.removeAllListeners();
  }
}
