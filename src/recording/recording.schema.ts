import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';

/** HTTP shapes of recording review and playback (routes.ts). */

export const recordingModes = ['consent', 'legal_obligation'] as const;
export const recordingStatuses = ['recording', 'complete', 'incomplete', 'failed'] as const;
export const trackStatuses = ['recording', 'finalising', 'complete', 'incomplete', 'failed', 'erased'] as const;
export const trackSources = ['camera', 'screen'] as const;
export const trackBases = ['consent', 'legal_obligation', 'legitimate_interest'] as const;
export const stopReasons = ['agent', 'call_ended', 'shutdown', 'crash', 'failed'] as const;
export const trackEndReasons = ['stopped', 'withdrawn', 'left', 'sources_changed', 'call_ended', 'shutdown', 'crash', 'failed'] as const;
/** A participant's recording consent as the ledger has it now: the latest decision, or none recorded. */
export const consentStates = ['given', 'declined', 'withdrawn', 'none'] as const;

/** Track states that hold playable media: `incomplete` plays up to where a crash interrupted it. */
export const playableTrackStatuses: ReadonlySet<string> = new Set(['complete', 'incomplete']);

/** A P-256 public key as a JWK (only the public coordinates): an organisation's recording key, or a track's ephemeral key. */
export const publicJwkSchema = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a base64url P-256 coordinate'),
  y: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a base64url P-256 coordinate'),
});
/** What is stored with a track recorded in the agent's browser (E2EE calls): the recording key it was made to, and the ephemeral public key. */
export const trackEnvelopeSchema = z.strictObject({ v: z.literal(1), keyId: z.string().min(1).max(64), epk: publicJwkSchema });
export type TrackEnvelope = z.infer<typeof trackEnvelopeSchema>;

export const trackViewSchema = z.object({
  id: z.string(),
  source: z.enum(trackSources),
  basis: z.enum(trackBases),
  status: z.enum(trackStatuses),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.enum(trackEndReasons).nullable(),
  durationMs: z.number().int().nullable(),
  /** Whether a play or download link can be asked for (status complete or incomplete, key present). */
  playable: z.boolean(),
  /** Recorded in the agent's browser (E2EE call): the media is encrypted to this recording key; null for server-side capture. */
  e2ee: trackEnvelopeSchema.nullable(),
});
export type TrackView = z.infer<typeof trackViewSchema>;

export const recordingParticipantSchema = z.object({
  id: z.string(),
  kind: z.enum(['agent', 'customer']),
  displayName: z.string(),
  consent: z.enum(consentStates),
  tracks: z.array(trackViewSchema),
});
export type RecordingParticipantView = z.infer<typeof recordingParticipantSchema>;

export const recordingViewSchema = z.object({
  id: z.string(),
  callId: z.string(),
  mode: z.enum(recordingModes),
  legalReference: z.string().nullable(),
  status: z.enum(recordingStatuses),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  stopReason: z.enum(stopReasons).nullable(),
  failure: z.string().nullable(),
  restricted: z.boolean(),
  expiresAt: z.string(),
  participants: z.array(recordingParticipantSchema),
});
export type RecordingView = z.infer<typeof recordingViewSchema>;

export const recordingAuditEventSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  type: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

export const recordingDetailSchema = recordingViewSchema.extend({
  /** The organisation's audit events about this recording, oldest first. */
  auditTrail: z.array(recordingAuditEventSchema),
});
export type RecordingDetail = z.infer<typeof recordingDetailSchema>;

export const listRecordingsQuerySchema = z.strictObject({
  callId: idSchema('call').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const recordingParamsSchema = z.strictObject({ recordingId: idSchema('recording') });
export const trackParamsSchema = z.strictObject({ recordingId: idSchema('recording'), trackId: idSchema('track') });

export const linkPurposes = ['play', 'download'] as const;
export type LinkPurpose = (typeof linkPurposes)[number];

export const createLinkBodySchema = z.strictObject({ purpose: z.enum(linkPurposes) });
export const mediaLinkSchema = z.object({
  /** Same-origin path; it works only for the signed-in person who asked for it, until `expiresAt`. */
  url: z.string(),
  expiresAt: z.string(),
});

/** The token is checked by its signature, not its shape: anything up to the router's limit reaches the handler. */
export const mediaParamsSchema = z.strictObject({ token: z.string().min(1).max(300) });

/** DELETE /api/recordings/:recordingId — what was erased (tracks already erased are not counted again). */
export const erasedRecordingSchema = z.object({ recordingId: z.string(), erasedTracks: z.number().int() });

/** An authority's request to keep a legal-obligation recording longer (G56): 7 years at most, with its reference. */
export const retentionExtensionBodySchema = z.strictObject({
  reference: z.string().trim().min(1, 'the authority\'s reference is required').max(200),
  years: z.number().int().min(6, 'an extension is longer than the 5-year minimum').max(7, 'at most 7 years'),
});
export const retentionExtensionSchema = z.object({ recordingId: z.string(), retainUntil: z.string(), extensionReference: z.string() });
