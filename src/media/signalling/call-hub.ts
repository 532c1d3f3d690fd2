import type { WebSocket } from 'ws';
import type { Deps } from '../../deps.ts';
import type { Logger } from '../../logging/logger.ts';
import { closeCodes, type ClientMessage } from '../../protocol/signalling.ts';
import type { MediaEngine } from '../media-api.ts';
import { TimerSet } from '../timer-set.ts';
import type { OrgId } from '../../shared/ids.ts';
import { iceServersFor } from '../turn-credentials.ts';
import { defaultConnectionLimits, SignalConnection, type ConnectionLimits, type SignalSocket } from './connection.ts';
import { CallRecords } from '../../calls/call-records.ts';
import { authenticateJoin, type UpgradeContext } from './join-auth.ts';
import { LiveCall, type LobbyMemory, type PresenceEntry } from './live-call.ts';
import { CallRecording } from '../../recording/call-recording.ts';
import type { E2eeUploads } from '../../recording/e2ee-uploads.ts';
import { localCaptureHost, type CaptureHost } from '../../recording/capture-host.ts';

export interface CallHubOptions {
  readonly media: MediaEngine;
  /** Interval of WebSocket pings, in ms (default 15,000). */
  readonly pingIntervalMs?: number;
  /** A socket silent (no message, no pong) for this long is dropped, in ms (default 45,000). */
  readonly deadAfterMs?: number;
  /** How long a dropped participant keeps their place, in ms (default 30,000). */
  readonly graceMs?: number;
  /** Time a new socket has to send its `join`, in ms (default 10,000). */
  readonly joinTimeoutMs?: number;
  readonly limits?: Partial<ConnectionLimits>;
  /** How often the agent gets the participants' quality stats, in ms (default 2,000; 0 turns them off). */
  readonly statsIntervalMs?: number;
  /** Plaintext bytes per encrypted recording chunk (default 64 KiB; tests use smaller ones). */
  readonly recordingChunkBytes?: number;
  /** Where E2EE calls' recordings are uploaded by the recording agent's browser (built in main.ts with its routes). */
  readonly e2eeUploads?: E2eeUploads;
  /** How long a stopped E2EE capture waits for the browser's last chunk, in ms (tests shorten it). */
  readonly e2eeLastChunkMs?: number;
  /** Where a call's captures run (default: this process, into the configured blob store). */
  readonly captures?: (callId: string) => CaptureHost;
  /** Cluster mode: which node hosts each call, and the bridge to it (src/cluster/). Without it every call is here. */
  readonly placement?: CallPlacement;
}

/** A socket of this node relayed to the node hosting its call. */
export interface BridgeHandle {
  forward(message: ClientMessage): void;
  /** The browser's socket closed here. */
  closed(): void;
}

/** What the hub asks of the cluster (src/cluster/cluster-calls.ts); the hub itself knows nothing of Redis. */
export interface CallPlacement {
  /** The node hosting the call, placing it now if none does: null when it is this one. */
  place(callId: string): Promise<string | null>;
  /** Relays `connection` (its join just authenticated here) to the call's host. */
  bridge(node: string, connection: SignalConnection, join: ClientMessage): BridgeHandle;
  /** Whether the call is placed on this node now (a socket bridged here for a call placed elsewhere is sent on). */
  isHere(callId: string): Promise<boolean>;
  /** This node now hosts the call. */
  hosting(callId: string): void;
  /** This node no longer hosts the call (it closed, or is handed over). */
  released(callId: string): Promise<void>;
  /** The agent ended the call: every node refuses joins to it from now on. */
  ended(callId: string): void;
  /** What the call's lobby decided so far, on any node (and where new decisions are kept). */
  lobbyMemory(callId: string): Promise<LobbyMemory>;
  /** Claims the call's recording another node was writing (it died or was drained), to go on with it here. */
  adopt(orgId: OrgId, callId: string): Promise<{ id: string; startedAt: string; mode: 'consent' | 'legal_obligation' } | null>;
}

/** Calls ended by their agent, remembered so a join checked just before the end was written is still refused. */
const ENDED_REMEMBERED = 10_000;

export interface SignallingCounts {
  calls: number;
  participants: number;
  sockets: number;
  /** Live timers of signalling (join deadlines, grace periods, heartbeat) and of the media server. */
  timers: number;
  rooms: number;
  peers: number;
  peerConnections: number;
  publications: number;
  subscriptions: number;
}

/**
 * The signalling side of live calls: accepts sockets, authenticates their `join`, and owns one LiveCall per
 * call in progress (each owning its media Room). One heartbeat timer serves every socket.
 */
export class CallHub {
  readonly #calls = new Map<string, LiveCall>();
  readonly #connections = new Map<
    SignalConnection,
    { joinTimer: NodeJS.Timeout | null; joined: { callId: string; participantId: string } | null; joining: boolean; bridge: BridgeHandle | null }
  >();
  readonly #timers = new TimerSet();
  readonly #log: Logger;
  readonly #media: MediaEngine;
  readonly #limits: ConnectionLimits;
  readonly #pingIntervalMs: number;
  readonly #deadAfterMs: number;
  readonly #graceMs: number;
  readonly #joinTimeoutMs: number;
  readonly #statsIntervalMs: number;
  readonly #recordingChunkBytes: number | undefined;
  readonly #e2eeUploads: E2eeUploads | undefined;
  readonly #e2eeLastChunkMs: number | undefined;
  readonly #captures: (callId: string) => CaptureHost;
  readonly #placement: CallPlacement | undefined;
  readonly #ended = new Set<string>();
  readonly #pendingWrites = new Set<Promise<void>>();
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #stopListening: () => void;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'keys' | 'clock' | 'config' | 'logger' | 'audit' | 'blobs' | 'signals'>,
    options: CallHubOptions,
  ) {
    this.#log = deps.logger.child({ module: 'signalling' });
    this.#media = options.media;
    this.#limits = { ...defaultConnectionLimits, ...options.limits };
    this.#pingIntervalMs = options.pingIntervalMs ?? 15_000;
    this.#deadAfterMs = options.deadAfterMs ?? 45_000;
    this.#graceMs = options.graceMs ?? 30_000;
    this.#joinTimeoutMs = options.joinTimeoutMs ?? 10_000;
    this.#statsIntervalMs = options.statsIntervalMs ?? 2_000;
    this.#recordingChunkBytes = options.recordingChunkBytes;
    this.#e2eeUploads = options.e2eeUploads;
    this.#e2eeLastChunkMs = options.e2eeLastChunkMs;
    const local = localCaptureHost(deps.blobs);
    this.#captures = options.captures ?? (() => local);
    this.#placement = options.placement;
    // A media worker died: its calls get a room on another worker, and their participants reconnect to it.
    this.#media.onLost((callIds) => {
      for (const callId of callIds) {
        const call = this.#calls.get(callId);
        if (call && !call.closed) call.moveMedia(this.#media.openRoom(callId));
      }
    });
    // A consent withdrawn on the join page reaches the live recording of that call, if there is one.
    this.#stopListening = deps.signals.on('consentWithdrawn', ({ callId, participantId, purpose }) => {
      if (purpose === 'recording') this.consentWithdrawnElsewhere(callId, participantId);
    });
  }

  /** A recording consent withdrawn outside the call (on this node or, in a cluster, another): its capture stops. */
  consentWithdrawnElsewhere(callId: string, participantId: string): void {
    this.#calls.get(callId)?.recording?.consentWithdrawnElsewhere(participantId);
  }

  /** Cluster mode: the call was ended on the node hosting it; a join to it is refused here too. */
  callEndedElsewhere(callId: string): void {
    this.#rememberEnded(callId);
  }

  /**
   * Cluster mode, draining: every call hosted here gives up its placement and is handed over: its participants are
   * told to reconnect (which places the call on another node), and its recording goes on there.
   */
  async handOver(): Promise<number> {
    const calls = [...this.#calls.values()].filter((c) => !c.closed);
    for (const call of calls) await this.#placement?.released(call.callId);
    for (const call of calls) call.close('moved');
    return calls.length;
  }

  /** Resolves when every database write of live calls asked for so far has finished (for shutdown and tests). */
  async settled(): Promise<void> {
    while (this.#pendingWrites.size > 0) await Promise.all([...this.#pendingWrites]);
  }

  /** A new WebSocket on the signalling endpoint. */
  accept(ws: WebSocket | SignalSocket, upgrade: UpgradeContext): void {
    if (this.#closed) {
      ws.close(closeCodes.normal, 'shutting down');
      return;
    }
    const connection = new SignalConnection(ws, upgrade, this.#limits, {
      message: (c, m) => this.#onMessage(c, m),
      closed: (c) => this.#onClosed(c),
      failed: (c, err) => this.#log.error({ err, connectionId: c.id }, 'signalling message handler failed'),
    });
    const joinTimer = this.#timers.timeout(this.#joinTimeoutMs, () => {
      const state = this.#connections.get(connection);
      if (state) state.joinTimer = null;
      connection.error('NOT_JOINED', 'Send a join message first.', { close: closeCodes.policy });
    });
    this.#connections.set(connection, { joinTimer, joined: null, joining: false, bridge: null });
    this.#startHeartbeat();
  }

  counts(): SignallingCounts {
    let participants = 0;
    for (const call of this.#calls.values()) participants += call.participantCount;
    const media = this.#media.counts();
    return {
      calls: this.#calls.size,
      participants,
      sockets: this.#connections.size,
      timers: this.#timers.size + media.timers,
      rooms: media.rooms,
      peers: media.peers,
      peerConnections: media.peerConnections,
      publications: media.publications,
      subscriptions: media.subscriptions,
    };
  }

  /**
   * Who is present in the organisation's live calls right now (lobby, in the call, reconnecting), by call id. Calls
   * nobody is in are not live and not listed. The caller narrows it further (an agent sees their own calls only).
   */
  presence(orgId: string): Map<string, PresenceEntry[]> {
    const out = new Map<string, PresenceEntry[]>();
    for (const call of this.#calls.values()) {
      if (call.orgId !== orgId || call.closed) continue;
      const present = call.presence();
      if (present.length > 0) out.set(call.callId, present);
    }
    return out;
  }

  /** Ends every call and closes every socket. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopListening();
    for (const call of [...this.#calls.values()]) call.close('closed');
    for (const connection of [...this.#connections.keys()]) connection.close(closeCodes.normal, 'shutting down');
    this.#timers.clearAll();
    this.#heartbeat = null;
  }

  #onMessage(connection: SignalConnection, message: ClientMessage): void {
    const state = this.#connections.get(connection);
    if (!state) return;
    if (state.bridge) {
      state.bridge.forward(message);
      return;
    }
    if (state.joined) {
      const call = this.#calls.get(state.joined.callId);
      if (call) call.handle(connection, state.joined.participantId, message);
      return;
    }
    if (message.type === 'ping') {
      connection.send({ type: 'pong', ...(message.at !== undefined ? { at: message.at } : {}) });
      return;
    }
    if (message.type !== 'join') {
      connection.error('NOT_JOINED', 'Send a join message first.');
      return;
    }
    if (state.joining) {
      connection.error('ALREADY_JOINED', 'A join is already being checked.');
      return;
    }
    state.joining = true;
    void this.#join(connection, message).catch((err: unknown) => {
      this.#log.error({ err, connectionId: connection.id }, 'join failed');
      connection.error('INTERNAL', 'The server could not check this join. Try again.', { close: closeCodes.policy });
    });
  }

  async #join(connection: SignalConnection, message: Extract<ClientMessage, { type: 'join' }>): Promise<void> {
    const result = await authenticateJoin(this.deps, message, connection.upgrade);
    const state = this.#connections.get(connection);
    if (!state || connection.closed || this.#closed) return;
    state.joining = false;
    if (!result.ok) {
      this.#log.info({ connectionId: connection.id, code: result.code }, 'join refused');
      connection.error(result.code, result.message, { close: closeCodes.policy });
      return;
    }
    const { identity } = result;
    this.#timers.clear(state.joinTimer);
    state.joinTimer = null;
    if (this.#ended.has(identity.callId)) {
      connection.error('CALL_OVER', 'This call is over.', { close: closeCodes.policy });
      return;
    }
    // Cluster mode: the call may be hosted on another node; this socket is then relayed there. A socket relayed here
    // by another node is for a call placed here: it is never relayed on.
    if (this.#placement && connection.upgrade.viaNode === undefined) {
      const host = await this.#placement.place(identity.callId);
      if (connection.closed || this.#closed) return;
      if (host !== null) {
        state.bridge = this.#placement.bridge(host, connection, message);
        return;
      }
    } else if (this.#placement && !this.#calls.has(identity.callId) && !(await this.#placement.isHere(identity.callId))) {
      // Bridged here while the call moved on (this node was handing it over): the page reconnects and finds it.
      if (!connection.closed) connection.error('MEDIA_MOVED', 'The call moved to another server node. Reconnecting…', { close: closeCodes.policy });
      return;
    }
    // Cluster mode: the lobby's earlier decisions (the call may come from another node), read before the call is made.
    const lobbyMemory = this.#placement && !this.#calls.has(identity.callId) ? await this.#placement.lobbyMemory(identity.callId) : undefined;
    if (connection.closed || this.#closed) return;
    let call = this.#calls.get(identity.callId);
    if (!call) {
      const log = this.#log.child({ callId: identity.callId });
      const records = new CallRecords(
        this.deps,
        {
          orgId: identity.orgId,
          callId: identity.callId,
          endsAt: identity.endsAt,
          callMetadataDays: identity.callMetadataDays,
          chatDays: identity.chatDays,
          chatKept: identity.chatKept,
        },
        log,
        (work) => {
          this.#pendingWrites.add(work);
          void work.finally(() => this.#pendingWrites.delete(work));
        },
      );
      const created = new LiveCall(identity.callId, identity.lobbyEnabled, this.#media.openRoom(identity.callId), {
        orgId: identity.orgId,
        graceMs: this.#graceMs,
        timers: this.#timers,
        clock: this.deps.clock,
        logger: this.#log,
        records,
        statsIntervalMs: this.#statsIntervalMs,
        e2ee: identity.e2ee,
        lobbyMemory,
        iceServers: (participantId) => iceServersFor(this.deps.config.rtc.turn, participantId, this.deps.clock.now()),
        recording:
          identity.recording.mode === 'off'
            ? undefined
            : (host) =>
                new CallRecording(this.deps, { orgId: identity.orgId, callId: identity.callId, ...identity.recording }, host, {
                  logger: log,
                  track: (work) => {
                    const done = work.then(() => undefined, () => undefined);
                    this.#pendingWrites.add(done);
                    void done.finally(() => this.#pendingWrites.delete(done));
                  },
                  chunkSize: this.#recordingChunkBytes,
                  e2ee: identity.e2ee ? (this.#e2eeUploads ?? null) : null,
                  e2eeLastChunkMs: this.#e2eeLastChunkMs,
                  captures: this.#captures(identity.callId),
                  adopt: this.#placement ? (callId) => this.#placement!.adopt(identity.orgId, callId) : undefined,
                }),
      });
      created.events.on('ended', () => {
        this.#rememberEnded(identity.callId);
        this.#placement?.ended(identity.callId);
      });
      created.events.on('closed', () => {
        if (this.#calls.get(identity.callId) !== created) return;
        this.#calls.delete(identity.callId);
        void this.#placement?.released(identity.callId);
      });
      this.#placement?.hosting(identity.callId);
      this.#calls.set(identity.callId, created);
      call = created;
    }
    state.joined = { callId: identity.callId, participantId: identity.participantId };
    call.attach(connection, identity, { publish: message.publish ?? [] });
  }

  #onClosed(connection: SignalConnection): void {
    const state = this.#connections.get(connection);
    if (!state) return;
    this.#connections.delete(connection);
    this.#timers.clear(state.joinTimer);
    state.bridge?.closed();
    if (state.joined) this.#calls.get(state.joined.callId)?.detach(connection, state.joined.participantId);
    if (this.#connections.size === 0 && this.#heartbeat) {
      this.#timers.clear(this.#heartbeat);
      this.#heartbeat = null;
    }
  }

  #rememberEnded(callId: string): void {
    this.#ended.add(callId);
    if (this.#ended.size > ENDED_REMEMBERED) {
      const oldest = this.#ended.values().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }

  /** One interval for all sockets, running only while there are sockets. */
  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = this.#timers.interval(this.#pingIntervalMs, () => {
      const now = performance.now();
      for (const connection of [...this.#connections.keys()]) {
        if (now - connection.lastSeenAt > this.#deadAfterMs) {
          this.#log.info({ connectionId: connection.id }, 'socket silent too long, dropped');
          connection.terminate();
        } else connection.ping();
      }
    });
  }
}
