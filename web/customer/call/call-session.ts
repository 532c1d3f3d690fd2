import {
  closeCodes,
  parseServerMessage,
  type ClientMessage,
  type MediaSource,
  type OfferMessage,
  type ParticipantStats,
  type PeerInfo,
  type RecordingState,
  type ServerMessage,
} from './protocol.ts';
import { E2eeSession, e2eeSupported, type E2eeState } from './e2ee/e2ee-session.ts';
import { captureStream, E2eeRecorder } from './e2ee/e2ee-recorder.ts';

/**
 * One participant's side of a live call, with no UI: the signalling socket, the peer connection, the local
 * camera/microphone/screen and what arrives from the others. The server is the only offerer: each `offer` says on
 * which m-line this client sends which source (`publish`) and whose source arrives on which m-line (`subscribe`).
 * The UI reads `snapshot` and is told of every change through `subscribe`.
 */

export type CallPhase = 'connecting' | 'lobby' | 'in-call' | 'reconnecting' | 'ended' | 'declined' | 'left' | 'failed';

export interface ChatLine {
  readonly id: number;
  readonly from: string;
  readonly text: string;
  readonly at: string;
}

export interface RemoteMedia {
  audio?: MediaStreamTrack;
  video?: MediaStreamTrack;
  screen?: MediaStreamTrack;
}

export interface CallSnapshot {
  readonly phase: CallPhase;
  /** The server's own words for lobby, ended, declined and failed states. */
  readonly message: string | null;
  /**
   * The code of the server's error that ended the call (CALL_OVER, CALL_CANCELLED, JOIN_REFUSED…), null otherwise:
   * the customer's page says it in its own language instead of showing the server's English `message`.
   */
  readonly endCode: string | null;
  readonly selfId: string | null;
  readonly kind: 'agent' | 'customer' | null;
  readonly peers: readonly PeerInfo[];
  readonly remote: ReadonlyMap<string, RemoteMedia>;
  readonly local: { readonly audio: MediaStreamTrack | null; readonly video: MediaStreamTrack | null; readonly screen: MediaStreamTrack | null };
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly connection: RTCPeerConnectionState | 'none';
  readonly chat: readonly ChatLine[];
  /**
   * The last problem worth telling the person about: 'media' (no camera/microphone), 'negotiation', 'relay' (the
   * media connection through TURN failed: refused credentials, relay unreachable), or the server's text.
   */
  readonly notice: string | null;
  /** Agent only: each participant's connection quality as the server sees it. */
  readonly stats: ReadonlyMap<string, ParticipantStats>;
  /** The recording as the server last described it to this participant; null until the first `recording` message. */
  readonly recording: RecordingState | null;
  /**
   * True from sending a recording request (start, stop, answer, withdraw) until the server answers with a new state
   * or an error: the buttons are disabled meanwhile, so a double click cannot send an answer twice.
   */
  readonly recordingPending: boolean;
  /** Agent only: the last "capture failed" alert; it stays until the page is left, as nothing clears the failure. */
  readonly recordingAlert: string | null;
  /** End-to-end encryption of this call (safety code, key ids); null when the call is not end-to-end encrypted. */
  readonly e2ee: E2eeState | null;
}

export interface CallOptions {
  readonly callId: string;
  readonly auth: { kind: 'link'; token: string } | { kind: 'session' };
  readonly devices?: { camera?: string; microphone?: string };
  /** The page's language, sent with `join`: the server writes the recording notice and prompts in it. */
  readonly locale?: 'en' | 'de';
  /**
   * Closing the session while in the call means leaving it (the customer's page going back a step): the server is
   * told at once, so the others see them leave instead of "reconnecting" for the grace period. Default false: the
   * console's live page may be left and come back to within the grace period. A reload closes nothing, so it is
   * never a leave: the page comes back into the call.
   */
  readonly leaveOnClose?: boolean;
}

/** The `message` of a failed call whose browser cannot encrypt an E2EE call: the view says why, in its language. */
export const E2EE_UNSUPPORTED = 'e2ee-unsupported';

const RECONNECT_FOR_MS = 25_000;
const PING_EVERY_MS = 15_000;

export class CallSession {
  #snapshot: CallSnapshot = {
    phase: 'connecting',
    message: null,
    endCode: null,
    selfId: null,
    kind: null,
    peers: [],
    remote: new Map(),
    local: { audio: null, video: null, screen: null },
    muted: false,
    cameraOff: false,
    connection: 'none',
    chat: [],
    notice: null,
    stats: new Map(),
    recording: null,
    recordingPending: false,
    recordingAlert: null,
    e2ee: null,
  };
  readonly #listeners = new Set<() => void>();
  #ws: WebSocket | null = null;
  #pc: RTCPeerConnection | null = null;
  #iceServers: RTCIceServer[] = [];
  #negotiation: Promise<void> = Promise.resolve();
  /** mid → whose source arrives on it, from the latest offer. */
  #subscribed = new Map<string, { participantId: string; source: MediaSource }>();
  /** Sources this client wants published (re-sent after a rejoin). */
  readonly #publishing = new Set<MediaSource>();
  #pinger: ReturnType<typeof setInterval> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #disconnectedAt: number | null = null;
  #lastError: ServerMessage & { type: 'error' } | null = null;
  #chatIds = 0;
  #closed = false;
  /** Made at the first welcome of an E2EE call; kept across rejoins (same key pair, same worker). */
  #e2ee: E2eeSession | null = null;
  /** Recording agent of an E2EE call only: made at the first `e2ee-capture-start`, kept across rejoins. */
  #recorder: E2eeRecorder | null = null;

  constructor(readonly options: CallOptions) {}

  get snapshot(): CallSnapshot {
    return this.#snapshot;
  }

  /** The in-browser recorder of an E2EE call (recording agent only), for tests; null until the server asks for one. */
  get e2eeRecorder(): E2eeRecorder | null {
    return this.#recorder;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Asks for camera and microphone, then connects. */
  async start(): Promise<void> {
    const devices = this.options.devices ?? {};
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: devices.microphone ? { deviceId: { exact: devices.microphone } } : true,
        video: devices.camera ? { deviceId: { exact: devices.camera } } : true,
      });
      this.#update({ local: { ...this.#snapshot.local, audio: stream.getAudioTracks()[0] ?? null, video: stream.getVideoTracks()[0] ?? null } });
    } catch {
      // Joining without camera or microphone still lets the person see, hear and chat.
      this.#update({ notice: 'media' });
    }
    if (this.#snapshot.local.audio) this.#publishing.add('audio');
    if (this.#snapshot.local.video) this.#publishing.add('video');
    this.#connect();
  }

  setMuted(muted: boolean): void {
    if (!this.#snapshot.local.audio) return;
    this.#snapshot.local.audio.enabled = !muted;
    this.#update({ muted });
    this.#setPublished('audio', !muted);
  }

  async setCameraOff(off: boolean): Promise<void> {
    const local = this.#snapshot.local;
    if (off) {
      local.video?.stop();
      this.#update({ cameraOff: true, local: { ...local, video: null } });
      this.#setPublished('video', false);
      return;
    }
    try {
      const camera = this.options.devices?.camera;
      const stream = await navigator.mediaDevices.getUserMedia({ video: camera ? { deviceId: { exact: camera } } : true });
      this.#update({ cameraOff: false, local: { ...this.#snapshot.local, video: stream.getVideoTracks()[0] ?? null } });
      this.#setPublished('video', true);
    } catch {
      this.#update({ notice: 'media' });
    }
  }

  async startScreenShare(): Promise<void> {
    if (this.#snapshot.local.screen) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return; // the person chose not to share
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    track.addEventListener('ended', () => this.stopScreenShare());
    this.#update({ local: { ...this.#snapshot.local, screen: track } });
    this.#setPublished('screen', true);
  }

  stopScreenShare(): void {
    const screen = this.#snapshot.local.screen;
    if (!screen) return;
    screen.stop();
    this.#update({ local: { ...this.#snapshot.local, screen: null } });
    this.#setPublished('screen', false);
  }

  sendChat(text: string): void {
    const trimmed = text.trim();
    if (trimmed) this.#send({ type: 'chat', text: trimmed });
  }

  admit(participantId: string): void {
    this.#send({ type: 'admit', participantId });
  }

  decline(participantId: string): void {
    this.#send({ type: 'decline', participantId });
  }

  /** Agent only: ends the call for everyone. */
  endForEveryone(): void {
    this.#send({ type: 'end' });
  }

  /** Agent only: starts recording (consent mode); the server asks each customer first. */
  startRecording(): void {
    this.#sendRecording({ type: 'recording-start' });
  }

  /** Agent only: stops recording (refused by the server for legal-obligation recording). */
  stopRecording(): void {
    this.#sendRecording({ type: 'recording-stop' });
  }

  /** Customer: answers the recording prompt; `textHash` is the hash of the prompt text that was shown. */
  answerRecording(answer: { given: boolean; textHash: string }): void {
    this.#sendRecording({ type: 'recording-answer', given: answer.given, textHash: answer.textHash });
  }

  /** Customer: withdraws recording consent, at once and without a confirmation step (as easy as giving it). */
  withdrawRecording(): void {
    this.#sendRecording({ type: 'recording-withdraw' });
  }

  leave(): void {
    this.#send({ type: 'leave' });
    this.#finish('left', null);
  }

  /** Frees everything (also on unmount); safe to call twice. */
  close(): void {
    if (this.#closed) return;
    const phase = this.#snapshot.phase;
    if (this.options.leaveOnClose && phase !== 'ended' && phase !== 'declined' && phase !== 'left' && phase !== 'failed') this.#send({ type: 'leave' });
    this.#closed = true;
    if (this.#pinger) clearInterval(this.#pinger);
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const ws = this.#ws;
    this.#ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
    // Before the peer connection closes (which ends the remote tracks): what is recorded is still uploaded after.
    void this.#recorder?.stopAll();
    this.#closePc();
    this.#e2ee?.close();
    const { audio, video, screen } = this.#snapshot.local;
    for (const t of [audio, video, screen]) t?.stop();
    this.#listeners.clear();
  }

  // --- signalling ---

  #connect(): void {
    if (this.#closed) return;
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/calls/signal`;
    const ws = new WebSocket(url);
    this.#ws = ws;
    const { callId, auth, locale } = this.options;
    // Declares whether this browser can encrypt: an E2EE call refuses the join otherwise (no silent downgrade).
    ws.onopen = () => this.#send({ type: 'join', callId, auth, ...(locale ? { locale } : {}), e2ee: e2eeSupported(), publish: [...this.#publishing] });
    ws.onmessage = (event) => {
      if (ws !== this.#ws || typeof event.data !== 'string') return;
      const message = parseServerMessage(event.data);
      if (message) this.#onMessage(message);
    };
    ws.onclose = (event) => {
      if (ws !== this.#ws) return;
      this.#ws = null;
      this.#onSocketClosed(event.code);
    };
    if (!this.#pinger) this.#pinger = setInterval(() => this.#send({ type: 'ping', at: Date.now() }), PING_EVERY_MS);
  }

  #send(message: ClientMessage): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(message));
    return true;
  }

  #sendRecording(message: ClientMessage): void {
    // Nothing is marked pending when the socket is down: the state sent after the rejoin is the answer then.
    if (this.#send(message)) this.#update({ recordingPending: true });
  }

  #onSocketClosed(code: number): void {
    const phase = this.#snapshot.phase;
    if (this.#closed || phase === 'ended' || phase === 'declined' || phase === 'left' || phase === 'failed') return;
    const error = this.#lastError;
    const retryable = code !== closeCodes.normal && code !== closeCodes.replaced && (code !== closeCodes.policy || error?.code === 'NEGOTIATION_TIMEOUT' || error?.code === 'INTERNAL' || error?.code === 'MEDIA_MOVED');
    if (code === closeCodes.normal) {
      this.#finish('ended', null);
      return;
    }
    if (!retryable) {
      this.#finish('failed', error?.message ?? null, error?.code ?? null);
      return;
    }
    this.#disconnectedAt ??= Date.now();
    if (Date.now() - this.#disconnectedAt > RECONNECT_FOR_MS) {
      this.#finish('failed', error?.message ?? null, error?.code ?? null);
      return;
    }
    this.#update({ phase: 'reconnecting' });
    // The call's media moved to another server (its media worker stopped): the server is there, come back at once.
    this.#reconnectTimer = setTimeout(() => this.#connect(), error?.code === 'MEDIA_MOVED' ? 100 : 1_000);
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#disconnectedAt = null;
        this.#lastError = null;
        this.#iceServers = message.iceServers.map((s) => ({ ...s }));
        // A rejoin has a new peer connection on the server: start a fresh one here too.
        this.#closePc();
        // A relay failure stays on screen through the rejoin it causes, until media connects again.
        this.#update({
          selfId: message.participantId,
          kind: message.kind,
          peers: message.peers,
          phase: 'in-call',
          remote: new Map(),
          // What happened stays said through the rejoin it causes: a relay failure (until media connects again), a move
          // to another media server (until another notice replaces it).
          notice: this.#snapshot.notice === 'relay' || this.#snapshot.notice === 'moved' ? this.#snapshot.notice : null,
          recordingPending: false,
        });
        if (message.e2ee) {
          this.#e2ee ??= new E2eeSession({ send: (m) => this.#send(m), onChange: (e2ee) => this.#update({ e2ee }) });
          this.#update({ e2ee: this.#e2ee.state });
          void this.#e2ee.welcome(message.participantId, message.peers);
        }
        // A customer still in the lobby may ask too: the server keeps the wish until they are admitted.
        this.#publishAll();
        return;
      case 'lobby-waiting':
        this.#update({ phase: 'lobby', message: message.message });
        return;
      case 'admitted':
        this.#update({ phase: 'in-call', message: null });
        return;
      case 'declined':
        this.#finish('declined', message.message);
        return;
      case 'peer-joined':
      case 'peer-updated': {
        const others = this.#snapshot.peers.filter((p) => p.participantId !== message.peer.participantId);
        this.#update({ peers: [...others, message.peer] });
        this.#e2ee?.peersChanged(this.#snapshot.peers);
        return;
      }
      case 'peer-left': {
        const remote = new Map(this.#snapshot.remote);
        remote.delete(message.participantId);
        this.#update({ peers: this.#snapshot.peers.filter((p) => p.participantId !== message.participantId), remote });
        this.#e2ee?.peersChanged(this.#snapshot.peers);
        return;
      }
      case 'offer':
        this.#negotiation = this.#negotiation.then(() => this.#answer(message)).catch(() => this.#update({ notice: 'negotiation' }));
        return;
      case 'chat':
        this.#update({ chat: [...this.#snapshot.chat, { id: ++this.#chatIds, from: message.from, text: message.text, at: message.at }] });
        return;
      case 'chat-history':
        // Everything this participant may see since they were let in: after a reload the page has nothing, after a
        // dropped network it may have missed some. The server's list replaces ours.
        this.#update({ chat: message.messages.map((m) => ({ id: ++this.#chatIds, from: m.from, text: m.text, at: m.at })) });
        return;
      case 'call-ended':
        this.#finish('ended', message.message);
        return;
      case 'error':
        this.#lastError = message;
        if (message.code === 'E2EE_UNSUPPORTED') {
          // Said in the page's own language (the view knows this marker), not in the server's English.
          this.#finish('failed', E2EE_UNSUPPORTED);
          return;
        }
        if (message.code === 'JOIN_REFUSED' || message.code === 'CALL_CANCELLED' || message.code === 'CALL_OVER') {
          this.#finish('failed', message.message, message.code);
          return;
        }
        if (message.code === 'MEDIA_MOVED') {
          this.#update({ notice: 'moved' });
          return;
        }
        // A refused message (a chat too fast, a bad answer, a refused recording request): the server's own words,
        // written for people. Any error ends a pending recording request, so its buttons work again.
        this.#update({ notice: message.message, recordingPending: false });
        return;
      case 'stats':
        this.#update({ stats: new Map(message.participants.map((p) => [p.participantId, p])) });
        return;
      case 'recording':
        this.#update({ recording: message.state, recordingPending: false });
        return;
      case 'recording-alert':
        this.#update({ recordingAlert: message.message });
        return;
      case 'e2ee-sender-key':
        this.#e2ee?.senderKey(message.from, message.keyId, message.wrapped);
        return;
      case 'e2ee-capture-start':
        this.#recorder ??= new E2eeRecorder();
        // The tracks are looked up again until they exist: a participant's media may arrive after the message.
        void this.#recorder.start(message, () => captureStream(this.#snapshot, message));
        return;
      case 'e2ee-capture-stop':
        void this.#recorder?.stop(message.trackId, message.reason);
        return;
      case 'answer':
      case 'ice':
      case 'pong':
        return;
      default:
        message satisfies never;
    }
  }

  /** Sends `publish` for everything wanted (after the welcome when admitted, after `admitted`, after a rejoin). */
  #publishAll(): void {
    for (const source of this.#publishing) this.#send({ type: 'publish', source });
  }

  #setPublished(source: MediaSource, on: boolean): void {
    if (on) this.#publishing.add(source);
    else this.#publishing.delete(source);
    if (this.#snapshot.phase === 'in-call' || this.#snapshot.phase === 'lobby') this.#send({ type: on ? 'publish' : 'unpublish', source });
  }

  // --- media ---

  #ensurePc(): RTCPeerConnection {
    if (this.#pc) return this.#pc;
    const pc = new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: 'max-bundle' });
    this.#pc = pc;
    pc.onicecandidate = (event) => {
      if (!event.candidate || !event.candidate.candidate) return;
      if (event.candidate.type === 'relay') relayGathered = true;
      const c = event.candidate.toJSON();
      this.#send({
        type: 'ice',
        candidate: { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null },
      });
    };
    // TURN errors (a 401 for refused credentials, an unreachable relay) arrive as candidate errors. They only matter
    // when no relay candidate came at all: then, once gathering ends, say so instead of waiting for ICE to time out.
    let turnError = false;
    let relayGathered = false;
    const relayOnly = pc.getConfiguration().iceTransportPolicy === 'relay';
    const usesTurn = this.#iceServers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/.test(u)));
    const relayFailed = () => {
      if (pc === this.#pc) this.#update({ notice: 'relay' });
    };
    pc.onicecandidateerror = (event) => {
      if (/^turns?:/.test((event as RTCPeerConnectionIceErrorEvent).url ?? '')) turnError = true;
    };
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete' && !relayGathered && (turnError || (relayOnly && usesTurn))) relayFailed();
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.#pc) return;
      this.#update({ connection: pc.connectionState });
      if (pc.connectionState === 'connected' && this.#snapshot.notice === 'relay') this.#update({ notice: null });
      if (pc.connectionState === 'failed') {
        // Relay-only (or a TURN server that refused us): the reason is the relay, not the call.
        if (relayOnly || (turnError && !relayGathered)) relayFailed();
        this.#restart();
      }
    };
    pc.ontrack = () => this.#collectRemote();
    this.#update({ connection: pc.connectionState });
    return pc;
  }

  async #answer(offer: OfferMessage): Promise<void> {
    const pc = this.#ensurePc();
    const { encrypted, placeholders } = this.#e2ee ? this.#addEncryptedTracks(pc, offer, this.#e2ee) : { encrypted: new Set<RTCRtpSender>(), placeholders: new Set<RTCRtpSender>() };
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    // A placeholder is stopped, not replaced: its m-line receives only, and any `replaceTrack` while transforms are
    // set has made Chromium drop them (frames then bypass encryption).
    for (const sender of placeholders) sender.track?.stop();
    // Tracks added for m-lines the offer did not pair them with are taken back.
    for (const sender of [...encrypted, ...placeholders]) {
      if (!pc.getTransceivers().some((t) => t.sender === sender && t.mid !== null)) pc.removeTrack(sender);
    }
    this.#subscribed = new Map(offer.subscribe.map((s) => [s.mid, { participantId: s.participantId, source: s.source }]));
    const publishing = new Map(offer.publish.map((p) => [p.mid, p.source]));
    for (const transceiver of pc.getTransceivers()) {
      const mid = transceiver.mid;
      if (mid === null || transceiver.currentDirection === 'stopped') continue;
      const source = publishing.get(mid);
      const subscribed = this.#subscribed.get(mid);
      if (source) {
        transceiver.direction = 'sendonly';
        const track = this.#localTrack(source);
        if (transceiver.sender.track !== track) {
          // E2EE: a sender without its transform must never get a track (it would send in the clear).
          if (this.#e2ee && track && !encrypted.has(transceiver.sender)) throw new Error('an end-to-end encrypted track could not be attached');
          await transceiver.sender.replaceTrack(track);
        }
      } else if (subscribed) {
        transceiver.direction = 'recvonly';
        this.#e2ee?.attachReceiver(transceiver.receiver, subscribed.source === 'audio' ? 'audio' : 'video', subscribed.participantId);
      } else {
        if (transceiver.sender.track) await transceiver.sender.replaceTrack(null);
        transceiver.direction = 'inactive';
      }
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.#send({ type: 'answer', sdp: pc.localDescription?.sdp ?? answer.sdp ?? '' });
    this.#collectRemote();
  }

  /**
   * E2EE: local tracks for the m-lines this offer newly asks this client to send on are added *before* the offer is
   * applied, each with its encryption transform set in the same task. Chromium (156) runs a video sender's transform
   * only when it is set as the track is added like this: set on a transceiver the offer created, before or after
   * `replaceTrack`, video frames bypass it and leave in the clear. Applying the offer pairs the tracks added with
   * the new m-lines of their kind in order (JSEP), so every new m-line gets one, in the offer's order: the real
   * track where this client sends, a placeholder (taken back after the offer is applied) where it receives.
   */
  #addEncryptedTracks(pc: RTCPeerConnection, offer: OfferMessage, e2ee: E2eeSession): { encrypted: Set<RTCRtpSender>; placeholders: Set<RTCRtpSender> } {
    const encrypted = new Set<RTCRtpSender>();
    const placeholders = new Set<RTCRtpSender>();
    const known = new Set(pc.getTransceivers().map((t) => t.mid));
    const publishing = new Map(offer.publish.map((p) => [p.mid, p.source]));
    for (const line of mediaLines(offer.sdp)) {
      if (known.has(line.mid)) continue;
      const source = publishing.get(line.mid);
      const track = source ? this.#localTrack(source) : null;
      if (track && source) {
        const sender = pc.addTrack(track, new MediaStream([track]));
        e2ee.attachSender(sender, source === 'audio' ? 'audio' : 'video');
        encrypted.add(sender);
      } else if (line.direction === 'sendrecv' || line.direction === 'recvonly') {
        // Only m-lines on which the offerer would receive take an added track; others need no placeholder.
        const placeholder = placeholderTrack(line.kind);
        placeholders.add(pc.addTrack(placeholder, new MediaStream([placeholder])));
      }
    }
    return { encrypted, placeholders };
  }

  #localTrack(source: MediaSource): MediaStreamTrack | null {
    const { audio, video, screen } = this.#snapshot.local;
    return source === 'audio' ? audio : source === 'video' ? video : screen;
  }

  /** Rebuilds who-sends-what from the receivers on the subscribed m-lines. */
  #collectRemote(): void {
    const pc = this.#pc;
    if (!pc) return;
    const remote = new Map<string, RemoteMedia>();
    for (const transceiver of pc.getTransceivers()) {
      const info = transceiver.mid !== null ? this.#subscribed.get(transceiver.mid) : undefined;
      if (!info) continue;
      const media = remote.get(info.participantId) ?? {};
      media[info.source] = transceiver.receiver.track;
      remote.set(info.participantId, media);
    }
    this.#update({ remote });
  }

  /** The media connection failed: rejoin, which gives a new peer connection on both sides. */
  #restart(): void {
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(1000);
    this.#closePc();
    this.#update({ phase: 'reconnecting' });
    this.#disconnectedAt ??= Date.now();
    this.#reconnectTimer = setTimeout(() => this.#connect(), 500);
  }

  #closePc(): void {
    const pc = this.#pc;
    this.#pc = null;
    this.#subscribed = new Map();
    this.#negotiation = Promise.resolve();
    if (pc) {
      pc.onconnectionstatechange = null;
      pc.close();
      this.#update({ connection: 'none' });
    }
  }

  #finish(phase: CallPhase, message: string | null, endCode: string | null = null): void {
    this.#update({ phase, message, endCode, remote: new Map(), connection: 'none' });
    const listeners = [...this.#listeners];
    this.close();
    // close() drops the listeners; they still need to hear about the end.
    for (const l of listeners) l();
  }

  #update(patch: Partial<CallSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    for (const l of this.#listeners) l();
  }
}

/** The m-lines of a session description, in order: each one's mid, kind and direction (the offerer's). */
function mediaLines(sdp: string): { mid: string; kind: 'audio' | 'video'; direction: string }[] {
  const out: { mid: string; kind: 'audio' | 'video'; direction: string }[] = [];
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const kind = section.startsWith('audio') ? 'audio' : section.startsWith('video') ? 'video' : null;
    const mid = /\r?\na=mid:([^\r\n]+)/.exec(section)?.[1];
    const direction = /\r?\na=(sendrecv|sendonly|recvonly|inactive)/.exec(section)?.[1] ?? 'sendrecv';
    if (kind && mid !== undefined) out.push({ mid, kind, direction });
  }
  return out;
}

/** A track that carries nothing, used only to pair a receiving m-line while an offer is applied (never sent). */
function placeholderTrack(kind: 'audio' | 'video'): MediaStreamTrack {
  if (kind === 'video') {
    const canvas = document.createElement('canvas');
    const track = canvas.captureStream(0).getVideoTracks()[0];
    if (track) return track;
  }
  const context = new AudioContext();
  const track = context.createMediaStreamDestination().stream.getAudioTracks()[0];
  void context.close();
  if (!track) throw new Error('no placeholder track');
  return track;
}
