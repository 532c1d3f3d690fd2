/**
 * A baseline for `bench/sfu-forward.ts`, in a process of its own: what libdatachannel's own send path costs on this
 * machine, with no Parley code around it. Two libdatachannel peers in this process are connected over loopback; one
 * sends the benchmark's video packets (1,112 B RTP) on a send-only track with the handlers Parley puts on a
 * subscription (RtcpSrReporter → RtcpNackResponder), as fast as the JavaScript thread can. `sendMessageBinary`
 * encrypts (SRTP) and sends (UDP) synchronously on the calling thread, so the JavaScript thread's time per call is
 * the floor of one forwarded packet's cost in any SFU built on it. Prints one JSON line; not a benchmark itself.
 */
import nodeDataChannel from 'node-datachannel';

const { PeerConnection, Video, RtcpSrReporter, RtcpNackResponder, RtpPacketizationConfig, initLogger } = nodeDataChannel;

const SSRC = 0x5eed;
const PACKETS = 20_000;

async function main(): Promise<void> {
  initLogger('Error', () => {});
  // No ICE mux here: two peers of one process cannot reach each other through one shared port.
  const sender = new PeerConnection('sender', { iceServers: [] });
  const receiver = new PeerConnection('receiver', { iceServers: [] });
  const video = new Video('1', 'SendOnly');
  video.addVP8Codec(96);
  video.addSSRC(SSRC, 'bench', 'bench', 'bench');
  const track = sender.addTrack(video);
  const reporter = new RtcpSrReporter(new RtpPacketizationConfig(SSRC, 'bench', 96, 90_000));
  reporter.addToChain(new RtcpNackResponder(512));
  track.setMediaHandler(reporter);
  let received = 0;
  receiver.onTrack((t) => t.onMessage(() => received++));
  sender.onLocalDescription((sdp, type) => receiver.setRemoteDescription(sdp, type));
  receiver.onLocalDescription((sdp, type) => sender.setRemoteDescription(sdp, type));
  sender.onLocalCandidate((c, mid) => receiver.addRemoteCandidate(c, mid));
  receiver.onLocalCandidate((c, mid) => sender.addRemoteCandidate(c, mid));
  sender.setLocalDescription('offer');
  const opened = Date.now();
  while (!track.isOpen()) {
    if (Date.now() - opened > 10_000) throw new Error('the two peers did not connect');
    await new Promise((r) => setTimeout(r, 20));
  }
  const packet = Buffer.alloc(1_112, 0x42);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt32BE(SSRC, 8);
  let seq = 0;
  const burst = (n: number) => {
    for (let i = 0; i < n; i++, seq++) {
      packet.writeUInt16BE(seq & 0xffff, 2);
      packet.writeUInt32BE((seq * 3_000) >>> 0, 4);
      track.sendMessageBinary(packet);
    }
  };
  burst(2_000); // warm-up
  await new Promise((r) => setTimeout(r, 200));
  let busy = 0;
  const cpu0 = process.cpuUsage();
  // Bursts of 200 with the event loop turning in between, so the receiving callbacks keep up.
  for (let done = 0; done < PACKETS; done += 200) {
    const t0 = performance.now();
    burst(200);
    busy += performance.now() - t0;
    await new Promise((r) => setImmediate(r));
  }
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 300));
  console.log(
    JSON.stringify({
      sendMicros: (busy * 1_000) / PACKETS,
      processMicros: (cpu.user + cpu.system) / PACKETS,
      delivered: Math.min(1, received / (PACKETS + 2_000)),
    }),
  );
  sender.close();
  receiver.close();
  nodeDataChannel.cleanup();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
