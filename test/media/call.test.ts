import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastCalls, startCallWorld, scheduleCall, waitFor, type CallWorld } from './support/call-setup.ts';
import { SignalClient, TestParticipant } from './support/signal-client.ts';

describe('a call through signalling and the SFU', () => {
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

  it('lets the agent (session) and the customer (link) join, and forwards each one\'s media to the other', async () => {
    const call = await scheduleCall(world, world.callTypes.open);
    const agent = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    const welcomeA = await agent.signal.next('welcome');
    expect(welcomeA).toMatchObject({ participantId: call.agentParticipantId, kind: 'agent', peers: [], resumed: false, iceServers: [] });

    const customer = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    const welcomeC = await customer.signal.next('welcome');
    expect(welcomeC.participantId).toBe(call.customerId);
    expect(welcomeC.peers).toEqual([expect.objectContaining({ participantId: call.agentParticipantId, kind: 'agent', state: 'admitted' })]);
    await agent.signal.next('peer-joined', (m) => m.peer.participantId === call.customerId);

    agent.publish('audio', 'video');
    customer.publish('audio', 'video');
    await waitFor('customer receives agent audio+video', () => customer.rtc.receivedFrom(call.agentParticipantId, 'audio') > 20 && customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 20);
    await waitFor('agent receives customer audio+video', () => agent.rtc.receivedFrom(call.customerId, 'audio') > 20 && agent.rtc.receivedFrom(call.customerId, 'video') > 20);
    // Each side learns what the other publishes.
    await agent.signal.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.sources.length === 2);
    expect(world.t.parley.calls.counts()).toMatchObject({ calls: 1, participants: 2, sockets: 2, rooms: 1, peers: 2, publications: 4, subscriptions: 4 });

    // Chat goes to both, stamped by the server with the sender's participant id.
    customer.signal.send({ type: 'chat', text: 'Guten Tag!' });
    const chat = await agent.signal.next('chat');
    expect(chat).toMatchObject({ from: call.customerId, text: 'Guten Tag!' });
    await customer.signal.next('chat');

    // Screen share: a third source appears at the other side, and goes away again.
    agent.publish('screen');
    await waitFor('customer receives the screen', () => customer.rtc.receivedFrom(call.agentParticipantId, 'screen') > 10);
    await customer.signal.next('peer-updated', (m) => m.peer.sources.includes('screen'));
    const mark = customer.signal.messages.length;
    agent.signal.send({ type: 'unpublish', source: 'screen' });
    await customer.signal.next('peer-updated', (m) => m.peer.participantId === call.agentParticipantId && !m.peer.sources.includes('screen'), { from: mark });
    await waitFor('screen subscription gone', () => world.t.parley.calls.counts().subscriptions === 4);

    // The agent ends the call for everyone.
    agent.signal.send({ type: 'end' });
    await customer.signal.next('call-ended');
    expect(await customer.signal.waitClosed()).toBe(1000);
    expect(await agent.signal.waitClosed()).toBe(1000);
    await waitFor('everything closed', () => {
      const c = world.t.parley.calls.counts();
      return c.calls === 0 && c.sockets === 0 && c.peers === 0 && c.peerConnections === 0 && c.timers === 0;
    });
    expect(agent.errors).toEqual([]);
    expect(customer.errors).toEqual([]);
  });

  it('keeps names, emails and link tokens out of the logs of a call', async () => {
    const logs = world.t.logs.join('\n');
    expect(logs).toContain('participant joined');
    expect(logs).not.toContain('Karla');
    expect(logs).not.toContain('example.test');
    expect(logs).not.toMatch(/par_[0-9a-z]{25}\.[A-Za-z0-9_-]{20,}/); // a join token
    expect(logs).not.toContain('parley_session');
  });
});

describe('media network settings', () => {
  it('announces PARLEY_RTC_ANNOUNCED_IP in host candidates on ports from PARLEY_RTC_PORT_MIN..MAX', async () => {
    const world = await startCallWorld(fastCalls, { PARLEY_RTC_ANNOUNCED_IP: '203.0.113.7', PARLEY_RTC_PORT_MIN: '41000', PARLEY_RTC_PORT_MAX: '41100' });
    try {
      const call = await scheduleCall(world, world.callTypes.open);
      const agent = await SignalClient.connect(world.url, { cookie: world.agentCookie });
      agent.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
      await agent.next('welcome');
      agent.send({ type: 'publish', source: 'audio' });
      const offer = await agent.next('offer');
      const candidates = offer.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
      expect(candidates.length).toBeGreaterThan(0);
      for (const c of candidates) {
        const [, , , , address, port, , type] = c.split(' ');
        expect(type).toBe('host');
        expect(address).toBe('203.0.113.7');
        expect(Number(port)).toBeGreaterThanOrEqual(41000);
        expect(Number(port)).toBeLessThanOrEqual(41100);
      }
      agent.close();
    } finally {
      await world.t.close();
    }
  });
});
