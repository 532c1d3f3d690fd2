/**
 * A media worker: a child process that owns whole calls' media (MediaServer → Room → Peer → tracks) on one UDP port,
 * driven by the API process over IPC (protocol.ts). It is started by WorkerPool with `fork(…, { execArgv: ['--import',
 * 'tsx'] })`; nothing here reads the database, the key provider or the configuration: what it needs comes in `init`.
 */
import { createLogger, type Logger } from '../../logging/logger.ts';
import { MediaServer } from '../media-server.ts';
import { PeerInputError, type Peer } from '../peer.ts';
import type { PublishedTrack } from '../published-track.ts';
import type { Room } from '../room.ts';
import { openUdpSockets } from '../udp-sockets.ts';
import { readProcessVitals, watchEventLoop } from '../../metrics/process-vitals.ts';
import { startCapture, type RunningCapture } from '../../recording/capture-host.ts';
import { openBlobStore } from '../../storage/open-blob-store.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { PublicationHandle } from '../media-api.ts';
import type { CaptureStart, FromWorker, PeerRef, ToWorker, WorkerCounts } from './protocol.ts';

let server: MediaServer | null = null;
let blobs: BlobStore | null = null;
/** Captures running here, by the id the API process gave them. */
const captures = new Map<string, RunningCapture>();
let log: Logger = createLogger({ level: 'info' });
/** The live peer of each participant, by `callId/participantId`, with the number the API process gave it. */
const peers = new Map<string, { peer: Peer; ref: PeerRef }>();

const send = (message: FromWorker): void => {
  if (process.connected) process.send?.(message);
};

const keyOf = (callId: string, participantId: string) => `${callId}/${participantId}`;

function infoOf(publication: PublishedTrack): PublicationHandle {
  return { id: publication.id, publisherId: publication.publisherId, source: publication.source, kind: publication.kind };
}

/** The peer a message names, if it is still the participant's current one. */
function current(ref: PeerRef): Peer | undefined {
  const entry = peers.get(keyOf(ref.callId, ref.participantId));
  return entry && entry.ref.peer === ref.peer ? entry.peer : undefined;
}

function room(callId: string): Room {
  if (!server) throw new Error('the worker was not initialised');
  return server.getRoom(callId) ?? server.openRoom(callId);
}

function addPeer(ref: PeerRef): void {
  const peer = room(ref.callId).addPeer(ref.participantId);
  const key = keyOf(ref.callId, ref.participantId);
  const own = { callId: ref.callId, participantId: ref.participantId, peer: ref.peer };
  peers.set(key, { peer, ref: own });
  peer.events.on('offer', (offer) => send({ type: 'offer', ...own, offer }));
  peer.events.on('published', (publication) => send({ type: 'published', ...own, publication: infoOf(publication) }));
  peer.events.on('unpublished', (publication) => send({ type: 'unpublished', ...own, publication: infoOf(publication) }));
  peer.events.on('failed', (reason) => send({ type: 'peer-failed', ...own, reason }));
  peer.events.on('closed', () => {
    if (peers.get(key)?.peer === peer) peers.delete(key);
  });
}

function counts(): WorkerCounts {
  const c = server?.counts() ?? { rooms: 0, peers: 0, peerConnections: 0, publications: 0, subscriptions: 0, timers: 0 };
  return { ...c, udpSockets: openUdpSockets(), captures: captures.size };
}

/** Starts a capture on publications of a call this worker holds (all of them, or none: a missing one refuses it). */
async function captureStart(message: CaptureStart): Promise<void> {
  if (!blobs) throw new Error('the worker was not initialised');
  const all = new Map<string, PublishedTrack>();
  for (const peer of server?.getRoom(message.callId)?.peers ?? []) for (const p of peer.publications) all.set(p.id, p);
  const publications = message.publicationIds.map((id) => all.get(id));
  if (publications.some((p) => p === undefined)) throw new Error('a track to record is not (or no longer) in this call');
  const running = await startCapture(
    blobs,
    {
      row: { trackId: message.trackId, blobKey: message.blobKey, dataKey: Buffer.from(message.dataKey, 'base64') },
      chunkSize: message.chunkSize,
      publications: publications as PublishedTrack[],
    },
    (err, reason) => {
      log.error({ err, trackId: message.trackId, reason }, 'capture failed');
      send({ type: 'capture-failed', captureId: message.captureId, reason, message: err instanceof Error ? err.message : String(err) });
    },
  );
  captures.set(message.captureId, running);
}

function capture(captureId: string): RunningCapture {
  const running = captures.get(captureId);
  if (!running) throw new Error('no such capture in this worker');
  return running;
}

async function reply(requestId: number, work: () => unknown): Promise<void> {
  try {
    const value = await work();
    send({ type: 'reply', requestId, ok: true, value });
  } catch (err) {
    if (err instanceof PeerInputError) send({ type: 'reply', requestId, ok: false, error: { code: err.code, message: err.message } });
    else {
      log.error({ err }, 'media worker request failed');
      send({ type: 'reply', requestId, ok: false, error: { code: 'INTERNAL', message: 'The media server could not apply this message.' } });
    }
  }
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case 'init':
      // The worker's log lines go to the API process, into its one log (and its tests' log checks).
      log = createLogger({ level: message.settings.logLevel, destination: { write: (line: string) => send({ type: 'log', line }) } }).child({
        module: 'media-worker',
        worker: process.pid,
      });
      blobs = openBlobStore(message.settings.blobs);
      server = new MediaServer({
        network: message.settings.network,
        logger: log,
        udpPort: message.settings.udpPort,
        ...(message.settings.negotiationTimeoutMs !== undefined ? { negotiationTimeoutMs: message.settings.negotiationTimeoutMs } : {}),
      });
      send({ type: 'ready', pid: process.pid });
      return;
    case 'close-room':
      server?.getRoom(message.callId)?.close();
      return;
    case 'add-peer':
      addPeer(message);
      return;
    case 'close-peer':
      current(message)?.close();
      return;
    case 'keyframes':
      current(message)?.requestKeyframes();
      return;
    case 'publish':
      current(message)?.publish(message.source);
      return;
    case 'unpublish':
      current(message)?.unpublish(message.source);
      return;
    case 'answer':
      void reply(message.requestId, () => current(message)?.handleAnswer(message.sdp));
      return;
    case 'ice':
      void reply(message.requestId, () => current(message)?.addIceCandidate(message.candidate));
      return;
    case 'stats':
      void reply(message.requestId, () => current(message)?.stats() ?? null);
      return;
    case 'counts':
      void reply(message.requestId, () => counts());
      return;
    case 'traffic':
      void reply(message.requestId, () => server?.traffic() ?? null);
      return;
    case 'vitals':
      // The first ask starts the loop monitor: a worker nobody measures pays nothing for it.
      watchEventLoop();
      void reply(message.requestId, () => readProcessVitals());
      return;
    case 'capture-start':
      void reply(message.requestId, () => captureStart(message));
      return;
    case 'capture-stop':
      void reply(message.requestId, () => capture(message.captureId).stop());
      return;
    case 'capture-finish':
      void reply(message.requestId, async () => {
        const running = capture(message.captureId);
        try {
          return await running.finish();
        } finally {
          captures.delete(message.captureId);
        }
      });
      return;
    case 'capture-abort':
      void reply(message.requestId, async () => {
        const running = captures.get(message.captureId);
        captures.delete(message.captureId);
        await running?.abort();
      });
      return;
    case 'shutdown':
      server?.close();
      // Let the connections' last packets (DTLS close) leave before the process goes.
      setTimeout(() => process.exit(0), 100);
      return;
    default: {
      const never: never = message;
      return never;
    }
  }
}

process.on('message', (message: ToWorker) => {
  try {
    handle(message);
  } catch (err) {
    log.error({ err, type: message.type }, 'media worker could not handle a message');
  }
});

// The API process went away (crash, SIGKILL): the calls are gone with it, and so is this worker.
process.on('disconnect', () => {
  server?.close();
  setTimeout(() => process.exit(0), 100).unref();
});
