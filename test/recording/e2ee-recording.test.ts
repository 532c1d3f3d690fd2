import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRecordingKeyPair,
  decryptRecording,
  openTrackEncrypter,
  unlockRecordingKey,
  type RecordingPublicKey,
  type SealedPrivateKey,
  type TrackEncrypter,
} from '../../web/customer/call/e2ee/recording-crypto.ts';
import { addUser, type SignedIn } from '../support/harness.ts';
import { countSignature, EBML_MAGIC, encodeWebm, hasFfmpeg, probe } from '../support/media-feed.ts';
import { fastCalls, scheduleCall, startCallWorld, type CallWorld } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { decryptTrack, tracksOf } from './support.ts';

// Issue 8, item 3: recording of E2EE calls. The server cannot see the media, so the recording agent's browser records
// it, encrypts it to the organisation's recording public key and uploads it in chunks; the server stores ciphertext
// it cannot read, under its own at-rest encryption too, and only someone holding the passphrase opens it. Here the
// browser's part is played by the same crypto module the call page uses (web/customer/call/e2ee/recording-crypto.ts),
// the call by werift test participants; the Chromium test (test/browser/e2ee-recording.test.ts) does it for real.

const PASSPHRASE = 'lange sichere Passphrase 2026';
/** Enough PBKDF2 iterations for the server to accept (it refuses fewer than 100 000), few enough to be quick. */
const ITERATIONS = 100_000;

describe('recording of E2EE calls: chunks encrypted in the browser to the organisation key', () => {
  let world: CallWorld;
  let dpo: SignedIn;
  let key: { publicKey: RecordingPublicKey; sealed: SealedPrivateKey; fingerprint: string };
  let keyId = '';
  let e2eeType = '';
  const open: TestParticipant[] = [];

  beforeAll(async () => {
    world = await startCallWorld({ ...fastCalls, e2eeLastChunkMs: 1_500 });
    dpo = await addUser(world.t, world.admin, 'dpo');
    const trained = await world.admin.client.post(`/api/users/${dpo.userId}/training`, { course: 'GDPR basics', completedOn: new Date().toISOString().slice(0, 10) });
    expect(trained.status, trained.raw).toBe(201);
    key = await createRecordingKeyPair(PASSPHRASE, ITERATIONS);
  });
  afterAll(async () => {
    for (const p of open) await p.close();
    await world?.t.close();
  });

  const e2eeRecordingType = {
    name: 'Vertrauliche Beratung mit Aufzeichnung',
    purposes: [
      { purpose: 'call_delivery', basis: 'contract' },
      { purpose: 'recording', basis: 'consent' },
    ],
    recordingMode: 'consent',
    lobbyEnabled: false,
    e2eeRequired: true,
    retention: { callMetadataDays: 30, chatDays: 0, recordingsDays: 30, consentDays: 365 },
  };

  it('needs a recording key before an E2EE call type may record; only a DPO makes one, and the server checks it', async () => {
    const early = await world.admin.client.post('/api/call-types', e2eeRecordingType);
    expect(early.status).toBe(400);
    expect(early.body.error.message).toMatch(/recording key/);

    const body = { publicKey: key.publicKey, sealed: key.sealed, fingerprint: key.fingerprint };
    expect((await world.agent.client.post('/api/recording-keys', body)).status).toBe(403);
    expect((await world.admin.client.post('/api/recording-keys', body)).status).toBe(403);
    // A point that is not on the curve, a fingerprint of another key, a weakly sealed private key: refused.
    const offCurve = await dpo.client.post('/api/recording-keys', { ...body, publicKey: { ...key.publicKey, y: key.publicKey.x } });
    expect(offCurve.status).toBe(400);
    expect(offCurve.body.error.message).toMatch(/P-256/);
    const wrongPrint = await dpo.client.post('/api/recording-keys', { ...body, fingerprint: '0000 0000 0000 0000 0000 0000 0000 0000' });
    expect(wrongPrint.status).toBe(400);
    const weak = await dpo.client.post('/api/recording-keys', { ...body, sealed: { ...key.sealed, iterations: 1_000 } });
    expect(weak.status).toBe(400);
    expect((await dpo.client.get('/api/recording-keys')).body.keys).toEqual([]);

    const created = await dpo.client.post('/api/recording-keys', body);
    expect(created.status, created.raw).toBe(201);
    expect(created.body.key).toMatchObject({ fingerprint: key.fingerprint, active: true, createdBy: dpo.userId });
    keyId = created.body.key.id;
    const listed = await world.admin.client.get('/api/recording-keys');
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toEqual([keyId]);
    // The private key never reaches the server in the clear: what is stored is the sealed form the browser sent.
    const row = await world.t.parley.deps.db.selectFrom('recording_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
    expect(JSON.parse(row.sealed_private)).toEqual(key.sealed);

    const ct = await world.admin.client.post('/api/call-types', e2eeRecordingType);
    expect(ct.status, ct.raw).toBe(201);
    e2eeType = ct.body.id;
  });

  /** An E2EE call with the agent and one customer publishing, recording started and consented to. */
  async function recordedCall() {
    const call = await scheduleCall(world, e2eeType);
    const agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' }, e2ee: true }, { cookie: world.agentCookie });
    open.push(agent);
    await agent.signal.next('welcome');
    const customer = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken }, e2ee: true });
    open.push(customer);
    await customer.signal.next('welcome');
    agent.publish('audio', 'video');
    customer.publish('audio', 'video');
    // Both publish before recording starts, so each gets one camera capture (no `sources_changed` restart).
    await new Promise((r) => setTimeout(r, 700));
    agent.signal.send({ type: 'recording-start' });
    const prompt = await customer.signal.next('recording', (m) => m.state.prompt !== null);
    customer.signal.send({ type: 'recording-answer', given: true, textHash: prompt.state.prompt!.textHash });
    const starts = {
      agent: await agent.signal.next('e2ee-capture-start', (m) => m.participantId === call.agentParticipantId),
      customer: await agent.signal.next('e2ee-capture-start', (m) => m.participantId === call.customerId),
    };
    return { call, agent, customer, starts, recordingId: (await agent.signal.next('recording', (m) => m.state.active)).state.recordingId! };
  }

  const upload = (client: SignedIn['client'], trackId: string, index: number, bytes: Uint8Array, last: boolean) =>
    client.request('PUT', `/api/e2ee-tracks/${trackId}/chunks/${index}?last=${last ? 1 : 0}`, undefined, {
      rawBody: Buffer.from(bytes),
      headers: { 'content-type': 'application/octet-stream' },
    });

  it.skipIf(!hasFfmpeg)('stores only ciphertext, resumes an interrupted upload, and the DPO opens it with the passphrase to a WebM that plays', async () => {
    const { call, agent, customer, starts, recordingId } = await recordedCall();
    const agentClient = world.agent.client;
    expect(starts.customer.recordingKey).toEqual({ id: keyId, publicKey: key.publicKey });
    // Only the agent's browser is told to record: the customer's socket never hears of tracks.
    expect(customer.signal.messages.some((m) => m.type === 'e2ee-capture-start')).toBe(false);

    const webm = await encodeWebm({ seconds: 3 });
    const pieces = [webm.subarray(0, 20_000), webm.subarray(20_000, 40_000), webm.subarray(40_000)];
    expect(pieces[2]!.length).toBeGreaterThan(0);
    const trackId = starts.customer.trackId;
    const enc: TrackEncrypter = await openTrackEncrypter(starts.customer.recordingKey, trackId);

    // Chunks before the envelope, and from anyone but the recording agent, are refused.
    const c0 = await enc.encryptChunk(0, false, pieces[0]!);
    expect((await upload(agentClient, trackId, 0, c0, false)).body.error.code).toBe('ENVELOPE_REQUIRED');
    const foreign = await dpo.client.request('PUT', `/api/e2ee-tracks/${trackId}/envelope`, enc.envelope);
    expect([foreign.status, foreign.body.error.code]).toEqual([403, 'NOT_THE_RECORDER']);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${trackId}/envelope`, { ...enc.envelope, keyId: 'rkey_' + 'x'.repeat(25) })).status).toBe(400);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${trackId}/envelope`, enc.envelope)).status).toBe(204);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${trackId}/envelope`, enc.envelope)).status).toBe(204); // idempotent
    const other = await openTrackEncrypter(starts.customer.recordingKey, trackId);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${trackId}/envelope`, other.envelope)).body.error.code).toBe('ENVELOPE_CONFLICT');

    expect((await upload(agentClient, trackId, 0, c0, false)).status).toBe(204);
    // The network dropped the answer: the browser sends chunk 0 again, then skips ahead by mistake.
    expect((await upload(agentClient, trackId, 0, c0, false)).status).toBe(204);
    const c2 = await enc.encryptChunk(2, true, pieces[2]!);
    const skipped = await upload(agentClient, trackId, 2, c2, true);
    expect([skipped.status, skipped.body.error.code, skipped.body.error.details]).toEqual([409, 'CHUNK_OUT_OF_ORDER', { expected: 1 }]);
    expect((await agentClient.get(`/api/e2ee-tracks/${trackId}`)).body).toEqual({ trackId, nextIndex: 1, state: 'open' });
    const json = await agentClient.request('PUT', `/api/e2ee-tracks/${trackId}/chunks/1`, { not: 'bytes' });
    expect(json.status).toBe(415);
    const tooBig = await upload(agentClient, trackId, 1, new Uint8Array(4 * 1024 * 1024 + 1), false);
    expect(tooBig.status).toBe(413);
    expect((await upload(agentClient, trackId, 1, await enc.encryptChunk(1, false, pieces[1]!), false)).status).toBe(204);
    expect((await upload(agentClient, trackId, 2, c2, true)).status).toBe(204);
    expect((await agentClient.get(`/api/e2ee-tracks/${trackId}`)).body).toMatchObject({ nextIndex: 3, state: 'ended' });

    // The agent's own track: one chunk, the last.
    const agentTrack = starts.agent.trackId;
    const agentEnc = await openTrackEncrypter(starts.agent.recordingKey, agentTrack);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${agentTrack}/envelope`, agentEnc.envelope)).status).toBe(204);
    expect((await upload(agentClient, agentTrack, 0, await agentEnc.encryptChunk(0, true, webm), true)).status).toBe(204);

    agent.signal.send({ type: 'end' });
    await agent.signal.next('call-ended');
    await world.t.parley.calls.settled();
    // After the call, a late chunk is told the track ended.
    expect((await upload(agentClient, trackId, 3, c2, true)).body.error.code).toBe('TRACK_ENDED');

    const tracks = await tracksOf(world, recordingId);
    expect(tracks.map((t) => [t.participant_id, t.status, t.basis]).sort()).toEqual(
      [
        [call.agentParticipantId, 'complete', 'legitimate_interest'],
        [call.customerId, 'complete', 'consent'],
      ].sort(),
    );
    const row = tracks.find((t) => t.id === trackId)!;
    expect(JSON.parse(row.e2ee_envelope!)).toEqual(enc.envelope);

    // On disk: the server's own ciphertext. Behind it, with the server's key: still only the browser's ciphertext.
    const blobDir = world.t.config.blobDir;
    for (const file of walk(blobDir)) expect(countSignature(readFileSync(file), EBML_MAGIC), file).toBe(0);
    const serverView = await decryptTrack(world, trackId);
    expect(countSignature(serverView, EBML_MAGIC)).toBe(0);
    expect(serverView.includes(Buffer.from(pieces[1]!.subarray(0, 64)))).toBe(false);

    // The DPO: the recording detail says the track is E2EE; the sealed key (audited) opens with the passphrase.
    const detail = await dpo.client.get(`/api/recordings/${recordingId}`);
    const viewed = detail.body.participants.flatMap((p: { tracks: { id: string; e2ee: unknown }[] }) => p.tracks).find((t: { id: string }) => t.id === trackId);
    expect(viewed.e2ee).toEqual(enc.envelope);
    expect((await world.agent.client.get(`/api/recording-keys/${keyId}/sealed`)).status).toBe(403);
    const sealed = await dpo.client.get(`/api/recording-keys/${keyId}/sealed`);
    expect(sealed.status, sealed.raw).toBe(200);
    await expect(unlockRecordingKey(sealed.body.sealed, 'not the passphrase at all')).rejects.toThrow(/passphrase/);
    const privateKey = await unlockRecordingKey(sealed.body.sealed, PASSPHRASE);

    const link = await dpo.client.post(`/api/recordings/${recordingId}/tracks/${trackId}/links`, { purpose: 'play' });
    expect(link.status, link.raw).toBe(201);
    const media = await world.t.parley.app.inject({ method: 'GET', url: new URL(link.body.url, 'http://x').pathname, headers: { cookie: cookieOf(dpo) } });
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('application/octet-stream');
    expect(media.rawPayload.equals(serverView)).toBe(true);

    const opened = await decryptRecording(privateKey, viewed.e2ee, trackId, media.rawPayload);
    expect(opened).toMatchObject({ chunks: 3, complete: true });
    expect(Buffer.from(opened.webm).equals(webm)).toBe(true);
    const played = await probe(Buffer.from(opened.webm));
    expect(played.decodeErrors).toBe('');
    expect(played.streams.map((s) => s.codec).sort()).toEqual(['opus', 'vp8']);
    expect(played.durationSec).toBeGreaterThan(2.5);

    const events = await world.t.parley.deps.db.selectFrom('audit_events').select('type').where('org_id', '=', world.admin.orgId).execute();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['recording_key.created', 'recording_key.fetched', 'recording.played']));
  });

  it('goes on when the recording agent\'s page comes back: what was uploaded stays, each capture continues as a new track', async () => {
    const { call, agent, starts, recordingId } = await recordedCall();
    const agentClient = world.agent.client;
    const before = starts.customer.trackId;
    const enc = await openTrackEncrypter(starts.customer.recordingKey, before);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${before}/envelope`, enc.envelope)).status).toBe(204);
    expect((await upload(agentClient, before, 0, await enc.encryptChunk(0, false, new Uint8Array(2_000)), false)).status).toBe(204);

    // The page reloads: a new socket for the same participant; the old one is replaced.
    const again = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' }, e2ee: true }, { cookie: world.agentCookie });
    open.push(again);
    expect((await again.signal.next('welcome')).resumed).toBe(true);
    again.publish('audio', 'video');
    const restarted = await again.signal.next('e2ee-capture-start', (m) => m.participantId === call.customerId);
    expect(restarted.trackId).not.toBe(before);
    await again.signal.next('e2ee-capture-start', (m) => m.participantId === call.agentParticipantId);
    // The new track takes chunks; the old one is closed with what reached the server (no last chunk: it was cut).
    const next = await openTrackEncrypter(restarted.recordingKey, restarted.trackId);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${restarted.trackId}/envelope`, next.envelope)).status).toBe(204);
    expect((await upload(agentClient, restarted.trackId, 0, await next.encryptChunk(0, true, new Uint8Array(2_000)), true)).status).toBe(204);
    await expect.poll(async () => (await agentClient.get(`/api/e2ee-tracks/${before}`)).body.state, { timeout: 5_000 }).toBe('ended');
    again.signal.send({ type: 'end' });
    await again.signal.next('call-ended');
    await agent.close();
    await world.t.parley.calls.settled();
    const customerTracks = (await tracksOf(world, recordingId)).filter((t) => t.participant_id === call.customerId);
    expect(customerTracks.map((t) => [t.id, t.status, t.end_reason])).toEqual([
      [before, 'complete', 'sources_changed'],
      [restarted.trackId, 'complete', 'call_ended'],
    ]);
  });

  it('stops taking a person\'s chunks the moment they withdraw, and tells the recording browser to stop', async () => {
    const { customer, agent, starts } = await recordedCall();
    const agentClient = world.agent.client;
    const trackId = starts.customer.trackId;
    const enc = await openTrackEncrypter(starts.customer.recordingKey, trackId);
    expect((await agentClient.request('PUT', `/api/e2ee-tracks/${trackId}/envelope`, enc.envelope)).status).toBe(204);
    expect((await upload(agentClient, trackId, 0, await enc.encryptChunk(0, false, new Uint8Array(1000)), false)).status).toBe(204);

    customer.signal.send({ type: 'recording-withdraw' });
    const stop = await agent.signal.next('e2ee-capture-stop', (m) => m.trackId === trackId);
    expect(stop.reason).toBe('withdrawn');
    const late = await upload(agentClient, trackId, 1, await enc.encryptChunk(1, true, new Uint8Array(1000)), true);
    expect([late.status, late.body.error.code]).toEqual([410, 'TRACK_ENDED']);
    // The agent's own track goes on.
    expect((await agentClient.get(`/api/e2ee-tracks/${starts.agent.trackId}`)).body.state).toBe('open');
    agent.signal.send({ type: 'end' });
    await agent.signal.next('call-ended');
    await world.t.parley.calls.settled();
    const row = await world.t.parley.deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', trackId).executeTakeFirstOrThrow();
    expect(row.end_reason).toBe('withdrawn');
    // What was recorded on consent alone is erased as for any recording (G13): the server's key goes, then the blob (G27).
    await world.t.parley.jobs.runDue();
    const erased = await world.t.parley.deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', trackId).executeTakeFirstOrThrow();
    expect(erased).toMatchObject({ status: 'erased', wrapped_key: null });
    expect(await world.t.parley.deps.blobs.size(row.blob_key)).toBeNull();
  });
});

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}

function cookieOf(user: SignedIn): string {
  return [...user.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}
