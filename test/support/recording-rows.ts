import { createUser } from '../../src/accounts/users.ts';
import type { Deps } from '../../src/deps.ts';
import { newDataKey } from '../../src/keys/data-keys.ts';
import { createOrganisation } from '../../src/organisations/organisations.ts';
import { iso } from '../../src/shared/clock.ts';
import { newId, type OrgId } from '../../src/shared/ids.ts';
import { uniqueEmail } from './harness.ts';

/**
 * Minimal rows for recording tracks with wrapped data keys (key tests: rotation needs real `recording_tracks`
 * rows, which need a call, a participant and a recording). Not the recording use case: just what the foreign
 * keys ask for.
 */
export async function orgWithTracks(deps: Deps, trackCount: number, legalName = 'Keys Test AG') {
  const orgId = await deps.db.transaction().execute((tx) => createOrganisation(tx, deps, { legalName }));
  const { user } = await createUser(deps, orgId, { type: 'system' }, { email: uniqueEmail('agent'), displayName: 'Agent', role: 'agent' });
  const callType = await deps.db.selectFrom('call_types').select(['id', 'version']).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const now = iso(deps.clock.now());
  const later = iso(new Date(deps.clock.now().getTime() + 86_400_000));
  const personal = { purpose: 'test', data_category: 'test' };
  const callId = newId('call');
  await deps.db
    .insertInto('calls')
    .values({
      id: callId, org_id: orgId, call_type_id: callType.id, call_type_version: callType.version, agent_id: user.id,
      starts_at: now, ends_at: later, locale: 'en', status: 'scheduled', sequence: 0, cancelled_at: null, ended_at: null,
      created_at: now, updated_at: now, expires_at: later, ...personal,
    })
    .execute();
  const participantId = newId('participant');
  await deps.db
    .insertInto('participants')
    .values({ id: participantId, org_id: orgId, call_id: callId, kind: 'agent', user_id: user.id, subject_id: null, display_name: 'Agent', created_at: now, expires_at: later, ...personal })
    .execute();
  const recordingId = newId('recording');
  await deps.db
    .insertInto('recordings')
    .values({
      id: recordingId, org_id: orgId, call_id: callId, mode: 'consent', legal_reference: null, status: 'complete', started_at: now,
      started_by: user.id, stopped_at: now, stopped_by: user.id, stop_reason: 'agent', failure: null, restricted_at: null,
      created_at: now, expires_at: later, ...personal,
    })
    .execute();
  const tracks: Array<{ id: string; dataKey: Buffer }> = [];
  for (let i = 0; i < trackCount; i++) {
    const id = newId('track');
    const { dataKey, wrapped } = await newDataKey(deps.db, deps.keys, deps.clock, orgId, id);
    await deps.db
      .insertInto('recording_tracks')
      .values({
        id, org_id: orgId, recording_id: recordingId, call_id: callId, participant_id: participantId, subject_id: null,
        source: 'camera', basis: 'consent', consent_id: null, status: 'complete', started_at: now, ended_at: now, end_reason: 'stopped',
        blob_key: `${orgId}/${recordingId}/${id}`, wrapped_key: wrapped.wrapped, kek_version: wrapped.kekVersion,
        ciphertext_bytes: null, plaintext_bytes: null, duration_ms: null, codecs: null, erased_at: null,
        created_at: now, expires_at: later, ...personal,
      })
      .execute();
    tracks.push({ id, dataKey });
  }
  return { orgId: orgId as OrgId, tracks };
}
