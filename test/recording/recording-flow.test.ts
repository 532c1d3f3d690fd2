import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebmScanner } from '../../src/recording/webm-scan.ts';
import { fastCalls, scheduleCall, startCallWorld, type CallWorld } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { germanTextProblems } from '../support/language-check.ts';
import { createRecordingCallType, decryptTrack, tracksOf } from './support.ts';

describe('recording through signalling (synthetic media)', () => {
  let world: CallWorld;
  let consentType: string;
  let legalType: string;
  const open: TestParticipant[] = [];
  beforeAll(async () => {
    world = await startCallWorld({ ...fastCalls, recordingChunkBytes: 4096 });
    consentType = await createRecordingCallType(world, 'consent');
    legalType = await createRecordingCallType(world, 'legal_obligation', true);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(async () => world?.t.close());
  const keep = (p: TestParticipant) => (open.push(p), p);

  it('asks the customer, records only after yes, stops at once on withdrawal, and keeps the ledger', async () => {
    const call = await scheduleCall(world, consentType);
    const agent = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    const customer = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    await customer.signal.next('welcome');
    agent.publish('audio', 'video');
    customer.publish('audio', 'video');
    await agent.signal.next('peer-updated', (m) => m.peer.sources.length === 2);

    agent.signal.send({ type: 'recording-start' });
    await agent.signal.next('recording', (m) => m.state.active);
    const asked = await customer.signal.next('recording', (m) => m.state.prompt !== null);
    // The agent's script follows the customer's actual state: asked first (never "you agreed" before she has).
    const askedScript = await agent.signal.next('recording', (m) => m.state.scripts.some((s) => s.state === 'asked'));
    expect(askedScript.state.scripts).toEqual([expect.objectContaining({ participantId: call.customerId, locale: 'en', state: 'asked' })]);
    expect(askedScript.state.scripts[0]!.text).toContain('“Yes, record me”');
    expect(askedScript.state.scripts[0]!.text).toContain('“No, don\'t record me”');
    expect(askedScript.state.scripts[0]!.text).not.toMatch(/you agreed/i);
    expect(asked.state).toMatchObject({ active: true, mode: 'consent', you: 'asked' });
    expect(asked.state.prompt!.text).toContain('screen');
    // Nothing of the customer is captured before the answer (G8, G18).
    await new Promise((r) => setTimeout(r, 500));
    const recordingId = asked.state.recordingId!;
    await world.t.parley.calls.settled();
    expect((await tracksOf(world, recordingId)).map((t) => t.participant_id)).toEqual([call.agentParticipantId]);

    customer.signal.send({ type: 'recording-answer', given: true, textHash: asked.state.prompt!.textHash });
    await customer.signal.next('recording', (m) => m.state.you === 'captured');
    const agreed = await agent.signal.next('recording', (m) => m.state.scripts.some((s) => s.state === 'captured'));
    expect(agreed.state.scripts[0]!.text).toMatch(/you agreed to that.*“Stop recording me”/);
    await new Promise((r) => setTimeout(r, 1500));
    customer.signal.send({ type: 'recording-withdraw' });
    await customer.signal.next('recording', (m) => m.state.you === 'withdrawn');
    const withdrawn = await agent.signal.next('recording', (m) => m.state.scripts.some((s) => s.state === 'withdrawn'));
    expect(withdrawn.state.scripts[0]!.text).toMatch(/withdrew your consent/);
    expect(withdrawn.state.scripts[0]!.text).not.toMatch(/you agreed/i);
    await new Promise((r) => setTimeout(r, 800));
    const beforeStop = agent.signal.messages.length;
    agent.signal.send({ type: 'recording-stop' });
    await agent.signal.next('recording', (m) => !m.state.active, { from: beforeStop });
    await world.t.parley.calls.settled();

    const tracks = await tracksOf(world, recordingId);
    const mine = tracks.find((t) => t.participant_id === call.customerId)!;
    const agents = tracks.find((t) => t.participant_id === call.agentParticipantId)!;
    expect(mine).toMatchObject({ status: 'complete', end_reason: 'withdrawn', basis: 'consent' });
    expect(agents).toMatchObject({ status: 'complete', end_reason: 'stopped', basis: 'legitimate_interest' });
    // The customer's track ends at the withdrawal; the agent's goes on to the stop.
    expect(Number(agents.duration_ms)).toBeGreaterThan(Number(mine.duration_ms) + 500);
    for (const t of [mine, agents]) {
      const webm = await decryptTrack(world, t.id);
      expect(webm.subarray(0, 4).toString('hex')).toBe('1a45dfa3');
      const scan = new WebmScanner();
      scan.push(webm);
      expect(scan.result().blocks).toBeGreaterThan(10);
      expect(scan.result().validEnd).toBe(webm.length);
    }

    const ledger = await world.t.parley.deps.db.selectFrom('consent_records').selectAll().where('participant_id', '=', call.customerId).orderBy('recorded_at').execute();
    expect(ledger.map((r) => [r.action, r.method])).toEqual([
      ['given', 'in_call'],
      ['withdrawn', 'in_call'],
    ]);
    expect(ledger[1]!.withdraws_id).toBe(ledger[0]!.id);
    // The consent-only part is queued for erasure (G13); running the job crypto-shreds it.
    await world.t.parley.jobs.runDue();
    const after = await world.t.parley.deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', mine.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'erased', wrapped_key: null });
    expect(await world.t.parley.deps.blobs.size(mine.blob_key)).toBeNull();
    expect(await decryptTrack(world, agents.id)).toBeInstanceOf(Buffer);
  });

  it('legal obligation: starts with the agent, cannot be stopped, and captures a customer only after acknowledging', async () => {
    const call = await scheduleCall(world, legalType);
    const agent = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    const started = await agent.signal.next('recording', (m) => m.state.active);
    expect(started.state.mode).toBe('legal_obligation');
    // Nobody to speak to yet: scripts are per customer present.
    expect(started.state.scripts).toEqual([]);
    agent.publish('audio', 'video');
    agent.signal.send({ type: 'recording-stop' });
    const refused = await agent.signal.next('error');
    expect(refused.code).toBe('RECORDING_REQUIRED');

    // A customer in the lobby sees nothing yet; once admitted, the notice comes before any capture.
    const customer = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    await customer.signal.next('lobby-waiting');
    agent.signal.send({ type: 'admit', participantId: call.customerId });
    const asked = await customer.signal.next('recording', (m) => m.state.prompt !== null);
    expect(asked.state.prompt).toMatchObject({ kind: 'acknowledge', legalReference: 'MiFID II Art. 16(7)' });
    const legalScript = await agent.signal.next('recording', (m) => m.state.scripts.some((s) => s.state === 'asked'));
    expect(legalScript.state.scripts[0]!.text).toMatch(/MiFID II Art\. 16\(7\).*“I understand”.*“Leave the call”/);
    customer.publish('audio', 'video');
    await new Promise((r) => setTimeout(r, 600));
    await world.t.parley.calls.settled();
    const recordingId = asked.state.recordingId!;
    expect((await tracksOf(world, recordingId)).some((t) => t.participant_id === call.customerId)).toBe(false);
    // Declining is not an option here.
    customer.signal.send({ type: 'recording-answer', given: false, textHash: asked.state.prompt!.textHash });
    expect((await customer.signal.next('error')).code).toBe('RECORDING_REQUIRED');
    customer.signal.send({ type: 'recording-answer', given: true, textHash: asked.state.prompt!.textHash });
    await customer.signal.next('recording', (m) => m.state.you === 'captured');
    await new Promise((r) => setTimeout(r, 600));
    customer.signal.send({ type: 'recording-withdraw' });
    expect((await customer.signal.next('error')).code).toBe('RECORDING_REQUIRED');

    agent.signal.send({ type: 'end' });
    await customer.signal.next('call-ended');
    await world.t.parley.calls.settled();
    const rec = await world.t.parley.deps.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ mode: 'legal_obligation', status: 'complete', stop_reason: 'call_ended', legal_reference: 'MiFID II Art. 16(7)', started_by: null });
    const tracks = await tracksOf(world, recordingId);
    expect(tracks.map((t) => [t.participant_id, t.basis, t.status])).toEqual(
      expect.arrayContaining([
        [call.agentParticipantId, 'legal_obligation', 'complete'],
        [call.customerId, 'legal_obligation', 'complete'],
      ]),
    );
    const events = await world.t.parley.deps.db.selectFrom('audit_events').select(['type']).where('org_id', '=', world.admin.orgId).execute();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['recording.started', 'recording.acknowledged', 'recording.track_started', 'recording.track_ended', 'recording.stopped']));
  });

  it("the agent's script speaks a German customer's language, names her buttons, and never claims a consent she refused", async () => {
    const call = await scheduleCall(world, consentType, { locale: 'de' });
    const agent = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    const customer = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    await customer.signal.next('welcome');
    agent.signal.send({ type: 'recording-start' });
    const asked = await customer.signal.next('recording', (m) => m.state.prompt !== null);
    const askedScript = await agent.signal.next('recording', (m) => m.state.scripts.some((s) => s.state === 'asked'));
    const first = askedScript.state.scripts[0]!;
    expect(first).toMatchObject({ participantId: call.customerId, locale: 'de', state: 'asked' });
    expect(first.text).toContain('„Ja, mich aufzeichnen“');
    expect(first.text).toContain('„Nein, mich nicht aufzeichnen“');
    expect(first.text).not.toMatch(/eingewilligt/);
    expect(germanTextProblems(first.text)).toEqual([]);

    customer.signal.send({ type: 'recording-answer', given: false, textHash: asked.state.prompt!.textHash });
    const declined = await agent.signal.next('recording', (m) => m.state.scripts.some((s) => s.state === 'declined'));
    const text = declined.state.scripts[0]!.text;
    expect(text).toMatch(/nicht aufgezeichnet zu werden/);
    expect(text).not.toMatch(/eingewilligt|wird jetzt aufgezeichnet/);
    expect(germanTextProblems(text)).toEqual([]);
    const beforeStop = agent.signal.messages.length;
    agent.signal.send({ type: 'recording-stop' });
    expect((await agent.signal.next('recording', (m) => !m.state.active, { from: beforeStop })).state.scripts).toEqual([]);
  });

  it('a withdrawal on the join page during the call stops the live capture too (G12)', async () => {
    const call = await scheduleCall(world, consentType);
    const agent = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    const customer = keep(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    await customer.signal.next('welcome');
    customer.publish('audio', 'video');
    agent.signal.send({ type: 'recording-start' });
    const asked = await customer.signal.next('recording', (m) => m.state.prompt !== null);
    customer.signal.send({ type: 'recording-answer', given: true, textHash: asked.state.prompt!.textHash });
    await customer.signal.next('recording', (m) => m.state.you === 'captured');
    await new Promise((r) => setTimeout(r, 800));

    const withdrawnAt = Date.now();
    const res = await world.t.client().post(`/api/join/${call.customerToken}/consents/withdraw`, { purpose: 'recording' });
    expect(res.status, res.raw).toBe(200);
    await customer.signal.next('recording', (m) => m.state.you === 'withdrawn');
    await world.t.parley.calls.settled();
    const tracks = await tracksOf(world, asked.state.recordingId!);
    const mine = tracks.find((t) => t.participant_id === call.customerId)!;
    expect(mine.end_reason).toBe('withdrawn');
    expect(new Date(mine.ended_at!).getTime() - withdrawnAt).toBeLessThan(2_000);
    const ledger = await world.t.parley.deps.db.selectFrom('consent_records').select(['action', 'method']).where('participant_id', '=', call.customerId).orderBy('recorded_at').execute();
    expect(ledger.at(-1)).toEqual({ action: 'withdrawn', method: 'join_page' });
    const jobs = await world.t.parley.deps.db.selectFrom('jobs').select(['kind', 'payload']).where('kind', '=', 'recording.erase_withdrawn').execute();
    expect(jobs.some((j) => JSON.parse(j.payload).participantId === call.customerId)).toBe(true);
  });
});
