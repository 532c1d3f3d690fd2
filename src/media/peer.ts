import { randomInt } from 'node:crypto';
import { Audio, PeerConnection, RtcpNackResponder, RtcpSrReporter, RtpPacketizationConfig, Video, type Track } from 'node-datachannel';
import type { MediaSource } from '../protocol/signalling.ts';
import type { MediaCounts, MediaTraffic } from './counters.ts';
import { PublishedTrack } from './published-track.ts';
import { announceAddress, OPUS_FMTP, payloadTypes, serverRtcConfig, type RtcNetworkOptions } from './rtc-config.ts';
import { answerDirections, answerProblem } from './sdp-check.ts';
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
  /** What closed publications and subscriptions carried; the live ones add theirs (MediaServer.traffic()). */
  readonly retiredTraffic: MediaTraffic;
  readonly timers: TimerSet;
  readonly network: RtcNetworkOptions;
  /** The UDP port every peer connection of this process shares (0: the system picks one for the process). */
  readonly udpPort: number;
  /** How long a client has to answer an offer before the peer fails, in ms. */
  readonly negotiationTimeoutMs: number;
  readonly keyframeMinIntervalMs: number;
  /** The most a publisher's camera or screen may send, bits/s: told to its browser (REMB) as its estimate's ceiling. */
  readonly videoBitrateCeiling: number;
  readonly onListenerError: (err: unknown) => void;
}

/** Longest wait for the first offer's host candidates (with one muxed port they are there at once). */
const GATHERING_TIMEOUT_MS = 2_000;
/** RTP clock rates of the two codecs. */
const CLOCK_RATE = { audio: 48_000, video: 90_000 } as const;
/** Packets of each video subscription kept to answer the subscriber's NACKs (~4 s of camera video). */
const NACK_HISTORY = 512;

/** A receive-only m-line the participant's client may send one source on. */
interface PublishSlot {
  readonly mid: string;
  readonly source: MediaSource;
  readonly track: Track;
  publication: PublishedTrack | null;
}

/** The ICE candidate fields a client sends. */
export interface CandidateInit {
  readonly candidate: string;
  readonly sdpMid?: string | null | undefined;
  readonly sdpMLineIndex?: number | null | undefined;
  readonly usernameFragment?: string | null | undefined;
}

/**
 * One participant's peer connection, on libdatachannel. Owns the sources the participant publishes (receive-only
 * m-lines) and its subscriptions to everyone else's (send-only m-lines with the server's SSRCs). The server is the
 * only offerer: every change (publish, unpublish, a subscription coming or going) marks the peer as needing an
 * offer, and one offer goes out when the previous negotiation has finished.
 *
 * Each m-line has a mid of its own that is never reused: a closed track's m-line is rejected (port 0) in the next
 * offer and stays in the SDP, and libdatachannel keys its tracks by mid.
 */
export class Peer {
  readonly events: TypedEmitter<PeerEvents>;
  readonly #pc: PeerConnection;
  /**
   * The first m-line tags the BUNDLE group, and Chromium ties the one transport to it: when that m-line is rejected
   * (a subscription whose publisher left, an unpublished source) Chromium fails the connection or refuses its own
   * answer ("Failed to setup RTCP mux"). So the first m-line is an inactive one that carries nothing and is never
   * closed; every real source comes after it.
   */
  readonly #anchor: Track;
  readonly #publishSlots = new Map<MediaSource, PublishSlot>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #cname = `parley-${randomInt(2 ** 47).toString(36)}`;
  /** The SSRC the server's own RTCP to this client (receiver reports, PLI, REMB) goes out with. */
  readonly #rtcpSsrc = randomInt(1, 2 ** 32 - 1);
  #nextMid = 1;
  #chain: Promise<void> = Promise.resolve();
  #needsOffer = false;
  #offerScheduled = false;
  #awaitingAnswer = false;
  #answered = false;
  /** Candidates that came before the first answer (libdatachannel refuses them without a remote description). */
  #earlyCandidates: CandidateInit[] = [];
  #answerTimer: NodeJS.Timeout | null = null;
  #offersSent = 0;
  #gathered: Promise<void>;
  #closed = false;

  constructor(
    readonly participantId: string,
    private readonly ctx: PeerContext,
  ) {
    this.events = new TypedEmitter(ctx.onListenerError);
    this.#pc = new PeerConnection('parley', serverRtcConfig(ctx.udpPort));
    ctx.counts.peers++;
    ctx.counts.peerConnections++;
    let gathered!: () => void;
    this.#gathered = new Promise((resolve) => (gathered = resolve));
    this.#pc.onGatheringStateChange((state) => {
      if (state === 'complete') gathered();
    });
    this.#pc.onStateChange((state) => {
      if (state === 'failed' && !this.#closed) this.events.emit('failed', 'connection-failed');
    });
    const anchor = new Audio('0', 'Inactive');
    anchor.addOpusCodec(payloadTypes.opus, OPUS_FMTP);
    this.#anchor = this.#pc.addTrack(anchor);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get offersSent(): number {
    return this.#offersSent;
  }

  /** Sources the participant currently sends (negotiated and receiving). */
  get publishedSources(): MediaSource[] {
    const out: MediaSource[] = [];
    for (const [source, slot] of this.#publishSlots) if (slot.publication) out.push(source);
    return out;
  }

  get publications(): PublishedTrack[] {
    const out: PublishedTrack[] = [];
    for (const slot of this.#publishSlots.values()) if (slot.publication) out.push(slot.publication);
    return out;
  }

  get subscriptions(): Subscription[] {
    return [...this.#subscriptions.values()];
  }

  /** Totals since the connection opened, for the quality sampler (counters only: nothing here is measured twice). */
  stats(): PeerStats {
    const s: PeerStats = { bytesIn: 0, packetsIn: 0, lostIn: 0, bytesOut: 0, fractionLostOut: 0, rttMs: null };
    const rtts: number[] = [];
    for (const publication of this.publications) {
      s.bytesIn += publication.bytesReceived;
      s.packetsIn += publication.packetsReceived;
      s.lostIn += publication.packetsLost;
    }
    for (const sub of this.#subscriptions.values()) {
      s.bytesOut += sub.bytesForwarded;
      s.fractionLostOut = Math.max(s.fractionLostOut, sub.fractionLost);
      if (sub.rttMs !== null) rtts.push(sub.rttMs);
    }
    if (rtts.length > 0) s.rttMs = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    return s;
  }

  requestKeyframes(): void {
    for (const publication of this.publications) publication.requestKeyframe();
  }

  /** Opens a receiving m-line for a source; the client attaches its track when it answers. Idempotent. */
  publish(source: MediaSource): void {
    if (this.#closed || this.#publishSlots.has(source)) return;
    const mid = this.#mid();
    const media = source === 'audio' ? new Audio(mid, 'RecvOnly') : new Video(mid, 'RecvOnly');
    if (media instanceof Audio) media.addOpusCodec(payloadTypes.opus, OPUS_FMTP);
    else media.addVP8Codec(payloadTypes.vp8);
    // No media handler: the publication sees the publisher's RTCP and writes its own (receiver reports, REMB, PLI)
    // with the publisher's media SSRC. libdatachannel's RtcpReceivingSession would address them to whatever SSRC
    // last sent it a report, which for a client that also receives is one of its receiver-report SSRCs.
    const track = this.#pc.addTrack(media);
    const slot: PublishSlot = { mid, source, track, publication: null };
    track.onMessage((message) => slot.publication?.receive(message));
    this.#publishSlots.set(source, slot);
    this.#scheduleOffer();
  }

  /** Stops a source: its subscribers lose the track, and the m-line is negotiated away. Idempotent. */
  unpublish(source: MediaSource): void {
    const slot = this.#publishSlots.get(source);
    if (this.#closed || !slot) return;
    this.#publishSlots.delete(source);
    slot.publication?.close();
    closeTrack(slot.track);
    this.#scheduleOffer();
  }

  /** Starts receiving another participant's publication. Idempotent per publication. */
  subscribe(publication: PublishedTrack): void {
    if (this.#closed || publication.closed || this.#subscriptions.has(publication.id)) return;
    const mid = this.#mid();
    const ssrc = this.#newSsrc();
    const kind = publication.kind;
    const payloadType = kind === 'audio' ? payloadTypes.opus : payloadTypes.vp8;
    const media = kind === 'audio' ? new Audio(mid, 'SendOnly') : new Video(mid, 'SendOnly');
    if (media instanceof Audio) media.addOpusCodec(payloadType, OPUS_FMTP);
    else media.addVP8Codec(payloadType);
    // The stream id is the publisher's participant id, so a browser groups one person's audio and video.
    media.addSSRC(ssrc, this.#cname, publication.publisherId, publication.id);
    const track = this.#pc.addTrack(media);
    const reporter = new RtcpSrReporter(new RtpPacketizationConfig(ssrc, this.#cname, payloadType, CLOCK_RATE[kind]));
    if (kind === 'video') reporter.addToChain(new RtcpNackResponder(NACK_HISTORY));
    track.setMediaHandler(reporter);
    const subscription = new Subscription(this.participantId, publication, mid, ssrc, payloadType, track, this.ctx.counts, this.ctx.onListenerError);
    this.#subscriptions.set(publication.id, subscription);
    subscription.events.on('closed', () => {
      this.ctx.retiredTraffic.packetsForwarded += subscription.packetsForwarded;
      this.#subscriptions.delete(publication.id);
      if (!this.#closed) this.#scheduleOffer();
    });
    this.#scheduleOffer();
  }

  /** Applies the client's answer to the pending offer. A bad one is refused; the offer stays open until the timeout. */
  handleAnswer(sdp: string): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      if (!this.#awaitingAnswer) throw new PeerInputError('BAD_SDP', 'There is no offer waiting for an answer.');
      const problem = answerProblem(this.#pc.localDescription()?.sdp ?? '', sdp);
      if (problem) throw new PeerInputError('BAD_SDP', `The answer was refused: ${problem}.`);
      try {
        this.#pc.setRemoteDescription(sdp, 'answer');
      } catch (err) {
        throw new PeerInputError('BAD_SDP', `The answer was refused: ${err instanceof Error ? err.message.replace(/^libdatachannel error[^:]*: /, '') : 'invalid SDP'}.`);
      }
      this.#awaitingAnswer = false;
      this.#answered = true;
      this.ctx.timers.clear(this.#answerTimer);
      this.#answerTimer = null;
      this.#collectPublications(answerDirections(sdp));
      const early = this.#earlyCandidates;
      this.#earlyCandidates = [];
      for (const candidate of early) this.#applyCandidate(candidate, false);
      if (this.#needsOffer) this.#scheduleOffer();
    });
  }

  /** A candidate of the client's (trickled after its answer). */
  addIceCandidate(candidate: CandidateInit): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      if (!this.#answered) {
        if (this.#earlyCandidates.length < 64) this.#earlyCandidates.push(candidate);
        return;
      }
      this.#applyCandidate(candidate, true);
    });
  }

  #applyCandidate(candidate: CandidateInit, report: boolean): void {
    const line = candidate.candidate.trim();
    // End of candidates, or an mDNS name (`….local`) that only the browser's own network can resolve: the server
    // learns the client's address from its connectivity checks instead (a peer-reflexive candidate).
    if (line === '' || /\s\S+\.local\s/.test(line)) return;
    if (!/^(a=)?candidate:/.test(line)) {
      if (report) throw new PeerInputError('BAD_CANDIDATE', 'The ICE candidate was refused: it does not start with "candidate:".');
      return;
    }
    try {
      this.#pc.addRemoteCandidate(line, candidate.sdpMid ?? '0');
    } catch (err) {
      if (report) throw new PeerInputError('BAD_CANDIDATE', `The ICE candidate was refused: ${err instanceof Error ? err.message.replace(/^libdatachannel error[^:]*: /, '') : 'invalid'}.`);
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
    for (const slot of this.#publishSlots.values()) {
      slot.publication?.close();
      closeTrack(slot.track);
    }
    this.#publishSlots.clear();
    closeTrack(this.#anchor);
    this.ctx.counts.peers--;
    try {
      this.#pc.close();
    } catch {
      // already closed
    }
    this.ctx.counts.peerConnections--;
    this.events.emit('closed');
    this.events.removeAllListeners();
  }

  #mid(): string {
    return String(this.#nextMid++);
  }

  #newSsrc(): number {
    for (;;) {
      const ssrc = randomInt(1, 2 ** 32 - 1);
      if (![...this.#subscriptions.values()].some((s) => s.ssrc === ssrc)) return ssrc;
    }
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
    if (this.#closed || !this.#needsOffer || this.#awaitingAnswer) return;
    this.#needsOffer = false;
    this.#pc.setLocalDescription('offer');
    // What the offer holds is read now: a source published while the candidates gather goes in the next one.
    const publish: PeerOffer['publish'] = [];
    for (const [source, slot] of this.#publishSlots) publish.push({ mid: slot.mid, source });
    const subscribe: PeerOffer['subscribe'] = [];
    for (const sub of this.#subscriptions.values()) {
      subscribe.push({ mid: sub.mid, participantId: sub.publication.publisherId, source: sub.publication.source });
    }
    this.#awaitingAnswer = true;
    if (this.#offersSent === 0) {
      // The first offer carries the host candidates (the server does not trickle).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#gathered, new Promise<void>((resolve) => (timer = setTimeout(resolve, GATHERING_TIMEOUT_MS)))]);
      clearTimeout(timer);
    }
    if (this.#closed) return;
    const local = this.#pc.localDescription();
    if (!local) throw new Error('libdatachannel produced no local description');
    const sdp = announceAddress(local.sdp, this.ctx.network.announcedIp);
    this.#offersSent++;
    this.#answerTimer = this.ctx.timers.timeout(this.ctx.negotiationTimeoutMs, () => {
      this.#answerTimer = null;
      if (!this.#closed) this.events.emit('failed', 'negotiation-timeout');
    });
    this.events.emit('offer', { sdp, publish, subscribe });
  }

  /** After an answer: a publish slot the client now sends on becomes a publication. */
  #collectPublications(directions: ReadonlyMap<string, string>): void {
    for (const [source, slot] of this.#publishSlots) {
      if (slot.publication) continue;
      const direction = directions.get(slot.mid);
      if (direction !== 'sendonly' && direction !== 'sendrecv') continue;
      const publication = new PublishedTrack(
        this.participantId,
        source,
        // RTCP leaves on the anchor's m-line: it has no media handler, so libdatachannel sends what it is given as
        // is, and every m-line shares the one bundled transport.
        { senderSsrc: this.#rtcpSsrc, send: (packet) => this.#anchor.sendMessageBinary(packet) },
        this.ctx.counts,
        { keyframeMinIntervalMs: this.ctx.keyframeMinIntervalMs },
        this.ctx.onListenerError,
      );
      slot.publication = publication;
      publication.events.on('closed', () => {
        this.ctx.retiredTraffic.packetsReceived += publication.packetsReceived;
        this.ctx.retiredTraffic.packetsLost += publication.packetsLost;
        if (slot.publication === publication) slot.publication = null;
        if (!this.#closed) this.events.emit('unpublished', publication);
      });
      if (publication.kind === 'video') publication.onFirstPacket(() => publication.requestBitrate(this.ctx.videoBitrateCeiling));
      this.events.emit('published', publication);
    }
  }
}

/** Counters of one peer since it opened (see Peer.stats). */
export interface PeerStats {
  bytesIn: number;
  packetsIn: number;
  /** Packets lost on the way in, from sequence gaps. */
  lostIn: number;
  bytesOut: number;
  /** The worst fraction lost (0–1) the client last reported for any of the m-lines it receives. */
  fractionLostOut: number;
  /** Round trip from the client's receiver reports, ms (null until one answered a sender report). */
  rttMs: number | null;
}

function closeTrack(track: Track): void {
  try {
    track.close();
  } catch {
    // the connection is gone already
  }
}
