import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCallWorld, scheduleCall, waitFor, type CallWorld } from './support/call-setup.ts';
import { SignalClient, TestParticipant } from './support/signal-client.ts';

describe('who may join a call, and the lobby', () => {
  let world: CallWorld;
  const open: TestParticipant[] = [];
  beforeAll(async () => {
    world = await startCallWorld();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(async () => world?.t.close());

  const track = (p: TestParticipant) => (open.push(p), p);

  async function refused(join: Parameters<SignalClient['send']>[0], options: { cookie?: string; origin?: string } = {}) {
    const socket = await SignalClient.connect(world.url, options);
    socket.send(join);
    const error = await socket.next('error');
    expect(await socket.waitClosed()).toBe(1008);
    expect(socket.of('welcome')).toEqual([]);
    return error;
  }

  it('refuses a link for another call, a forged or cancelled link, and a session that is not the call\'s agent', async () => {
    const mine = await scheduleCall(world, world.callTypes.open);
    const other = await scheduleCall(world, world.callTypes.open);
    const before = world.t.parley.calls.counts();

    // A third person with a valid link to a different call cannot use it for this one.
    expect(await refused({ type: 'join', callId: mine.callId, auth: { kind: 'link', token: other.customerToken } })).toMatchObject({ code: 'JOIN_REFUSED' });
    const forged = `${mine.customerId}.${'A'.repeat(43)}`;
    expect(await refused({ type: 'join', callId: mine.callId, auth: { kind: 'link', token: forged } })).toMatchObject({ code: 'JOIN_REFUSED' });
    // No cookie, a foreign origin, and a signed-in user who does not host this call.
    expect(await refused({ type: 'join', callId: mine.callId, auth: { kind: 'session' } })).toMatchObject({ code: 'JOIN_REFUSED' });
    expect(await refused({ type: 'join', callId: mine.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie, origin: 'https://evil.example' })).toMatchObject({ code: 'JOIN_REFUSED' });
    const adminCookie = `parley_session=${world.admin.client.cookies.get('parley_session')}`;
    expect(await refused({ type: 'join', callId: mine.callId, auth: { kind: 'session' } }, { cookie: adminCookie })).toMatchObject({ code: 'JOIN_REFUSED' });

    const cancel = await world.agent.client.post(`/api/calls/${other.callId}/cancel`, {});
    expect(cancel.status, cancel.raw).toBeLessThan(300);
    expect(await refused({ type: 'join', callId: other.callId, auth: { kind: 'link', token: other.customerToken } })).toMatchObject({ code: 'CALL_CANCELLED' });
    expect(await refused({ type: 'join', callId: other.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie })).toMatchObject({ code: 'CALL_CANCELLED' });

    // Nothing was created for any of them.
    await waitFor('refused sockets gone', () => world.t.parley.calls.counts().sockets === before.sockets);
    expect(world.t.parley.calls.counts()).toMatchObject({ calls: before.calls, rooms: before.rooms, peers: before.peers });
  });

  it('keeps a customer in the lobby without media until the agent admits them', async () => {
    const call = await scheduleCall(world, world.callTypes.lobby);
    const agent = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    agent.publish('audio', 'video');
    await agent.signal.next('offer');

    const customer = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    const welcome = await customer.signal.next('welcome');
    expect(welcome.peers).toEqual([]); // a waiting customer sees nobody
    expect((await customer.signal.next('lobby-waiting')).message).toMatch(/wait/i);
    customer.publish('audio', 'video'); // remembered for after admission
    const waiting = await agent.signal.next('peer-joined', (m) => m.peer.participantId === call.customerId);
    expect(waiting.peer.state).toBe('waiting');

    // While waiting: no offer, no peer connection, no packets; chat and host actions are refused.
    customer.signal.send({ type: 'chat', text: 'Hallo?' });
    expect(await customer.signal.next('error')).toMatchObject({ code: 'NOT_ADMITTED' });
    customer.signal.send({ type: 'admit', participantId: call.customerId });
    expect(await customer.signal.next('error', (m) => m.code === 'FORBIDDEN')).toBeTruthy();
    await new Promise((r) => setTimeout(r, 800));
    expect(customer.signal.of('offer')).toEqual([]);
    expect(customer.rtc.totalReceived).toBe(0);
    expect(agent.rtc.totalReceived).toBe(0);
    expect(agent.signal.of('chat')).toEqual([]);
    expect(world.t.parley.calls.counts()).toMatchObject({ participants: 2, peers: 1 });

    agent.signal.send({ type: 'admit', participantId: call.customerId });
    await customer.signal.next('admitted');
    expect((await customer.signal.next('peer-joined')).peer.participantId).toBe(call.agentParticipantId);
    await waitFor('media both ways after admission', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 10 && agent.rtc.receivedFrom(call.customerId, 'video') > 10);
    agent.signal.send({ type: 'end' });
    await customer.signal.next('call-ended');
  });

  it('sends a declined customer away with a message and does not let them back in', async () => {
    const call = await scheduleCall(world, world.callTypes.lobby);
    const agent = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    const customer = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    await customer.signal.next('lobby-waiting');
    await agent.signal.next('peer-joined', (m) => m.peer.participantId === call.customerId);

    agent.signal.send({ type: 'decline', participantId: call.customerId });
    expect((await customer.signal.next('declined')).message).toMatch(/did not let you in/);
    expect(await customer.signal.waitClosed()).toBe(1000);
    expect(await agent.signal.next('peer-left')).toMatchObject({ participantId: call.customerId, reason: 'declined' });
    expect(await refused({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } })).toMatchObject({ code: 'JOIN_REFUSED' });

    // Unknown participants are answered, not crashed on.
    agent.signal.send({ type: 'admit', participantId: `par_${'0'.repeat(25)}` });
    expect(await agent.signal.next('error')).toMatchObject({ code: 'UNKNOWN_PARTICIPANT' });
  });
});
