import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import { AppError, type ErrorCode } from '../shared/app-error.ts';
import { TypedEmitter } from '../shared/typed-emitter.ts';

/** What a node reports of itself to the registry, every heartbeat. */
export interface NodeLoad {
  readonly mediaWorkers: number;
  readonly calls: number;
  readonly participants: number;
  /** One-minute load average per core (0 idle, 1 every core busy). */
  readonly cpu: number;
}

export interface NodeInfo {
  readonly id: string;
  readonly startedAt: string;
  readonly draining: boolean;
  readonly load: NodeLoad;
}

/** A message between nodes: to one node (its channel) or to all (the broadcast channel). Plain JSON. */
export type ClusterMessage = { readonly k: string; readonly from: string } & Record<string, unknown>;

export type ClusterEvents = {
  /** A message for this node or for every node (never one this node sent to all). */
  message: [ClusterMessage];
  /** A node's registration expired: it died, or lost Redis for longer than the registration lasts. */
  nodeLost: [string];
  /**
   * This node could not renew its registration for as long as it lasts: the others now take it for dead and will
   * place its calls elsewhere and recover its tracks. It must give its calls up (emitted once per outage).
   */
  fenced: [];
};

export interface ClusterTimings {
  /** How long a registration lives without a heartbeat, in ms (default 6,000: a dead node is known within ~8 s). */
  readonly registrationTtlMs?: number;
  /** Interval of heartbeats, in ms (default 2,000). */
  readonly heartbeatMs?: number;
}

const PREFIX = 'parley:';
const NODES = `${PREFIX}nodes`;
const BROADCAST = `${PREFIX}all`;
const nodeKey = (id: string) => `${PREFIX}node:${id}`;
const callKey = (callId: string) => `${PREFIX}call:${callId}`;
/** The calls placed on a node (a set of call ids): what placement counts as its calls. */
const placedKey = (id: string) => `${PREFIX}placed:${id}`;
const channelOf = (id: string) => `${PREFIX}to:${id}`;
/** A call's placement outlives heartbeats by this much: a call nobody rejoins after its host died is forgotten. */
const PLACEMENT_TTL_MS = 60_000;

/** Another node did not answer, or failed in a way that is not a user's error. */
export class ClusterRequestError extends Error {
  override name = 'ClusterRequestError';
}

/** A random node id, new for every start of the process (a restarted node is a new node). */
export function newNodeId(): string {
  return `node_${randomBytes(10).toString('hex')}`;
}

/**
 * Sets the placement of a call if it still is what the caller saw (ARGV[1], '' for none): two nodes placing the same
 * call at once agree on one. The call joins the chosen node's set of placed calls (KEYS[2]) and leaves the set of the
 * node it was placed on before (KEYS[3]): those sets count placements the moment they are made, between heartbeats.
 */
const PLACE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return cur end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
if ARGV[1] ~= '' then redis.call('SREM', KEYS[3], ARGV[4]) end
return ARGV[2]`;

/** Forgets a call's placement only if this node still holds it; the call leaves this node's set either way. */
const RELEASE_SCRIPT = `
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/** Deletes a lock only if this node holds it. */
const UNLOCK_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * This process as a node of a Parley cluster (issue 14), on Redis: a registration with a short expiry renewed by a
 * heartbeat (with the node's load), the placement of calls (a key per call naming its node, set least-loaded-first
 * when the first participant joins and kept while the call runs), a channel per node and one for all, and locks for
 * work the cluster does once. Redis holds no personal data: ids, counts and signalling frames in transit only.
 */
export class ClusterNode {
  readonly events = new TypedEmitter<ClusterEvents>();
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #log: Logger;
  readonly #ttlMs: number;
  readonly #heartbeatMs: number;
  readonly #startedAt = new Date().toISOString();
  readonly #hosted = new Set<string>();
  #known = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  readonly #handlers = new Map<string, (params: unknown) => Promise<unknown>>();
  readonly #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  #draining = false;
  #closed = false;
  /** When the registration was last renewed (performance.now()), and whether this outage was already told. */
  #renewedAt = performance.now();
  #fenced = false;

  #load: () => NodeLoad = () => ({ mediaWorkers: 0, calls: 0, participants: 0, cpu: 0 });

  constructor(
    readonly id: string,
    redisUrl: string,
    logger: Logger,
    timings: ClusterTimings = {},
  ) {
    this.#log = logger.child({ module: 'cluster', nodeId: id });
    this.#ttlMs = timings.registrationTtlMs ?? 6_000;
    this.#heartbeatMs = timings.heartbeatMs ?? 2_000;
    // Commands fail fast while Redis is away rather than queueing without end; the heartbeat retries.
    const options = { maxRetriesPerRequest: 2, connectionName: `parley-${id}` };
    this.#redis = new Redis(redisUrl, options);
    this.#sub = new Redis(redisUrl, options);
    for (const conn of [this.#redis, this.#sub]) conn.on('error', (err: Error) => this.#log.warn({ err: { message: err.message } }, 'redis connection error'));
    this.#sub.on('message', (_channel: string, text: string) => this.#onMessage(text));
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** The command connection, for what shares Redis with the cluster (rate limits). */
  get redis(): Redis {
    return this.#redis;
  }

  /** What the heartbeat reports (the call hub's counts, once it exists). */
  reportLoad(load: () => NodeLoad): void {
    this.#load = load;
  }

  /** Subscribes and registers; resolves once this node can be found by the others. */
  async start(): Promise<void> {
    await this.#sub.subscribe(channelOf(this.id), BROADCAST);
    await this.#heartbeat();
    this.#timer = setInterval(() => void this.#heartbeat(), this.#heartbeatMs);
    this.#log.info({ registrationTtlMs: this.#ttlMs }, 'joined the cluster');
  }

  /** The registered nodes (their registration is live), this one included. */
  async nodes(): Promise<NodeInfo[]> {
    const ids = await this.#redis.smembers(NODES);
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(ids.map(nodeKey));
    const out: NodeInfo[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const v = values[i];
      if (v) out.push(JSON.parse(v) as NodeInfo);
      else gone.push(id);
    });
    if (gone.length > 0) await this.#redis.srem(NODES, ...gone);
    return out;
  }

  /**
   * Which node hosts the call: the one it is placed on while that node is registered, else (first join, or its node
   * died) the least loaded node that is not draining, placed now. Two nodes asking at once get the same answer.
   */
  async place(callId: string): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#redis.get(callKey(callId));
      const nodes = await this.nodes();
      if (current && nodes.some((n) => n.id === current)) return current;
      const counts = await Promise.all(nodes.map((n) => this.#redis.scard(placedKey(n.id))));
      const placedCalls = Object.fromEntries(nodes.map((n, i) => [n.id, counts[i]!]));
      const chosen = leastLoaded(nodes, placedCalls) ?? (this.#draining ? null : this.id);
      if (!chosen) throw new Error('no node of the cluster takes new calls');
      const placed = (await this.#redis.eval(
        PLACE_SCRIPT,
        3,
        callKey(callId),
        placedKey(chosen),
        placedKey(current ?? chosen),
        current ?? '',
        chosen,
        String(PLACEMENT_TTL_MS),
        callId,
      )) as string | null;
      if (placed === chosen) {
        this.#log.info({ callId, node: chosen, replaced: current ?? null }, 'call placed');
        return chosen;
      }
    }
    throw new Error('the placement of the call kept changing');
  }

  /** The node a call is placed on (live or not), or null. */
  async hostOf(callId: string): Promise<string | null> {
    return this.#redis.get(callKey(callId));
  }

  /** This node hosts the call now: its placement is renewed with every heartbeat. */
  hosting(callId: string): void {
    this.#hosted.add(callId);
  }

  /** This node no longer hosts the call (it ended, or moved away): the placement is forgotten if still ours. */
  async release(callId: string): Promise<void> {
    this.#hosted.delete(callId);
    await this.#redis.eval(RELEASE_SCRIPT, 2, callKey(callId), placedKey(this.id), this.id, callId).catch((err: unknown) => this.#log.warn({ err, callId }, 'placement not released'));
  }

  send(node: string, message: Record<string, unknown> & { k: string }): void {
    void this.#redis.publish(channelOf(node), JSON.stringify({ ...message, from: this.id })).catch((err: unknown) => this.#log.warn({ err, k: message.k }, 'cluster message not sent'));
  }

  broadcast(message: Record<string, unknown> & { k: string }): void {
    void this.#redis.publish(BROADCAST, JSON.stringify({ ...message, from: this.id })).catch((err: unknown) => this.#log.warn({ err, k: message.k }, 'cluster message not sent'));
  }

  /** Answers `request`s for `method` from other nodes. What `answer` throws goes back as an error (AppError kept). */
  handle(method: string, answer: (params: unknown) => Promise<unknown>): void {
    this.#handlers.set(method, answer);
  }

  /**
   * Asks one node to run `method` and resolves with its answer (the live state a request reaching this node needs
   * from the node hosting a call). Rejects after `timeoutMs`, or with the error the other node answered.
   */
  request(node: string, method: string, params: unknown, timeoutMs = 5_000): Promise<unknown> {
    const id = randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClusterRequestError(`node ${node} did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.send(node, { k: 'rpc', id, method, params });
    });
  }

  /** Like `once`, but waits for a node holding the lock to finish, then runs `work` here too (it must be idempotent). */
  async onceAtATime(name: string, ttlMs: number, work: () => Promise<void>): Promise<void> {
    while (!(await this.once(name, ttlMs, work))) await new Promise((r) => setTimeout(r, 250));
  }

  /**
   * Runs `work` on at most one node of the cluster at a time (a lock that expires after `ttlMs` should this node
   * die holding it). Resolves false without running it when another node holds the lock.
   */
  async once(name: string, ttlMs: number, work: () => Promise<void>): Promise<boolean> {
    const key = `${PREFIX}lock:${name}`;
    const token = `${this.id}:${randomBytes(6).toString('hex')}`;
    const got = await this.#redis.set(key, token, 'PX', ttlMs, 'NX');
    if (got !== 'OK') return false;
    try {
      await work();
    } finally {
      await this.#redis.eval(UNLOCK_SCRIPT, 1, key, token).catch(() => undefined);
    }
    return true;
  }

  /** Takes no new calls from now on (SIGTERM); said to the registry at once. */
  async drain(): Promise<void> {
    this.#draining = true;
    await this.#heartbeat();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    try {
      for (const callId of [...this.#hosted]) await this.release(callId);
      await this.#redis.del(nodeKey(this.id));
      await this.#redis.srem(NODES, this.id);
      await this.#redis.del(placedKey(this.id));
    } catch (err) {
      this.#log.warn({ err }, 'could not leave the cluster cleanly; the registration expires by itself');
    }
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new ClusterRequestError('this node left the cluster'));
    }
    this.#pending.clear();
    this.#sub.disconnect();
    this.#redis.disconnect();
    this.events.removeAllListeners();
  }

  async #heartbeat(): Promise<void> {
    if (this.#closed) return;
    const info: NodeInfo = { id: this.id, startedAt: this.#startedAt, draining: this.#draining, load: this.#load() };
    try {
      const tx = this.#redis.multi().set(nodeKey(this.id), JSON.stringify(info), 'PX', this.#ttlMs).sadd(NODES, this.id);
      // A placement is renewed, or written again if Redis lost it (a restart without persistence): never taken from
      // another node it names now.
      for (const callId of this.#hosted) {
        tx.set(callKey(callId), this.id, 'PX', PLACEMENT_TTL_MS, 'NX').pexpire(callKey(callId), PLACEMENT_TTL_MS).sadd(placedKey(this.id), callId);
      }
      await tx.exec();
      await this.#forgetStalePlacements();
      this.#renewedAt = performance.now();
      this.#fenced = false;
      const live = new Set((await this.nodes()).map((n) => n.id));
      for (const id of this.#known) {
        if (live.has(id) || id === this.id) continue;
        await this.#redis.del(placedKey(id));
        this.events.emit('nodeLost', id);
      }
      this.#known = live;
    } catch (err) {
      this.#log.warn({ err: { message: (err as Error).message } }, 'heartbeat failed');
      if (!this.#fenced && performance.now() - this.#renewedAt >= this.#ttlMs) {
        this.#fenced = true;
        this.#log.error({ sinceMs: Math.round(performance.now() - this.#renewedAt) }, 'registration expired: the other nodes take this node for dead; its calls are given up');
        this.events.emit('fenced');
      }
    }
  }

  /**
   * Calls counted on this node that it does not host and whose placement no longer names it (placed here, but the
   * join never arrived, and the placement expired or moved on) leave its set, so they stop counting as its load.
   */
  async #forgetStalePlacements(): Promise<void> {
    const placed = await this.#redis.smembers(placedKey(this.id));
    const candidates = placed.filter((callId) => !this.#hosted.has(callId));
    if (candidates.length === 0) return;
    const hosts = await this.#redis.mget(candidates.map(callKey));
    const stale = candidates.filter((_, i) => hosts[i] !== this.id);
    if (stale.length > 0) await this.#redis.srem(placedKey(this.id), ...stale);
  }

  #onMessage(text: string): void {
    let message: ClusterMessage;
    try {
      message = JSON.parse(text) as ClusterMessage;
    } catch {
      return;
    }
    if (message.from === this.id) return;
    if (message.k === 'rpc') return void this.#answer(message);
    if (message.k === 'rpc-reply') {
      const pending = this.#pending.get(String(message.id));
      if (!pending) return;
      this.#pending.delete(String(message.id));
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.result);
      else {
        const e = message.error as { code?: string; message: string; details?: unknown };
        pending.reject(e.code ? new AppError(e.code as ErrorCode, e.message, e.details !== undefined ? { details: e.details } : {}) : new ClusterRequestError(e.message));
      }
      return;
    }
    this.events.emit('message', message);
  }

  async #answer(message: ClusterMessage): Promise<void> {
    const handler = this.#handlers.get(String(message.method));
    try {
      if (!handler) throw new ClusterRequestError(`no handler for ${String(message.method)}`);
      const result = await handler(message.params);
      this.send(message.from, { k: 'rpc-reply', id: message.id, ok: true, result: result ?? null });
    } catch (err) {
      const error =
        err instanceof AppError
          ? { code: err.code, message: err.userMessage, ...(err.options.details !== undefined ? { details: err.options.details } : {}) }
          : { message: err instanceof Error ? err.message : String(err) };
      if (!(err instanceof AppError)) this.#log.error({ err, method: message.method }, 'cluster request failed');
      this.send(message.from, { k: 'rpc-reply', id: message.id, ok: false, error });
    }
  }
}

/**
 * The node for a new call: the fewest calls per media worker (the calls placed on it, counted the moment they are
 * placed, so placements between two heartbeats spread too; or the calls it reports, if more), then the fewest
 * participants per media worker, then the least busy CPU. Draining nodes take none.
 */
export function leastLoaded(nodes: readonly NodeInfo[], placedCalls: Readonly<Record<string, number>>): string | null {
  let best: { id: string; key: [number, number, number] } | null = null;
  for (const n of nodes) {
    if (n.draining) continue;
    const workers = Math.max(1, n.load.mediaWorkers);
    const key: [number, number, number] = [Math.max(n.load.calls, placedCalls[n.id] ?? 0) / workers, n.load.participants / workers, n.load.cpu];
    if (!best || key[0] < best.key[0] || (key[0] === best.key[0] && (key[1] < best.key[1] || (key[1] === best.key[1] && key[2] < best.key[2])))) best = { id: n.id, key };
  }
  return best?.id ?? null;
}
