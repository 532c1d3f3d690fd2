/**
 * A receive-only synthetic subscriber for `bench/sfu-forward.ts` on libdatachannel (node-datachannel), the same
 * library as the SFU: SRTP decryption runs in its native threads and only a counter runs in JavaScript per packet,
 * so one client process can receive far more than werift clients can (their decryption is JavaScript) and the SFU
 * can be measured at load on a two-core machine. It answers the SFU's offers (the first and every renegotiation)
 * and counts the RTP packets that arrive, by payload type; not a benchmark itself.
 */
import nodeDataChannel from 'node-datachannel';
import type { PeerOffer } from '../../src/media/peer.ts';
import { payloadTypes } from '../../src/media/rtc-config.ts';

const { PeerConnection } = nodeDataChannel;

let created = 0;

export class NativeSubscriber {
  readonly #pc = new PeerConnection(`bench-subscriber-${++created}`, { iceServers: [] });
  /** RTP packets received (after SRTP decryption), by kind. */
  readonly received = { audio: 0, video: 0 };
  #answerWaiter: ((sdp: string) => void) | undefined;
  /** The incoming tracks, held: a track nobody references is collected, and its message callback goes with it. */
  readonly #tracks: nodeDataChannel.Track[] = [];

  constructor() {
    this.#pc.onLocalDescription((sdp, type) => {
      if (type.toLowerCase() === 'answer') this.#answerWaiter?.(sdp);
    });
    this.#pc.onTrack((track) => {
      this.#tracks.push(track);
      track.onMessage((message) => {
        const second = message[1]!;
        if (second >= 192 && second <= 223) return; // RTCP (RFC 5761)
        const payloadType = second & 0x7f;
        if (payloadType === payloadTypes.opus) this.received.audio++;
        else if (payloadType === payloadTypes.vp8) this.received.video++;
      });
    });
  }

  get totalReceived(): number {
    return this.received.audio + this.received.video;
  }

  get connectionState(): string {
    return this.#pc.state();
  }

  /** Applies the server's offer (it publishes nothing: subscribe m-lines only); resolves with the answer's SDP. */
  answer(offer: PeerOffer): Promise<string> {
    if (offer.publish.length > 0) return Promise.reject(new Error('a native bench subscriber does not publish'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('libdatachannel made no answer within 5 s')), 5_000);
      this.#answerWaiter = () => {
        this.#answerWaiter = undefined;
        // The answer with its candidates once gathering is done (the SFU takes no trickled candidates from a client).
        const whenGathered = () => {
          if (this.#pc.gatheringState() !== 'complete') return void setTimeout(whenGathered, 10);
          clearTimeout(timer);
          resolve(this.#pc.localDescription()?.sdp ?? '');
        };
        whenGathered();
      };
      this.#pc.setRemoteDescription(offer.sdp, 'offer');
    });
  }

  close(): Promise<void> {
    for (const track of this.#tracks) track.close();
    this.#pc.close();
    return Promise.resolve();
  }
}
