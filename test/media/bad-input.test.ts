import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHAT_CHARS } from '../../src/protocol/signalling.ts';
import { startCallWorld, scheduleCall, waitFor, type CallWorld, type ScheduledCall } from './support/call-setup.ts';
import { SignalClient, TestParticipant } from './support/signal-client.ts';

describe('bad signalling input hurts only the socket that sends it', () => {
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

  /** An agent and a customer exchanging media; the abuse comes from a third socket or from the customer. */
  async function liveCall(): Promise<{ call: ScheduledCall; agent: TestParticipant; customer: TestParticipant }> {
    const call = await scheduleCall(world, world.callTypes.open);
    const agent = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie }));
    await agent.signal.next('welcome');
    const customer = track(await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }));
    await customer.signal.next('welcome');
    agent.publish('audio', 'video');
    customer.publish('audio', 'video');
    await waitFor('media flowing', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 5 && agent.rtc.receivedFrom(call.customerId, 'video') > 5);
    return { call, agent, customer };
  }

  /** The agent's media still reaches the customer: the count keeps growing. */
  async function stillFlowing(agent: TestParticipant, customer: TestParticipant, call: ScheduledCall) {
    const before = customer.rtc.receivedFrom(call.agentParticipantId, 'video');
    await waitFor('media still flowing', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > before + 10);
    const pings = agent.signal.of('pong').length;
    agent.signal.send({ type: 'ping', at: 1 });
    await waitFor('agent socket still answers', () => agent.signal.of('pong').length > pings);
  }

  it('answers malformed JSON, unknown types and invalid fields with an error and keeps the socket', async () => {
    const { call, agent, customer } = await liveCall();
    const cases: [string, string][] = [
      ['{ not json', 'MALFORMED'],
      ['[]', 'UNKNOWN_TYPE'],
      [JSON.stringify({ type: 'hack', x: 1 }), 'UNKNOWN_TYPE'],
      [JSON.stringify({ hello: 'world' }), 'UNKNOWN_TYPE'],
      [JSON.stringify({ type: 'chat', text: 'x'.repeat(MAX_CHAT_CHARS + 1) }), 'INVALID_MESSAGE'],
      [JSON.stringify({ type: 'publish', source: 'hologram' }), 'INVALID_MESSAGE'],
      [JSON.stringify({ type: 'admit', participantId: 'robert); DROP TABLE calls;--' }), 'INVALID_MESSAGE'],
      [JSON.stringify({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } }), 'ALREADY_JOINED'],
    ];
    for (const [raw, code] of cases) {
      const from = customer.signal.messages.length;
      customer.signal.sendRaw(raw);
      expect((await customer.signal.next('error', () => true, { from })).code, raw).toBe(code);
    }
    customer.signal.sendRaw(Buffer.from([1, 2, 3]));
    expect((await customer.signal.next('error', (m) => m.code === 'MALFORMED' && /text/.test(m.message))).code).toBe('MALFORMED');
    // An answer when no offer is open is refused; the customer's call goes on with the negotiated one.
    const from = customer.signal.messages.length;
    customer.signal.send({ type: 'answer', sdp: 'v=0\r\nthis is not sdp' });
    expect((await customer.signal.next('error', () => true, { from })).code).toBe('BAD_SDP');
    customer.signal.send({ type: 'ice', candidate: { candidate: 'candidate:garbage', sdpMid: '0', sdpMLineIndex: 0 } });

    expect(customer.signal.closeCode).toBeNull();
    await stillFlowing(agent, customer, call);
    await stillFlowing(customer, agent, { ...call, agentParticipantId: call.customerId });
    // A socket that has not joined gets an error for anything but join and ping.
    const stranger = await SignalClient.connect(world.url);
    stranger.send({ type: 'chat', text: 'hi' });
    expect(await stranger.next('error')).toMatchObject({ code: 'NOT_JOINED' });
    stranger.close();
  });

  it('closes a socket that sends a 1 MB message (1009), and only that one', async () => {
    const { call, agent, customer } = await liveCall();
    const huge = JSON.stringify({ type: 'chat', text: 'x'.repeat(1024 * 1024) });
    customer.signal.sendRaw(huge);
    expect(await customer.signal.next('error')).toMatchObject({ code: 'TOO_BIG' });
    expect(await customer.signal.waitClosed()).toBe(1009);
    // The customer keeps their place (and media) for the grace period; the agent's socket is untouched.
    expect(agent.signal.closeCode).toBeNull();
    await stillFlowing(agent, customer, call);
  });

  it('closes a socket that floods (1008), and only that one, while the other keeps sending media', async () => {
    const { call, agent, customer } = await liveCall();
    const stranger = await SignalClient.connect(world.url);
    const started = Date.now();
    for (let i = 0; i < 1000; i++) stranger.send({ type: 'ping', at: i });
    expect(await stranger.next('error', (m) => m.code === 'RATE_LIMITED')).toBeTruthy();
    expect(await stranger.waitClosed()).toBe(1008);
    // The bucket lets a burst of 50 through and refills at 50/s while the flood is being read: on a loaded
    // machine the 1,000 frames take a moment to arrive, so the bound grows with the elapsed time — but stays
    // far below the 1,000 sent.
    const allowance = 50 + Math.ceil(((Date.now() - started) / 1000) * 50);
    expect(stranger.of('pong').length).toBeLessThanOrEqual(allowance);
    expect(stranger.of('pong').length).toBeLessThan(1000);

    // A joined participant flooding is dropped the same way; the other participant's call goes on.
    for (let i = 0; i < 1000; i++) customer.signal.send({ type: 'ping', at: i });
    expect(await customer.signal.next('error', (m) => m.code === 'RATE_LIMITED')).toBeTruthy();
    expect(await customer.signal.waitClosed()).toBe(1008);
    expect(agent.signal.closeCode).toBeNull();
    await stillFlowing(agent, customer, call);
  });

  it('refuses a malformed answer, then drops a participant whose client never answers, and the others go on', async () => {
    const { call, agent, customer } = await liveCall();
    // The customer reconnects from a client that will not negotiate: it takes over the place, then never answers.
    const silent = await SignalClient.connect(world.url);
    silent.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    expect(await silent.next('welcome')).toMatchObject({ resumed: true });
    expect(await customer.signal.waitClosed()).toBe(4000); // replaced by the newer socket
    silent.send({ type: 'publish', source: 'video' });
    await silent.next('offer');
    silent.send({ type: 'answer', sdp: 'v=0\r\nthis is not sdp' });
    expect(await silent.next('error', (m) => m.code === 'BAD_SDP')).toMatchObject({ message: expect.stringMatching(/refused/) });
    // No answer: after the negotiation timeout the server gives up on this participant only.
    expect(await silent.next('error', (m) => m.code === 'NEGOTIATION_TIMEOUT', { timeoutMs: 8_000 })).toBeTruthy();
    expect(await silent.waitClosed()).toBe(1008);
    expect(agent.signal.closeCode).toBeNull();
    const pings = agent.signal.of('pong').length;
    agent.signal.send({ type: 'ping' });
    await waitFor('agent socket still answers', () => agent.signal.of('pong').length > pings);
    await agent.signal.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.state === 'reconnecting');
  });
});
