import { recordShredded } from '../keys/shred-journal.ts';
import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { RecordingTracksTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { newDataKey, unwrapDataKey } from '../keys/data-keys.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import { finaliseBlob } from './finalise-blob.ts';
import type { PersistedRecording } from './recording-row.ts';
import { TrackWriter } from './track-writer.ts';
import { CaptureLostError } from './capture-lost.ts';
import { emitWebhook } from '../webhooks/emit-webhook.ts';
import { failpoint } from '../config/failpoints.ts';

export type TrackSource = 'camera' | 'screen';
export type TrackBasis = 'consent' | 'legal_obligation' | 'legitimate_interest';
export type TrackEndReason = 'stopped' | 'withdrawn' | 'left' | 'sources_changed' | 'call_ended' | 'shutdown' | 'crash' | 'failed';

type TrackDeps = Pick<Deps, 'db' | 'keys' | 'clock' | 'audit' | 'blobs' | 'config'> & Partial<Pick<Deps, 'nodeId'>>;

/** Where a track's blob lives while it is written, and once finalised. */
export const liveBlobKey = (orgId: string, recordingId: string, trackId: string) => `${orgId}/recordings/${recordingId}/${trackId}-live.pblob`;
export const finalBlobKey = (orgId: string, recordingId: string, trackId: string) => `${orgId}/recordings/${recordingId}/${trackId}.pblob`;
export const recordingPrefix = (orgId: string, recordingId: string) => `${orgId}/recordings/${recordingId}/`;

export interface OpenTrackInput {
  readonly orgId: OrgId;
  /** The recording's committed row (its id is the track row's foreign key): only `insertRecording` makes one. */
  readonly recording: PersistedRecording;
  readonly callId: string;
  readonly participantId: string;
  readonly subjectId: string | null;
  readonly source: TrackSource;
  readonly basis: TrackBasis;
  readonly consentId: string | null;
  readonly recordingsDays: number;
  /** Plaintext bytes per encrypted chunk (tests use small ones). */
  readonly chunkSize?: number | undefined;
  /** Recorded in the agent's browser (E2EE call): the row is marked so; its envelope arrives with the upload. */
  readonly e2ee?: boolean | undefined;
}

export interface OpenedTrack {
  readonly trackId: string;
  readonly writer: TrackWriter;
}

/** Where a track's ciphertext goes, as the end of a track sees it: complete it, or discard it. */
export interface TrackSink {
  /** Writes what is left and completes the object; throws if any write failed. */
  finish(): Promise<{ ciphertextBytes: number; plaintextBytes: number }>;
  abort(): Promise<void>;
}

/** A track's row and key, before anything is written: where its ciphertext goes and with which data key. */
export interface TrackRow {
  readonly trackId: string;
  readonly blobKey: string;
  readonly dataKey: Buffer;
}

/**
 * Starts a track: a data key of its own (G27), its row (status `recording`, audited) and the blob upload its
 * ciphertext is appended to. The row exists before the first byte, so a crash always leaves a row to recover.
 */
export async function openTrack(deps: TrackDeps, input: OpenTrackInput, onWriteFailure: (err: unknown) => void): Promise<OpenedTrack> {
  const { trackId, blobKey, dataKey } = await openTrackRow(deps, input);
  const upload = await deps.blobs.createUpload(blobKey);
  return { trackId, writer: new TrackWriter(upload, dataKey, trackId, onWriteFailure, input.chunkSize) };
}

/**
 * A track's data key and row (status `recording`, audited), without its upload: for a capture that writes its blob
 * elsewhere (in the media worker beside the call's tracks), which is handed the blob key and the data key.
 */
export async function openTrackRow(deps: TrackDeps, input: OpenTrackInput): Promise<TrackRow> {
  const trackId = newId('track');
  const now = deps.clock.now();
  const recordingId = input.recording.id;
  const blobKey = liveBlobKey(input.orgId, recordingId, trackId);
  const { dataKey, wrapped } = await newDataKey(deps.db, deps.keys, deps.clock, input.orgId, trackId);
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('recording_tracks')
      .values({
        id: trackId,
        org_id: input.orgId,
        recording_id: recordingId,
        call_id: input.callId,
        participant_id: input.participantId,
        subject_id: input.subjectId,
        source: input.source,
        basis: input.basis,
        consent_id: input.consentId,
        status: 'recording',
        started_at: iso(now),
        ended_at: null,
        end_reason: null,
        blob_key: blobKey,
        wrapped_key: wrapped.wrapped,
        kek_version: wrapped.kekVersion,
        ciphertext_bytes: null,
        plaintext_bytes: null,
        duration_ms: null,
        codecs: input.source === 'camera' ? 'vp8,opus' : 'vp8',
        erased_at: null,
        // '' = E2EE, envelope not received yet (a track that never got one holds no chunk and is dropped as empty).
        e2ee_envelope: input.e2ee ? '' : null,
        node_id: deps.nodeId ?? null,
        created_at: iso(now),
        expires_at: iso(addDays(now, input.recordingsDays)),
        ...tagged('recording_tracks'),
      })
      .execute();
    await deps.audit.append(tx, input.orgId, { type: 'system' }, {
      type: 'recording.track_started',
      data: { recordingId, trackId, participantId: input.participantId, source: input.source, basis: input.basis },
    });
  });
  return { trackId, blobKey, dataKey };
}

/**
 * Ends a track whose capture has stopped: completes the live blob, then finalises it (real duration, new key,
 * new object) and destroys the live one. A failure leaves the row `failed` with the reason audited.
 */
export async function closeTrack(
  deps: TrackDeps,
  orgId: OrgId,
  trackId: string,
  writer: TrackSink,
  reason: TrackEndReason,
  endedAt: Date,
  recordingsDays: number,
): Promise<'complete' | 'incomplete' | 'failed' | 'empty'> {
  let sizes: { ciphertextBytes: number };
  try {
    sizes = await writer.finish();
  } catch (err) {
    // The process that wrote it died: what reached the store is kept, as after a crash of this one.
    if (err instanceof CaptureLostError) return recoverTrack(deps, orgId, trackId);
    await writer.abort().catch(() => {});
    await markFailed(deps, orgId, trackId, endedAt, recordingsDays);
    return 'failed';
  }
  await deps.db
    .updateTable('recording_tracks')
    .set({
      status: 'finalising',
      ended_at: iso(endedAt),
      end_reason: reason,
      ciphertext_bytes: sizes.ciphertextBytes,
      expires_at: iso(addDays(endedAt, recordingsDays)),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', trackId)
    .execute();
  return finaliseTrack(deps, orgId, trackId, { status: 'complete', requireFinal: true });
}

async function markFailed(deps: TrackDeps, orgId: OrgId, trackId: string, endedAt: Date, recordingsDays: number): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).where('id', '=', trackId).executeTakeFirstOrThrow();
    await tx
      .updateTable('recording_tracks')
      .set({ status: 'failed', ended_at: row.ended_at ?? iso(endedAt), end_reason: 'failed', wrapped_key: null, expires_at: iso(addDays(endedAt, recordingsDays)) })
      .where('id', '=', trackId)
      .execute();
    await deps.audit.append(tx, orgId, { type: 'system' }, {
      type: 'recording.track_ended',
      data: { recordingId: row.recording_id, trackId, reason: 'failed', status: 'failed' },
    });
  });
  const row = await deps.db.selectFrom('recording_tracks').select(['blob_key']).where('id', '=', trackId).executeTakeFirstOrThrow();
  await deps.blobs.delete(row.blob_key).catch(() => {});
}

/**
 * A track whose capture was cut off (a crash of the process that wrote it): what reached the store is recovered, cut
 * to the last whole encrypted chunk and WebM block, and finalised as `incomplete` (end reason `crash`).
 */
export async function recoverTrack(deps: TrackDeps, orgId: OrgId, trackId: string): Promise<'complete' | 'incomplete' | 'failed' | 'empty'> {
  const row = await deps.db.selectFrom('recording_tracks').select(['blob_key', 'status']).where('org_id', '=', orgId).where('id', '=', trackId).executeTakeFirstOrThrow();
  if (row.status !== 'recording') return 'failed';
  const size = await deps.blobs.recover(row.blob_key);
  await deps.db.updateTable('recording_tracks').set({ ciphertext_bytes: size, status: 'finalising', end_reason: 'crash' }).where('id', '=', trackId).execute();
  return finaliseTrack(deps, orgId, trackId, { status: 'incomplete', requireFinal: false, endReason: 'crash' });
}

/**
 * Rewrites a track's blob into its final form (see finalise-blob.ts) and swaps it in: the row points to the new
 * object and key in one update, then the old object is deleted — its key is already gone with the update, so a
 * crash in between leaves only unreadable ciphertext, which recovery removes. Used at a clean stop
 * (`complete`) and after a crash (`incomplete`, decryptable up to the last whole chunk).
 */
export async function finaliseTrack(
  deps: TrackDeps,
  orgId: OrgId,
  trackId: string,
  options: { status: 'complete' | 'incomplete'; requireFinal: boolean; endReason?: TrackEndReason },
): Promise<'complete' | 'incomplete' | 'failed' | 'empty'> {
  const row = await deps.db.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).where('id', '=', trackId).executeTakeFirstOrThrow();
  const endedAt = row.ended_at ? new Date(row.ended_at) : deps.clock.now();
  if (row.wrapped_key === null || row.kek_version === null || row.ciphertext_bytes === null) {
    await markFailed(deps, orgId, trackId, endedAt, daysOf(row));
    return 'failed';
  }
  const oldKey = await unwrapDataKey(deps.db, deps.keys, orgId, trackId, { kekVersion: Number(row.kek_version), wrapped: row.wrapped_key });
  const fresh = await newDataKey(deps.db, deps.keys, deps.clock, orgId, trackId);
  const target = finalBlobKey(orgId, row.recording_id, trackId);
  let result;
  try {
    result = await finaliseBlob({
      store: deps.blobs,
      from: { key: row.blob_key, dataKey: oldKey, ciphertextBytes: Number(row.ciphertext_bytes) },
      to: { key: target, dataKey: fresh.dataKey, keyId: trackId },
      requireFinal: options.requireFinal,
      content: row.e2ee_envelope !== null ? 'e2ee-frames' : 'webm',
    });
  } catch {
    await markFailed(deps, orgId, trackId, endedAt, daysOf(row));
    return 'failed';
  }
  if (result === null) {
    // Nothing was captured (the sources changed, or the person withdrew, before a first frame): there is nothing
    // to keep, so the row and its blob go; the audit trail says the track ended empty.
    await deps.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('recording_tracks').where('id', '=', trackId).execute();
      await deps.audit.append(tx, orgId, { type: 'system' }, {
        type: 'recording.track_ended',
        data: { recordingId: row.recording_id, trackId, reason: (row.end_reason as TrackEndReason | null) ?? 'stopped', status: 'empty' },
      });
    });
    await deps.blobs.delete(row.blob_key);
    return 'empty';
  }
  const reason = options.endReason ?? (row.end_reason as TrackEndReason | null) ?? 'crash';
  // An E2EE track's media is opaque here: its duration is the time it was recorded for.
  if (row.e2ee_envelope !== null) result = { ...result, durationMs: Math.max(0, endedAt.getTime() - new Date(row.started_at).getTime()) };
  const ended = row.ended_at ?? iso(new Date(new Date(row.started_at).getTime() + result.durationMs));
  failpoint('recording.finalise_before_swap');
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('recording_tracks')
      .set({
        status: options.status,
        blob_key: target,
        wrapped_key: fresh.wrapped.wrapped,
        kek_version: fresh.wrapped.kekVersion,
        ciphertext_bytes: result.ciphertextBytes,
        plaintext_bytes: result.plaintextBytes,
        duration_ms: result.durationMs,
        ended_at: ended,
        end_reason: reason,
      })
      .where('id', '=', trackId)
      .execute();
    await deps.audit.append(tx, orgId, { type: 'system' }, {
      type: 'recording.track_ended',
      data: { recordingId: row.recording_id, trackId, reason, status: options.status },
    });
  });
  if (row.blob_key !== target) await deps.blobs.delete(row.blob_key);
  return options.status;
}

function daysOf(row: Pick<RecordingTracksTable, 'started_at' | 'expires_at'>): number {
  return Math.max(0, Math.round((new Date(row.expires_at).getTime() - new Date(row.started_at).getTime()) / 86_400_000));
}

/**
 * Crypto-shredding of one track (G27): the wrapped data key is destroyed first, in the same transaction as the
 * audit event, then the blob. A copy of the ciphertext kept anywhere can no longer be decrypted.
 */
export async function eraseTrack(
  deps: TrackDeps,
  db: DbOrTx,
  orgId: OrgId,
  trackId: string,
  reason: 'consent_withdrawn' | 'expired' | 'erasure_request',
  actor: AuditActor = { type: 'system' },
): Promise<boolean> {
  const row = await db.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).where('id', '=', trackId).executeTakeFirst();
  if (!row || row.status === 'erased') return false;
  recordShredded(deps, 'recording_tracks', [trackId]);
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('recording_tracks')
      .set({ status: 'erased', wrapped_key: null, erased_at: iso(deps.clock.now()) })
      .where('id', '=', trackId)
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'recording.track_erased', data: { recordingId: row.recording_id, trackId, reason } });
    await emitWebhook(tx, deps, orgId, { type: 'recording.track_erased', data: { recordingId: row.recording_id, trackId, reason } });
  });
  await deps.blobs.delete(row.blob_key);
  await deps.blobs.delete(liveBlobKey(orgId, row.recording_id, trackId));
  return true;
}
