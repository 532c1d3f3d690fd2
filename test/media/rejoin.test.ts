import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { addUser, createOrgWithAdmin, type SignedIn } from '../support/harness.ts';
import { dialects } from '../support/dialects.ts';
import { createRecordingCallType, tracksOf } from '../recording/support.ts';
import { fastCalls, scheduleCall, startCallWorld, waitFor, type CallWorld } from './support/call-setup.ts';
import { TestParticipant } from './support/signal-client.ts';

/**
 * Issue 12, finding 14, the server's side of a reload: a participant who comes back gets the chat so far (and only
 * what they may see), the agent's calls list knows who waits in the lobby and who is in the call, and a customer's
 * recording stays hers across the reload. On every dialect.
 */
for (const d of dialects) {
  describe.skipIf(!d.available)(`a participant who reloads or comes back (${d.name})`, () => {
    let world: CallWorld;
    let consentType: string;
    const open: TestParticipant[] = [];
    beforeAll(async () => {
      // A grace period long enough for a rejoin on a loaded machine, short enough to see it run out.
      world = await startCallWorld({ ...fastCalls, graceMs: 3_000, deadAfterMs: 2_000, recordingChunkBytes: 4096 }, {}, d.name);
      consentType = await createRecordingCallType(world, 'consent');
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((p) => p.close()));
    });
    afterAll(async () => {
      await world?.t.parley.calls.settled();
      await world?.t.close();
    });

    const keep = (p: TestParticipant) => (open.push(p), p);
    const joinAgent = async (callId: string) => {
      const agent = keep(await TestParticipant.join(world.url, { type: 'join', callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
      await agent.signal.next('welcome');
      return agent;
    };
    const joinCustomer = async (callId: string, token: string) => keep(await TestParticipant.join(world.url, { type: 'join', callId, auth: { kind: 'link', token } }));
    /** The socket and the media connection go away without a goodbye, as when a page reloads. */
    const reload = async (p: TestParticipant) => {
      p.signal.ws.terminate();
      await p.rtc.close();
    };
    const texts = (m: { messages: { text: string }[] }) => m.messages.map((x) => x.text);
    /** Waits until the customer has `n` tracks and the newest has taken in media for a moment. */
    const mediaRecorded = async (recordingId: string, n: number) => {
      await expect
        .poll(async () => (await tracksOf(world, recordingId)).filter((t) => t.participant_id !== null && t.basis === 'consent').length, { timeout: 10_000 })
        .toBe(n);
      await new Promise((r) => setTimeout(r, 800));
    };

    it('a customer who reloads gets the chat so far; a guest let in later gets only what was said after', async () => {
      const call = await scheduleCall(world, world.callTypes.lobby);
      const guest = await world.agent.client.post(`/api/calls/${call.callId}/guests`, { displayName: 'Gustav Gast', email: `gustav.${Math.random()}@example.test` });
      expect(guest.status, guest.raw).toBe(201);
      const guestId = (guest.body.participants as { id: string; displayName: string }[]).find((p) => p.displayName === 'Gustav Gast')!.id;
      const guestToken = joinToken(world.t.parley.deps, guestId, call.callId);

      const agent = await joinAgent(call.callId);
      // The agent's own first history is empty: nothing was said yet.
      expect(texts(await agent.signal.next('chat-history'))).toEqual([]);
      let customer = await joinCustomer(call.callId, call.customerToken);
      await customer.signal.next('lobby-waiting');
      agent.signal.send({ type: 'chat', text: 'Before anyone was let in' });
      await agent.signal.next('chat', (m) => m.text === 'Before anyone was let in');
      agent.signal.send({ type: 'admit', participantId: call.customerId });
      // Let in after that message: she does not get it.
      expect(texts(await customer.signal.next('chat-history'))).toEqual([]);
      customer.signal.send({ type: 'chat', text: 'Guten Tag!' });
      agent.signal.send({ type: 'chat', text: 'Hello Karla' });
      await customer.signal.next('chat', (m) => m.text === 'Hello Karla');

      // The reload: a new socket, the same link, within the grace period. She gets back what she had seen.
      await reload(customer);
      await agent.signal.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.state === 'reconnecting');
      agent.signal.send({ type: 'chat', text: 'Are you there?' });
      customer = await joinCustomer(call.callId, call.customerToken);
      expect(await customer.signal.next('welcome')).toMatchObject({ resumed: true });
      const history = await customer.signal.next('chat-history');
      expect(history.messages).toEqual([
        { from: call.customerId, text: 'Guten Tag!', at: expect.any(String) },
        { from: call.agentParticipantId, text: 'Hello Karla', at: expect.any(String) },
        // Said while her page was reloading: she is still in the call then, so it is hers to read.
        { from: call.agentParticipantId, text: 'Are you there?', at: expect.any(String) },
      ]);
      expect(customer.signal.of('lobby-waiting')).toEqual([]);

      // A guest let in now gets nothing of what was said before.
      const gustav = await joinCustomer(call.callId, guestToken);
      await gustav.signal.next('lobby-waiting');
      agent.signal.send({ type: 'admit', participantId: guestId });
      expect(texts(await gustav.signal.next('chat-history'))).toEqual([]);
      gustav.signal.send({ type: 'chat', text: 'Hallo zusammen' });
      await customer.signal.next('chat', (m) => m.text === 'Hallo zusammen');

      // Leaving on purpose ends the presence: coming back, she gets nothing said while she was away, nor again
      // what she saw before.
      customer.signal.send({ type: 'leave' });
      await customer.signal.waitClosed();
      await customer.rtc.close();
      agent.signal.send({ type: 'chat', text: 'Karla has gone' });
      await gustav.signal.next('chat', (m) => m.text === 'Karla has gone');
      customer = await joinCustomer(call.callId, call.customerToken);
      expect(await customer.signal.next('welcome')).toMatchObject({ resumed: false });
      await customer.signal.next('lobby-waiting');
      agent.signal.send({ type: 'admit', participantId: call.customerId });
      expect(texts(await customer.signal.next('chat-history'))).toEqual([]);

      // The agent's own reload gets the whole chat since they came in.
      await reload(agent);
      const back = await joinAgent(call.callId);
      expect(texts(await back.signal.next('chat-history'))).toEqual(['Before anyone was let in', 'Guten Tag!', 'Hello Karla', 'Are you there?', 'Hallo zusammen', 'Karla has gone']);
      back.signal.send({ type: 'end' });
      await back.signal.waitClosed();
    });

    it('the calls list shows who waits in the lobby and who is in the call, to the call\'s agent and the organisation only', async () => {
      const presence = async (who: SignedIn) => {
        const res = await who.client.get('/api/calls/presence');
        expect(res.status, res.raw).toBe(200);
        return res.body.calls as { callId: string; participants: { participantId: string; kind: string; state: string; since: string }[] }[];
      };
      const stateOf = async (who: SignedIn, callId: string) =>
        Object.fromEntries(((await presence(who)).find((c) => c.callId === callId)?.participants ?? []).map((p) => [p.participantId, p.state]));
      const call = await scheduleCall(world, world.callTypes.lobby);
      const otherAgent = await addUser(world.t, world.admin, 'agent');
      const otherOrg = await createOrgWithAdmin(world.t, 'Andere Bank AG');

      expect(await stateOf(world.agent, call.callId)).toEqual({});
      let customer = await joinCustomer(call.callId, call.customerToken);
      await customer.signal.next('lobby-waiting');
      // The customer waits before the agent has opened the call: the agent's calls list says so.
      expect(await stateOf(world.agent, call.callId)).toEqual({ [call.customerId]: 'waiting' });
      const waitingSince = (await presence(world.agent)).find((c) => c.callId === call.callId)!.participants[0]!.since;
      expect(Date.parse(waitingSince)).toBeLessThanOrEqual(world.t.clock.now().getTime());

      const agent = await joinAgent(call.callId);
      expect(await stateOf(world.agent, call.callId)).toEqual({ [call.customerId]: 'waiting', [call.agentParticipantId]: 'in_call' });
      agent.signal.send({ type: 'admit', participantId: call.customerId });
      await customer.signal.next('admitted');
      expect(await stateOf(world.agent, call.callId)).toEqual({ [call.customerId]: 'in_call', [call.agentParticipantId]: 'in_call' });
      // The organisation's admin sees it too; another agent of the organisation and another organisation do not.
      expect(await stateOf(world.admin, call.callId)).toEqual({ [call.customerId]: 'in_call', [call.agentParticipantId]: 'in_call' });
      expect((await presence(otherAgent)).map((c) => c.callId)).not.toContain(call.callId);
      expect(await presence(otherOrg)).toEqual([]);

      // A reload shows as reconnecting, then in the call again.
      await reload(customer);
      await waitFor('reconnecting', () => agent.signal.of('peer-updated').some((m) => m.peer.participantId === call.customerId && m.peer.state === 'reconnecting'));
      expect(await stateOf(world.agent, call.callId)).toEqual({ [call.customerId]: 'reconnecting', [call.agentParticipantId]: 'in_call' });
      customer = await joinCustomer(call.callId, call.customerToken);
      await customer.signal.next('welcome');
      expect(await stateOf(world.agent, call.callId)).toEqual({ [call.customerId]: 'in_call', [call.agentParticipantId]: 'in_call' });

      // Ended: not live, not listed.
      agent.signal.send({ type: 'end' });
      await agent.signal.waitClosed();
      expect(await stateOf(world.agent, call.callId)).toEqual({});
      // Names and emails are not part of the answer: the list has them already.
      expect(JSON.stringify(await presence(world.agent))).not.toMatch(/Karla|example\.test/);
    });

    it('a customer who reloads mid-recording stays one participant: her tracks before and after are both hers, the first ended as "left"', async () => {
      const call = await scheduleCall(world, consentType);
      const agent = await joinAgent(call.callId);
      let customer = await joinCustomer(call.callId, call.customerToken);
      await customer.signal.next('welcome');
      agent.publish('audio', 'video');
      customer.publish('audio', 'video');
      await agent.signal.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.sources.length === 2);
      agent.signal.send({ type: 'recording-start' });
      const asked = await customer.signal.next('recording', (m) => m.state.prompt !== null);
      const recordingId = asked.state.recordingId!;
      customer.signal.send({ type: 'recording-answer', given: true, textHash: asked.state.prompt!.textHash });
      await customer.signal.next('recording', (m) => m.state.you === 'captured');
      await mediaRecorded(recordingId, 1);

      await reload(customer);
      customer = await joinCustomer(call.callId, call.customerToken);
      expect(await customer.signal.next('welcome')).toMatchObject({ resumed: true });
      // Her consent stands: she is recorded again without being asked again.
      await customer.signal.next('recording', (m) => m.state.you === 'captured');
      expect(customer.signal.of('recording').some((m) => m.state.prompt !== null)).toBe(false);
      customer.publish('audio', 'video');
      await agent.signal.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.state === 'admitted' && m.peer.sources.length === 2);
      await mediaRecorded(recordingId, 2);
      const beforeStop = agent.signal.messages.length;
      agent.signal.send({ type: 'recording-stop' });
      await agent.signal.next('recording', (m) => !m.state.active, { from: beforeStop });
      await world.t.parley.calls.settled();

      const tracks = (await tracksOf(world, recordingId)).filter((t) => t.participant_id === call.customerId);
      expect(tracks.map((t) => [t.source, t.end_reason, t.basis])).toEqual([
        ['camera', 'left', 'consent'],
        ['camera', 'stopped', 'consent'],
      ]);
      const subject = (await world.t.parley.deps.db.selectFrom('participants').select('subject_id').where('id', '=', call.customerId).executeTakeFirstOrThrow()).subject_id;
      expect(tracks.map((t) => t.subject_id)).toEqual([subject, subject]);
      // Both are tied to the consent she gave once, in the call.
      expect(new Set(tracks.map((t) => t.consent_id)).size).toBe(1);
      expect(tracks[0]!.consent_id).not.toBeNull();

      // The console's recordings view: one customer, named, with both tracks.
      const list = await world.agent.client.get(`/api/recordings?callId=${call.callId}`);
      expect(list.status, list.raw).toBe(200);
      const customers = list.body.recordings[0].participants.filter((p: { kind: string }) => p.kind === 'customer');
      expect(customers).toHaveLength(1);
      expect(customers[0]).toMatchObject({ id: call.customerId, displayName: 'Karla Kundin', consent: 'given' });
      expect(customers[0].tracks.map((t: { endReason: string }) => t.endReason)).toEqual(['left', 'stopped']);
      agent.signal.send({ type: 'end' });
      await agent.signal.waitClosed();
    });
  });
}
