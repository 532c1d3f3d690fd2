import type { AuditActor } from '../audit/events.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import type { OrgId } from '../shared/ids.ts';
import { emitWebhook } from '../webhooks/emit-webhook.ts';
import { failpoint } from '../config/failpoints.ts';

declare const persisted: unique symbol;

/**
 * A recording whose row is committed. Only `insertRecording` makes one, after its transaction has committed, and
 * `openTrack` takes nothing else: a track row (whose foreign key names the recording) can therefore never be
 * written before its recording row is visible to other connections. Under load the recording's insert can wait
 * behind other work while a capture opens; this type makes that order impossible to get wrong (issue 12, finding 1).
 */
export interface PersistedRecording {
  readonly id: string;
  readonly [persisted]: true;
}

export interface NewRecording {
  readonly id: string;
  readonly orgId: OrgId;
  readonly callId: string;
  readonly mode: 'consent' | 'legal_obligation';
  readonly legalReference: string | null;
  readonly startedAt: Date;
  readonly recordingsDays: number;
}

/** Writes the recording's row, its audit event and webhook in one transaction; resolves once that has committed. */
export async function insertRecording(
  deps: Pick<Deps, 'db' | 'clock' | 'audit'> & Partial<Pick<Deps, 'nodeId'>>,
  recording: NewRecording,
  actor: AuditActor,
): Promise<PersistedRecording> {
  const started = iso(recording.startedAt);
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('recordings')
      .values({
        id: recording.id,
        org_id: recording.orgId,
        call_id: recording.callId,
        mode: recording.mode,
        legal_reference: recording.mode === 'legal_obligation' ? recording.legalReference : null,
        status: 'recording',
        started_at: started,
        started_by: actor.type === 'user' ? actor.id : null,
        stopped_at: null,
        stopped_by: null,
        stop_reason: null,
        failure: null,
        restricted_at: null,
        created_at: started,
        expires_at: iso(addDays(recording.startedAt, recording.recordingsDays)),
        // Legal obligation (G56): not deletable before the call type's period from the start, whatever happens later.
        retain_until: recording.mode === 'legal_obligation' ? iso(addDays(recording.startedAt, recording.recordingsDays)) : null,
        node_id: deps.nodeId ?? null,
        ...tagged('recordings'),
      })
      .execute();
    const data = { recordingId: recording.id, callId: recording.callId, mode: recording.mode };
    await deps.audit.append(tx, recording.orgId, actor, { type: 'recording.started', data });
    await emitWebhook(tx, deps, recording.orgId, { type: 'recording.started', data });
  });
  failpoint('recording.after_row');
  return { id: recording.id } as PersistedRecording;
}

/**
 * Cluster mode: a recording of the call that is still `recording` becomes this node's (issue 14). One conditional
 * update decides it, so the node recovering a dead node's work (which finalises only rows still naming the dead node)
 * and this one never both take it. Null when there is none, or it was finalised first.
 */
export async function adoptRecording(
  deps: Pick<Deps, 'db' | 'clock' | 'audit'>,
  nodeId: string,
  orgId: OrgId,
  callId: string,
): Promise<{ id: string; startedAt: string; mode: 'consent' | 'legal_obligation' } | null> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('recordings')
      .select(['id', 'started_at', 'mode', 'node_id'])
      .where('org_id', '=', orgId)
      .where('call_id', '=', callId)
      .where('status', '=', 'recording')
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
    if (!row || row.node_id === nodeId) return null;
    const claimed = await tx
      .updateTable('recordings')
      .set({ node_id: nodeId })
      .where('id', '=', row.id)
      .where('status', '=', 'recording')
      .where((eb) => (row.node_id === null ? eb('node_id', 'is', null) : eb('node_id', '=', row.node_id)))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return null;
    await deps.audit.append(tx, orgId, { type: 'system' }, { type: 'recording.resumed', data: { recordingId: row.id, callId } });
    return { id: row.id, startedAt: row.started_at, mode: row.mode as 'consent' | 'legal_obligation' };
  });
}
