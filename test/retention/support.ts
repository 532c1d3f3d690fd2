import { randomBytes } from 'node:crypto';
import { tagged } from '../../src/db/personal-data.ts';
import type { Deps } from '../../src/deps.ts';
import { newDataKey, unwrapDataKey } from '../../src/keys/data-keys.ts';
import { finalBlobKey } from '../../src/recording/tracks.ts';
import { iso } from '../../src/shared/clock.ts';
import { newId, type OrgId } from '../../src/shared/ids.ts';
import { ChunkEncryptor, decryptRange } from '../../src/storage/blob-format.ts';
import { writeBlob } from '../support/recording-fixtures.ts';

/**
 * A whole call as the live-call and recording code leave it behind — subject, participants, attendance, chat,
 * quality, consent, mail, a recording with tracks whose blobs are real ciphertext under their own data keys — with
 * the expiry of each kind of row chosen by the test. Inserted directly (not through a live call) so a test can say
 * exactly what expires when.
 */
export interface SeedExpiry {
  /** Call, participants, attendance, quality, subject. */
  readonly call: Date;
  readonly chat?: Date;
  readonly consent?: Date;
  readonly recording?: Date;
  readonly mail?: Date;
}

export interface SeededCall {
  readonly callId: string;
  readonly subjectId: string;
  readonly agentParticipantId: string;
  readonly customerParticipantId: string;
  readonly recordingId: string;
  readonly trackIds: string[];
  readonly blobKeys: string[];
  readonly mailId: string;
  readonly consentIds: string[];
  readonly chatIds: string[];
  readonly name: string;
  readonly email: string;
  readonly chatText: string;
}

export async function seedCall(
  deps: Deps,
  orgId: OrgId,
  agentId: string,
  expiry: SeedExpiry,
  options: { name?: string; mode?: 'consent' | 'legal_obligation'; retainUntil?: Date; tracks?: number; withdrawn?: boolean } = {},
): Promise<SeededCall> {
  const db = deps.db;
  const now = deps.clock.now();
  const at = iso(now);
  const tag = randomBytes(4).toString('hex');
  const name = options.name ?? `Customer ${tag}`;
  const email = `customer.${tag}@example.test`;
  const chatText = `secret chat ${tag}`;
  const callType = await db.selectFrom('call_types').select(['id', 'version']).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const e = {
    call: iso(expiry.call),
    chat: iso(expiry.chat ?? expiry.call),
    consent: iso(expiry.consent ?? expiry.call),
    recording: iso(expiry.recording ?? expiry.call),
    mail: iso(expiry.mail ?? expiry.call),
  };
  const subjectId = newId('subject');
  await db.insertInto('subjects').values({ id: subjectId, org_id: orgId, email, display_name: name, created_at: at, updated_at: at, expires_at: e.call, ...tagged('subjects') }).execute();
  const callId = newId('call');
  await db
    .insertInto('calls')
    .values({
      id: callId, org_id: orgId, call_type_id: callType.id, call_type_version: Number(callType.version), agent_id: agentId, starts_at: at, ends_at: at,
      locale: 'en', status: 'ended', sequence: 0, cancelled_at: null, ended_at: at, created_at: at, updated_at: at, expires_at: e.call, ...tagged('calls'),
    })
    .execute();
  const agentParticipantId = newId('participant');
  const customerParticipantId = newId('participant');
  await db
    .insertInto('participants')
    .values([
      { id: agentParticipantId, org_id: orgId, call_id: callId, kind: 'agent', user_id: agentId, subject_id: null, display_name: 'Agent Smith', created_at: at, expires_at: e.call, ...tagged('participants') },
      { id: customerParticipantId, org_id: orgId, call_id: callId, kind: 'customer', user_id: null, subject_id: subjectId, display_name: name, created_at: at, expires_at: e.call, ...tagged('participants') },
    ])
    .execute();
  for (const p of [agentParticipantId, customerParticipantId]) {
    await db
      .insertInto('call_attendance')
      .values({ id: newId('attendance'), org_id: orgId, call_id: callId, participant_id: p, joined_at: at, admitted_at: at, left_at: at, leave_reason: 'left', expires_at: e.call, ...tagged('call_attendance') })
      .execute();
  }
  const chatIds = [newId('chatMessage'), newId('chatMessage')];
  for (const [i, id] of chatIds.entries()) {
    await db
      .insertInto('call_chat_messages')
      .values({ id, org_id: orgId, call_id: callId, participant_id: i === 0 ? agentParticipantId : customerParticipantId, sent_at: at, body_sealed: deps.keys.seal('chat', id, chatText), expires_at: e.chat, ...tagged('call_chat_messages') })
      .execute();
  }
  await db
    .insertInto('call_quality')
    .values({
      id: newId('callQuality'), org_id: orgId, call_id: callId, started_at: at, ended_at: at, samples: 3,
      bitrate_in_kbps_min: 1, bitrate_in_kbps_avg: 2, bitrate_in_kbps_max: 3, bitrate_out_kbps_min: 1, bitrate_out_kbps_avg: 2, bitrate_out_kbps_max: 3,
      packet_loss_pct_min: 0, packet_loss_pct_avg: 0, packet_loss_pct_max: 0, rtt_ms_min: 10, rtt_ms_avg: 20, rtt_ms_max: 30,
      expires_at: e.call, ...tagged('call_quality'),
    })
    .execute();
  const consent = (id: string, action: 'given' | 'withdrawn', withdraws: string | null) => ({
    id, org_id: orgId, subject_id: subjectId, call_id: callId, participant_id: customerParticipantId, consent_purpose: 'recording', action, withdraws_id: withdraws,
    text_hash: 'a'.repeat(64), notice_id: newId('notice'), notice_version: 1, notice_hash: 'b'.repeat(64), locale: 'en', method: 'in_call' as const,
    recorded_at: at, expires_at: e.consent, ...tagged('consent_records'),
  });
  const consentIds = [newId('consent')];
  await db.insertInto('consent_records').values(consent(consentIds[0]!, 'given', null)).execute();
  if (options.withdrawn) {
    consentIds.push(newId('consent'));
    await db.insertInto('consent_records').values(consent(consentIds[1]!, 'withdrawn', consentIds[0]!)).execute();
  }
  const mailId = newId('mail');
  await db
    .insertInto('mail_outbox')
    .values({
      id: mailId, org_id: orgId, kind: 'call.invitation', to_address: email, content_sealed: deps.keys.seal('mail', mailId, JSON.stringify({ subject: `Hello ${name}` })),
      status: 'kept', transport: 'outbox', attempts: 0, last_error: null, created_at: at, sent_at: null, expires_at: e.mail, ...tagged('mail_outbox'),
    })
    .execute();

  const mode = options.mode ?? 'consent';
  const recordingId = newId('recording');
  await db
    .insertInto('recordings')
    .values({
      id: recordingId, org_id: orgId, call_id: callId, mode, legal_reference: mode === 'legal_obligation' ? 'MiFID II Art. 16(7)' : null, status: 'complete',
      started_at: at, started_by: null, stopped_at: at, stopped_by: null, stop_reason: 'call_ended', failure: null, restricted_at: null, created_at: at,
      expires_at: e.recording, retain_until: options.retainUntil ? iso(options.retainUntil) : null, ...tagged('recordings'),
    })
    .execute();
  const trackIds: string[] = [];
  const blobKeys: string[] = [];
  for (let i = 0; i < (options.tracks ?? 2); i++) {
    const id = newId('track');
    const customer = i % 2 === 1;
    const { dataKey, wrapped } = await newDataKey(db, deps.keys, deps.clock, orgId, id);
    const enc = new ChunkEncryptor(dataKey, id, { chunkSize: 1024 });
    const ciphertext = Buffer.concat([enc.push(Buffer.from(`media of ${name} `.repeat(200))), enc.finish()]);
    const blobKey = finalBlobKey(orgId, recordingId, id);
    await writeBlob(deps, blobKey, ciphertext);
    await db
      .insertInto('recording_tracks')
      .values({
        id, org_id: orgId, recording_id: recordingId, call_id: callId, participant_id: customer ? customerParticipantId : agentParticipantId, subject_id: customer ? subjectId : null,
        source: 'camera', basis: mode === 'legal_obligation' ? 'legal_obligation' : 'consent', consent_id: null, status: 'complete', started_at: at, ended_at: at, end_reason: 'stopped',
        blob_key: blobKey, wrapped_key: wrapped.wrapped, kek_version: wrapped.kekVersion, ciphertext_bytes: ciphertext.length, plaintext_bytes: null, duration_ms: 1000,
        codecs: 'vp8,opus', erased_at: null, created_at: at, expires_at: e.recording, ...tagged('recording_tracks'),
      })
      .execute();
    trackIds.push(id);
    blobKeys.push(blobKey);
  }
  return { callId, subjectId, agentParticipantId, customerParticipantId, recordingId, trackIds, blobKeys, mailId, consentIds, chatIds, name, email, chatText };
}

export const DAY = 86_400_000;
export const days = (deps: Deps, n: number) => new Date(deps.clock.now().getTime() + n * DAY);

/** How many rows of each seeded kind still exist for a call. */
export async function rowsOf(deps: Deps, call: SeededCall) {
  const db = deps.db;
  const count = async (q: Promise<unknown[]>) => (await q).length;
  return {
    subjects: await count(db.selectFrom('subjects').select('id').where('id', '=', call.subjectId).execute()),
    calls: await count(db.selectFrom('calls').select('id').where('id', '=', call.callId).execute()),
    participants: await count(db.selectFrom('participants').select('id').where('call_id', '=', call.callId).execute()),
    attendance: await count(db.selectFrom('call_attendance').select('id').where('call_id', '=', call.callId).execute()),
    chat: await count(db.selectFrom('call_chat_messages').select('id').where('call_id', '=', call.callId).execute()),
    quality: await count(db.selectFrom('call_quality').select('id').where('call_id', '=', call.callId).execute()),
    consent: await count(db.selectFrom('consent_records').select('id').where('call_id', '=', call.callId).execute()),
    mail: await count(db.selectFrom('mail_outbox').select('id').where('id', '=', call.mailId).execute()),
    recordings: await count(db.selectFrom('recordings').select('id').where('id', '=', call.recordingId).execute()),
    tracks: await count(db.selectFrom('recording_tracks').select('id').where('recording_id', '=', call.recordingId).execute()),
    blobs: (await Promise.all(call.blobKeys.map((k) => deps.blobs.size(k)))).filter((s) => s !== null).length,
  };
}

/**
 * The consistency the purge promises after any run, crashed or not: no track row with a key points to a missing
 * blob, and no blob under an organisation's recordings/ or exports/ lacks a live row.
 */
export async function inconsistencies(deps: Deps, orgId: OrgId): Promise<string[]> {
  const problems: string[] = [];
  const tracks = await deps.db.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).execute();
  const owned = new Set<string>();
  for (const t of tracks) {
    if (t.wrapped_key === null) continue;
    owned.add(t.blob_key);
    if ((await deps.blobs.size(t.blob_key)) === null) problems.push(`row ${t.id} → missing blob`);
  }
  for (const key of [...(await deps.blobs.list(`${orgId}/recordings/`)), ...(await deps.blobs.list(`${orgId}/exports/`))]) {
    if (!owned.has(key)) problems.push(`orphan blob ${key}`);
  }
  return problems;
}

/** Decrypts ciphertext with a wrapped key as it was stored: what someone holding a backup copy would try. */
export async function decryptCopy(deps: Deps, orgId: OrgId, trackId: string, wrapped: { kekVersion: number; wrapped: string }, ciphertext: Buffer): Promise<Buffer> {
  const key = await unwrapDataKey(deps.db, deps.keys, orgId, trackId, wrapped);
  const parts: Buffer[] = [];
  for await (const p of decryptRange(async (s, e) => ciphertext.subarray(s, e + 1), ciphertext.length, key, { requireFinal: true })) parts.push(p);
  return Buffer.concat(parts);
}
