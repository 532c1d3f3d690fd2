import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../logging/logger.ts';
import { zeroCounts, zeroTraffic, type MediaCounts, type MediaTraffic } from '../counters.ts';
import type { MediaEngine } from '../media-api.ts';
import type { RtcNetworkOptions } from '../rtc-config.ts';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/load.ts';
import { CaptureLostError, type CaptureFailure, type CaptureHost, type RunningCapture } from '../../recording/capture-host.ts';
import type { FromWorker, ToWorker, WorkerCounts } from './protocol.ts';
import { RemoteRoom, replyError, type WorkerLink } from './remote-room.ts';
import type { ProcessVitals } from '../../metrics/process-vitals.ts';

export interface WorkerPoolOptions {
  /** How many media workers (at least 1). */
  readonly workers: number;
  readonly network: RtcNetworkOptions;
  readonly logger: Logger;
  readonly logLevel: string;
  readonly negotiationTimeoutMs?: number | undefined;
  /** The blob store the workers' captures write to. */
  readonly blobs: Pick<Config, 'blobs' | 'blobDir'>;
}

/** How long a request to a worker may take before it is given up (the worker is then considered stuck). */
const REQUEST_TIMEOUT_MS = 10_000;
/** A worker that dies is started again after this long (longer after each death in a row, at most 10 s). */
const RESTART_DELAY_MS = 200;

/** A worker's pino line, written again through the API process's logger (level and fields kept). */
function relayLog(log: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, time: _time, msg, pid: _pid, hostname: _hostname, ...fields } = entry;
  const method = typeof level === 'number' ? (pinoLevels[level] ?? 'info') : 'info';
  log[method](fields, typeof msg === 'string' ? msg : '');
}

const pinoLevels: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

const ENTRY = fileURLToPath(new URL('./media-worker.ts', import.meta.url));

/** One child process and what it hosts. */
class MediaWorker {
  readonly rooms = new Map<string, RemoteRoom>();
  /** Captures running in the worker: whom to tell of a failure, and how to mark them lost. */
  readonly captures = new Map<string, { onFailure: (err: unknown, reason: CaptureFailure) => void; lost: () => void }>();
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  #nextRequest = 1;
  #ready: Promise<void>;
  #exited = false;
  readonly link: WorkerLink;

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
    log: Logger,
  ) {
    let ready!: () => void;
    this.#ready = new Promise((resolve) => (ready = resolve));
    child.on('message', (message: FromWorker) => {
      if (message.type === 'ready') ready();
      else if (message.type === 'log') relayLog(log, message.line);
      else if (message.type === 'reply') {
        const pending = this.#pending.get(message.requestId);
        if (!pending) return;
        this.#pending.delete(message.requestId);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(replyError(message));
      } else if (message.type === 'capture-failed') {
        this.captures.get(message.captureId)?.onFailure(new Error(message.message), message.reason);
      } else this.rooms.get(message.callId)?.receive(message);
    });
    this.link = {
      post: (message) => this.post(message),
      request: (message) => this.request(message),
      onListenerError: (err) => log.error({ err, worker: index }, 'media event listener failed'),
    };
  }

  get ready(): Promise<void> {
    return this.#ready;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Participants the worker's rooms hold: the load placement compares. */
  get load(): number {
    let peers = 0;
    for (const room of this.rooms.values()) peers += room.peers.length;
    return peers + this.rooms.size;
  }

  post(message: ToWorker): void {
    if (this.#exited || !this.child.connected) return;
    this.child.send(message);
  }

  request(message: Parameters<WorkerLink['request']>[0]): Promise<unknown> {
    if (this.#exited || !this.child.connected) return Promise.reject(new Error('the media worker is gone'));
    const requestId = this.#nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error('the media worker did not answer in time'));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(requestId, { resolve, reject, timer });
      this.child.send({ ...message, requestId } as ToWorker);
    });
  }

  /** The process is gone: pending requests fail, rooms are lost. Returns the calls it hosted. */
  died(): string[] {
    this.#exited = true;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the media worker is gone'));
    }
    this.#pending.clear();
    for (const capture of this.captures.values()) capture.lost();
    this.captures.clear();
    const callIds = [...this.rooms.keys()];
    for (const room of [...this.rooms.values()]) room.lost();
    this.rooms.clear();
    return callIds;
  }
}

/**
 * Media workers on every core: `workers` child processes, each owning whole calls (media, on one UDP port of its
 * own). A new call goes to the least-loaded worker and stays there. A worker that exits (crash, SIGKILL, out of
 * memory) is started again; its calls are reported lost, and the signalling layer has their participants rejoin,
 * which places the calls anew.
 */
export class WorkerPool implements MediaEngine {
  readonly #workers: (MediaWorker | null)[];
  readonly #log: Logger;
  readonly #deaths: number[];
  readonly #lostListeners: ((callIds: string[]) => void)[] = [];
  /** Each worker's traffic as last asked, and what exited workers had carried by then: the pool's counters never go back. */
  readonly #lastTraffic: (MediaTraffic | null)[];
  readonly #exitedTraffic: MediaTraffic = zeroTraffic();
  #closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    if (options.workers < 1) throw new Error('a worker pool needs at least one worker');
    this.#log = options.logger.child({ module: 'media-workers' });
    this.#workers = Array.from({ length: options.workers }, () => null);
    this.#deaths = Array.from({ length: options.workers }, () => 0);
    this.#lastTraffic = Array.from({ length: options.workers }, () => null);
    for (let i = 0; i < options.workers; i++) this.#start(i);
  }

  /** Resolves once every worker has started. */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w?.ready));
  }

  /** The workers' process ids, by index (null while one restarts). */
  get pids(): (number | null)[] {
    return this.#workers.map((w) => (w && !w.exited ? (w.child.pid ?? null) : null));
  }

  /** Which worker hosts a call (its index), if it is live. */
  workerOf(callId: string): number | null {
    for (const w of this.#workers) if (w && !w.exited && w.rooms.has(callId)) return w.index;
    return null;
  }

  openRoom(callId: string): RemoteRoom {
    if (this.#closed) throw new Error('media workers are closed');
    for (const w of this.#workers) {
      const room = w && !w.exited ? w.rooms.get(callId) : undefined;
      if (room) return room;
    }
    const worker = this.#leastLoaded();
    const room = new RemoteRoom(callId, worker.link, (closed) => {
      if (worker.rooms.get(callId) === closed) worker.rooms.delete(callId);
    });
    worker.rooms.set(callId, room);
    return room;
  }

  /**
   * Where a call's captures run: in the worker that holds the call's tracks (asked at each start: the call may have
   * moved). The worker writes the ciphertext to the blob store itself; what crosses IPC is the track's blob key and
   * data key, and at the end its sizes. A capture whose worker died ends in CaptureLostError at `finish`, and the
   * track is recovered from what reached the store.
   */
  captureHost(callId: string): CaptureHost {
    return {
      start: async (spec, onFailure) => {
        const worker = this.#workers.find((w) => w && !w.exited && w.rooms.has(callId));
        if (!worker) throw new CaptureLostError();
        const captureId = randomUUID();
        let lost = false;
        worker.captures.set(captureId, { onFailure, lost: () => (lost = true) });
        const ask = async (type: 'capture-stop' | 'capture-finish' | 'capture-abort'): Promise<unknown> => {
          if (lost) throw new CaptureLostError();
          try {
            return await worker.request({ type, captureId });
          } catch (err) {
            if (lost || worker.exited) throw new CaptureLostError();
            throw err;
          }
        };
        try {
          await worker.request({
            type: 'capture-start',
            captureId,
            callId,
            publicationIds: spec.publications.map((p) => p.id),
            trackId: spec.row.trackId,
            blobKey: spec.row.blobKey,
            dataKey: spec.row.dataKey.toString('base64'),
            chunkSize: spec.chunkSize,
          });
        } catch (err) {
          worker.captures.delete(captureId);
          throw lost || worker.exited ? new CaptureLostError() : err;
        }
        const running: RunningCapture = {
          // A capture whose worker is gone takes nothing any more: stopping it is done.
          stop: async () => {
            await ask('capture-stop').catch((err: unknown) => {
              if (!(err instanceof CaptureLostError)) throw err;
            });
          },
          finish: async () => {
            try {
              return (await ask('capture-finish')) as { ciphertextBytes: number; plaintextBytes: number };
            } finally {
              worker.captures.delete(captureId);
            }
          },
          abort: async () => {
            worker.captures.delete(captureId);
            await ask('capture-abort').catch(() => {});
          },
        };
        return running;
      },
    };
  }

  /** Rooms and peers as the API process holds them (each worker's own counts: `workerCounts()`). */
  counts(): MediaCounts & { timers: number } {
    const c = zeroCounts();
    for (const w of this.#workers) {
      if (!w || w.exited) continue;
      c.rooms += w.rooms.size;
      for (const room of w.rooms.values()) {
        c.peers += room.peers.length;
        for (const peer of room.peers) c.publications += peer.publications.length;
      }
    }
    return { ...c, timers: 0 };
  }

  /** Each worker's own counters (peers, tracks, timers, UDP sockets), asked of the worker. */
  async workerCounts(): Promise<WorkerCounts[]> {
    return Promise.all(this.#workers.map(async (w) => (w && !w.exited ? ((await w.request({ type: 'counts' })) as WorkerCounts) : null))).then((all) =>
      all.filter((c): c is WorkerCounts => c !== null),
    );
  }

  /** Each live worker's process vitals (memory, descriptors, UDP sockets, Node resources, event-loop p99), asked of it. */
  async workerVitals(): Promise<ProcessVitals[]> {
    const all = await Promise.all(this.#workers.map(async (w) => (w && !w.exited ? ((await w.request({ type: 'vitals' })) as ProcessVitals) : null)));
    return all.filter((v): v is ProcessVitals => v !== null);
  }

  /**
   * Packets every worker received, lost and forwarded: each live worker is asked (one that does not answer within
   * 2 s counts with what it said last); exited workers count with what they said last before they went.
   */
  async mediaTraffic(): Promise<MediaTraffic> {
    const total = { ...this.#exitedTraffic };
    await Promise.all(
      this.#workers.map(async (w, index) => {
        if (w && !w.exited) {
          const asked = (w.request({ type: 'traffic' }) as Promise<MediaTraffic | null>).catch(() => null);
          const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 2_000).unref());
          const answer = await Promise.race([asked, timeout]);
          if (answer) this.#lastTraffic[index] = answer;
        }
        const t = this.#lastTraffic[index];
        if (!t) return;
        total.packetsReceived += t.packetsReceived;
        total.packetsLost += t.packetsLost;
        total.packetsForwarded += t.packetsForwarded;
      }),
    );
    return total;
  }

  /** Workers running now (a worker that exited counts again once it has restarted). */
  get liveWorkers(): number {
    return this.#workers.filter((w) => w && !w.exited).length;
  }

  onLost(listener: (callIds: string[]) => void): void {
    this.#lostListeners.push(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) {
      if (!w || w.exited) continue;
      for (const room of [...w.rooms.values()]) room.lost();
      w.post({ type: 'shutdown' });
      const child = w.child;
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, 2_000).unref();
    }
  }

  #leastLoaded(): MediaWorker {
    let best: MediaWorker | null = null;
    for (const w of this.#workers) {
      if (!w || w.exited) continue;
      if (!best || w.load < best.load) best = w;
    }
    if (!best) throw new Error('no media worker is running');
    return best;
  }

  #start(index: number): void {
    const child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const worker = new MediaWorker(index, child, this.#log);
    this.#workers[index] = worker;
    const port = this.options.network.portRange ? this.options.network.portRange[0] + index : 0;
    worker.post({
      type: 'init',
      settings: {
        network: this.options.network,
        udpPort: port,
        negotiationTimeoutMs: this.options.negotiationTimeoutMs,
        logLevel: this.options.logLevel,
        blobs: this.options.blobs,
      },
    });
    child.on('exit', (code, signal) => {
      const lost = worker.died();
      const carried = this.#lastTraffic[index];
      if (carried) {
        this.#exitedTraffic.packetsReceived += carried.packetsReceived;
        this.#exitedTraffic.packetsLost += carried.packetsLost;
        this.#exitedTraffic.packetsForwarded += carried.packetsForwarded;
        this.#lastTraffic[index] = null;
      }
      if (this.#closed) return;
      this.#workers[index] = null;
      this.#log.error({ worker: index, code, signal, calls: lost.length }, 'media worker exited; its calls move to another worker');
      if (lost.length > 0) for (const listener of this.#lostListeners) listener(lost);
      const delay = Math.min(10_000, RESTART_DELAY_MS * 2 ** this.#deaths[index]!++);
      setTimeout(() => {
        if (!this.#closed) this.#start(index);
      }, delay).unref();
    });
  }
}
