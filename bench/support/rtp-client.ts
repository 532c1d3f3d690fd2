/**
 * A synthetic call participant for benchmarks: a werift peer connection (as in test/media/support/rtc-client.ts)
 * that answers the server's offers, counts the RTP it receives, and — as a publisher — sends VP8-like video and
 * Opus-like audio at a steady packet rate with realistic sizes. Not a codec: payloads are filler behind a valid
 * VP8 payload descriptor / Opus TOC byte, which is all an SFU looks at.
 */
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import type { PeerOffer } from '../../src/media/peer.ts';
import type { MediaSource } from '../../src/protocol/signalling.ts';

export interface SendRates {
  /** Video frames per second; each frame is split into packets (default 30). */
  readonly videoFps: number;
  /** Video packets per second, spread over the frames (default 100). */
  readonly videoPacketsPerSecond: number;
  /** RTP payload bytes of a video packet (default 1,100). */
  readonly videoPayloadBytes: number;
  /** Audio packets per second, one per 20 ms Opus frame (default 50). */
  readonly audioPacketsPerSecond: number;
  /** RTP payload bytes of an audio packet (default 100: Opus voice at ~32 kbps plus FEC). */
  readonly audioPayloadBytes: number;
}

export const defaultRates: SendRates = {
  videoFps: 30,
  videoPacketsPerSecond: 100,
  videoPayloadBytes: 1_100,
  audioPacketsPerSecond: 50,
  audioPayloadBytes: 100,
};

export class BenchClient {
  readonly pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false });
  readonly #tracks = new Map<MediaSource, MediaStreamTrack>();
  /** RTP packets received (after SRTP decryption), by kind. */
  readonly received = { audio: 0, video: 0 };
  /** RTP packets written to the local tracks (werift drops them until DTLS is up). */
  readonly sent = { audio: 0, video: 0 };
  #timer: NodeJS.Timeout | undefined;

  constructor() {
    this.pc.ontrack = (event) => {
      const kind = event.track.kind === 'audio' ? 'audio' : 'video';
      event.track.onReceiveRtp.subscribe(() => {
        this.received[kind]++;
      });
    };
  }

  get connectionState(): string {
    return `${this.pc.connectionState} (ICE ${this.pc.iceConnectionState})`;
  }

  get totalReceived(): number {
    return this.received.audio + this.received.video;
  }

  get totalSent(): number {
    return this.sent.audio + this.sent.video;
  }

  /** Applies the server's offer, attaching a send track to each publish m-line; returns the answer's SDP. */
  async answer(offer: PeerOffer): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    for (const slot of offer.publish) {
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === slot.mid);
      if (!transceiver) throw new Error(`no transceiver for mid ${slot.mid}`);
      let track = this.#tracks.get(slot.source);
      if (!track) {
        track = new MediaStreamTrack({ kind: slot.source === 'audio' ? 'audio' : 'video' });
        this.#tracks.set(slot.source, track);
      }
      transceiver.setDirection('sendonly');
      if (transceiver.sender.track !== track) void transceiver.sender.replaceTrack(track);
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.pc.localDescription!.sdp;
  }

  /**
   * Sends audio and video at `rates`, paced against the clock (a 5 ms tick sends whatever is due), so timer
   * jitter does not lower the rate. Video frames carry 3–4 packets, the last with the marker bit.
   */
  startSending(rates: SendRates = defaultRates): void {
    const audio = this.#stream('audio', 111, 960, rates.audioPayloadBytes, Buffer.from([0xfc]));
    // VP8 payload descriptor, start of partition 0, then a keyframe header for 640×480.
    const video = this.#stream('video', 96, 3_000, rates.videoPayloadBytes, Buffer.from([0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]));
    const start = performance.now();
    let audioDone = 0;
    let framesDone = 0;
    let videoPacketsDone = 0;
    this.#timer = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      for (const due = Math.floor(elapsed * rates.audioPacketsPerSecond); audioDone < due; audioDone++) audio(1, true);
      for (const due = Math.floor(elapsed * rates.videoFps); framesDone < due; framesDone++) {
        const packetsByEnd = Math.round(((framesDone + 1) * rates.videoPacketsPerSecond) / rates.videoFps);
        const n = packetsByEnd - videoPacketsDone;
        videoPacketsDone = packetsByEnd;
        for (let i = 0; i < n; i++) video(i === n - 1 ? 1 : 0, i === n - 1);
      }
    }, 5);
  }

  /** A function that writes the next packet of one source; `tsFrames` frames advance the timestamp. */
  #stream(source: MediaSource, payloadType: number, tsStep: number, payloadBytes: number, prefix: Buffer) {
    const payload = Buffer.concat([prefix, Buffer.alloc(Math.max(payloadBytes - prefix.length, 0), 0x42)]);
    let seq = Math.floor(Math.random() * 60_000);
    let ts = Math.floor(Math.random() * 1e9);
    const ssrc = Math.floor(Math.random() * 2 ** 31);
    const kind = source === 'audio' ? 'audio' : 'video';
    return (tsFrames: number, marker: boolean) => {
      const track = this.#tracks.get(source);
      if (!track) return;
      seq = (seq + 1) % 65_536;
      const header = new RtpHeader({ payloadType, sequenceNumber: seq, timestamp: ts, ssrc, marker });
      ts = (ts + tsFrames * tsStep) % 2 ** 32;
      track.writeRtp(new RtpPacket(header, payload));
      this.sent[kind]++;
    };
  }

  stopSending(): void {
    clearInterval(this.#timer);
  }

  async close(): Promise<void> {
    this.stopSending();
    await this.pc.close();
  }
}
