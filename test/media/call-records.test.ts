import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_SEAL_LABEL } from '../../src/calls/call-records.ts';
import { addDays } from '../../src/shared/dates.ts';
import { dialects } from '../support/dialects.ts';
import { fastCalls, scheduleCall, startCallWorld, waitFor, type CallWorld } from './support/call-setup.ts';
import { SignalClient, TestParticipant } from './support/signal-client.ts';

/** Call state, chat storage and quality aggregates in the database (issue 4, items 4–6), on every dialect. */
for (const d of dialects) {
  describe.skipIf(!d.available)(`what a live call writes to the database (${d.name})`, () => {
    let world: CallWorld;
    let chatType: string;
    const open: TestParticipant[] = [];
    beforeAll(async () => {
      world = await startCallWorld({ ...fastCalls, statsIntervalMs: 200 }, {}, d.name);
      const ct = await world.admin.client.post('/api/call-types', {
        name: 'Beratung mit Chat',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'chat', basis: 'contract' },
        ],
        chatKept: true,
        lobbyEnabled: false,
        retention: { callMetadataDays: 30, chatDays: 14, recordingsDays: 0, consentDays: 30 },
      });
      expect(ct.status, ct.raw).toBe(201);
      chatType = ct.body.id;
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((p) => p.close()));
    });
    afterAll(async () => {
      await world?.t.parley.calls.settled();
      await world?.t.close();
    });

    const track = (p: TestParticipant) => (open.push(p), p);
    const db = () => world.t.parley.deps.db;
    const joinAgent = async (callId: string) => {
      const agent = track(await TestParticipant.join(world.url, { type: 'join', callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
      await agent.signal.next('welcome');
      return agent;
    };
    const joinCustomer = async (callId: string, token: string) => {
      const customer = track(await TestParticipant.join(world.url, { type: 'join', callId, auth: { kind: 'link', token } }));
      await customer.signal.next('welcome');
      return customer;
    };

    it('records join and leave times, sends quality stats to the agent, and on `end` marks the call ended for good', async () => {
      const call = await scheduleCall(world, world.callTypes.open);
      const agent = await joinAgent(call.callId);
      let customer = await joinCustomer(call.callId, call.customerToken);
      agent.publish('audio', 'video');
      customer.publish('audio', 'video');
      await waitFor('media both ways', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 10 && agent.rtc.receivedFrom(call.customerId, 'video') > 10);

      // Quality stats of both participants reach the agent's socket; the customer gets none.
      const stats = await agent.signal.next('stats', (m) => {
        const c = m.participants.find((p) => p.participantId === call.customerId);
        return c !== undefined && c.bitrateInKbps > 0 && m.participants.some((p) => p.participantId === call.agentParticipantId);
      });
      const customerStats = stats.participants.find((p) => p.participantId === call.customerId)!;
      expect(customerStats.packetLossPct).toBeGreaterThanOrEqual(0);
      expect(customerStats.packetLossPct).toBeLessThanOrEqual(100);
      expect(customer.signal.of('stats')).toEqual([]);

      // Chat of a call type that does not keep chat is relayed and never stored.
      customer.signal.send({ type: 'chat', text: 'Nur weitergeleitet' });
      await agent.signal.next('chat', (m) => m.text === 'Nur weitergeleitet');

      // The customer leaves and comes back: two presences.
      customer.signal.send({ type: 'leave' });
      expect(await customer.signal.waitClosed()).toBe(1000);
      await customer.rtc.close();
      customer = await joinCustomer(call.callId, call.customerToken);
      await agent.signal.next('peer-joined', (m) => m.peer.participantId === call.customerId, { from: agent.signal.messages.findIndex((m) => m.type === 'peer-left') });

      agent.signal.send({ type: 'end' });
      await customer.signal.next('call-ended');
      await customer.signal.waitClosed();
      await agent.signal.waitClosed();
      await world.t.parley.calls.settled();

      const row = await db().selectFrom('calls').select(['status', 'ended_at', 'ends_at']).where('id', '=', call.callId).executeTakeFirstOrThrow();
      expect(row.status).toBe('ended');
      expect(row.ended_at).not.toBeNull();

      const attendance = await db().selectFrom('call_attendance').selectAll().where('call_id', '=', call.callId).orderBy('joined_at').orderBy('id').execute();
      expect(attendance).toHaveLength(3);
      const agentRow = attendance.find((a) => a.participant_id === call.agentParticipantId)!;
      const customerRows = attendance.filter((a) => a.participant_id === call.customerId).sort((a, b) => a.joined_at.localeCompare(b.joined_at));
      expect(agentRow).toMatchObject({ leave_reason: 'ended', purpose: 'call_delivery', data_category: 'call_metadata' });
      expect(customerRows.map((r) => r.leave_reason)).toEqual(['left', 'ended']);
      // Call metadata expires by the call type's retention, counted from the scheduled end (still ahead).
      const retention = (await world.admin.client.get(`/api/call-types/${world.callTypes.open}`)).body.retention;
      const expiry = addDays(new Date(row.ends_at), retention.callMetadataDays).toISOString();
      for (const a of attendance) {
        expect(a.left_at).not.toBeNull();
        expect(a.admitted_at).not.toBeNull();
        expect(a.left_at! >= a.joined_at).toBe(true);
        expect(a.expires_at).toBe(expiry);
      }
      expect(customerRows[0]!.left_at! <= customerRows[1]!.joined_at).toBe(true);
      expect(await db().selectFrom('call_chat_messages').select('id').where('call_id', '=', call.callId).execute()).toEqual([]);

      // Quality is kept as aggregates for the call: no participant ids anywhere in the row.
      const quality = await db().selectFrom('call_quality').selectAll().where('call_id', '=', call.callId).execute();
      expect(quality).toHaveLength(1);
      const q = quality[0]!;
      expect(Number(q.samples)).toBeGreaterThan(0);
      expect(Number(q.bitrate_in_kbps_max)).toBeGreaterThan(0);
      expect(Number(q.bitrate_in_kbps_min)).toBeLessThanOrEqual(Number(q.bitrate_in_kbps_avg));
      expect(Number(q.bitrate_in_kbps_avg)).toBeLessThanOrEqual(Number(q.bitrate_in_kbps_max));
      expect(JSON.stringify(q)).not.toMatch(/par_[0-9a-z]{25}/);
      expect(Object.keys(q).some((k) => k.includes('participant'))).toBe(false);

      // Audit: started and ended, ids only.
      const events = await db().selectFrom('audit_events').select(['type', 'data', 'actor_type', 'actor_id']).where('type', 'in', ['call.started', 'call.ended']).execute();
      const mine = events.filter((e) => JSON.parse(e.data).callId === call.callId);
      expect(mine.map((e) => e.type).sort()).toEqual(['call.ended', 'call.started']);
      expect(mine.find((e) => e.type === 'call.ended')).toMatchObject({ actor_type: 'user', actor_id: world.agent.userId });

      // The console's call history.
      const history = await world.agent.client.get(`/api/calls/${call.callId}/attendance`);
      expect(history.status, history.raw).toBe(200);
      expect(history.body).toMatchObject({ callId: call.callId, status: 'ended' });
      expect(history.body.attendance).toHaveLength(3);
      expect(history.body.attendance[0]).toMatchObject({ participantId: call.agentParticipantId, kind: 'agent', leaveReason: 'ended' });
      expect((await world.admin.client.get(`/api/calls/${call.callId}/attendance`)).status).toBe(200);

      // Nobody gets back in: the link answers "over", and so does the agent's console.
      for (const [join, options] of [
        [{ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }, {}],
        [{ type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }],
      ] as const) {
        const socket = await SignalClient.connect(world.url, options);
        socket.send(join);
        expect(await socket.next('error')).toMatchObject({ code: 'CALL_OVER' });
        expect(await socket.waitClosed()).toBe(1008);
        expect(socket.of('welcome')).toEqual([]);
      }
      await waitFor('everything closed', () => world.t.parley.calls.counts().calls === 0 && world.t.parley.calls.counts().timers === 0);
    });

    it('refuses a join checked just before the end was written', async () => {
      const call = await scheduleCall(world, world.callTypes.open);
      const agent = await joinAgent(call.callId);
      const customer = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
      agent.signal.send({ type: 'end' });
      await agent.signal.waitClosed();
      const answer = await Promise.race([customer.signal.next('error'), customer.signal.next('welcome')]);
      if (answer.type === 'welcome') {
        // Joined before the end: then it was ended for them too.
        await customer.signal.next('call-ended');
      } else expect(answer).toMatchObject({ code: 'CALL_OVER' });
      await customer.signal.waitClosed();
      await world.t.parley.calls.settled();
      expect((await db().selectFrom('calls').select('status').where('id', '=', call.callId).executeTakeFirstOrThrow()).status).toBe('ended');
    });

    it('records the lobby: admitted when the agent lets them in, declined when sent away', async () => {
      const admittedCall = await scheduleCall(world, world.callTypes.lobby);
      const agent = await joinAgent(admittedCall.callId);
      const waiting = track(await TestParticipant.join(world.url, { type: 'join', callId: admittedCall.callId, auth: { kind: 'link', token: admittedCall.customerToken } }));
      await waiting.signal.next('lobby-waiting');
      await world.t.parley.calls.settled();
      const before = await db().selectFrom('call_attendance').select(['admitted_at', 'left_at']).where('participant_id', '=', admittedCall.customerId).executeTakeFirstOrThrow();
      expect(before).toEqual({ admitted_at: null, left_at: null });
      agent.signal.send({ type: 'admit', participantId: admittedCall.customerId });
      await waiting.signal.next('admitted');
      await world.t.parley.calls.settled();
      const after = await db().selectFrom('call_attendance').select(['joined_at', 'admitted_at']).where('participant_id', '=', admittedCall.customerId).executeTakeFirstOrThrow();
      expect(after.admitted_at! >= after.joined_at).toBe(true);

      const declinedCall = await scheduleCall(world, world.callTypes.lobby);
      const agent2 = await joinAgent(declinedCall.callId);
      const sentAway = track(await TestParticipant.join(world.url, { type: 'join', callId: declinedCall.callId, auth: { kind: 'link', token: declinedCall.customerToken } }));
      await sentAway.signal.next('lobby-waiting');
      agent2.signal.send({ type: 'decline', participantId: declinedCall.customerId });
      await sentAway.signal.next('declined');
      await sentAway.signal.waitClosed();
      await world.t.parley.calls.settled();
      const declined = await db().selectFrom('call_attendance').select(['admitted_at', 'left_at', 'leave_reason']).where('participant_id', '=', declinedCall.customerId).executeTakeFirstOrThrow();
      expect(declined).toMatchObject({ admitted_at: null, leave_reason: 'declined' });
      expect(declined.left_at).not.toBeNull();
    });

    it('stores chat sealed, with purpose chat and the chat retention, only when the call type keeps chat', async () => {
      const call = await scheduleCall(world, chatType);
      const agent = await joinAgent(call.callId);
      const customer = await joinCustomer(call.callId, call.customerToken);
      const secret = 'Meine Kontonummer ist DE02 1203 0000 0000 2020 51';
      customer.signal.send({ type: 'chat', text: secret });
      await agent.signal.next('chat', (m) => m.text === secret);
      agent.signal.send({ type: 'chat', text: 'Danke!' });
      await customer.signal.next('chat', (m) => m.text === 'Danke!');
      await world.t.parley.calls.settled();

      const rows = await db().selectFrom('call_chat_messages').selectAll().where('call_id', '=', call.callId).orderBy('sent_at').execute();
      expect(rows).toHaveLength(2);
      const ends = (await db().selectFrom('calls').select('ends_at').where('id', '=', call.callId).executeTakeFirstOrThrow()).ends_at;
      const fromCustomer = rows.find((r) => r.participant_id === call.customerId)!;
      expect(fromCustomer).toMatchObject({ purpose: 'chat', data_category: 'chat', expires_at: addDays(new Date(ends), 14).toISOString() });
      expect(fromCustomer.body_sealed).not.toContain(secret);
      expect(fromCustomer.body_sealed).not.toContain('Kontonummer');
      expect(world.t.parley.deps.keys.open(CHAT_SEAL_LABEL, fromCustomer.id, fromCustomer.body_sealed)).toBe(secret);
      expect(rows.find((r) => r.participant_id === call.agentParticipantId)).toBeDefined();
      // The chat text is not in the logs either.
      expect(world.t.logs.join('\n')).not.toContain('Kontonummer');

      // Call metadata of this type expires by its own retention (30 days after the scheduled end).
      const attendance = await db().selectFrom('call_attendance').select('expires_at').where('call_id', '=', call.callId).execute();
      expect(attendance.map((a) => a.expires_at)).toEqual([addDays(new Date(ends), 30).toISOString(), addDays(new Date(ends), 30).toISOString()]);

      customer.signal.send({ type: 'leave' });
      await customer.signal.waitClosed();
      agent.signal.send({ type: 'leave' });
      await agent.signal.waitClosed();
      await world.t.parley.calls.settled();
      // Everyone left without `end`: the call closes, but stays scheduled (the agent may open it again).
      expect((await db().selectFrom('calls').select('status').where('id', '=', call.callId).executeTakeFirstOrThrow()).status).toBe('scheduled');
      const left = await db().selectFrom('call_attendance').select(['left_at', 'leave_reason']).where('call_id', '=', call.callId).execute();
      expect(left.map((a) => a.leave_reason).sort()).toEqual(['left', 'left']);
    });
  });
}
