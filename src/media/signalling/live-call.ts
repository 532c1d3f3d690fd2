import type { Logger } from '../../logging/logger.ts';
import { closeCodes, MAX_CHAT_HISTORY, type ClientMessage, type MediaSource, type ParticipantStats, type PeerInfo } from '../../protocol/signalling.ts';
import type { TurnIceServer as IceServer } from '../turn-credentials.ts';
import type { Clock } from '../../shared/clock.ts';
import type { PeerFailure } from '../peer.ts';
import type { PeerHandle, RoomHandle } from '../media-api.ts';
import { PeerInputError } from '../peer.ts';
import type { TimerSet } from '../timer-set.ts';
import { TypedEmitter } from '../typed-emitter.ts';
import type { SignalConnection } from './connection.ts';
import type { CallRecords } from '../../calls/call-records.ts';
import type { JoinIdentity } from './join-auth.ts';
import { QualityAggregator, QualitySampler } from './quality.ts';
import { failpoint } from '../../config/failpoints.ts';
import type { CallRecording, RecordingHost, RecordingParticipant } from '../../recording/call-recording.ts';

export interface LiveCallOptions {
  /** The organisation the call belongs to (presence is answered to that organisation only). */
  readonly orgId: string;
  /** How long a participant whose socket dropped keeps their place, in ms. */
  readonly graceMs: number;
  readonly timers: TimerSet;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where attendance, kept chat, quality aggregates and the call's end are written (none: nothing is stored). */
  readonly records?: CallRecords | undefined;
  /** How often the agent gets every participant's quality stats, in ms (0: never; default 0). */
  readonly statsIntervalMs?: number | undefined;
  /** The ICE servers (TURN with fresh credentials) each participant is told about when they join; none by default. */
  readonly iceServers?: ((participantId: string) => IceServer[]) | undefined;
  /**
   * The call's media is end-to-end encrypted: participants exchange public keys and wrapped media keys through the
   * server, which relays them and never holds a media key (default false: `e2ee-*` messages are refused).
   */
  readonly e2ee?: boolean | undefined;
  /** Builds the call's recording controller (none: recording messages are refused). */
  readonly recording?: ((host: RecordingHost) => CallRecording) | undefined;
  /**
   * Cluster mode: the lobby's decisions outlive this node's copy of the call. Who was let in or declined on another
   * node (before it died or was drained) is let in or refused here without asking the agent again.
   */
  readonly lobbyMemory?: LobbyMemory | undefined;
}

export interface LobbyMemory {
  readonly admitted: ReadonlySet<string>;
  readonly declined: ReadonlySet<string>;
  remember(decision: 'admitted' | 'declined', participantId: string): void;
}

type LeaveReason = 'left' | 'timeout' | 'declined';

/** How long after relaying a media key its sender is asked for a keyframe: time for the receiver to install the key. */
const KEY_SETTLE_MS = 300;

/** A participant present in the call: connected, or within the grace period after their socket dropped. */
interface Participant {
  readonly id: string;
  readonly kind: 'agent' | 'customer';
  readonly displayName: string;
  admission: 'waiting' | 'admitted';
  /** When they started waiting in the lobby, or were let in (ISO): what the agent's calls list shows. */
  since: string;
  connection: SignalConnection | null;
  peer: PeerHandle | null;
  graceTimer: NodeJS.Timeout | null;
  /** Sources asked for while waiting in the lobby, published once admitted. */
  readonly wanted: Set<MediaSource>;
  /** What this participant's client has been told about each other participant (JSON of its PeerInfo). */
  readonly known: Map<string, string>;
  /** The agent's user id, for the audit log. */
  readonly userId: string | null;
  readonly subjectId: string | null;
  readonly locale: 'en' | 'de';
  readonly sampler: QualitySampler;
  /** This participant as the recording sees them. */
  readonly view: RecordingParticipant;
  /** E2EE: the public key of the participant's current call session (base64), as they sent it. */
  e2eeKey: string | null;
}

/** Where one present participant stands, for the agent's calls list. */
export interface PresenceEntry {
  readonly participantId: string;
  readonly kind: 'agent' | 'customer';
  /** `waiting`: in the lobby; `in_call`: let in and connected; `reconnecting`: their connection dropped (grace period). */
  readonly state: 'waiting' | 'in_call' | 'reconnecting';
  /** Since when they wait or have been let in (ISO). */
  readonly since: string;
}

/** One chat message as the live call keeps it (in memory, for as long as the call lasts). */
interface ChatEntry {
  /** Position in the call's chat, counted from 1; participants see the messages from their first admission on. */
  readonly seq: number;
  readonly from: string;
  readonly text: string;
  readonly at: string;
}

export type LiveCallEvents = {
  /** The agent ended the call (emitted just before `closed`). */
  ended: [];
  closed: [];
};

const texts = {
  lobby: 'Please wait: the host will let you in shortly.',
  declined: 'The host did not let you in to this call.',
  ended: 'The host ended the call.',
  replaced: 'You joined this call from another window.',
  notAdmitted: 'Wait until the host lets you in.',
  agentOnly: 'Only the host can do this.',
  mediaMoved: 'The call moved to another media server. Reconnecting…',
  nodeMoved: 'This server node is being taken out of service; the call moves to another one. Reconnecting…',
} as const;

/**
 * One call in progress: who is present (lobby, grace periods) and what each client has been told; the media
 * Room it owns does the forwarding. Closes when the agent ends the call or the last participant has gone.
 */
export class LiveCall {
  readonly events: TypedEmitter<LiveCallEvents>;
  readonly #participants = new Map<string, Participant>();
  /** Customers the agent declined: refused if they try again while the call lasts. */
  readonly #declined = new Set<string>();
  /**
   * The chat so far (the last MAX_CHAT_HISTORY messages), sent again to a participant who rejoins: a reloaded page has
   * lost its own. Memory only, gone when the call closes; what is kept after the call is CallRecords' business.
   */
  readonly #chat: ChatEntry[] = [];
  #chatSeq = 0;
  /**
   * For each participant present and let in: the first chat message they may see (the next one when they were let
   * in). Someone let in later does not get what was said before they came in; a rejoin within the grace period
   * keeps its place.
   */
  readonly #chatFrom = new Map<string, number>();
  readonly #log: Logger;
  readonly #quality = new QualityAggregator();
  readonly #startedAt: string;
  #statsTimer: NodeJS.Timeout | null = null;
  #sampling = false;
  #started = false;
  #closed = false;
  readonly #recording: CallRecording | null;
  /** The call's media room; replaced when the media worker holding it dies. */
  #room: RoomHandle;

  constructor(
    readonly callId: string,
    readonly lobbyEnabled: boolean,
    room: RoomHandle,
    private readonly options: LiveCallOptions,
  ) {
    this.#log = options.logger.child({ callId });
    this.events = new TypedEmitter((err) => this.#log.error({ err }, 'live call listener failed'));
    this.#room = room;
    this.#wire(room);
    this.#startedAt = options.clock.now().toISOString();
    const every = options.statsIntervalMs ?? 0;
    if (every > 0) this.#statsTimer = options.timers.interval(every, () => this.#sampleQuality());
    const host: RecordingHost = {
      participants: () => [...this.#participants.values()].map((p) => p.view),
      get: (id) => this.#participants.get(id)?.view,
    };
    this.#recording = options.recording ? options.recording(host) : null;
  }

  #wire(room: RoomHandle): void {
    room.events.on('published', (peer) => this.#onSourcesChanged(peer.participantId));
    room.events.on('unpublished', (peer) => this.#onSourcesChanged(peer.participantId));
    room.events.on('peer-failed', (peer, reason) => this.#onPeerFailed(peer, reason));
  }

  /**
   * The media worker that held this call's room died: `room` (on another worker) takes over. Every participant's
   * peer went with the old room; the connected ones are told to reconnect, which gives each a new peer here as a
   * rejoin does (their place, the lobby and the chat are kept: they live in this process).
   */
  moveMedia(room: RoomHandle): void {
    if (this.#closed) {
      room.close();
      return;
    }
    this.#room = room;
    this.#wire(room);
    // The captures died with the worker: their tracks are recovered as far as they reached the store, and recording
    // goes on in new tracks once the participants are back with their sources.
    this.#recording?.mediaLost();
    for (const p of this.#participants.values()) {
      p.peer = null;
      if (p.admission === 'admitted') p.connection?.error('MEDIA_MOVED', texts.mediaMoved, { close: closeCodes.policy });
    }
    this.#log.warn({ participants: this.#participants.size }, 'call media moved to another worker');
    this.#syncAll();
  }

  get orgId(): string {
    return this.options.orgId;
  }

  /** The call's recording (null when recording is not wired in, e.g. in media-only tests). */
  get recording(): CallRecording | null {
    return this.#recording;
  }

  #onSourcesChanged(participantId: string): void {
    const p = this.#participants.get(participantId);
    if (p) this.#recording?.sourcesChanged(p.view);
    this.#syncAll();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get participantCount(): number {
    return this.#participants.size;
  }

  /** A socket whose join was accepted becomes (or takes over) this participant's connection. */
  attach(connection: SignalConnection, identity: JoinIdentity, options: { readonly publish?: readonly MediaSource[] } = {}): void {
    if (this.#closed) {
      connection.error('CALL_OVER', texts.ended, { close: closeCodes.normal });
      return;
    }
    if (this.#declined.has(identity.participantId) || this.options.lobbyMemory?.declined.has(identity.participantId)) {
      connection.error('JOIN_REFUSED', texts.declined, { close: closeCodes.policy });
      return;
    }
    let p = this.#participants.get(identity.participantId);
    const resumed = p !== undefined;
    if (!p) {
      const id = identity.participantId;
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- the view's getter reads the live participant
      const self = this;
      const view: RecordingParticipant = {
        id,
        kind: identity.kind,
        userId: identity.userId,
        subjectId: identity.subjectId,
        locale: identity.locale,
        get admitted() {
          return self.#participants.get(id)?.admission === 'admitted';
        },
        send: (message) => self.#participants.get(id)?.connection?.send(message),
        error: (code, message) => self.#participants.get(id)?.connection?.error(code, message),
        publications: () => self.#participants.get(id)?.peer?.publications ?? [],
      };
      p = {
        id: identity.participantId,
        kind: identity.kind,
        displayName: identity.displayName,
        admission: identity.kind === 'agent' || !this.lobbyEnabled || this.options.lobbyMemory?.admitted.has(identity.participantId) ? 'admitted' : 'waiting',
        since: this.options.clock.now().toISOString(),
        connection: null,
        peer: null,
        graceTimer: null,
        wanted: new Set(),
        known: new Map(),
        userId: identity.userId,
        subjectId: identity.subjectId,
        locale: identity.locale,
        sampler: new QualitySampler(),
        view,
        e2eeKey: null,
      };
      this.#participants.set(p.id, p);
      if (!this.#started) {
        this.#started = true;
        this.options.records?.started(p.userId ? { type: 'user', id: p.userId } : { type: 'anonymous' });
      }
      this.options.records?.joined(p.id, p.admission === 'admitted');
    } else {
      this.options.timers.clear(p.graceTimer);
      p.graceTimer = null;
      const old = p.connection;
      p.connection = null;
      if (old) {
        old.error('JOIN_REFUSED', texts.replaced, { close: closeCodes.replaced });
      }
      // A rejoining client has a new peer connection: it asks for its sources again. What the recording captured
      // of the old one ends here, before the old peer goes (a reload or dropped network, not a change of camera).
      if (p.admission === 'admitted') {
        p.wanted.clear();
        this.#recording?.rejoined(p.id);
      }
    }
    // Sources the join asked for are published with the first offer (kept for later when waiting in the lobby).
    for (const source of options.publish ?? []) p.wanted.add(source);
    p.connection = connection;
    p.known.clear();
    const peers = this.#visibleTo(p).map((other) => this.#infoOf(other));
    for (const info of peers) p.known.set(info.participantId, JSON.stringify(info));
    failpoint('join.before_welcome');
    connection.send({
      type: 'welcome',
      participantId: p.id,
      kind: p.kind,
      peers,
      iceServers: this.options.iceServers?.(p.id) ?? [],
      resumed,
      e2ee: this.options.e2ee === true,
    });
    this.#log.info({ participantId: p.id, kind: p.kind, resumed, admission: p.admission }, 'participant joined');
    if (p.admission === 'waiting') connection.send({ type: 'lobby-waiting', message: texts.lobby });
    else {
      this.#sendChatHistory(p);
      this.#startPeer(p);
    }
    this.#syncAll();
    this.#recording?.joined(p.view);
  }

  /** A socket closed: its participant keeps their place for the grace period, unless they left on purpose. */
  detach(connection: SignalConnection, participantId: string): void {
    const p = this.#participants.get(participantId);
    if (!p || p.connection !== connection) return;
    p.connection = null;
    if (this.#closed) return;
    p.graceTimer = this.options.timers.timeout(this.options.graceMs, () => {
      p.graceTimer = null;
      this.#remove(p, 'timeout');
    });
    this.#log.info({ participantId: p.id }, 'participant disconnected, grace period started');
    this.#syncAll();
  }

  /** Everything a joined socket sends after its join. */
  handle(connection: SignalConnection, participantId: string, message: ClientMessage): void {
    const p = this.#participants.get(participantId);
    if (!p || p.connection !== connection || this.#closed) return;
    switch (message.type) {
      case 'join':
        connection.error('ALREADY_JOINED', 'This socket has already joined the call.');
        return;
      case 'ping':
        connection.send({ type: 'pong', ...(message.at !== undefined ? { at: message.at } : {}) });
        return;
      case 'leave':
        this.#remove(p, 'left');
        return;
      case 'publish':
        if (p.admission === 'waiting') p.wanted.add(message.source);
        else p.peer?.publish(message.source);
        return;
      case 'unpublish':
        p.wanted.delete(message.source);
        p.peer?.unpublish(message.source);
        return;
      case 'answer':
      case 'ice': {
        const peer = p.peer;
        if (!peer) {
          connection.error('NOT_ADMITTED', texts.notAdmitted);
          return;
        }
        const work = message.type === 'answer' ? peer.handleAnswer(message.sdp) : peer.addIceCandidate(message.candidate);
        work.catch((err: unknown) => {
          if (err instanceof PeerInputError) connection.error(err.code, err.message);
          else {
            this.#log.error({ err, participantId: p.id }, 'negotiation step failed');
            connection.error('INTERNAL', 'The server could not apply this message.');
          }
        });
        return;
      }
      case 'chat': {
        if (p.admission !== 'admitted') {
          connection.error('NOT_ADMITTED', texts.notAdmitted);
          return;
        }
        const at = this.options.clock.now().toISOString();
        this.options.records?.chat(p.id, message.text, at);
        this.#chat.push({ seq: ++this.#chatSeq, from: p.id, text: message.text, at });
        if (this.#chat.length > MAX_CHAT_HISTORY) this.#chat.splice(0, this.#chat.length - MAX_CHAT_HISTORY);
        for (const other of this.#participants.values()) {
          if (other.admission === 'admitted') other.connection?.send({ type: 'chat', from: p.id, text: message.text, at });
        }
        return;
      }
      case 'recording-start':
      case 'recording-stop':
      case 'recording-answer':
      case 'recording-withdraw':
        if (!this.#recording) {
          connection.error('RECORDING_NOT_ALLOWED', 'This call type does not allow recording.');
          return;
        }
        if (p.admission !== 'admitted') {
          connection.error('NOT_ADMITTED', texts.notAdmitted);
          return;
        }
        this.#recording.handle(p.view, message);
        return;
      case 'e2ee-key':
      case 'e2ee-sender-key':
        this.#relayE2ee(p, message);
        return;
      case 'admit':
      case 'decline':
      case 'end':
        if (p.kind !== 'agent') {
          connection.error('FORBIDDEN', texts.agentOnly);
          return;
        }
        if (message.type === 'end') {
          this.#end(p);
          return;
        }
        this.#decide(connection, message.participantId, message.type);
        return;
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  /**
   * Closes every participant's socket and the room, and writes what is left to write: the participants still
   * present leave (`ended` when the agent ended the call, `closed` on shutdown) and the quality aggregate is kept.
   * Safe to call twice.
   */
  close(reason: 'ended' | 'closed' | 'moved' = 'closed'): void {
    if (this.#closed) return;
    // Captures are detached before the peers close; finalising runs on (the hub waits for it at shutdown). A call
    // moved to another node (cluster, draining) keeps its recording running for that node to adopt.
    if (reason === 'moved') void this.#recording?.handOver();
    else void this.#recording?.close(reason === 'ended' ? 'call_ended' : 'shutdown');
    this.#closed = true;
    this.options.timers.clear(this.#statsTimer);
    this.#statsTimer = null;
    for (const p of this.#participants.values()) {
      this.options.records?.left(p.id, reason === 'moved' ? 'closed' : reason);
      this.options.timers.clear(p.graceTimer);
      p.graceTimer = null;
      p.peer?.close();
      p.peer = null;
      const connection = p.connection;
      p.connection = null;
      // Moved: the page reconnects at once and comes back on the call's next node (the recording's prompt included).
      if (reason === 'moved') connection?.error('MEDIA_MOVED', texts.nodeMoved, { close: closeCodes.policy });
      else connection?.close(closeCodes.normal, 'call closed');
    }
    this.#participants.clear();
    this.#chat.length = 0;
    this.#chatFrom.clear();
    this.options.records?.quality(this.#startedAt, this.#quality.result());
    this.#room.close();
    this.#log.info('call closed');
    this.events.emit('closed');
    this.events.removeAllListeners();
  }

  /**
   * E2EE key material: a participant's public key becomes part of their peer info (so everyone who may see them
   * learns it through the usual sync); a wrapped media key goes to the one admitted participant it names, as sent.
   * The server checks only who may talk to whom, never the content (it could not unwrap it anyway).
   */
  #relayE2ee(p: Participant, message: Extract<ClientMessage, { type: 'e2ee-key' | 'e2ee-sender-key' }>): void {
    const connection = p.connection;
    if (!connection) return;
    if (this.options.e2ee !== true) {
      connection.error('E2EE_NOT_ENABLED', 'This call is not end-to-end encrypted.');
      return;
    }
    if (message.type === 'e2ee-key') {
      if (p.e2eeKey === message.publicKey) return;
      p.e2eeKey = message.publicKey;
      this.#syncAll();
      return;
    }
    if (p.admission !== 'admitted') {
      connection.error('NOT_ADMITTED', texts.notAdmitted);
      return;
    }
    const target = this.#participants.get(message.to);
    if (!target || target === p || target.admission !== 'admitted') {
      connection.error('UNKNOWN_PARTICIPANT', 'No such participant is in this call.');
      return;
    }
    target.connection?.send({ type: 'e2ee-sender-key', from: p.id, keyId: message.keyId, wrapped: message.wrapped });
    // The receiver can start decoding the sender's video only at a keyframe encrypted with a key it holds: one that
    // came before the key was frames it dropped, and no decoder error follows to make it ask. So a keyframe is asked
    // of the sender once the receiver has had a moment to take the key (rate-limited per source).
    const sender = p.peer;
    if (sender) {
      this.options.timers.timeout(KEY_SETTLE_MS, () => {
        if (!sender.closed) sender.requestKeyframes();
      });
    }
  }

  #decide(connection: SignalConnection, targetId: string, decision: 'admit' | 'decline'): void {
    const target = this.#participants.get(targetId);
    if (!target || target.kind === 'agent') {
      connection.error('UNKNOWN_PARTICIPANT', 'No such participant is waiting in this call.');
      return;
    }
    if (decision === 'admit') {
      if (target.admission === 'admitted') return;
      target.admission = 'admitted';
      target.since = this.options.clock.now().toISOString();
      this.options.records?.admitted(target.id);
      this.options.lobbyMemory?.remember('admitted', target.id);
      this.#log.info({ participantId: target.id }, 'participant admitted');
      target.connection?.send({ type: 'admitted' });
      this.#sendChatHistory(target);
      this.#startPeer(target);
      this.#syncAll();
      this.#recording?.admitted(target.view);
      return;
    }
    this.#declined.add(target.id);
    this.options.lobbyMemory?.remember('declined', target.id);
    this.#log.info({ participantId: target.id }, 'participant declined');
    target.connection?.send({ type: 'declined', message: texts.declined });
    this.#remove(target, 'declined');
  }

  #end(agent: Participant): void {
    this.#log.info({ participantId: agent.id }, 'call ended by the agent');
    for (const p of this.#participants.values()) p.connection?.send({ type: 'call-ended', message: texts.ended });
    this.options.records?.ended(agent.userId ? { type: 'user', id: agent.userId } : { type: 'system' });
    this.events.emit('ended');
    this.close('ended');
  }

  #remove(p: Participant, reason: LeaveReason): void {
    if (this.#participants.get(p.id) !== p) return;
    this.#recording?.left(p.id);
    this.options.timers.clear(p.graceTimer);
    p.graceTimer = null;
    p.peer?.close();
    p.peer = null;
    this.#participants.delete(p.id);
    // Someone who left (or was gone past the grace period) and comes back starts a new presence: they do not get
    // what was said while they were away, nor again what they saw before.
    this.#chatFrom.delete(p.id);
    this.options.records?.left(p.id, reason);
    const connection = p.connection;
    p.connection = null;
    connection?.close(closeCodes.normal, reason);
    this.#log.info({ participantId: p.id, reason }, 'participant left');
    if (this.#participants.size === 0) {
      this.close();
      return;
    }
    this.#syncAll(new Map([[p.id, reason]]));
  }

  /** Who is here and how, for the agent's calls list (the console shows "Customer waiting in the lobby", "In call"). */
  presence(): PresenceEntry[] {
    if (this.#closed) return [];
    return [...this.#participants.values()].map((p) => ({
      participantId: p.id,
      kind: p.kind,
      state: p.admission === 'waiting' ? 'waiting' : p.connection ? 'in_call' : 'reconnecting',
      since: p.since,
    }));
  }

  /** The chat this admitted participant may see, sent on admission and on every rejoin (the page replaces its list). */
  #sendChatHistory(p: Participant): void {
    let from = this.#chatFrom.get(p.id);
    if (from === undefined) {
      from = this.#chatSeq + 1;
      this.#chatFrom.set(p.id, from);
    }
    const first = from;
    const messages = this.#chat.filter((m) => m.seq >= first).map(({ from: sender, text, at }) => ({ from: sender, text, at }));
    p.connection?.send({ type: 'chat-history', messages });
  }

  #startPeer(p: Participant): void {
    const peer = this.#room.addPeer(p.id);
    p.peer = peer;
    peer.events.on('offer', (offer) => p.connection?.send({ type: 'offer', ...offer }));
    for (const source of p.wanted) peer.publish(source);
    p.wanted.clear();
  }

  /** Samples every admitted participant's peer, keeps the figures in the aggregate and sends them to the agent. */
  #sampleQuality(): void {
    if (this.#sampling || this.#closed) return;
    this.#sampling = true;
    const present = [...this.#participants.values()].filter((p) => p.peer !== null);
    void Promise.all(
      present.map(async (p): Promise<ParticipantStats | null> => {
        const sample = p.peer ? await p.sampler.sample(p.peer) : null;
        return sample ? { participantId: p.id, ...sample } : null;
      }),
    )
      .then((results) => {
        if (this.#closed) return;
        const participants = results.filter((r): r is ParticipantStats => r !== null);
        if (participants.length === 0) return;
        for (const r of participants) this.#quality.add(r);
        const at = this.options.clock.now().toISOString();
        for (const p of this.#participants.values()) {
          if (p.kind === 'agent') p.connection?.send({ type: 'stats', at, participants });
        }
      })
      .catch((err: unknown) => this.#log.warn({ err }, 'quality sample failed'))
      .finally(() => {
        this.#sampling = false;
      });
  }

  #onPeerFailed(peer: PeerHandle, reason: PeerFailure): void {
    const p = this.#participants.get(peer.participantId);
    if (!p || p.peer !== peer) {
      peer.close();
      return;
    }
    this.#log.warn({ participantId: p.id, reason }, 'peer failed');
    peer.close();
    p.peer = null;
    // The participant is dropped; they keep their place for the grace period and can rejoin.
    const message =
      reason === 'negotiation-timeout' ? 'Your connection did not answer the server in time. Reconnect to continue.' : 'The media connection failed. Reconnect to continue.';
    p.connection?.error(reason === 'negotiation-timeout' ? 'NEGOTIATION_TIMEOUT' : 'INTERNAL', message, { close: closeCodes.policy });
    this.#syncAll();
  }

  #infoOf(p: Participant): PeerInfo {
    return {
      participantId: p.id,
      kind: p.kind,
      displayName: p.displayName,
      state: p.admission === 'waiting' ? 'waiting' : p.connection ? 'admitted' : 'reconnecting',
      sources: p.peer?.publishedSources ?? [],
      e2eeKey: p.e2eeKey,
    };
  }

  /** The agent sees everyone; an admitted customer sees the admitted; a waiting customer sees nobody. */
  #visibleTo(viewer: Participant): Participant[] {
    const out: Participant[] = [];
    for (const other of this.#participants.values()) {
      if (other === viewer) continue;
      if (viewer.kind === 'agent' || (viewer.admission === 'admitted' && other.admission === 'admitted')) out.push(other);
    }
    return out;
  }

  /** Tells every connected client what changed since it was last told (joined, updated, left). */
  #syncAll(removed: ReadonlyMap<string, LeaveReason> = new Map()): void {
    for (const viewer of this.#participants.values()) {
      const connection = viewer.connection;
      if (!connection) continue;
      const visible = new Set<string>();
      for (const other of this.#visibleTo(viewer)) {
        visible.add(other.id);
        const peer = this.#infoOf(other);
        const json = JSON.stringify(peer);
        const before = viewer.known.get(other.id);
        if (before === json) continue;
        viewer.known.set(other.id, json);
        connection.send({ type: before === undefined ? 'peer-joined' : 'peer-updated', peer });
      }
      for (const id of [...viewer.known.keys()]) {
        if (visible.has(id)) continue;
        viewer.known.delete(id);
        connection.send({ type: 'peer-left', participantId: id, reason: removed.get(id) ?? 'left' });
      }
    }
  }
}
