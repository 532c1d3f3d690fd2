import { expect } from 'vitest';
import { decryptRange } from '../../src/storage/blob-format.ts';
import { unwrapDataKey } from '../../src/keys/data-keys.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import type { Deps } from '../../src/deps.ts';
import type { CallWorld } from '../media/support/call-setup.ts';

/** The body of a call type that records: on consent, or on a legal obligation (MiFID II). */
export function recordingCallTypeBody(mode: 'consent' | 'legal_obligation', lobbyEnabled = false) {
  return (
    mode === 'consent'
      ? {
          name: 'Beratung mit Aufzeichnung',
          purposes: [
            { purpose: 'call_delivery', basis: 'contract' },
            { purpose: 'recording', basis: 'consent' },
          ],
          recordingMode: 'consent',
          lobbyEnabled,
          retention: { callMetadataDays: 30, chatDays: 0, recordingsDays: 30, consentDays: 365 },
        }
      : {
          name: 'Wertpapierberatung',
          purposes: [
            { purpose: 'call_delivery', basis: 'contract' },
            { purpose: 'recording', basis: 'legal_obligation' },
          ],
          recordingMode: 'legal_obligation',
          recordingLegalReference: 'MiFID II Art. 16(7)',
          lobbyEnabled,
          retention: { callMetadataDays: 30, chatDays: 0, recordingsDays: 1826, consentDays: 365 },
        }
  );
}

/** Creates a call type that records: on consent, or on a legal obligation (MiFID II), and returns its id. */
export async function createRecordingCallType(world: CallWorld, mode: 'consent' | 'legal_obligation', lobbyEnabled = false): Promise<string> {
  const body = recordingCallTypeBody(mode, lobbyEnabled);
  const res = await world.admin.client.post('/api/call-types', body);
  expect(res.status, res.raw).toBe(201);
  return res.body.id as string;
}

/** The decrypted WebM of a track, read through the blob store with the track's own (unwrapped) data key. */
export async function decryptTrack(world: CallWorld, trackId: string): Promise<Buffer> {
  return decryptTrackOf(world.t.parley.deps, trackId);
}

export async function decryptTrackOf(deps: Deps, trackId: string): Promise<Buffer> {
  const row = await deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', trackId).executeTakeFirstOrThrow();
  if (!row.wrapped_key || row.kek_version === null || row.ciphertext_bytes === null) throw new Error(`track ${trackId} has no key`);
  const key = await unwrapDataKey(deps.db, deps.keys, row.org_id as OrgId, row.id, { kekVersion: Number(row.kek_version), wrapped: row.wrapped_key });
  const pieces: Buffer[] = [];
  for await (const p of decryptRange((s, e) => deps.blobs.read(row.blob_key, s, e), Number(row.ciphertext_bytes), key, { requireFinal: row.status === 'complete' })) pieces.push(p);
  return Buffer.concat(pieces);
}

export async function tracksOf(world: CallWorld, recordingId: string) {
  return world.t.parley.deps.db.selectFrom('recording_tracks').selectAll().where('recording_id', '=', recordingId).orderBy('started_at').execute();
}
