import * as z from 'zod/mini';
import type * as Server from '../../../src/protocol/signalling.ts';

/**
 * The browser's copy of the call's signalling protocol (src/protocol/signalling.ts is the source of truth). The
 * server's schemas are written with full zod; the web bundles zod/mini only, so the server → client messages are
 * mirrored here and checked, at compile time, to be the same types (`Same` below): a change on one side that is not
 * made on the other fails `tsc`. Only types are imported from src/protocol, never code.
 */
export type ClientMessage = Server.ClientMessage;
export type MediaSource = Server.MediaSource;

const mediaSource = z.enum(['audio', 'video', 'screen']);
const peerInfo = z.object({
  participantId: z.string(),
  kind: z.enum(['agent', 'customer']),
  displayName: z.string(),
  state: z.enum(['waiting', 'admitted', 'reconnecting']),
  sources: z.array(mediaSource),
  e2eeKey: z.nullable(z.string()),
});
export type PeerInfo = z.infer<typeof peerInfo>;

const iceCandidate = z.object({
  candidate: z.string(),
  sdpMid: z.optional(z.nullable(z.string())),
  sdpMLineIndex: z.optional(z.nullable(z.number())),
  usernameFragment: z.optional(z.nullable(z.string())),
});

const errorCode = z.enum([
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

const captureState = z.enum(['captured', 'asked', 'declined', 'withdrawn', 'not-recorded']);
export type CaptureState = z.infer<typeof captureState>;

const recordingState = z.object({
  active: z.boolean(),
  mode: z.enum(['off', 'consent', 'legal_obligation']),
  recordingId: z.nullable(z.string()),
  startedAt: z.nullable(z.string()),
  you: captureState,
  prompt: z.nullable(
    z.object({
      kind: z.enum(['consent', 'acknowledge']),
      text: z.string(),
      textHash: z.string(),
      legalReference: z.nullable(z.string()),
    }),
  ),
  scripts: z.array(z.object({ participantId: z.string(), locale: z.enum(['en', 'de']), state: captureState, text: z.string() })),
  participants: z.array(z.object({ participantId: z.string(), state: captureState })),
});
export type RecordingState = z.infer<typeof recordingState>;
export type RecordingPrompt = NonNullable<RecordingState['prompt']>;

const serverMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    participantId: z.string(),
    kind: z.enum(['agent', 'customer']),
    peers: z.array(peerInfo),
    iceServers: z.array(
      z.object({ urls: z.union([z.string(), z.array(z.string())]), username: z.optional(z.string()), credential: z.optional(z.string()) }),
    ),
    resumed: z.boolean(),
    e2ee: z.boolean(),
  }),
  z.object({ type: z.literal('peer-joined'), peer: peerInfo }),
  z.object({ type: z.literal('peer-updated'), peer: peerInfo }),
  z.object({ type: z.literal('peer-left'), participantId: z.string(), reason: z.enum(['left', 'timeout', 'declined']) }),
  z.object({ type: z.literal('lobby-waiting'), message: z.string() }),
  z.object({ type: z.literal('admitted') }),
  z.object({ type: z.literal('declined'), message: z.string() }),
  z.object({
    type: z.literal('offer'),
    sdp: z.string(),
    publish: z.array(z.object({ mid: z.string(), source: mediaSource })),
    subscribe: z.array(z.object({ mid: z.string(), participantId: z.string(), source: mediaSource })),
  }),
  z.object({ type: z.literal('answer'), sdp: z.string() }),
  z.object({ type: z.literal('ice'), candidate: iceCandidate }),
  z.object({ type: z.literal('chat'), from: z.string(), text: z.string(), at: z.string() }),
  z.object({ type: z.literal('chat-history'), messages: z.array(z.object({ from: z.string(), text: z.string(), at: z.string() })) }),
  z.object({ type: z.literal('pong'), at: z.optional(z.number()) }),
  z.object({ type: z.literal('call-ended'), message: z.string() }),
  z.object({ type: z.literal('error'), code: errorCode, message: z.string() }),
  z.object({
    type: z.literal('stats'),
    at: z.string(),
    participants: z.array(
      z.object({
        participantId: z.string(),
        bitrateInKbps: z.number(),
        bitrateOutKbps: z.number(),
        packetLossPct: z.number(),
        rttMs: z.nullable(z.number()),
      }),
    ),
  }),
  z.object({ type: z.literal('recording'), state: recordingState }),
  z.object({ type: z.literal('recording-alert'), message: z.string() }),
  z.object({ type: z.literal('e2ee-sender-key'), from: z.string(), keyId: z.number(), wrapped: z.string() }),
  z.object({
    type: z.literal('e2ee-capture-start'),
    trackId: z.string(),
    participantId: z.string(),
    source: z.enum(['camera', 'screen']),
    recordingKey: z.object({ id: z.string(), publicKey: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }) }),
  }),
  z.object({
    type: z.literal('e2ee-capture-stop'),
    trackId: z.string(),
    reason: z.enum(['stopped', 'withdrawn', 'left', 'sources_changed', 'call_ended', 'shutdown', 'failed']),
  }),
]);
export type ServerMessage = z.infer<typeof serverMessage>;
export type ParticipantStats = Extract<ServerMessage, { type: 'stats' }>['participants'][number];
export type OfferMessage = Extract<ServerMessage, { type: 'offer' }>;
export type E2eeCaptureStart = Extract<ServerMessage, { type: 'e2ee-capture-start' }>;
export type E2eeCaptureStop = Extract<ServerMessage, { type: 'e2ee-capture-stop' }>;

// Compile-time check that the mirror and the server's schema describe the same messages, type by type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Type = ServerMessage['type'];
type Checks = { [T in Type | Server.ServerMessage['type']]: Same<Extract<ServerMessage, { type: T }>, Extract<Server.ServerMessage, { type: T }>> };
const mirrorMatchesServer: { [T in Type | Server.ServerMessage['type']]: true } = null as unknown as Checks;
void mirrorMatchesServer;

/** One text frame from the server, or null when it is not a message this client understands. */
export function parseServerMessage(text: string): ServerMessage | null {
  try {
    const parsed = serverMessage.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const closeCodes = { normal: 1000, policy: 1008, tooBig: 1009, replaced: 4000 } as const;
