import type { Selectable } from 'kysely';
import type { DbOrTx } from '../db/database.ts';
import type { RecordingsTable, RecordingTracksTable } from '../db/schema.ts';
import { notFound } from '../shared/app-error.ts';
import type { OrgId, UserId } from '../shared/ids.ts';
import {
  playableTrackStatuses,
  trackEnvelopeSchema,
  type RecordingDetail,
  type RecordingParticipantView,
  type RecordingView,
  type TrackView,
} from './recording.schema.ts';

/**
 * Read models of recordings for review: each recording with the call's participants, their recorded tracks and
 * their recording consent as the ledger has it now, and (for one recording) its audit trail.
 */

export interface RecordingScope {
  /** Only recordings of calls this agent hosts (agents review their own calls only); undefined: the whole organisation. */
  readonly agentId?: UserId | undefined;
}

type RecordingRow = Selectable<RecordingsTable>;
type TrackRow = Selectable<RecordingTracksTable>;

export function isPlayable(track: Pick<TrackRow, 'status' | 'wrapped_key' | 'ciphertext_bytes'>): boolean {
  return playableTrackStatuses.has(track.status) && track.wrapped_key !== null && track.ciphertext_bytes !== null;
}

function toTrackView(t: TrackRow): TrackView {
  return {
    id: t.id,
    source: t.source as TrackView['source'],
    basis: t.basis as TrackView['basis'],
    status: t.status as TrackView['status'],
    startedAt: t.started_at,
    endedAt: t.ended_at,
    endReason: t.end_reason as TrackView['endReason'],
    durationMs: t.duration_ms === null ? null : Number(t.duration_ms),
    playable: isPlayable(t),
    e2ee: t.e2ee_envelope ? trackEnvelopeSchema.parse(JSON.parse(t.e2ee_envelope)) : null,
  };
}

/** One recording of the organisation, if it exists and the scope may see it. */
export async function findRecording(db: DbOrTx, orgId: OrgId, recordingId: string, scope: RecordingScope): Promise<RecordingRow> {
  let q = db
    .selectFrom('recordings')
    .innerJoin('calls', (j) => j.onRef('calls.id', '=', 'recordings.call_id').onRef('calls.org_id', '=', 'recordings.org_id'))
    .selectAll('recordings')
    .where('recordings.org_id', '=', orgId)
    .where('recordings.id', '=', recordingId);
  if (scope.agentId) q = q.where('calls.agent_id', '=', scope.agentId);
  const row = await q.executeTakeFirst();
  // Another agent's recording answers like one that does not exist (as calls do).
  if (!row) throw notFound('Recording');
  return row;
}

async function withParticipants(db: DbOrTx, orgId: OrgId, recordings: readonly RecordingRow[]): Promise<RecordingView[]> {
  if (recordings.length === 0) return [];
  const callIds = [...new Set(recordings.map((r) => r.call_id))];
  const recordingIds = recordings.map((r) => r.id);
  const [participants, tracks, consents] = await Promise.all([
    db
      .selectFrom('participants')
      .select(['id', 'call_id', 'kind', 'display_name', 'created_at'])
      .where('org_id', '=', orgId)
      .where('call_id', 'in', callIds)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('recording_tracks')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('recording_id', 'in', recordingIds)
      .orderBy('started_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('consent_records')
      .select(['participant_id', 'action'])
      .where('org_id', '=', orgId)
      .where('call_id', 'in', callIds)
      .where('consent_purpose', '=', 'recording')
      .orderBy('recorded_at')
      .orderBy('id')
      .execute(),
  ]);
  // The ledger is append-only: the latest decision per participant is the one in force.
  const consentOf = new Map<string, RecordingParticipantView['consent']>();
  for (const c of consents) consentOf.set(c.participant_id, c.action as RecordingParticipantView['consent']);

  return recordings.map((r) => {
    const mine = tracks.filter((t) => t.recording_id === r.id);
    return {
      id: r.id,
      callId: r.call_id,
      mode: r.mode as RecordingView['mode'],
      legalReference: r.legal_reference,
      status: r.status as RecordingView['status'],
      startedAt: r.started_at,
      stoppedAt: r.stopped_at,
      stopReason: r.stop_reason as RecordingView['stopReason'],
      failure: r.failure,
      restricted: r.restricted_at !== null,
      expiresAt: r.expires_at,
      participants: participants
        .filter((p) => p.call_id === r.call_id)
        .map((p) => ({
          id: p.id,
          kind: p.kind as RecordingParticipantView['kind'],
          displayName: p.display_name,
          consent: consentOf.get(p.id) ?? 'none',
          tracks: mine.filter((t) => t.participant_id === p.id).map(toTrackView),
        })),
    };
  });
}

/** Recordings, newest first, optionally of one call. */
export async function listRecordings(
  db: DbOrTx,
  orgId: OrgId,
  filter: RecordingScope & { readonly callId?: string | undefined; readonly limit: number },
): Promise<RecordingView[]> {
  let q = db
    .selectFrom('recordings')
    .innerJoin('calls', (j) => j.onRef('calls.id', '=', 'recordings.call_id').onRef('calls.org_id', '=', 'recordings.org_id'))
    .selectAll('recordings')
    .where('recordings.org_id', '=', orgId);
  if (filter.callId) q = q.where('recordings.call_id', '=', filter.callId);
  if (filter.agentId) q = q.where('calls.agent_id', '=', filter.agentId);
  const rows = await q.orderBy('recordings.started_at', 'desc').orderBy('recordings.id', 'desc').limit(filter.limit).execute();
  return withParticipants(db, orgId, rows);
}

/** One recording with its audit trail (the organisation's events whose data names it), oldest first. */
export async function getRecordingDetail(db: DbOrTx, orgId: OrgId, recordingId: string, scope: RecordingScope): Promise<RecordingDetail> {
  const row = await findRecording(db, orgId, recordingId, scope);
  const [view] = await withParticipants(db, orgId, [row]);
  // Event data is stored as stable JSON (no spaces), so the text match narrows the search in SQL on both dialects;
  // the `_` in an id is a LIKE wildcard, so the parsed comparison below decides.
  const events = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('data', 'like', `%"recordingId":"${recordingId}"%`)
    .orderBy('seq')
    .execute();
  const auditTrail = events
    .map((e) => ({
      id: e.id,
      seq: Number(e.seq),
      type: e.type,
      actor: { type: e.actor_type, id: e.actor_id },
      data: JSON.parse(e.data) as Record<string, unknown>,
      createdAt: e.created_at,
    }))
    .filter((e) => e.data.recordingId === recordingId);
  return { ...view!, auditTrail };
}
