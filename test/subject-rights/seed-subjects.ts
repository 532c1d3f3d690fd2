import { expect } from 'vitest';
import { tagged } from '../../src/db/personal-data.ts';
import type { Deps } from '../../src/deps.ts';
import { CHAT_SEAL_LABEL } from '../../src/calls/call-records.ts';
import { iso } from '../../src/shared/clock.ts';
import { newId, type OrgId } from '../../src/shared/ids.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { encodeWebm } from '../support/media-feed.ts';
import { insertRecording, insertTrack, knownBytes, recordRecordingConsent, scheduleFixtureCall, type FixtureCall } from '../support/recording-fixtures.ts';

/**
 * Two customers with known data in one organisation, for the subject-rights tests: Rita (the subject under test)
 * and Otto (the other one). Call 1 has the agent, Rita and Otto (added as a guest); call 2 has only Otto. Each
 * customer has an attendance row, a chat message, a consent record and a recorded track in call 1, a rights
 * request, and the invitation mails scheduling queued. The agent has a chat message and a track too.
 */

export interface SeededSubject {
  readonly subjectId: string;
  readonly email: string;
  readonly participantId: string;
  readonly call: FixtureCall;
  readonly attendanceId: string;
  readonly chatId: string;
  readonly chatText: string;
  readonly consentId: string;
  readonly trackId: string;
  readonly requestId: string;
  /** The track's plaintext WebM. */
  readonly media: Buffer;
}

export interface SeededWorld {
  readonly t: TestParley;
  readonly deps: Deps;
  readonly admin: SignedIn;
  readonly orgId: OrgId;
  readonly agent: SignedIn;
  readonly recordingId: string;
  readonly agentTrackId: string;
  readonly otherCallId: string;
  readonly rita: SeededSubject;
  readonly otto: SeededSubject;
}

export async function insertRequest(deps: Deps, orgId: OrgId, subjectId: string | null, type: 'access' | 'erasure' | 'restriction' = 'access'): Promise<string> {
  const id = newId('request');
  const now = deps.clock.now();
  await deps.db
    .insertInto('rights_requests')
    .values({
      id,
      org_id: orgId,
      type,
      email_sealed: 'sealed',
      email_hash: 'hash',
      subject_id: subjectId,
      details_sealed: '',
      status: 'open',
      code_hash: null,
      code_expires_at: null,
      locked_at: null,
      verified_at: iso(now),
      received_at: iso(now),
      due_at: iso(new Date(now.getTime() + 30 * 86_400_000)),
      extended_due_at: null,
      extension_reasons: null,
      extension_notified_at: null,
      completed_at: null,
      outcome: null,
      refusal_reasons: null,
      created_at: iso(now),
      expires_at: iso(new Date(now.getTime() + 3 * 365 * 86_400_000)),
      ...tagged('rights_requests'),
    })
    .execute();
  return id;
}

async function insertAttendance(deps: Deps, orgId: OrgId, callId: string, participantId: string): Promise<string> {
  const id = newId('attendance');
  const now = deps.clock.now();
  await deps.db
    .insertInto('call_attendance')
    .values({
      id, org_id: orgId, call_id: callId, participant_id: participantId, joined_at: iso(now), admitted_at: iso(now), left_at: iso(now),
      leave_reason: 'left', expires_at: iso(new Date(now.getTime() + 30 * 86_400_000)), ...tagged('call_attendance'),
    })
    .execute();
  return id;
}

async function insertChat(deps: Deps, orgId: OrgId, callId: string, participantId: string, text: string): Promise<string> {
  const id = newId('chatMessage');
  const now = deps.clock.now();
  await deps.db
    .insertInto('call_chat_messages')
    .values({
      id, org_id: orgId, call_id: callId, participant_id: participantId, sent_at: iso(now), body_sealed: deps.keys.seal(CHAT_SEAL_LABEL, id, text),
      expires_at: iso(new Date(now.getTime() + 30 * 86_400_000)), ...tagged('call_chat_messages'),
    })
    .execute();
  return id;
}

export async function seedWorld(dialect: 'sqlite' | 'postgres'): Promise<SeededWorld> {
  const t = await startTestParley(dialect);
  const deps = t.parley.deps;
  const admin = await createOrgWithAdmin(t, 'Subject Rights Bank AG');
  await publishNotice(admin);
  const agent = await addUser(t, admin, 'agent');
  const orgId = admin.orgId;

  const ritaCall = await scheduleFixtureCall(admin, agent.userId, 'Rita Rights');
  const ottoOwn = await scheduleFixtureCall(admin, agent.userId, 'Otto Other');
  const ottoSubject = await deps.db.selectFrom('subjects').selectAll().where('id', '=', ottoOwn.subjectId).executeTakeFirstOrThrow();
  const guest = await admin.client.post(`/api/calls/${ritaCall.callId}/guests`, { displayName: 'Otto Other', email: ottoSubject.email });
  expect(guest.status, guest.raw).toBe(201);
  const ottoPar = (guest.body.participants as { id: string; subjectId: string | null }[]).find((p) => p.subjectId === ottoOwn.subjectId)!;
  const ottoCall: FixtureCall = { ...ritaCall, customerParticipantId: ottoPar.id, subjectId: ottoOwn.subjectId };
  const ritaSubject = await deps.db.selectFrom('subjects').selectAll().where('id', '=', ritaCall.subjectId).executeTakeFirstOrThrow();

  const recordingId = await insertRecording(deps, orgId, ritaCall.callId, { startedBy: agent.userId });
  const ritaMedia = await encodeWebm({ seconds: 1 });
  const ottoMedia = knownBytes(20_000, 'otto');
  const ritaTrack = await insertTrack(deps, orgId, recordingId, ritaCall, ritaMedia, { chunkSize: 4096 });
  const ottoTrack = await insertTrack(deps, orgId, recordingId, ottoCall, ottoMedia, { chunkSize: 4096 });
  const agentTrack = await insertTrack(deps, orgId, recordingId, ritaCall, knownBytes(10_000, 'agent'), { chunkSize: 4096, participant: 'agent' });
  await insertChat(deps, orgId, ritaCall.callId, ritaCall.agentParticipantId, 'Welcome, both of you');

  const person = async (call: FixtureCall, email: string, media: Buffer, trackId: string, text: string): Promise<SeededSubject> => {
    await recordRecordingConsent(deps, orgId, call, 'given');
    const consent = await deps.db
      .selectFrom('consent_records')
      .select('id')
      .where('participant_id', '=', call.customerParticipantId)
      .executeTakeFirstOrThrow();
    return {
      subjectId: call.subjectId,
      email,
      participantId: call.customerParticipantId,
      call,
      attendanceId: await insertAttendance(deps, orgId, call.callId, call.customerParticipantId),
      chatId: await insertChat(deps, orgId, call.callId, call.customerParticipantId, text),
      chatText: text,
      consentId: consent.id,
      trackId,
      requestId: await insertRequest(deps, orgId, call.subjectId),
      media,
    };
  };
  const rita = await person(ritaCall, ritaSubject.email, ritaMedia, ritaTrack.trackId, 'Hello from Rita — ünïcode ok?');
  const otto = await person(ottoCall, ottoSubject.email, ottoMedia, ottoTrack.trackId, 'Otto here');
  return { t, deps, admin, orgId, agent, recordingId, agentTrackId: agentTrack.trackId, otherCallId: ottoOwn.callId, rita, otto };
}

/** Ids of outbox messages to an address (as scheduling queued them). */
export async function mailsTo(deps: Deps, orgId: OrgId, email: string): Promise<string[]> {
  const rows = await deps.db.selectFrom('mail_outbox').select(['id', 'to_address']).where('org_id', '=', orgId).execute();
  return rows.filter((r) => r.to_address.toLowerCase() === email.toLowerCase()).map((r) => r.id).sort();
}

/**
 * Ids of outbox messages to an address or queued about the subject (`subject_id`): the invitations to them and the
 * agent's confirmation that names them — what the inventory's `mails` holds.
 */
export async function mailsAbout(deps: Deps, orgId: OrgId, subjectId: string, email: string): Promise<string[]> {
  const rows = await deps.db.selectFrom('mail_outbox').select(['id', 'to_address', 'subject_id']).where('org_id', '=', orgId).execute();
  return rows.filter((r) => r.subject_id === subjectId || r.to_address.toLowerCase() === email.toLowerCase()).map((r) => r.id).sort();
}
