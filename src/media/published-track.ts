import { randomUUID } from 'node:crypto';
import type { MediaSource } from '../protocol/signalling.ts';
import type { MediaCounts } from './counters.ts';
import { isForwardableRtp, isRtcp, payloadTypeOf, pliPacket, receiverReportPacket, rembPacket, senderReports, SequenceTracker, sequenceOf, ssrcOf, withoutExtensions } from './rtp.ts';
import { payloadTypes } from './rtc-config.ts';
import { TypedEmitter } from './typed-emitter.ts';

/**
 * Something that takes the publisher's packets and sends them on: a subscription. It may rewrite the packet's
 * header (payload type, sequence number, timestamp, SSRC) in place, and must not keep the buffer.
 */
export interface RtpSink {
  forward(packet: Buffer): void;
}

/**
 * Something that reads the publisher's packets as they arrive: a recording's capture. It is called before any sink
 * rewrites the header, must not change the buffer, and copies what it keeps.
 */
export interface RtpObserver {
  observe(packet: Buffer): void;
}

export type PublishedTrackEvents = {
  /** The publisher stopped this source, left, or its peer closed. */
  closed: [];
};

/** How a publication's RTCP reaches its publisher: the peer's own SSRC for RTCP and a way to send a packet. */
export interface RtcpChannel {
  readonly senderSsrc: number;
  send(packet: Buffer): void;
}

export interface PublishedTrackOptions {
  /** Smallest interval between two keyframe requests sent to the publisher, in ms (default 500). */
  readonly keyframeMinIntervalMs: number;
}

/**
 * One source a participant publishes (its microphone, camera or screen), as received by the server on one
 * receive-only m-line of the publisher's peer connection. Owned by the publisher's Peer. It fans each packet out to
 * its observers and sinks, and is the one place keyframe requests go to the publisher, rate-limited, however many
 * subscribers ask.
 */
export class PublishedTrack {
  readonly id = randomUUID();
  readonly events: TypedEmitter<PublishedTrackEvents>;
  readonly kind: 'audio' | 'video';
  /** Packets received from the publisher since the track appeared. */
  packetsReceived = 0;
  bytesReceived = 0;
  /** Packets refused: not RTP, or a payload type this m-line did not negotiate. */
  packetsDropped = 0;
  /** Keyframe requests actually sent to the publisher (after rate limiting). */
  keyframeRequestsSent = 0;
  readonly #sequence = new SequenceTracker();
  readonly #sinks = new Set<RtpSink>();
  readonly #observers = new Set<RtpObserver>();
  readonly #payloadType: number;
  #ssrc: number | undefined;
  #lastKeyframeRequestAt = Number.NEGATIVE_INFINITY;
  #onFirstPacket: (() => void) | null = null;
  #bitrateCeiling = 0;
  /** The publisher's last sender report: its NTP time (middle 32 bits) and when it arrived (performance.now()). */
  #lastSr: { ntpMiddle: number; at: number } | null = null;
  #closed = false;

  constructor(
    readonly publisherId: string,
    readonly source: MediaSource,
    private readonly rtcp: RtcpChannel,
    private readonly counts: MediaCounts,
    private readonly options: PublishedTrackOptions,
    onListenerError: (err: unknown) => void,
  ) {
    this.kind = source === 'audio' ? 'audio' : 'video';
    this.#payloadType = this.kind === 'audio' ? payloadTypes.opus : payloadTypes.vp8;
    this.events = new TypedEmitter(onListenerError);
    counts.publications++;
  }

  /** A packet from the publisher's m-line (the Peer's track callback hands every message here). */
  receive(message: Buffer): void {
    if (this.#closed) return;
    if (isRtcp(message)) {
      this.#onRtcp(message);
      return;
    }
    if (!isForwardableRtp(message) || payloadTypeOf(message) !== this.#payloadType) {
      this.packetsDropped++;
      return;
    }
    this.packetsReceived++;
    this.bytesReceived += message.length;
    this.#sequence.add(sequenceOf(message));
    if (this.#ssrc === undefined) {
      this.#ssrc = ssrcOf(message);
      const first = this.#onFirstPacket;
      this.#onFirstPacket = null;
      first?.();
    }
    const packet = withoutExtensions(message);
    for (const observer of this.#observers) observer.observe(packet);
    for (const sink of this.#sinks) sink.forward(packet);
  }

  /**
   * The publisher's RTCP: each sender report about this track is answered with a receiver report (loss since the last
   * one, which drives the browser's loss-based bandwidth estimate) and, for video, the bitrate ceiling (REMB).
   */
  #onRtcp(message: Buffer): void {
    if (this.#ssrc === undefined) return;
    for (const sr of senderReports(message)) {
      if (sr.ssrc !== this.#ssrc) continue;
      this.#lastSr = { ntpMiddle: sr.ntpMiddle, at: performance.now() };
      this.#sendReport();
    }
  }

  #sendReport(): void {
    if (this.#ssrc === undefined) return;
    const sr = this.#lastSr;
    this.#send(
      receiverReportPacket(this.rtcp.senderSsrc, {
        ssrc: this.#ssrc,
        fractionLost: this.#sequence.intervalFraction(),
        cumulativeLost: this.#sequence.lost,
        extendedHighest: this.#sequence.extendedHighest,
        lastSr: sr?.ntpMiddle ?? 0,
        delaySinceLastSr: sr ? Math.round(((performance.now() - sr.at) / 1000) * 65_536) : 0,
      }),
    );
    if (this.kind === 'video' && this.#bitrateCeiling > 0) this.#send(rembPacket(this.rtcp.senderSsrc, this.#ssrc, this.#bitrateCeiling));
  }

  #send(packet: Buffer): void {
    try {
      this.rtcp.send(packet);
    } catch {
      // The connection is closing: nobody is left to tell.
    }
  }

  /** Runs `fn` once, when the first packet arrives (RTCP toward the publisher needs its SSRC). */
  onFirstPacket(fn: () => void): void {
    if (this.#ssrc !== undefined) fn();
    else this.#onFirstPacket = fn;
  }

  /** Packets lost on the way from the publisher (sequence gaps). */
  get packetsLost(): number {
    return this.#sequence.lost;
  }

  addSink(sink: RtpSink): void {
    if (!this.#closed) this.#sinks.add(sink);
  }

  removeSink(sink: RtpSink): void {
    this.#sinks.delete(sink);
  }

  addObserver(observer: RtpObserver): void {
    if (!this.#closed) this.#observers.add(observer);
  }

  removeObserver(observer: RtpObserver): void {
    this.#observers.delete(observer);
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
    this.#send(pliPacket(this.rtcp.senderSsrc, this.#ssrc));
  }

  /** Tells the publisher how much it may send (REMB, now and with every receiver report): its estimate's ceiling. */
  requestBitrate(bitsPerSecond: number): void {
    this.#bitrateCeiling = bitsPerSecond;
    if (this.#closed || this.#ssrc === undefined) return;
    this.#send(rembPacket(this.rtcp.senderSsrc, this.#ssrc, bitsPerSecond));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops forwarding and tells the subscriptions (which close themselves). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sinks.clear();
    this.#observers.clear();
    this.counts.publications--;
    this.events.emit('closed');
    this.events.removeAllListeners();
  }
}
