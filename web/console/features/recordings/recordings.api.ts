import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';
import { recordingPublicKeySchema, sealedPrivateKeySchema } from '../recording-keys/recording-keys.api.ts';

/** An end-to-end encrypted track's envelope: which recording key it was encrypted to, and its ephemeral public key. */
const trackEnvelopeSchema = z.object({ v: z.literal(1), keyId: z.string(), epk: recordingPublicKeySchema });

const trackSchema = z.object({
  id: z.string(),
  source: z.enum(['camera', 'screen']),
  basis: z.enum(['consent', 'legal_obligation', 'legitimate_interest']),
  status: z.enum(['recording', 'finalising', 'complete', 'incomplete', 'failed', 'erased']),
  startedAt: z.string(),
  endedAt: z.nullable(z.string()),
  // Strings, not the closed lists: a reason added on the server must not break the page.
  endReason: z.nullable(z.string()),
  durationMs: z.nullable(z.number()),
  playable: z.boolean(),
  /**
   * Set when the recording browser encrypted the track end to end: its media link then serves the stored chunks,
   * which only the organisation's recording key opens. Absent from servers that predate E2EE recording.
   */
  e2ee: z.optional(z.nullable(trackEnvelopeSchema)),
});
export type Track = z.infer<typeof trackSchema>;

const participantSchema = z.object({
  id: z.string(),
  kind: z.enum(['agent', 'customer']),
  displayName: z.string(),
  consent: z.enum(['given', 'declined', 'withdrawn', 'none']),
  tracks: z.array(trackSchema),
});
export type RecordingParticipant = z.infer<typeof participantSchema>;

const recordingSchema = z.object({
  id: z.string(),
  callId: z.string(),
  mode: z.enum(['consent', 'legal_obligation']),
  legalReference: z.nullable(z.string()),
  status: z.enum(['recording', 'complete', 'incomplete', 'failed']),
  startedAt: z.string(),
  stoppedAt: z.nullable(z.string()),
  stopReason: z.nullable(z.string()),
  failure: z.nullable(z.string()),
  restricted: z.boolean(),
  expiresAt: z.string(),
  participants: z.array(participantSchema),
});
export type Recording = z.infer<typeof recordingSchema>;

const auditEntrySchema = z.object({
  id: z.string(),
  seq: z.number(),
  type: z.string(),
  actor: z.object({ type: z.string(), id: z.nullable(z.string()) }),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type RecordingAuditEntry = z.infer<typeof auditEntrySchema>;

const detailSchema = z.object({ ...recordingSchema.shape, auditTrail: z.array(auditEntrySchema) });
export type RecordingDetail = z.infer<typeof detailSchema>;

const linkSchema = z.object({ url: z.string(), expiresAt: z.string() });
export type MediaLink = z.infer<typeof linkSchema>;

export const listRecordings = async (api: ApiClient, callId: string | undefined) =>
  (await api.get('/api/recordings', z.object({ recordings: z.array(recordingSchema) }), { callId, limit: 200 })).recordings;

export const getRecording = (api: ApiClient, recordingId: string) => api.get(`/api/recordings/${encodeURIComponent(recordingId)}`, detailSchema);

/** A short-lived link for the signed-in user; asking for one is audited (and refused without a playback role or training). */
export const requestMediaLink = (api: ApiClient, recordingId: string, trackId: string, purpose: 'play' | 'download') =>
  api.post(`/api/recordings/${encodeURIComponent(recordingId)}/tracks/${encodeURIComponent(trackId)}/links`, linkSchema, { purpose });

/**
 * The organisation's private recording key, sealed under the DPO's passphrase, for an E2EE track's `keyId`. Only
 * the roles that may play recordings (with training) get it; it is opened in this browser, never on the server.
 */
export const getSealedRecordingKey = async (api: ApiClient, keyId: string) =>
  (await api.get(`/api/recording-keys/${encodeURIComponent(keyId)}/sealed`, z.object({ id: z.string(), sealed: sealedPrivateKeySchema }))).sealed;
