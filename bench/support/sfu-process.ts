/**
 * The SFU side of `bench/sfu-forward.ts`, run in its own process so that its CPU time is the SFU's alone: Parley's
 * `MediaServer` → `Room` → `Peer` → `PublishedTrack` / `Subscription`, unchanged, with the parent process in the
 * place of the signalling layer (offers go out and answers come back over the IPC channel instead of the
 * WebSocket). Nothing here touches the media path; the messages are only set-up and counters.
 *
 * Started by the benchmark with `fork(…, { execArgv: ['--import', 'tsx'] })`; not a benchmark itself.
 */
import { createLogger } from '../../src/logging/logger.ts';
import { MediaServer } from '../../src/media/media-server.ts';
import type { PeerOffer } from '../../src/media/peer.ts';
import type { Room } from '../../src/media/room.ts';
import type { MediaSource } from '../../src/protocol/signalling.ts';

/** Parent → SFU. */
export type ToSfu =
  | { type: 'setup'; roomId: string; publisherId: string; sources: MediaSource[] }
  | { type: 'add'; roomId: string; participantIds: string[] }
  | { type: 'answer'; participantId: string; sdp: string }
  | { type: 'sample' }
  | { type: 'close' };

/** What the SFU has done so far, with its process's CPU time. */
export interface SfuSample {
  /** When the sample was taken, ms since the Unix epoch with sub-ms precision (comparable across processes). */
  readonly at: number;
  /** process.cpuUsage() of the SFU process, µs. */
  readonly userMicros: number;
  readonly systemMicros: number;
  /** Packets the publisher's tracks received (after SRTP decryption). */
  readonly packetsIn: number;
  /** Packets handed to libdatachannel for the subscribers (from the moment each m-line is open). */
  readonly packetsHandedOut: number;
  readonly publications: number;
  readonly subscriptions: number;
}

/** SFU → parent. */
export type FromSfu =
  | { type: 'offer'; participantId: string; offer: PeerOffer }
  | { type: 'sample'; sample: SfuSample }
  | { type: 'failed'; participantId: string; reason: string }
  | { type: 'error'; message: string }
  | { type: 'closed' };

const send = (message: FromSfu): void => {
  process.send?.(message);
};

const server = new MediaServer({ network: {}, logger: createLogger({ level: 'silent' }) });
/** The benchmark's rooms (one publisher and its subscribers each), and which room each participant is in. */
const rooms = new Map<string, Room>();
const roomOf = new Map<string, Room>();

function sample(): SfuSample {
  const cpu = process.cpuUsage();
  const traffic = server.traffic();
  const counts = server.counts();
  return {
    at: performance.timeOrigin + performance.now(),
    userMicros: cpu.user,
    systemMicros: cpu.system,
    packetsIn: traffic.packetsReceived,
    packetsHandedOut: traffic.packetsForwarded,
    publications: counts.publications,
    subscriptions: counts.subscriptions,
  };
}

/** A participant joining, as signalling adds one once admitted: its offers go to the parent, which answers. */
function addPeer(into: Room, id: string) {
  const peer = into.addPeer(id);
  roomOf.set(id, into);
  peer.events.on('offer', (offer) => send({ type: 'offer', participantId: id, offer }));
  peer.events.on('failed', (reason) => send({ type: 'failed', participantId: id, reason }));
  return peer;
}

process.on('message', (message: ToSfu) => {
  try {
    switch (message.type) {
      case 'setup': {
        const room = server.openRoom(message.roomId);
        rooms.set(message.roomId, room);
        const publisher = addPeer(room, message.publisherId);
        for (const source of message.sources) publisher.publish(source);
        break;
      }
      case 'add':
        for (const id of message.participantIds) addPeer(rooms.get(message.roomId)!, id);
        break;
      case 'answer':
        roomOf
          .get(message.participantId)
          ?.getPeer(message.participantId)
          ?.handleAnswer(message.sdp)
          .catch((err: unknown) => send({ type: 'error', message: `answer of ${message.participantId}: ${String(err)}` }));
        break;
      case 'sample':
        send({ type: 'sample', sample: sample() });
        break;
      case 'close':
        server.close();
        // Let the connections finish closing before the process goes.
        setTimeout(() => {
          send({ type: 'closed' });
          process.disconnect?.();
        }, 200);
        break;
    }
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});

// The parent went away (Ctrl-C, crash): nothing left to serve.
process.on('disconnect', () => {
  server.close();
  setTimeout(() => process.exit(0), 300).unref();
});
