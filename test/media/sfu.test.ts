import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { MediaServer } from '../../src/media/media-server.ts';
import type { Peer } from '../../src/media/peer.ts';
import { RtcClient } from './support/rtc-client.ts';

const logger = createLogger({ level: 'silent' });

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connects a server Peer to a client directly (what signalling does over the socket). */
function wire(peer: Peer, client: RtcClient): void {
  peer.events.on('offer', (offer) => {
    void client.answer(offer).then((sdp) => peer.handleAnswer(sdp));
  });
}

describe('SFU (media layer without signalling)', () => {
  let server: MediaServer | undefined;
  const clients: RtcClient[] = [];
  afterEach(async () => {
    server?.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('forwards the RTP one peer publishes to the other, and back, and rate-limits keyframe requests to the publisher', async () => {
    server = new MediaServer({ network: {}, logger });
    const room = server.openRoom('call_a');
    const a = room.addPeer('par_a');
    const b = room.addPeer('par_b');
    const ca = new RtcClient();
    const cb = new RtcClient();
    clients.push(ca, cb);
    wire(a, ca);
    wire(b, cb);
    a.publish('audio');
    a.publish('video');
    b.publish('video');
    ca.startSending('audio');
    ca.startSending('video');
    cb.startSending('video');
    await waitFor('a → b audio and video', () => cb.receivedFrom('par_a', 'audio') > 10 && cb.receivedFrom('par_a', 'video') > 10);
    await waitFor('b → a video', () => ca.receivedFrom('par_b', 'video') > 10);
    expect(ca.receivedFrom('par_b', 'audio')).toBe(0);
    expect(server.counts()).toMatchObject({ rooms: 1, peers: 2, publications: 3, subscriptions: 3 });
    // A subscriber's keyframe request reached the publisher (the first one when the subscriber became ready).
    await waitFor('PLI at the publisher', () => (ca.plisReceived.get('video') ?? 0) > 0);

    // A burst of keyframe requests from the subscriber reaches the publisher as one (at most one per 500 ms).
    const videoSsrc = b.subscriptions.find((sub) => sub.publication.kind === 'video')!.ssrc;
    const subscriberSide = cb.pc.getTransceivers().find((t) => t.receiver.track.ssrc === videoSsrc)!;
    /** Sends 20 PLIs; returns how many may pass the 500 ms limit in the time the burst took (at least 1). */
    const burst = async (): Promise<number> => {
      const start = performance.now();
      for (let i = 0; i < 20; i++) {
        await subscriberSide.receiver.sendRtcpPLI(subscriberSide.receiver.track.ssrc!);
        await new Promise((r) => setTimeout(r, 5));
      }
      const allowed = 1 + Math.floor((performance.now() - start) / 500);
      await new Promise((r) => setTimeout(r, 250));
      return allowed;
    };
    await new Promise((r) => setTimeout(r, 600));
    const before = ca.plisReceived.get('video') ?? 0;
    const allowed = await burst();
    const passed = (ca.plisReceived.get('video') ?? 0) - before;
    expect(passed).toBeGreaterThanOrEqual(1);
    expect(passed).toBeLessThanOrEqual(allowed);
    expect(allowed).toBeLessThan(20); // the check above means something only if the burst was quick

    room.close();
    room.close();
    expect(server.counts()).toMatchObject({ rooms: 0, peers: 0, publications: 0, subscriptions: 0, timers: 0 });
    await waitFor('peer connections closed', () => server!.counts().peerConnections === 0);
  });

  it('answers a lossy subscriber\'s NACKs from its history: the video that was lost arrives again, the audio (no NACK) stays lost', async () => {
    server = new MediaServer({ network: {}, logger });
    const room = server.openRoom('call_loss');
    const a = room.addPeer('par_a');
    const b = room.addPeer('par_b');
    const ca = new RtcClient();
    const cb = new RtcClient({ dropPercent: 5 });
    clients.push(ca, cb);
    wire(a, ca);
    wire(b, cb);
    a.publish('audio');
    a.publish('video');
    ca.startSending('audio');
    ca.startSending('video');
    await waitFor('media at the lossy subscriber', () => cb.receivedFrom('par_a', 'video') > 10 && cb.receivedFrom('par_a', 'audio') > 10);
    // Ten seconds of 50 packets/s per source through a network that loses 5 % of them on the way in.
    await new Promise((r) => setTimeout(r, 10_000));
    const span = (key: string) => {
      const seen = [...(cb.sequences.get(key) ?? [])].sort((x, y) => x - y);
      // The window from the first to the last sequence seen (no wrap within it: the sender starts below 60,000 + 600).
      const first = seen[0]!;
      const last = seen.at(-1)!;
      return { expected: last - first + 1, got: seen.length };
    };
    const video = span('par_a/video');
    const audio = span('par_a/audio');
    const ratio = (x: { expected: number; got: number }) => x.got / x.expected;
    console.log(`lossy subscriber: video ${video.got}/${video.expected} sequence numbers (${(ratio(video) * 100).toFixed(1)} %), audio ${audio.got}/${audio.expected} (${(ratio(audio) * 100).toFixed(1)} %)`);
    // The network did lose packets (audio has no NACK, so what is lost stays lost) …
    expect(audio.expected - audio.got).toBeGreaterThanOrEqual(5);
    // … and the video's gaps were filled by retransmissions from the SFU's history (a NACK or its answer can be lost
    // too, and werift asks a limited number of times: not always every last one).
    expect(ratio(video)).toBeGreaterThan(0.98);
    expect(ratio(video)).toBeGreaterThan(ratio(audio));
  }, 30_000);
});
