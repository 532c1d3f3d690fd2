import { z } from 'zod';

/**
 * The call's signalling protocol: JSON text messages over one WebSocket (`GET /api/calls/signal`), each a
 * member of a discriminated union on `type`. Shared by the server and the browser, so nothing here imports Node.
 *
 * Negotiation: the server is the only offerer. A participant asks to `publish` a source; the server adds a
 * receiving m-line for it and sends an `offer` whose `publish` list says which mid carries which source; the
 * client attaches its track to that m-line and replies with an `answer`. Tracks of the other participants
 * arrive the same way, listed in the offer's `subscribe` list (mid → participant and source). One offerer means
 * no glare, one negotiation at a time, and a server that always knows what each m-line is.
 */

/** Largest accepted text frame, in bytes: a bigger one is answered with an error and the socket closed (1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * Largest session description a client may send, in characters: it has to fit a 64 kB frame. A browser's answer
 * takes ~1 kB per m-line, so this bounds a call at roughly 50 m-lines per participant (16 people with audio and
 * video); the server's offers may be longer (MAX_SERVER_SDP_CHARS).
 */
export const MAX_SDP_CHARS = 60_000;
export const MAX_SERVER_SDP_CHARS = 1_000_000;
export const MAX_CHAT_CHARS = 2_000;
/** Chat messages a live call keeps in memory to send again on a rejoin (the oldest go first beyond this). */
export const MAX_CHAT_HISTORY = 500;
/**
 * End-to-end encryption (issue 8). A public key is an uncompressed P-256 point (65 bytes → 88 base64 characters);
 * a wrapped media key is a 12-byte IV and an AES-GCM-sealed 32-byte key with its 16-byte tag (60 bytes → 80
 * characters). The bounds leave room for a later curve but keep a relayed message small; the server checks only
 * these shapes and never reads what they carry.
 */
export const MAX_E2EE_PUBLIC_KEY_CHARS = 200;
export const MAX_E2EE_WRAPPED_KEY_CHARS = 200;

/** WebSocket close codes the server uses. */
export const closeCodes = {
  /** The call ended, the participant left or was declined. */
  normal: 1000,
  /** Refused at join, flooding, or a broken negotiation: read the `error` message sent just before. */
  policy: 1008,
  /** A message bigger than MAX_MESSAGE_BYTES. */
  tooBig: 1009,
  /** Replaced by a newer connection of the same participant (a reload in another tab). */
  replaced: 4000,
} as const;

const participantId = z.string().regex(/^par_[0-9a-z]{25}$/, 'expected a participant id');
const callId = z.string().regex(/^call_[0-9a-z]{25}$/, 'expected a call id');
const sdp = z.string().min(1).max(MAX_SDP_CHARS);
const base64 = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64');
/** A sender's media key generation: a new one whenever someone joins or leaves. */
const e2eeKeyId = z.number().int().min(0).max(0xffff_ffff);
export const mediaSource = z.enum(['audio', 'video', 'screen']);
export type MediaSource = z.infer<typeof mediaSource>;

const iceCandidate = z.object({
  candidate: z.string().max(1_000),
  sdpMid: z.string().max(64).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(1_000).nullish(),
  usernameFragment: z.string().max(256).nullish(),
});

/** How a participant proves who they are: the customer's join link, or the agent's console session cookie. */
const joinAuth = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('link'), token: z.string().min(1).max(300) }),
  z.object({ kind: z.literal('session') }),
]);

export const clientMessage = z.discriminatedUnion('type', [
  /** First message on a socket; also how a participant rejoins within the grace period. */
  /**
   * `e2ee`: the browser can encrypt media end to end (it has `RTCRtpScriptTransform`). A call type that requires
   * E2EE refuses a join without it (E2EE_UNSUPPORTED) rather than silently carrying the call unencrypted.
   * `publish`: sources to publish from the start, so the first offer carries them (the same as `publish` messages
   * sent after the welcome, one negotiation sooner). E2EE needs it: Chromium keeps a sender's encryption transform
   * only for tracks added before the first offer that carries their m-line is applied (see call-session.ts).
   */
  z.object({
    type: z.literal('join'),
    callId,
    auth: joinAuth,
    locale: z.enum(['en', 'de']).optional(),
    e2ee: z.boolean().optional(),
    publish: z.array(mediaSource).max(3).optional(),
  }),
  z.object({ type: z.literal('answer'), sdp }),
  /** A trickled candidate of the client; `null` candidate fields end the candidates. */
  z.object({ type: z.literal('ice'), candidate: iceCandidate }),
  z.object({ type: z.literal('publish'), source: mediaSource }),
  z.object({ type: z.literal('unpublish'), source: mediaSource }),
  z.object({ type: z.literal('chat'), text: z.string().trim().min(1).max(MAX_CHAT_CHARS) }),
  z.object({ type: z.literal('leave') }),
  z.object({ type: z.literal('ping'), at: z.number().optional() }),
  /** Agent only: let a customer out of the lobby, or send them away. */
  z.object({ type: z.literal('admit'), participantId }),
  z.object({ type: z.literal('decline'), participantId }),
  /** Agent only: end the call for everyone. */
  z.object({ type: z.literal('end') }),
  /** Agent only: start recording (call types whose recording mode is `consent`); everyone is asked first. */
  z.object({ type: z.literal('recording-start') }),
  /** Agent only: stop recording; refused for legal-obligation recording (G55). */
  z.object({ type: z.literal('recording-stop') }),
  /**
   * A customer's answer to the recording prompt: consent given or declined (consent mode), or the notice
   * acknowledged (legal-obligation mode; `given` must then be true). `textHash` is the hash of the text shown.
   */
  z.object({ type: z.literal('recording-answer'), given: z.boolean(), textHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex hash') }),
  /** A customer withdraws their recording consent: capture of them stops within 2 s (G12, G13). */
  z.object({ type: z.literal('recording-withdraw') }),
  /** E2EE calls: this participant's ECDH public key for this call session (raw P-256, base64); told to the others in their peer info. */
  z.object({ type: z.literal('e2ee-key'), publicKey: base64(MAX_E2EE_PUBLIC_KEY_CHARS) }),
  /** E2EE calls: the sender's current media key, wrapped for one other participant; the server relays it untouched. */
  z.object({ type: z.literal('e2ee-sender-key'), to: participantId, keyId: e2eeKeyId, wrapped: base64(MAX_E2EE_WRAPPED_KEY_CHARS) }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

export const participantState = z.enum(['waiting', 'admitted', 'reconnecting']);
export const peerInfo = z.object({
  participantId,
  kind: z.enum(['agent', 'customer']),
  displayName: z.string(),
  state: participantState,
  /** Sources this participant currently publishes. */
  sources: z.array(mediaSource),
  /** E2EE calls: the participant's ECDH public key (base64), null until they sent one (and in calls without E2EE). */
  e2eeKey: z.string().nullable(),
});
export type PeerInfo = z.infer<typeof peerInfo>;

export const iceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

export const errorCode = z.enum([
  'MALFORMED',
  'UNKNOWN_TYPE',
  'INVALID_MESSAGE',
  'TOO_BIG',
  'RATE_LIMITED',
  'NOT_JOINED',
  'ALREADY_JOINED',
  'JOIN_REFUSED',
  'CALL_CANCELLED',
  'CALL_OVER',
  'FORBIDDEN',
  'NOT_ADMITTED',
  'UNKNOWN_PARTICIPANT',
  'BAD_SDP',
  'BAD_CANDIDATE',
  'NEGOTIATION_TIMEOUT',
  'MEDIA_MOVED',
  'RECORDING_NOT_ALLOWED',
  'RECORDING_REQUIRED',
  'RECORDING_NOT_ACTIVE',
  'STALE_TEXT',
  'E2EE_UNSUPPORTED',
  'E2EE_NOT_ENABLED',
  'INTERNAL',
]);
export type SignalErrorCode = z.infer<typeof errorCode>;

/** One participant's connection quality over the last interval (see src/media/signalling/quality.ts). */
export const participantStats = z.object({
  participantId,
  /** Received by the server from the participant (their upload), kbit/s. */
  bitrateInKbps: z.number().min(0),
  /** Sent by the server to the participant (their download), kbit/s. */
  bitrateOutKbps: z.number().min(0),
  /** Lost packets in percent, the worse direction. */
  packetLossPct: z.number().min(0).max(100),
  /** Round-trip time in ms; null until the client has answered a sender report. */
  rttMs: z.number().min(0).nullable(),
});
export type ParticipantStats = z.infer<typeof participantStats>;

/** How one participant stands toward the recording in progress. */
export const captureState = z.enum([
  /** Being recorded. */
  'captured',
  /** Asked, no answer yet: not recorded. */
  'asked',
  /** Declined (consent mode): never recorded in this recording. */
  'declined',
  /** Withdrew consent: recording of them stopped. */
  'withdrawn',
  /** In the lobby or not publishing anything: nothing to record. */
  'not-recorded',
]);
export type CaptureState = z.infer<typeof captureState>;

export const recordingState = z.object({
  active: z.boolean(),
  /** The call type's recording mode. */
  mode: z.enum(['off', 'consent', 'legal_obligation']),
  recordingId: z.string().nullable(),
  startedAt: z.string().nullable(),
  /** The receiving participant's own state. */
  you: captureState,
  /**
   * A question this participant must answer before anything of them is recorded (G8, G18): consent (two equal
   * choices, nothing pre-selected) or, for legal-obligation recording, an acknowledgement. Null when none is due.
   */
  prompt: z
    .object({
      kind: z.enum(['consent', 'acknowledge']),
      /** The recording notice: what is recorded (screen shares, anything said or shown), why, for how long, the rights. */
      text: z.string(),
      textHash: z.string(),
      legalReference: z.string().nullable(),
    })
    .nullable(),
  /**
   * To the agent, while recording runs: what to say aloud to each customer present, in that customer's language
   * and following where they stand (asked, recorded, declined, withdrawn). Others get an empty list.
   */
  scripts: z.array(z.object({ participantId, locale: z.enum(['en', 'de']), state: captureState, text: z.string() })),
  /** To the agent: everyone's state (others get an empty list). */
  participants: z.array(z.object({ participantId, state: captureState })),
});
export type RecordingState = z.infer<typeof recordingState>;

export const serverMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    participantId,
    kind: z.enum(['agent', 'customer']),
    /** Everyone else this participant may see (a waiting customer sees nobody yet). */
    peers: z.array(peerInfo),
    iceServers: z.array(iceServer),
    /** True when this is a rejoin within the grace period. */
    resumed: z.boolean(),
    /** The call's media is end-to-end encrypted: the client must encrypt what it sends and send its `e2ee-key`. */
    e2ee: z.boolean(),
  }),
  z.object({ type: z.literal('peer-joined'), peer: peerInfo }),
  /** State or published sources of a present peer changed (admitted, reconnecting, screen share on/off). */
  z.object({ type: z.literal('peer-updated'), peer: peerInfo }),
  z.object({ type: z.literal('peer-left'), participantId, reason: z.enum(['left', 'timeout', 'declined']) }),
  z.object({ type: z.literal('lobby-waiting'), message: z.string() }),
  z.object({ type: z.literal('admitted') }),
  z.object({ type: z.literal('declined'), message: z.string() }),
  z.object({
    type: z.literal('offer'),
    sdp: z.string().min(1).max(MAX_SERVER_SDP_CHARS),
    /** m-lines on which this client sends: attach the track of that source and answer `sendonly`. */
    publish: z.array(z.object({ mid: z.string(), source: mediaSource })),
    /** m-lines on which this client receives another participant's source. */
    subscribe: z.array(z.object({ mid: z.string(), participantId, source: mediaSource })),
  }),
  /** Reserved for client-initiated renegotiation (ICE restart); the server does not send it yet. */
  z.object({ type: z.literal('answer'), sdp }),
  /** Reserved for server-side trickle; today the server's offers carry all of its candidates. */
  z.object({ type: z.literal('ice'), candidate: iceCandidate }),
  z.object({ type: z.literal('chat'), from: participantId, text: z.string(), at: z.string() }),
  /**
   * The call's chat so far, oldest first, as far as this participant may see it: what was said from the moment they
   * were first let in (not before). Sent when they are let in and on every rejoin (a reload, a dropped network), so a
   * page that lost its chat gets it back; the client replaces its list with it. Kept in the server's memory only
   * while the call lasts (at most MAX_CHAT_HISTORY messages).
   */
  z.object({ type: z.literal('chat-history'), messages: z.array(z.object({ from: participantId, text: z.string(), at: z.string() })).max(MAX_CHAT_HISTORY) }),
  z.object({ type: z.literal('pong'), at: z.number().optional() }),
  z.object({ type: z.literal('call-ended'), message: z.string() }),
  z.object({ type: z.literal('error'), code: errorCode, message: z.string() }),
  /** To the agent only, every few seconds: each admitted participant's connection quality as the SFU sees it. */
  z.object({ type: z.literal('stats'), at: z.string(), participants: z.array(participantStats) }),
  /** The recording as this participant sees it; sent on join and on every change (start, stop, answers). */
  z.object({ type: z.literal('recording'), state: recordingState }),
  /** To the agent: capture failed (legal-obligation recording is then flagged as failed, G55). */
  z.object({ type: z.literal('recording-alert'), message: z.string() }),
  /** E2EE calls: another participant's media key, wrapped for this participant (relayed as sent). */
  z.object({ type: z.literal('e2ee-sender-key'), from: participantId, keyId: e2eeKeyId, wrapped: z.string() }),
  /**
   * E2EE calls, to the recording agent only: record this participant's source in the browser, encrypted to the
   * organisation's recording key, and upload it to `/api/e2ee-tracks/<trackId>` (docs/e2ee.md, "Recording").
   */
  z.object({
    type: z.literal('e2ee-capture-start'),
    trackId: z.string(),
    participantId,
    source: z.enum(['camera', 'screen']),
    recordingKey: z.object({ id: z.string(), publicKey: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }) }),
  }),
  /**
   * Stop recording that track. `withdrawn`: the person withdrew consent, nothing more of them is accepted (the
   * server already refuses further chunks). Otherwise: send what is left, ending with the last chunk, within 10 s.
   */
  z.object({ type: z.literal('e2ee-capture-stop'), trackId: z.string(), reason: z.enum(['stopped', 'withdrawn', 'left', 'sources_changed', 'call_ended', 'shutdown', 'failed']) }),
]);
export type ServerMessage = z.infer<typeof serverMessage>;

/** Parses one text frame; the reason for a refusal is an error code the server sends back. */
export function parseClientMessage(
  text: string,
): { ok: true; message: ClientMessage } | { ok: false; code: 'MALFORMED' | 'UNKNOWN_TYPE' | 'INVALID_MESSAGE'; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'MALFORMED', message: 'The message is not valid JSON.' };
  }
  const knownTypes: readonly string[] = clientMessage.options.map((o) => o.shape.type.value);
  const type = typeof raw === 'object' && raw !== null && 'type' in raw ? (raw as { type: unknown }).type : undefined;
  if (typeof type !== 'string' || !knownTypes.includes(type)) {
    return { ok: false, code: 'UNKNOWN_TYPE', message: `Unknown message type; expected one of ${knownTypes.join(', ')}.` };
  }
  const result = clientMessage.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, code: 'INVALID_MESSAGE', message: `Invalid "${type}" message. ${where}${issue?.message ?? ''}`.trim() };
  }
  return { ok: true, message: result.data };
}
