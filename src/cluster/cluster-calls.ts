import type { Deps } from '../deps.ts';
import type { Logger } from '../logging/logger.ts';
import type { ClientMessage } from '../protocol/signalling.ts';
import { recoverRecordings } from '../recording/recovery.ts';
import { adoptRecording } from '../recording/recording-row.ts';
import type { OrgId } from '../shared/ids.ts';
import type { CallHub, CallPlacement, BridgeHandle } from '../media/signalling/call-hub.ts';
import type { SignalConnection } from '../media/signalling/connection.ts';
import type { LobbyMemory, PresenceEntry } from '../media/signalling/live-call.ts';
import type { ClusterMessage, ClusterNode } from './cluster-node.ts';
import { SignalBridge } from './signal-bridge.ts';

export interface ClusterCallsOptions {
  /**
   * How long a recording of a dead node waits for its call to come back to a live node (which adopts it) before the
   * cluster finalises it as `incomplete`, in ms (default 60,000).
   */
  readonly orphanGraceMs?: number;
  /** How often the cluster looks for dead nodes' work to recover, in ms (default 15,000; also at once on a loss). */
  readonly sweepMs?: number;
}

/**
 * The calls of a cluster (issue 14): placement and the signalling bridge for the call hub, the signals that must
 * reach the node hosting a call (a consent withdrawn on another node's join page, a call ended), and the recovery of
 * what a dead node was recording, run by one node at a time.
 */
export class ClusterCalls implements CallPlacement {
  readonly #log: Logger;
  #bridge: SignalBridge | null = null;
  readonly #orphanGraceMs: number;
  /** Recordings of dead nodes seen unclaimed, and since when (this node's view; any node may finalise them). */
  readonly #orphans = new Map<string, number>();
  #sweep: NodeJS.Timeout | null = null;
  #recovering: Promise<void> | null = null;
  #closed = false;

  constructor(
    private readonly deps: Deps,
    readonly node: ClusterNode,
    private readonly options: ClusterCallsOptions = {},
  ) {
    this.#log = deps.logger.child({ module: 'cluster' });
    this.#orphanGraceMs = options.orphanGraceMs ?? 60_000;
  }

  /** Wires the hub in: sockets bridged here are accepted by it, and the cluster's signals reach its calls. */
  attach(hub: CallHub): void {
    this.#bridge = new SignalBridge(this.node, (socket, upgrade) => hub.accept(socket, upgrade), this.deps.logger);
    this.node.events.on('message', (m) => this.#onMessage(hub, m));
    this.node.handle('presence', async (p) => [...hub.presence((p as { orgId: string }).orgId)]);
    // A withdrawal on this node's join page may concern a call hosted on another node: every node hears of it.
    this.deps.signals.on('consentWithdrawn', (e) => this.node.broadcast({ k: 'consent-withdrawn', callId: e.callId, participantId: e.participantId, purpose: e.purpose }));
    this.node.events.on('nodeLost', () => void this.recover());
    // Cut off from Redis for longer than a registration lasts, this node is dead to the others: they re-place its
    // calls and recover its tracks. It stops carrying them itself, so no call runs twice and no track is written
    // while another node recovers it.
    this.node.events.on('fenced', () => void hub.handOver().catch((err: unknown) => this.#log.error({ err }, 'giving up the calls failed')));
    this.#sweep = setInterval(() => void this.recover(), this.options.sweepMs ?? 15_000);
  }

  get bridgeCounts(): { out: number; in: number } {
    return this.#bridge?.counts ?? { out: 0, in: 0 };
  }

  async place(callId: string): Promise<string | null> {
    const host = await this.node.place(callId);
    return host === this.node.id ? null : host;
  }

  bridge(node: string, connection: SignalConnection, join: ClientMessage): BridgeHandle {
    if (!this.#bridge) throw new Error('the cluster is not attached to the call hub');
    return this.#bridge.open(node, connection, join);
  }

  async isHere(callId: string): Promise<boolean> {
    return (await this.node.hostOf(callId)) === this.node.id;
  }

  hosting(callId: string): void {
    this.node.hosting(callId);
  }

  released(callId: string): Promise<void> {
    return this.node.release(callId);
  }

  ended(callId: string): void {
    this.node.broadcast({ k: 'call-ended', callId });
  }

  /**
   * Who is in the organisation's live calls, on every node (the console's calls list): this node's own, and each
   * other live node's, asked over Redis. A node that does not answer within 2 s is left out (and logged).
   */
  async presence(hub: CallHub, orgId: string): Promise<Map<string, PresenceEntry[]>> {
    const out = hub.presence(orgId);
    const others = (await this.node.nodes()).filter((n) => n.id !== this.node.id);
    const answers = await Promise.allSettled(others.map((n) => this.node.request(n.id, 'presence', { orgId }, 2_000)));
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled') for (const [callId, entries] of a.value as [string, PresenceEntry[]][]) out.set(callId, entries);
      else this.#log.warn({ node: others[i]!.id, err: { message: (a.reason as Error).message } }, 'a node did not say who is in its calls');
    });
    return out;
  }

  /** For metrics: the registered nodes, and the sockets bridged through this node. */
  async stats(): Promise<{ nodes: number; draining: number; bridgedOut: number; bridgedIn: number }> {
    const nodes = await this.node.nodes();
    const bridged = this.bridgeCounts;
    return { nodes: nodes.length, draining: nodes.filter((n) => n.draining).length, bridgedOut: bridged.out, bridgedIn: bridged.in };
  }

  /**
   * The call's lobby decisions, kept in Redis while the call may still run (a day), so that a call moving to another
   * node does not send its customers back to the lobby, nor let a declined one in.
   */
  async lobbyMemory(callId: string): Promise<LobbyMemory> {
    const key = (d: 'admitted' | 'declined') => `parley:call:${callId}:${d}`;
    const [admitted, declined] = await Promise.all([this.node.redis.smembers(key('admitted')), this.node.redis.smembers(key('declined'))]);
    return {
      admitted: new Set(admitted),
      declined: new Set(declined),
      remember: (decision, participantId) => {
        void this.node.redis
          .multi()
          .sadd(key(decision), participantId)
          .pexpire(key(decision), 86_400_000)
          .exec()
          .catch((err: unknown) => this.#log.warn({ err, callId }, 'lobby decision not kept in Redis'));
      },
    };
  }

  /** For the call's recording: claims a recording of the call another node was writing (recording-row.ts). */
  adopt(orgId: OrgId, callId: string) {
    return adoptRecording(this.deps, this.node.id, orgId, callId);
  }

  /**
   * Recovers what dead nodes left (at start, when a node is lost, and every sweep), on one node at a time: their
   * tracks at once (nobody writes them any more), their recordings once the call has not come back for the grace
   * period (a call that comes back adopts its recording instead).
   */
  recover(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#recovering ??= this.#recoverOnce().finally(() => (this.#recovering = null));
    return this.#recovering;
  }

  async #recoverOnce(): Promise<void> {
    try {
      await this.node.once('recovery', 5 * 60_000, async () => {
        const live = new Set((await this.node.nodes()).map((n) => n.id));
        live.add(this.node.id);
        const now = Date.now();
        const dead = (nodeId: string | null) => nodeId === null || !live.has(nodeId);
        // Which of the dead nodes' recordings have waited long enough with their call nowhere.
        const candidates = await this.deps.db.selectFrom('recordings').select(['id', 'call_id', 'node_id']).where('status', '=', 'recording').execute();
        for (const r of candidates) {
          if (!dead(r.node_id)) {
            this.#orphans.delete(r.id);
            continue;
          }
          const host = await this.node.hostOf(r.call_id);
          if (host && live.has(host)) {
            this.#orphans.delete(r.id);
            continue;
          }
          if (!this.#orphans.has(r.id)) this.#orphans.set(r.id, now);
        }
        const report = await recoverRecordings(this.deps, {
          tracks: dead,
          recordings: (r) => dead(r.node_id) && now - (this.#orphans.get(r.id) ?? now) >= this.#orphanGraceMs,
        });
        for (const [id, since] of this.#orphans) if (now - since >= this.#orphanGraceMs) this.#orphans.delete(id);
        if (report.tracks > 0 || report.recordings > 0) this.#log.warn(report, "recordings of a node that is gone were recovered");
      });
    } catch (err) {
      this.#log.error({ err }, 'recovery of dead nodes failed; the next sweep tries again');
    }
  }

  #onMessage(hub: CallHub, m: ClusterMessage): void {
    if (m.k === 'consent-withdrawn' && m.purpose === 'recording' && typeof m.callId === 'string' && typeof m.participantId === 'string') {
      hub.consentWithdrawnElsewhere(m.callId, m.participantId);
    } else if (m.k === 'call-ended' && typeof m.callId === 'string') {
      hub.callEndedElsewhere(m.callId);
    }
  }

  /** Stops the sweep and closes every bridged socket (the node leaves). */
  close(): void {
    this.#closed = true;
    if (this.#sweep) clearInterval(this.#sweep);
    this.#bridge?.close();
  }
}
