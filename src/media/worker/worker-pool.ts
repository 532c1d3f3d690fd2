import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../logging/logger.ts';
import { zeroCounts, type MediaCounts } from '../counters.ts';
import type { MediaEngine } from '../media-api.ts';
import type { RtcNetworkOptions } from '../rtc-config.ts';
import type { FromWorker, ToWorker, WorkerCounts } from './protocol.ts';
import { RemoteRoom, replyError, type WorkerLink } from './remote-room.ts';

export interface WorkerPoolOptions {
  /** How many media workers (at least 1). */
  readonly workers: number;
  readonly network: RtcNetworkOptions;
  readonly logger: Logger;
  readonly logLevel: string;
  readonly negotiationTimeoutMs?: number | undefined;
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
      } else this.rooms.get(message.callId)?.receive(message);
    });
    this.link = {
      post: (message) => this.post(message),
      request: (message) => this.request(message),
      onListenerError: () => {},
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
  #closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    if (options.workers < 1) throw new Error('a worker pool needs at least one worker');
    this.#log = options.logger.child({ module: 'media-workers' });
    this.#workers = Array.from({ length: options.workers }, () => null);
    this.#deaths = Array.from({ length: options.workers }, () => 0);
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
      settings: { network: this.options.network, udpPort: port, negotiationTimeoutMs: this.options.negotiationTimeoutMs, logLevel: this.options.logLevel },
    });
    child.on('exit', (code, signal) => {
      const lost = worker.died();
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
