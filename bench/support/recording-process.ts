/**
 * The SFU side of `bench/recording.ts`, run in its own process so that its CPU time is the server's alone: Parley's
 * `MediaServer` → `Room` → `Peer` → `PublishedTrack` / `Subscription`, unchanged, and on request one recorder per
 * publisher as the server runs it (`TrackCapture` → `TrackWriter` → a `LocalBlobStore` upload). The parent stands
 * in for the signalling layer (offers and answers over the IPC channel) and for `CallRecording`, which in Parley
 * also writes the database rows and wraps each data key; neither is on the media path, so neither is here.
 *
 * Started by the benchmark with `fork(…, { execArgv: ['--import', 'tsx'] })`; not a benchmark itself.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logging/logger.ts';
import { MediaServer } from '../../src/media/media-server.ts';
import type { Peer, PeerOffer } from '../../src/media/peer.ts';
import { TrackCapture } from '../../src/recording/track-capture.ts';
import { TrackWriter } from '../../src/recording/track-writer.ts';
import type { BlobUpload } from '../../src/storage/blob-store.ts';
import { LocalBlobStore } from '../../src/storage/local/local-blob-store.ts';

/** Parent → SFU. */
export type ToRecordingSfu =
  /** One call: its own room, a publisher (audio + video) and a subscriber that receives it. */
  | { type: 'call'; index: number; publisherId: string; subscriberId: string }
  | { type: 'answer'; participantId: string; sdp: string }
  /** One recorder per publisher, writing to a LocalBlobStore in `dir` under keys starting with `prefix`. */
  | { type: 'start-recording'; dir: string; prefix: string }
  | { type: 'stop-recording' }
  | { type: 'sample' }
  | { type: 'close' };

/** Counters of the SFU process since it started, with its CPU time. */
export interface RecordingSample {
  /** When the sample was taken, ms since the Unix epoch with sub-ms precision (comparable across processes). */
  readonly at: number;
  /** process.cpuUsage() of the SFU process, µs (all its threads: libuv's file writes included). */
  readonly userMicros: number;
  readonly systemMicros: number;
  /** Packets the publishers' tracks received (after SRTP decryption). */
  readonly packetsIn: number;
  /** Packets handed to the subscribers' senders. */
  readonly packetsHandedOut: number;
  /** Packets the recorders took in. */
  readonly capturedPackets: number;
  /** WebM bytes the recorders produced (plaintext handed to TrackWriter.write). */
  readonly webmBytes: number;
  /** Ciphertext bytes the blob uploads reported written (header, chunks and tags). */
  readonly ciphertextBytes: number;
}

/**
 * TrackWriter.write's own cost, measured after the recorders stop rather than inline: process.cpuUsage() costs
 * ~5 µs a call on some VMs (more than a whole write() of a WebM block) and counts every thread, and wall time counts
 * the time a busy machine deschedules the process. So every write() of the recording is replayed, same sizes, same
 * order, into a TrackWriter whose upload discards the bytes, timed as a whole: AES-256-GCM of each 64 KiB chunk,
 * the copy into the pending chunk, the append's promise. Warm, back to back, so a floor for the inline cost.
 */
export interface EncryptionReplay {
  readonly writes: number;
  readonly bytes: number;
  /** CPU time of the fastest of three replays, µs. */
  readonly cpuMicros: number;
}

export interface FinishedRecording {
  readonly key: string;
  /** The throwaway data key, hex, so that the parent can decrypt the file to check it. */
  readonly dataKeyHex: string;
  readonly plaintextBytes: number;
  readonly ciphertextBytes: number;
}

/** SFU → parent. */
export type FromRecordingSfu =
  | { type: 'offer'; participantId: string; offer: PeerOffer }
  | { type: 'sample'; sample: RecordingSample }
  | { type: 'recording-started'; recorders: number }
  | { type: 'recording-stopped'; recordings: FinishedRecording[]; replay: EncryptionReplay }
  | { type: 'failed'; participantId: string; reason: string }
  | { type: 'error'; message: string }
  | { type: 'closed' };

const send = (message: FromRecordingSfu): void => {
  process.send?.(message);
};

const server = new MediaServer({ network: {}, logger: createLogger({ level: 'silent' }) });
const publishers: Peer[] = [];
const subscribers: Peer[] = [];

interface Recorder {
  readonly key: string;
  readonly dataKey: Buffer;
  readonly capture: TrackCapture;
  readonly writer: TrackWriter;
  /** Sizes of the writes, in order, for the encryption replay. */
  readonly writeSizes: number[];
}
let store: LocalBlobStore | undefined;
let recorders: Recorder[] = [];

const totals = { capturedPackets: 0, webmBytes: 0, ciphertextBytes: 0 };
const cpuMicros = (u: NodeJS.CpuUsage) => u.user + u.system;

function sample(): RecordingSample {
  const cpu = process.cpuUsage();
  const traffic = server.traffic();
  return {
    at: performance.timeOrigin + performance.now(),
    userMicros: cpu.user,
    systemMicros: cpu.system,
    packetsIn: traffic.packetsReceived,
    packetsHandedOut: traffic.packetsForwarded,
    capturedPackets: totals.capturedPackets + recorders.reduce((sum, r) => sum + r.capture.packets, 0),
    webmBytes: totals.webmBytes,
    ciphertextBytes: totals.ciphertextBytes,
  };
}

/** Counts what the store has written (the upload's promise resolved), as TrackWriter's own counter does. */
function countingUpload(upload: BlobUpload): BlobUpload {
  return {
    write: async (bytes) => {
      await upload.write(bytes);
      totals.ciphertextBytes += bytes.length;
    },
    complete: () => upload.complete(),
    abort: () => upload.abort(),
  };
}

const fail = (what: string) => (err: unknown) => send({ type: 'error', message: `${what}: ${err instanceof Error ? err.stack ?? err.message : String(err)}` });

async function startRecording(dir: string, prefix: string): Promise<void> {
  if (recorders.length > 0) throw new Error('already recording');
  store ??= new LocalBlobStore(dir);
  const started: Recorder[] = [];
  for (const [i, publisher] of publishers.entries()) {
    const tracks = publisher.publications.filter((t) => t.source === 'audio' || t.source === 'video');
    if (tracks.length !== 2) throw new Error(`publisher ${publisher.participantId} has ${tracks.length} tracks, not audio + video`);
    const key = `${prefix}/p${i + 1}.pblb`;
    const dataKey = randomBytes(32);
    const upload = countingUpload(await store.createUpload(key));
    // As tracks.ts: the key id is the track's id; the chunk size Parley's default (64 KiB).
    const writer = new TrackWriter(upload, dataKey, `trk_bench_${i + 1}`, fail(`writer ${key}`));
    const writeSizes: number[] = [];
    const write = (bytes: Buffer) => {
      writer.write(bytes);
      writeSizes.push(bytes.length);
      totals.webmBytes += bytes.length;
    };
    const capture = new TrackCapture(tracks, write, fail(`capture ${key}`));
    started.push({ key, dataKey, capture, writer, writeSizes });
  }
  recorders = started;
}

async function stopRecording(): Promise<{ recordings: FinishedRecording[]; replay: EncryptionReplay }> {
  const stopping = recorders;
  recorders = [];
  // As CallRecording does: detach every capture at once, then let each write its tail and complete its object.
  await Promise.all(stopping.map((r) => r.capture.stop()));
  totals.capturedPackets += stopping.reduce((sum, r) => sum + r.capture.packets, 0);
  const recordings = await Promise.all(
    stopping.map(async (r) => {
      const { plaintextBytes, ciphertextBytes } = await r.writer.finish();
      return { key: r.key, dataKeyHex: r.dataKey.toString('hex'), plaintextBytes, ciphertextBytes };
    }),
  );
  return { recordings, replay: await replayEncryption(stopping.map((r) => r.writeSizes)) };
}

/** See EncryptionReplay. */
async function replayEncryption(sizesByRecorder: number[][]): Promise<EncryptionReplay> {
  const largest = Math.max(0, ...sizesByRecorder.flat());
  const source = randomBytes(largest);
  const discard: BlobUpload = { write: async () => {}, complete: async () => 0, abort: async () => {} };
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const t0 = process.cpuUsage();
    for (const [i, sizes] of sizesByRecorder.entries()) {
      const writer = new TrackWriter(discard, randomBytes(32), `trk_replay_${i + 1}`, fail('encryption replay'));
      for (const size of sizes) writer.write(source.subarray(0, size));
      await writer.finish();
    }
    best = Math.min(best, cpuMicros(process.cpuUsage(t0)));
  }
  const writes = sizesByRecorder.reduce((sum, sizes) => sum + sizes.length, 0);
  const bytes = sizesByRecorder.reduce((sum, sizes) => sum + sizes.reduce((a, b) => a + b, 0), 0);
  return { writes, bytes, cpuMicros: best };
}

/** A participant joining, as signalling adds one once admitted: its offers go to the parent, which answers. */
function addPeer(id: string, into: ReturnType<MediaServer['openRoom']>): Peer {
  const peer = into.addPeer(id);
  peer.events.on('offer', (offer) => send({ type: 'offer', participantId: id, offer }));
  peer.events.on('failed', (reason) => send({ type: 'failed', participantId: id, reason }));
  return peer;
}

const peerById = (id: string) => [...publishers, ...subscribers].find((p) => p.participantId === id);

process.on('message', (message: ToRecordingSfu) => {
  try {
    switch (message.type) {
      case 'call': {
        const room = server.openRoom(`call_bench_${message.index}`);
        const publisher = addPeer(message.publisherId, room);
        publisher.publish('audio');
        publisher.publish('video');
        publishers.push(publisher);
        subscribers.push(addPeer(message.subscriberId, room));
        break;
      }
      case 'answer':
        peerById(message.participantId)
          ?.handleAnswer(message.sdp)
          .catch(fail(`answer of ${message.participantId}`));
        break;
      case 'start-recording':
        startRecording(message.dir, message.prefix).then(
          () => send({ type: 'recording-started', recorders: recorders.length }),
          fail('start recording'),
        );
        break;
      case 'stop-recording':
        stopRecording().then(({ recordings, replay }) => send({ type: 'recording-stopped', recordings, replay }), fail('stop recording'));
        break;
      case 'sample':
        send({ type: 'sample', sample: sample() });
        break;
      case 'close':
        for (const r of recorders) void r.capture.stop().then(() => r.writer.abort()).catch(() => {});
        server.close();
        // Let werift finish closing its sockets (and the store its files) before the process goes.
        setTimeout(() => {
          void store?.close();
          send({ type: 'closed' });
          process.disconnect?.();
        }, 200);
        break;
    }
  } catch (err) {
    fail(message.type)(err);
  }
});

// The parent went away (Ctrl-C, crash): nothing left to serve.
process.on('disconnect', () => {
  server.close();
  setTimeout(() => process.exit(0), 300).unref();
});
