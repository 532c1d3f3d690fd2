import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastCalls, scheduleCall, startCallWorld, type CallWorld } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { startTestS3, type TestS3 } from '../support/s3rver.ts';
import { createRecordingCallType, decryptTrack, tracksOf } from './support.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recording into an S3-compatible store (s3rver), and where the data may go (G52)', () => {
  let s3: TestS3;
  let world: CallWorld;
  let consentType: string;
  let legalType: string;
  const open: TestParticipant[] = [];
  beforeAll(async () => {
    s3 = await startTestS3();
    // A region outside the EEA: recording needs the organisation's transfer safeguard first.
    world = await startCallWorld({ ...fastCalls, recordingChunkBytes: 4096 }, {
      PARLEY_BLOB_STORE: 's3',
      PARLEY_S3_ENDPOINT: s3.endpoint,
      PARLEY_S3_REGION: 'us-east-1',
      PARLEY_S3_BUCKET: s3.bucket,
      PARLEY_S3_ACCESS_KEY_ID: 'S3RVER',
      PARLEY_S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
    consentType = await createRecordingCallType(world, 'consent');
    legalType = await createRecordingCallType(world, 'legal_obligation');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await world?.t.close();
    await s3?.close();
  });
  const keep = (p: TestParticipant) => (open.push(p), p);
  const joinAgent = async (callId: string) => {
    const agent = keep(await TestParticipant.join(world.url, { type: 'join', callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    return agent;
  };

  it('refuses to start a consent recording into a non-EEA store without a transfer safeguard', async () => {
    const call = await scheduleCall(world, consentType);
    const agent = await joinAgent(call.callId);
    agent.signal.send({ type: 'recording-start' });
    const refused = await agent.signal.next('error');
    expect(refused.code).toBe('RECORDING_NOT_ALLOWED');
    expect(refused.message).toMatch(/outside the EEA/);
    expect(await world.t.parley.deps.db.selectFrom('recordings').selectAll().where('call_id', '=', call.callId).execute()).toEqual([]);
  });

  it('a legal-obligation recording that may not go there fails loudly: the agent is alerted and the failure is on record (G55)', async () => {
    const call = await scheduleCall(world, legalType);
    const agent = await joinAgent(call.callId);
    const alert = await agent.signal.next('recording-alert');
    expect(alert.message).toMatch(/outside the EEA/);
    agent.publish('audio', 'video');
    await pause(500);
    await world.t.parley.calls.settled();
    const rec = await world.t.parley.deps.db.selectFrom('recordings').selectAll().where('call_id', '=', call.callId).executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ status: 'failed', failure: 'region' });
    expect(await tracksOf(world, rec.id)).toEqual([]);
    const failed = await world.t.parley.deps.db.selectFrom('audit_events').select('data').where('type', '=', 'recording.failed').execute();
    expect(failed.map((e) => JSON.parse(e.data))).toContainEqual({ recordingId: rec.id, callId: call.callId, reason: 'region' });
  });

  it('with a safeguard recorded, records into S3: camera and screen share as separate tracks, ciphertext only in the bucket', async () => {
    const patched = await world.admin.client.patch('/api/organisation', { residencyRegion: 'US', residencySafeguard: 'SCCs 2021/914 module 2 with a transfer impact assessment' });
    expect(patched.status, patched.raw).toBe(200);
    const call = await scheduleCall(world, consentType);
    const agent = await joinAgent(call.callId);
    agent.publish('audio', 'video');
    await agent.signal.next('offer');
    agent.signal.send({ type: 'recording-start' });
    const started = await agent.signal.next('recording', (m) => m.state.active);
    await pause(800);
    // A screen share is its own track; stopping it ends that track only.
    agent.publish('screen');
    await pause(800);
    agent.signal.send({ type: 'unpublish', source: 'screen' });
    await pause(300);
    const mark = agent.signal.messages.length;
    agent.signal.send({ type: 'recording-stop' });
    await agent.signal.next('recording', (m) => !m.state.active, { from: mark });
    await world.t.parley.calls.settled();

    const tracks = await tracksOf(world, started.state.recordingId!);
    expect(tracks.map((t) => [t.source, t.status, t.end_reason]).sort()).toEqual([
      ['camera', 'complete', 'stopped'],
      ['screen', 'complete', 'sources_changed'],
    ]);
    for (const t of tracks) {
      // The object is in the bucket, holds ciphertext (no WebM header) and decrypts to a WebM.
      const size = await world.t.parley.deps.blobs.size(t.blob_key);
      expect(size).toBe(Number(t.ciphertext_bytes));
      const head = await world.t.parley.deps.blobs.read(t.blob_key, 0, Math.min(4095, size! - 1));
      expect(head.subarray(0, 4).toString()).toBe('PBLB');
      expect(head.includes(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))).toBe(false);
      const webm = await decryptTrack(world, t.id);
      expect(webm.subarray(0, 4).toString('hex')).toBe('1a45dfa3');
    }
    // The live objects were replaced by the finalised ones.
    expect(await world.t.parley.deps.blobs.list(`${world.admin.orgId}/recordings/${started.state.recordingId}/`)).toEqual(tracks.map((t) => t.blob_key).sort());
  });
});
