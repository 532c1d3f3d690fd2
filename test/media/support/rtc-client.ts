import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDtlsTransport, type RTCRtpTransceiver } from 'werift';
import { keyframeRequestSsrcs } from '../../support/werift-rtcp.ts';
import type { MediaSource } from '../../../src/protocol/signalling.ts';

/** What the server's offer says (the `offer` signalling message without its type). */
export interface OfferLike {
  sdp: string;
  publish: { mid: string; source: MediaSource }[];
  subscribe: { mid: string; participantId: string; source: MediaSource }[];
}

/** A VP8 payload descriptor (start of partition 0) and a keyframe header for 640×480: enough to look like VP8. */
const VP8_KEYFRAME = Buffer.from([0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, ...new Array(100).fill(0x42)]);
/** An Opus TOC byte (CELT FB 20 ms, one frame) and filler. */
const OPUS_FRAME = Buffer.from([0xfc, ...new Array(60).fill(0xff)]);

/**
 * A synthetic participant in Node: a werift peer connection that answers the server's offers, sends fake
 * Opus/VP8 RTP with valid headers on the sources it publishes, and counts what it receives per sender and source.
 */
export class RtcClient {
  readonly pc: RTCPeerConnection;
  readonly localTracks = new Map<MediaSource, MediaStreamTrack>();
  /** Packets received, keyed `participantId/source`. */
  readonly received = new Map<string, number>();
  /** Keyframe requests the server sent for each of our sources. */
  readonly plisReceived = new Map<MediaSource, number>();
  readonly #midInfo = new Map<string, { participantId: string; source: MediaSource }>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #watched = new WeakSet<RTCDtlsTransport>();
  /** Distinct sequence numbers received, keyed `participantId/source` (a retransmission fills a gap, a copy adds nothing). */
  readonly sequences = new Map<string, Set<number>>();
  answers = 0;

  /**
   * `dropPercent`: this client's network loses that share of what arrives (RTP and RTCP alike, before decryption, so
   * a retransmission is not refused as a replay): werift's own test hook.
   */
  constructor(options: { readonly dropPercent?: number } = {}) {
    // werift keeps a packet when `inboundPacketLoss / 100` is at least a random draw: the number is what gets through.
    const debug = options.dropPercent ? { debug: { inboundPacketLoss: 100 - options.dropPercent } } : {};
    this.pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, ...debug });
    this.pc.ontrack = (event) => {
      const transceiver = event.transceiver;
      event.track.onReceiveRtp.subscribe((rtp) => {
        const info = transceiver.mid ? this.#midInfo.get(transceiver.mid) : undefined;
        const key = info ? `${info.participantId}/${info.source}` : `unknown/${transceiver.mid}`;
        this.received.set(key, (this.received.get(key) ?? 0) + 1);
        let seen = this.sequences.get(key);
        if (!seen) this.sequences.set(key, (seen = new Set()));
        seen.add(rtp.header.sequenceNumber);
      });
    };
  }

  receivedFrom(participantId: string, source: MediaSource): number {
    return this.received.get(`${participantId}/${source}`) ?? 0;
  }

  get totalReceived(): number {
    let n = 0;
    for (const v of this.received.values()) n += v;
    return n;
  }

  /** Applies the server's offer: attaches a local track to each publish m-line, and returns the answer's SDP. */
  async answer(offer: OfferLike): Promise<string> {
    for (const s of offer.subscribe) this.#midInfo.set(s.mid, { participantId: s.participantId, source: s.source });
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    for (const slot of offer.publish) {
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === slot.mid);
      if (!transceiver) throw new Error(`no transceiver for mid ${slot.mid}`);
      this.#attach(transceiver, slot.source);
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.answers++;
    // Counted from the transport: werift's own routing may hand a PLI to a receiver (see test/support/werift-rtcp.ts).
    for (const transport of this.pc.dtlsTransports) {
      if (this.#watched.has(transport)) continue;
      this.#watched.add(transport);
      transport.onRtcp.subscribe((packet) => {
        for (const ssrc of keyframeRequestSsrcs(packet)) {
          for (const [source, track] of this.localTracks) {
            const t = this.pc.getTransceivers().find((x) => x.sender.track === track);
            if (t?.sender.ssrc === ssrc) this.plisReceived.set(source, (this.plisReceived.get(source) ?? 0) + 1);
          }
        }
      });
    }
    return this.pc.localDescription!.sdp;
  }

  #attach(transceiver: RTCRtpTransceiver, source: MediaSource): void {
    let track = this.localTracks.get(source);
    if (!track) {
      track = new MediaStreamTrack({ kind: source === 'audio' ? 'audio' : 'video' });
      this.localTracks.set(source, track);
    }
    transceiver.setDirection('sendonly');
    if (transceiver.sender.track !== track) void transceiver.sender.replaceTrack(track);
  }

  /** Sends fake RTP on a published source every `intervalMs` (it is dropped until DTLS is up, as in a browser). */
  startSending(source: MediaSource, intervalMs = 20): void {
    const kind = source === 'audio' ? 'audio' : 'video';
    let seq = Math.floor(Math.random() * 60_000);
    let ts = Math.floor(Math.random() * 1e9);
    const ssrc = Math.floor(Math.random() * 2 ** 31);
    const timer = setInterval(() => {
      const track = this.localTracks.get(source);
      if (!track) return;
      seq = (seq + 1) % 65_536;
      ts = (ts + (kind === 'audio' ? 960 : 4_500)) % 2 ** 32;
      const header = new RtpHeader({ payloadType: kind === 'audio' ? 111 : 96, sequenceNumber: seq, timestamp: ts, ssrc, marker: true });
      track.writeRtp(new RtpPacket(header, kind === 'audio' ? OPUS_FRAME : VP8_KEYFRAME));
    }, intervalMs);
    this.#timers.push(timer);
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.pc.close();
  }
}
