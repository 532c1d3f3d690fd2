import { createHash } from 'node:crypto';
import { tagged } from '../../src/db/personal-data.ts';
import type { Deps } from '../../src/deps.ts';
import { newDataKey } from '../../src/keys/data-keys.ts';
import { iso } from '../../src/shared/clock.ts';
import { newId, type OrgId } from '../../src/shared/ids.ts';
import { ChunkEncryptor } from '../../src/storage/blob-format.ts';
import type { SignedIn } from './harness.ts';

/**
 * Recordings for playback tests: a real call scheduled through the API, then recording and track rows with real
 * encrypted blobs (the blob format, a per-track data key wrapped by the organisation's KEK) written through the
 * configured blob store. Not the capture pipeline: just what it leaves behind.
 */

/** `n` bytes of a fixed pseudo-random sequence (SHA-256 in counter mode): any offset's bytes are checkable. */
export function knownBytes(n: number, seed = 'parley'): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, block = 0; i < n; block++) {
    const digest = createHash('sha256').update(`${seed}:${block}`).digest();
    digest.copy(out, i, 0, Math.min(32, n - i));
    i += 32;
  }
  return out;
}

export interface FixtureCall {
  readonly callId: string;
  readonly agentParticipantId: string;
  readonly customerParticipantId: string;
  readonly subjectId: string;
}

/** A call scheduled by an admin through the API, hosted by `agentId`. */
export async function scheduleFixtureCall(admin: SignedIn, agentId: string, customerName = 'Rita Recorded'): Promise<FixtureCall> {
  const types = await admin.client.get('/api/call-types');
  const callTypeId = types.body.callTypes.find((t: { archivedAt: string | null }) => !t.archivedAt).id;
  const res = await admin.client.post('/api/calls', {
    callTypeId,
    agentId,
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    durationMinutes: 30,
    customer: { displayName: customerName, email: `${customerName.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}@example.test` },
  });
  if (res.status !== 201) throw new Error(`scheduling failed: ${res.status} ${res.raw}`);
  const participants = res.body.participants as { id: string; kind: string; subjectId: string | null }[];
  const agent = participants.find((p) => p.kind === 'agent')!;
  const customer = participants.find((p) => p.kind === 'customer')!;
  return { callId: res.body.id, agentParticipantId: agent.id, customerParticipantId: customer.id, subjectId: customer.subjectId! };
}

/** A consent-ledger row for the recording purpose (the join page writes these in real calls). */
export async function recordRecordingConsent(deps: Deps, orgId: OrgId, call: FixtureCall, action: 'given' | 'declined' | 'withdrawn', at = new Date()) {
  await deps.db
    .insertInto('consent_records')
    .values({
      id: newId('consent'),
      org_id: orgId,
      subject_id: call.subjectId,
      call_id: call.callId,
      participant_id: call.customerParticipantId,
      consent_purpose: 'recording',
      action,
      withdraws_id: null,
      text_hash: 'a'.repeat(64),
      notice_id: newId('notice'),
      notice_version: 1,
      notice_hash: 'b'.repeat(64),
      locale: 'en',
      method: 'in_call',
      recorded_at: iso(at),
      expires_at: iso(new Date(at.getTime() + 365 * 86_400_000)),
      ...tagged('consent_records'),
    })
    .execute();
}

export async function insertRecording(
  deps: Deps,
  orgId: OrgId,
  callId: string,
  options: { startedBy?: string | null; mode?: 'consent' | 'legal_obligation'; status?: 'recording' | 'complete' | 'incomplete' | 'failed'; startedAt?: Date; restricted?: boolean } = {},
): Promise<string> {
  const id = newId('recording');
  const started = options.startedAt ?? deps.clock.now();
  const stopped = iso(new Date(started.getTime() + 60_000));
  const mode = options.mode ?? 'consent';
  const status = options.status ?? 'complete';
  await deps.db
    .insertInto('recordings')
    .values({
      id,
      org_id: orgId,
      call_id: callId,
      mode,
      legal_reference: mode === 'legal_obligation' ? 'MiFID II Art. 16(7)' : null,
      status,
      started_at: iso(started),
      started_by: options.startedBy ?? null,
      stopped_at: status === 'recording' ? null : stopped,
      stopped_by: null,
      stop_reason: status === 'recording' ? null : status === 'incomplete' ? 'crash' : 'call_ended',
      failure: status === 'failed' ? 'store' : null,
      restricted_at: options.restricted ? iso(deps.clock.now()) : null,
      created_at: iso(started),
      expires_at: iso(new Date(started.getTime() + 30 * 86_400_000)),
      ...tagged('recordings'),
    })
    .execute();
  return id;
}

export interface FixtureTrack {
  readonly trackId: string;
  readonly blobKey: string;
  /** The ciphertext as written (after `cut`). */
  readonly ciphertext: Buffer;
  readonly headerBytes: number;
}

/** Encrypts `plaintext` in the blob format and stores it as a track of the recording. */
export async function insertTrack(
  deps: Deps,
  orgId: OrgId,
  recordingId: string,
  call: FixtureCall,
  plaintext: Buffer,
  options: {
    chunkSize?: number;
    status?: 'recording' | 'finalising' | 'complete' | 'incomplete' | 'failed' | 'erased';
    participant?: 'agent' | 'customer';
    source?: 'camera' | 'screen';
    /** Changes the ciphertext before it is stored (tampering, truncation). */
    alter?: (ciphertext: Buffer, headerBytes: number) => Buffer;
  } = {},
): Promise<FixtureTrack> {
  const id = newId('track');
  const { dataKey, wrapped } = await newDataKey(deps.db, deps.keys, deps.clock, orgId, id);
  const encryptor = new ChunkEncryptor(dataKey, id, { chunkSize: options.chunkSize ?? 4096 });
  const full = Buffer.concat([encryptor.push(plaintext), encryptor.finish()]);
  const ciphertext = options.alter ? options.alter(Buffer.from(full), encryptor.header.length) : full;
  const blobKey = `${orgId}/${recordingId}/${id}.blob`;
  await writeBlob(deps, blobKey, ciphertext);
  const status = options.status ?? 'complete';
  const customer = (options.participant ?? 'customer') === 'customer';
  const now = deps.clock.now();
  await deps.db
    .insertInto('recording_tracks')
    .values({
      id,
      org_id: orgId,
      recording_id: recordingId,
      call_id: call.callId,
      participant_id: customer ? call.customerParticipantId : call.agentParticipantId,
      subject_id: customer ? call.subjectId : null,
      source: options.source ?? 'camera',
      basis: 'consent',
      consent_id: null,
      status,
      started_at: iso(now),
      ended_at: status === 'recording' ? null : iso(new Date(now.getTime() + 60_000)),
      end_reason: status === 'recording' ? null : status === 'incomplete' ? 'crash' : 'stopped',
      blob_key: blobKey,
      wrapped_key: status === 'erased' ? null : wrapped.wrapped,
      kek_version: wrapped.kekVersion,
      ciphertext_bytes: ciphertext.length,
      plaintext_bytes: plaintext.length,
      duration_ms: 60_000,
      codecs: 'vp8,opus',
      erased_at: status === 'erased' ? iso(now) : null,
      created_at: iso(now),
      expires_at: iso(new Date(now.getTime() + 30 * 86_400_000)),
      ...tagged('recording_tracks'),
    })
    .execute();
  return { trackId: id, blobKey, ciphertext, headerBytes: encryptor.header.length };
}

export async function writeBlob(deps: Deps, key: string, bytes: Buffer): Promise<void> {
  await deps.blobs.delete(key);
  const upload = await deps.blobs.createUpload(key);
  await upload.write(bytes);
  await upload.complete();
}
