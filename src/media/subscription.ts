import type { Track } from 'node-datachannel';
import type { MediaCounts } from './counters.ts';
import type { PublishedTrack, RtpSink } from './published-track.ts';
import { readRtcp, rewriteHeader, sequenceOf, ssrcOf, timestampOf } from './rtp.ts';
import { TypedEmitter } from './typed-emitter.ts';

export type SubscriptionEvents = {
  /** Closed by its peer, or because the publication it forwards ended. */
  closed: [];
};

/** Between the last packet of one incoming stream and the first of the next, in RTP ticks: about one frame. */
const TIMESTAMP_STEP = { audio: 960, video: 3_000 } as const;

/**
 * One other participant's source, sent to one subscriber: a send-only m-line on the subscriber's peer connection
 * (its own SSRC, declared in the server's offer), fed with the publisher's packets. Owned by the subscriber's Peer.
 *
 * Each packet leaves with this m-line's payload type and SSRC and with sequence numbers and timestamps that run on
 * without a jump when the incoming stream changes under it (the publisher's browser starts a new SSRC): the
 * subscriber's jitter buffer sees one continuous stream. libdatachannel's handlers on the track send sender
 * reports (RtcpSrReporter) and answer the subscriber's NACKs from a history of sent packets (RtcpNackResponder);
 * the subscriber's keyframe requests and receiver reports come back here.
 */
export class Subscription implements RtpSink {
  readonly events: TypedEmitter<SubscriptionEvents>;
  /** Packets handed to libdatachannel for this subscriber (from the moment its m-line is open). */
  packetsForwarded = 0;
  bytesForwarded = 0;
  /** The subscriber's latest receiver report about this m-line: fraction lost (0–1) and round trip, ms. */
  fractionLost = 0;
  rttMs: number | null = null;
  #open = false;
  #inSsrc: number | undefined;
  #seqDelta = 0;
  #tsDelta = 0;
  #lastSeq = 0;
  #lastTs = 0;
  #sent = false;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(
    readonly subscriberId: string,
    readonly publication: PublishedTrack,
    /** The m-line's mid on the subscriber's connection. */
    readonly mid: string,
    /** The SSRC this m-line sends with, declared in the offer. */
    readonly ssrc: number,
    private readonly payloadType: number,
    private readonly track: Track,
    private readonly counts: MediaCounts,
    onListenerError: (err: unknown) => void,
  ) {
    this.events = new TypedEmitter(onListenerError);
    this.#unsubscribe = publication.events.on('closed', () => this.close());
    track.onOpen(() => this.#opened());
    track.onMessage((message) => this.#onRtcp(message));
    if (track.isOpen()) this.#opened();
    publication.addSink(this);
    counts.subscriptions++;
  }

  /** The m-line is up (DTLS done): packets from now on reach the subscriber. */
  #opened(): void {
    if (this.#closed || this.#open) return;
    this.#open = true;
  }

  forward(packet: Buffer): void {
    if (!this.#open || this.#closed) return;
    if (!this.#sent) {
      // The first packet this subscriber can actually get: its decoder can start only at a keyframe, so ask the
      // publisher for one now (a request sent before the m-line was open would have been answered into the void).
      this.publication.requestKeyframe();
    }
    const inSsrc = ssrcOf(packet);
    const seq = sequenceOf(packet);
    const ts = timestampOf(packet);
    if (inSsrc !== this.#inSsrc) {
      // A new incoming stream (or the first): map it so that it continues where the last one left off.
      this.#inSsrc = inSsrc;
      if (this.#sent) {
        this.#seqDelta = (this.#lastSeq + 1 - seq) & 0xffff;
        this.#tsDelta = (this.#lastTs + TIMESTAMP_STEP[this.publication.kind] - ts) >>> 0;
      }
    }
    this.#lastSeq = (seq + this.#seqDelta) & 0xffff;
    this.#lastTs = (ts + this.#tsDelta) >>> 0;
    this.#sent = true;
    rewriteHeader(packet, this.payloadType, this.#lastSeq, this.#lastTs, this.ssrc);
    try {
      this.track.sendMessageBinary(packet);
    } catch {
      // The connection closed under us; the peer closes this subscription next.
      return;
    }
    this.packetsForwarded++;
    this.bytesForwarded += packet.length;
  }

  /** RTCP from the subscriber about this m-line: keyframe requests go to the publication, reports are kept. */
  #onRtcp(message: Buffer): void {
    if (this.#closed) return;
    const feedback = readRtcp(message);
    if (feedback.keyframeSsrcs.includes(this.ssrc)) this.publication.requestKeyframe();
    for (const report of feedback.reports) {
      if (report.ssrc !== this.ssrc) continue;
      this.fractionLost = report.fractionLost;
      if (report.rttMs !== null) this.rttMs = report.rttMs;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops forwarding and closes the m-line (removed in the subscriber's next offer). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.publication.removeSink(this);
    this.#unsubscribe();
    try {
      this.track.close();
    } catch {
      // The peer connection is already closed: nothing left to stop.
    }
    this.counts.subscriptions--;
    this.events.emit('closed');
    this.events.removeAllListeners();
  }
}
