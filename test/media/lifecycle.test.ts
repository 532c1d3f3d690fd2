import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { MediaServer } from '../../src/media/media-server.ts';
import { openUdpSockets } from '../../src/media/udp-sockets.ts';
import { startCallWorld, scheduleCall, waitFor, type CallWorld } from './support/call-setup.ts';
import { RtcClient } from './support/rtc-client.ts';
import { SignalClient, TestParticipant } from './support/signal-client.ts';

/** UDP sockets open in this process, by the kernel's count: libdatachannel's (native) and the werift clients'. */
const udpSockets = () => openUdpSockets() ?? process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;

describe('call lifecycle: nothing leaks, closing is idempotent, dropped participants keep their place', () => {
  let world: CallWorld;
  beforeAll(async () => {
    world = await startCallWorld();
  });
  afterAll(async () => world?.t.close());

  const zero = { calls: 0, participants: 0, sockets: 0, timers: 0, rooms: 0, peers: 0, peerConnections: 0, publications: 0, subscriptions: 0 };

  it('joins and leaves 50 times in a row, then counts no call, room, peer, socket, timer or UDP socket', async () => {
    const hub = world.t.parley.calls;
    expect(hub.counts()).toEqual(zero);
    const udpBefore = udpSockets();
    const call = await scheduleCall(world, world.callTypes.open);
    const agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
    await agent.signal.next('welcome');
    agent.publish('audio', 'video');
    let peak = { sockets: 0, peers: 0, peerConnections: 0, subscriptions: 0, timers: 0, udp: 0 };
    for (let i = 0; i < 50; i++) {
      const customer = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
      await customer.signal.next('welcome');
      customer.publish('video');
      if (i % 10 === 0) {
        // Every tenth round the media really flows both ways before leaving.
        await waitFor('media both ways', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 3 && agent.rtc.receivedFrom(call.customerId, 'video') > 3);
      } else {
        await waitFor('negotiated', () => customer.rtc.answers > 0);
      }
      const c = hub.counts();
      peak = {
        sockets: Math.max(peak.sockets, c.sockets),
        peers: Math.max(peak.peers, c.peers),
        peerConnections: Math.max(peak.peerConnections, c.peerConnections),
        subscriptions: Math.max(peak.subscriptions, c.subscriptions),
        timers: Math.max(peak.timers, c.timers),
        udp: Math.max(peak.udp, udpSockets()),
      };
      customer.signal.send({ type: 'leave' });
      expect(await customer.signal.waitClosed()).toBe(1000);
      // By the time the socket is closed, the customer's peer and everything it owned are gone (not later,
      // when its connection would have timed out).
      expect(hub.counts()).toMatchObject({ participants: 1, peers: 1, subscriptions: 0, publications: 2 });
      await customer.rtc.close();
    }
    // The counters did count while the call was on (a counter stuck at zero would pass the end check).
    expect(peak).toMatchObject({ sockets: 2, peers: 2 });
    expect(peak.peerConnections).toBeGreaterThanOrEqual(2);
    expect(peak.subscriptions).toBeGreaterThanOrEqual(2);
    expect(peak.timers).toBeGreaterThanOrEqual(1); // the heartbeat
    expect(peak.udp).toBeGreaterThan(udpBefore); // the UDP count is live: ICE sockets of both sides
    // Between rounds the customer's peer and subscriptions were gone: only the agent is left.
    await waitFor('only the agent left', () => hub.counts().peers === 1 && hub.counts().subscriptions === 0);
    expect(hub.counts()).toMatchObject({ calls: 1, participants: 1, sockets: 1, rooms: 1, publications: 2 });

    agent.signal.send({ type: 'leave' });
    await agent.signal.waitClosed();
    await agent.rtc.close();
    await waitFor('everything closed', () => JSON.stringify(hub.counts()) === JSON.stringify(zero), 10_000);
    expect(hub.counts()).toEqual(zero);
    // Sockets are released by closing, not by an ICE timeout: give close() a moment, no more.
    await waitFor('UDP sockets released', () => udpSockets() <= udpBefore, 2_000);
  });

  it('keeps a dropped participant\'s place for the grace period: a rejoin resumes, silence ends it', async () => {
    const hub = world.t.parley.calls;
    const call = await scheduleCall(world, world.callTypes.lobby);
    const agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
    await agent.signal.next('welcome');
    agent.publish('video');
    let customer = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    await customer.signal.next('lobby-waiting');
    agent.signal.send({ type: 'admit', participantId: call.customerId });
    await customer.signal.next('admitted');
    await waitFor('media', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 3);

    // The socket drops without a goodbye (network loss); the agent sees "reconnecting".
    customer.signal.ws.terminate();
    await customer.rtc.close();
    await agent.signal.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.state === 'reconnecting');
    // Back within the grace period: no lobby again, media again.
    customer = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    expect(await customer.signal.next('welcome')).toMatchObject({ resumed: true });
    expect(customer.signal.of('lobby-waiting')).toEqual([]);
    await waitFor('media after rejoin', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 3);
    await agent.signal.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.state === 'admitted', { from: agent.signal.messages.findIndex((m) => m.type === 'peer-updated' && m.peer.state === 'reconnecting') });

    // A client that stops answering pings is dropped by the heartbeat, then the grace period runs out.
    const mute = new SignalClient(new WebSocket(world.url, { autoPong: false }));
    await mute.opened;
    mute.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    await mute.next('welcome');
    await customer.signal.waitClosed(); // replaced
    await customer.rtc.close();
    await mute.waitClosed(5_000);
    expect(await agent.signal.next('peer-left', (m) => m.participantId === call.customerId, { timeoutMs: 5_000 })).toMatchObject({ reason: 'timeout' });
    expect(hub.counts()).toMatchObject({ participants: 1, peers: 1 });

    agent.signal.send({ type: 'end' });
    await agent.signal.waitClosed();
    await agent.rtc.close();
    await waitFor('everything closed', () => JSON.stringify(hub.counts()) === JSON.stringify(zero));
  });

  it('closes every media object twice without harm, and the tree from the top', async () => {
    const server = new MediaServer({ network: {}, logger: createLogger({ level: 'silent' }) });
    const room = server.openRoom('call_x');
    const a = room.addPeer('par_a');
    const b = room.addPeer('par_b');
    const ca = new RtcClient();
    const cb = new RtcClient();
    for (const [peer, client] of [[a, ca], [b, cb]] as const) {
      peer.events.on('offer', (offer) => void client.answer(offer).then((sdp) => peer.handleAnswer(sdp)));
    }
    a.publish('video');
    ca.startSending('video');
    await waitFor('subscription flowing', () => cb.totalReceived > 3);
    const publication = a.publications[0]!;
    const subscription = b.subscriptions[0]!;
    expect(server.counts()).toMatchObject({ rooms: 1, peers: 2, publications: 1, subscriptions: 1 });

    subscription.close();
    subscription.close();
    expect(server.counts()).toMatchObject({ publications: 1, subscriptions: 0 });
    expect(publication.sinkCount).toBe(0);
    publication.close();
    publication.close();
    expect(server.counts()).toMatchObject({ publications: 0 });
    b.close();
    b.close();
    expect(room.peers.map((p) => p.participantId)).toEqual(['par_a']);
    // Closing the root cascades to what is left.
    server.close();
    server.close();
    room.close();
    a.close();
    expect(server.counts()).toMatchObject({ rooms: 0, peers: 0, publications: 0, subscriptions: 0, timers: 0 });
    await waitFor('werift connections closed', () => server.counts().peerConnections === 0);
    expect(a.events.listenerCount + room.events.listenerCount).toBe(0);
    expect(() => server.openRoom('call_y')).toThrow(/closed/);
    await ca.close();
    await cb.close();
    // The signalling side too: the hub and a live call close twice without harm (Parley.close calls them again).
    world.t.parley.calls.close();
    world.t.parley.calls.close();
  });
});
