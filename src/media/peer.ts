import { RTCPeerConnection, type RTCDtlsTransport, type RtcpPacket, type RTCRtpTransceiver } from 'werift';
import type { MediaSource } from '../protocol/signalling.ts';
import type { MediaCounts } from './counters.ts';
import { PublishedTrack } from './published-track.ts';
import { keyframeRequestSsrcs } from './rtcp.ts';
import { answerProblem } from './sdp-check.ts';
import { announceAddress, serverPeerConfig, type RtcNetworkOptions } from './rtc-config.ts';
import { Subscription } from './subscription.ts';
import type { TimerSet } from './timer-set.ts';
import { TypedEmitter } from './typed-emitter.ts';

/** What the server asks one client to apply: its SDP, and which m-line is which. */
export interface PeerOffer {
  readonly sdp: string;
  readonly publish: { mid: string; source: MediaSource }[];
  readonly subscribe: { mid: string; participantId: string; source: MediaSource }[];
}

export type PeerFailure = 'negotiation-timeout' | 'negotiation-error' | 'connection-failed';

export type PeerEvents = {
  /** An offer to send to this participant's client; it must answer within the negotiation timeout. */
  offer: [PeerOffer];
  published: [PublishedTrack];
  unpublished: [PublishedTrack];
  /** The peer cannot go on (its owner closes it and tells the participant). */
  failed: [PeerFailure];
  closed: [];
};

/** A refusal the participant caused (a bad answer or candidate): reported to them, the peer goes on. */
export class PeerInputError extends Error {
  constructor(
    readonly code: 'BAD_SDP' | 'BAD_CANDIDATE',
    message: string,
  ) {
    super(message);
    this.name = 'PeerInputError';
  }
}

export interface PeerContext {
  readonly counts: MediaCounts;
  readonly timers: TimerSet;
  readonly network: RtcNetworkOptions;
  /** How long a client has to answer an offer before the peer fails, in ms. */
  readonly negotiationTimeoutMs: number;
  readonly keyframeMinIntervalMs: number;
  readonly onListenerError: (err: unknown) => void;
}

/**
 * One participant's werift peer connection. Owns the sources the participant publishes and its subscriptions to
 * everyone else's. The server is the only offerer: every change (publish, unpublish, a subscription coming or
 * going) marks the peer as needing an offer, and one offer goes out when the previous negotiation has finished.
 */
export class Peer {
  readonly pc: RTCPeerConnection;
  readonly events: TypedEmitter<PeerEvents>;
  readonly #publishSlots = new Map<MediaSource, RTCRtpTransceiver>();
  readonly #publications = new Map<MediaSource, PublishedTrack>();
  readonly #subscriptions = new Map<string, Subscription>();
  #chain: Promise<void> = Promise.resolve();
  #needsOffer = false;
  #offerScheduled = false;
  #answerTimer: NodeJS.Timeout | null = null;
  #offersSent = 0;
  #closed = false;
  readonly #watchedTransports = new WeakSet<RTCDtlsTransport>();

  constructor(
    readonly participantId: string,
    private readonly ctx: PeerContext,
  ) {
    this.events = new TypedEmitter(ctx.onListenerError);
    this.pc = new RTCPeerConnection(serverPeerConfig(ctx.network));
    ctx.counts.peers++;
    ctx.counts.peerConnections++;
    // The first m-line tags the BUNDLE group, and Chromium ties the one transport to it: when that m-line is stopped
    // (a subscription whose publisher left or reloaded, an unpublished source) and a later offer reuses its slot,
    // Chromium fails the connection or refuses its own answer ("Failed to setup RTCP mux"). So the first m-line is an
    // inactive one that carries nothing and is never stopped; every real source comes after it.
    this.pc.addTransceiver('audio', { direction: 'inactive' });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' && !this.#closed) this.events.emit('failed', 'connection-failed');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get offersSent(): number {
    return this.#offersSent;
  }

  /** Sources the participant currently sends (negotiated and receiving). */
  get publishedSources(): MediaSource[] {
    return [...this.#publications.keys()];
  }

  get publications(): PublishedTrack[] {
    return [...this.#publications.values()];
  }

  get subscriptions(): Subscription[] {
    return [...this.#subscriptions.values()];
  }

  /** Opens a receiving m-line for a source; the client attaches its track when it answers. Idempotent. */
  publish(source: MediaSource): void {
    if (this.#closed || this.#publishSlots.has(source)) return;
    const transceiver = this.pc.addTransceiver(source === 'audio' ? 'audio' : 'video', { direction: 'recvonly' });
    this.#publishSlots.set(source, transceiver);
    this.#scheduleOffer();
  }

  /** Stops a source: its subscribers lose the track, and the m-line is negotiated away. Idempotent. */
  unpublish(source: MediaSource): void {
    const slot = this.#publishSlots.get(source);
    if (this.#closed || !slot) return;
    this.#publishSlots.delete(source);
    this.#publications.get(source)?.close();
    try {
      slot.stop();
    } catch {
      // already stopped with the connection
    }
    this.#scheduleOffer();
  }

  /** Starts receiving another participant's publication. Idempotent per publication. */
  subscribe(publication: PublishedTrack): void {
    if (this.#closed || publication.closed || this.#subscriptions.has(publication.id)) return;
    const subscription = new Subscription(this.participantId, publication, this.pc, this.ctx.counts, this.ctx.onListenerError);
    this.#subscriptions.set(publication.id, subscription);
    subscription.events.on('closed', () => {
      this.#subscriptions.delete(publication.id);
      if (!this.#closed) this.#scheduleOffer();
    });
    this.#scheduleOffer();
  }

  /** Applies the client's answer to the pending offer. A bad one is refused; the offer stays open until the timeout. */
  handleAnswer(sdp: string): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      if (this.pc.signalingState !== 'have-local-offer') {
        throw new PeerInputError('BAD_SDP', 'There is no offer waiting for an answer.');
      }
      const problem = answerProblem(this.pc.localDescription?.sdp ?? '', sdp);
      if (problem) throw new PeerInputError('BAD_SDP', `The answer was refused: ${problem}.`);
      try {
        await this.pc.setRemoteDescription({ type: 'answer', sdp });
      } catch (err) {
        throw new PeerInputError('BAD_SDP', `The answer was refused: ${err instanceof Error ? err.message : 'invalid SDP'}.`);
      }
      if (this.#closed) return;
      this.ctx.timers.clear(this.#answerTimer);
      this.#answerTimer = null;
      this.#collectPublications();
      if (this.#needsOffer) this.#scheduleOffer();
    });
  }

  async addIceCandidate(candidate: { candidate: string; sdpMid?: string | null | undefined; sdpMLineIndex?: number | null | undefined; usernameFragment?: string | null | undefined }): Promise<void> {
    if (this.#closed) return;
    try {
      await this.pc.addIceCandidate({
        candidate: candidate.candidate,
        ...(candidate.sdpMid != null ? { sdpMid: candidate.sdpMid } : {}),
        ...(candidate.sdpMLineIndex != null ? { sdpMLineIndex: candidate.sdpMLineIndex } : {}),
        ...(candidate.usernameFragment != null ? { usernameFragment: candidate.usernameFragment } : {}),
      });
    } catch (err) {
      throw new PeerInputError('BAD_CANDIDATE', `The ICE candidate was refused: ${err instanceof Error ? err.message : 'invalid'}.`);
    }
  }

  /** Closes subscriptions, publications (their subscribers are told) and the connection. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.ctx.timers.clear(this.#answerTimer);
    this.#answerTimer = null;
    for (const sub of [...this.#subscriptions.values()]) sub.close();
    this.#subscriptions.clear();
    for (const pub of [...this.#publications.values()]) pub.close();
    this.#publications.clear();
    this.#publishSlots.clear();
    this.ctx.counts.peers--;
    const counts = this.ctx.counts;
    this.pc
      .close()
      .catch(() => {})
      .finally(() => {
        counts.peerConnections--;
      });
    this.events.emit('closed');
    this.events.removeAllListeners();
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task);
    // The chain itself never rejects, so one failed step does not block the next; the caller sees the error.
    this.#chain = run.catch(() => {});
    return run;
  }

  #scheduleOffer(): void {
    this.#needsOffer = true;
    if (this.#offerScheduled || this.#closed) return;
    this.#offerScheduled = true;
    // Changes made in the same turn (publish audio and video, three subscriptions at join) share one offer.
    setImmediate(() => {
      this.#offerScheduled = false;
      this.#enqueue(() => this.#offerIfNeeded()).catch((err: unknown) => {
        if (this.#closed) return;
        this.ctx.onListenerError(err);
        this.events.emit('failed', 'negotiation-error');
      });
    });
  }

  async #offerIfNeeded(): Promise<void> {
    if (this.#closed || !this.#needsOffer || this.pc.signalingState !== 'stable') return;
    this.#needsOffer = false;
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    if (this.#closed) return;
    this.#watchTransports();
    const sdp = announceAddress(this.pc.localDescription?.sdp ?? offer.sdp, this.ctx.network.announcedIp);
    const publish: PeerOffer['publish'] = [];
    for (const [source, t] of this.#publishSlots) if (t.mid !== null) publish.push({ mid: t.mid, source });
    const subscribe: PeerOffer['subscribe'] = [];
    for (const sub of this.#subscriptions.values()) {
      if (sub.mid !== null) subscribe.push({ mid: sub.mid, participantId: sub.publication.publisherId, source: sub.publication.source });
    }
    this.#offersSent++;
    this.#answerTimer = this.ctx.timers.timeout(this.ctx.negotiationTimeoutMs, () => {
      this.#answerTimer = null;
      if (!this.#closed) this.events.emit('failed', 'negotiation-timeout');
    });
    this.events.emit('offer', { sdp, publish, subscribe });
  }

  #watchTransports(): void {
    for (const transport of this.pc.dtlsTransports) {
      if (this.#watchedTransports.has(transport)) continue;
      this.#watchedTransports.add(transport);
      transport.onRtcp.subscribe((packet) => this.#onRtcp(packet));
    }
  }

  /** A subscriber's keyframe request goes to the publication its sender forwards (which rate-limits it). */
  #onRtcp(packet: RtcpPacket): void {
    if (this.#closed) return;
    for (const ssrc of keyframeRequestSsrcs(packet)) {
      for (const sub of this.#subscriptions.values()) {
        if (sub.transceiver.sender.ssrc === ssrc) sub.publication.requestKeyframe();
      }
    }
  }

  /** After an answer: a publish slot the client now sends on becomes a publication. */
  #collectPublications(): void {
    for (const [source, t] of this.#publishSlots) {
      if (this.#publications.has(source)) continue;
      const direction = t.currentDirection;
      if (direction !== 'recvonly' && direction !== 'sendrecv') continue;
      const publication = new PublishedTrack(
        this.participantId,
        source,
        t.receiver,
        t.receiver.track,
        this.ctx.counts,
        { keyframeMinIntervalMs: this.ctx.keyframeMinIntervalMs },
        this.ctx.onListenerError,
      );
      this.#publications.set(source, publication);
      publication.events.on('closed', () => {
        this.#publications.delete(source);
        if (!this.#closed) this.events.emit('unpublished', publication);
      });
      this.events.emit('published', publication);
    }
  }
}
