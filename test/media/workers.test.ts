import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/media/worker/worker-pool.ts';
import { createRecordingCallType, decryptTrack, tracksOf } from '../recording/support.ts';
import { EBML_MAGIC, findPlaintextMedia, hasFfmpeg, MediaFeed, probe, publishReal, vp8KeyframeSignature } from '../support/media-feed.ts';
import { fastCalls, scheduleCall, startCallWorld, waitFor, type CallWorld, type ScheduledCall } from './support/call-setup.ts';
import { TestParticipant } from './support/signal-client.ts';

// Issue 13: media in worker processes. Two calls land on two workers and carry media both ways; a worker killed with
// SIGKILL loses no call (its participants are told, rejoin, and are back in media on the other worker, which the pool
// restarts); join/leave rounds leave every worker's counters (peers, tracks, timers, UDP sockets) at zero.

describe('media workers', () => {
  let world: CallWorld;
  let pool: WorkerPool;
  beforeAll(async () => {
    world = await startCallWorld({ ...fastCalls, mediaWorkers: 2, recordingChunkBytes: 4096 });
    const media = world.t.parley.media;
    if (!(media instanceof WorkerPool)) throw new Error('expected media workers');
    pool = media;
  });
  afterAll(async () => world?.t.close());

  /** The agent and the customer of a call, each publishing audio and video, with media flowing both ways. */
  async function meet(call: ScheduledCall): Promise<{ agent: TestParticipant; customer: TestParticipant }> {
    const agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
    await agent.signal.next('welcome');
    agent.publish('audio', 'video');
    const customer = await join(call);
    await flowing(call, agent, customer);
    return { agent, customer };
  }

  async function join(call: ScheduledCall): Promise<TestParticipant> {
    const customer = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    await customer.signal.next('welcome');
    customer.publish('audio', 'video');
    return customer;
  }

  /** Waits until each side has received a fresh batch of the other's video and audio. */
  async function flowing(call: ScheduledCall, agent: TestParticipant, customer: TestParticipant): Promise<void> {
    const at = {
      agentVideo: agent.rtc.receivedFrom(call.customerId, 'video'),
      agentAudio: agent.rtc.receivedFrom(call.customerId, 'audio'),
      customerVideo: customer.rtc.receivedFrom(call.agentParticipantId, 'video'),
      customerAudio: customer.rtc.receivedFrom(call.agentParticipantId, 'audio'),
    };
    await waitFor('media both ways', () =>
      agent.rtc.receivedFrom(call.customerId, 'video') > at.agentVideo + 5 &&
      agent.rtc.receivedFrom(call.customerId, 'audio') > at.agentAudio + 5 &&
      customer.rtc.receivedFrom(call.agentParticipantId, 'video') > at.customerVideo + 5 &&
      customer.rtc.receivedFrom(call.agentParticipantId, 'audio') > at.customerAudio + 5,
    );
  }

  const workerZero = { rooms: 0, peers: 0, peerConnections: 0, publications: 0, subscriptions: 0, timers: 0, udpSockets: 0, captures: 0 };

  it('places two calls on two workers, and each carries media both ways', async () => {
    const first = await scheduleCall(world, world.callTypes.open);
    const second = await scheduleCall(world, world.callTypes.open);
    const a = await meet(first);
    const b = await meet(second);
    const placed = [pool.workerOf(first.callId), pool.workerOf(second.callId)];
    expect(new Set(placed)).toEqual(new Set([0, 1]));
    // The API process holds no media: its own process has no UDP socket of the calls' (the workers have one each).
    const counts = await pool.workerCounts();
    expect(counts.map((c) => c.peers)).toEqual([2, 2]);
    expect(counts.map((c) => c.udpSockets)).toEqual([1, 1]);
    for (const p of [a.agent, a.customer, b.agent, b.customer]) await p.close();
    await waitFor('calls over', () => world.t.parley.calls.counts().calls === 0, 10_000);
    await expect.poll(async () => pool.workerCounts(), { timeout: 10_000 }).toEqual([workerZero, workerZero]);
  });

  it('SIGKILL of the worker holding a call: both participants are told, rejoin, and are back in media on another worker', async () => {
    const call = await scheduleCall(world, world.callTypes.open);
    const { agent, customer } = await meet(call);
    const before = pool.workerOf(call.callId)!;
    const pid = pool.pids[before]!;
    // The packet counters (GET /metrics) count what the worker forwarded, and keep it once the worker is gone.
    const carried = await pool.mediaTraffic();
    expect(carried.packetsForwarded).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    // Each is told why (not a silent drop), on a socket the server then closes.
    for (const p of [agent, customer]) {
      expect(await p.signal.next('error', () => true, { timeoutMs: 5_000 })).toMatchObject({ code: 'MEDIA_MOVED' });
      await p.signal.waitClosed(5_000);
      await p.rtc.close();
    }
    // What a browser does on MEDIA_MOVED: join again at once (within the grace period: the same place in the call).
    const movedAt = performance.now();
    const agent2 = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
    expect(await agent2.signal.next('welcome')).toMatchObject({ resumed: true });
    agent2.publish('audio', 'video');
    const customer2 = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    expect(await customer2.signal.next('welcome')).toMatchObject({ resumed: true });
    customer2.publish('audio', 'video');
    await flowing(call, agent2, customer2);
    const seconds = (performance.now() - movedAt) / 1000;
    expect(pool.workerOf(call.callId)).not.toBe(before);
    expect(seconds).toBeLessThan(5);
    // What the clients received since the move, the new worker forwarded; the dead worker's count is still there too.
    const receivedSinceMove = (['audio', 'video'] as const).reduce(
      (sum, kind) => sum + customer2.rtc.receivedFrom(call.agentParticipantId, kind) + agent2.rtc.receivedFrom(call.customerId, kind),
      0,
    );
    const after = await pool.mediaTraffic();
    expect(after.packetsForwarded).toBeGreaterThanOrEqual(carried.packetsForwarded + receivedSinceMove);
    // The dead worker is started again (a new process).
    await waitFor('worker restarted', () => pool.pids[before] !== null && pool.pids[before] !== pid, 10_000);
    for (const p of [agent2, customer2]) await p.close();
    await waitFor('call over', () => world.t.parley.calls.counts().calls === 0, 10_000);
    await expect.poll(async () => pool.workerCounts(), { timeout: 10_000 }).toEqual([workerZero, workerZero]);
  });

  it('joins and leaves 50 times, then every worker counts no peer, track, timer or UDP socket', async () => {
    const call = await scheduleCall(world, world.callTypes.open);
    const agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
    await agent.signal.next('welcome');
    agent.publish('audio', 'video');
    let peak = 0;
    for (let i = 0; i < 50; i++) {
      const customer = await join(call);
      if (i % 10 === 0) await flowing(call, agent, customer);
      else await waitFor('negotiated', () => customer.rtc.answers > 0);
      peak = Math.max(peak, ...(await pool.workerCounts()).map((c) => c.subscriptions));
      customer.signal.send({ type: 'leave' });
      await customer.signal.waitClosed();
      await customer.rtc.close();
    }
    expect(peak).toBeGreaterThanOrEqual(2); // the counters counted while the call was on
    await agent.close();
    await waitFor('call over', () => world.t.parley.calls.counts().calls === 0, 10_000);
    await expect.poll(async () => pool.workerCounts(), { timeout: 10_000 }).toEqual([workerZero, workerZero]);
    expect(world.t.parley.calls.counts()).toMatchObject({ calls: 0, participants: 0, sockets: 0, rooms: 0, peers: 0 });
  });

  it.skipIf(!hasFfmpeg)('SIGKILL of the worker in a recorded call: back in media, the cut track recovered `incomplete` and decodable, the recording goes on in a new track, no plaintext on disk', async () => {
    const feed = await MediaFeed.start();
    try {
      const legal = await createRecordingCallType(world, 'legal_obligation');
      const call = await scheduleCall(world, legal);
      let agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
      await agent.signal.next('welcome');
      const recordingId = (await agent.signal.next('recording', (m) => m.state.active)).state.recordingId!;
      await feed.ready();
      let detach = publishReal(agent, feed);
      let customer = await join(call);
      // The capture runs in the worker: its live upload grows to several chunks (written by the worker, not here).
      const recordingDir = path.join(world.t.config.blobDir, world.admin.orgId, 'recordings', recordingId);
      const liveBytes = () => {
        try {
          return readdirSync(recordingDir).filter((f) => f.endsWith('-live.pblob.part')).reduce((n, f) => n + statSync(path.join(recordingDir, f)).size, 0);
        } catch {
          return 0;
        }
      };
      await waitFor('several chunks in the live upload', () => liveBytes() > 6 * 4096, 15_000);
      const [first] = (await tracksOf(world, recordingId)).filter((t) => t.participant_id === call.agentParticipantId);
      expect(first).toMatchObject({ status: 'recording' });

      process.kill(pool.pids[pool.workerOf(call.callId)!]!, 'SIGKILL');
      for (const p of [agent, customer]) {
        expect(await p.signal.next('error', () => true, { timeoutMs: 5_000 })).toMatchObject({ code: 'MEDIA_MOVED' });
        await p.signal.waitClosed(5_000);
      }
      detach();
      await agent.rtc.close();
      await customer.rtc.close();
      agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
      expect(await agent.signal.next('welcome')).toMatchObject({ resumed: true });
      detach = publishReal(agent, feed);
      customer = await join(call);
      await waitFor('the agent\'s media at the customer again', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 10);

      // The cut track: recovered from what the dead worker had written, `incomplete`, ended by the crash, decodable.
      await expect.poll(async () => (await tracksOf(world, recordingId)).find((t) => t.id === first!.id)?.status, { timeout: 10_000 }).toBe('incomplete');
      const cut = (await tracksOf(world, recordingId)).find((t) => t.id === first!.id)!;
      expect(cut.end_reason).toBe('crash');
      const decoded = await probe(await decryptTrack(world, cut.id));
      expect(decoded.decodeErrors).toBe('');
      expect(decoded.streams).toEqual(expect.arrayContaining([{ codec: 'vp8', type: 'video' }]));
      expect(decoded.durationSec).toBeGreaterThan(0.5);
      // The continuation: a new track of the agent's, captured on the other worker.
      await expect
        .poll(async () => (await tracksOf(world, recordingId)).filter((t) => t.participant_id === call.agentParticipantId && t.id !== first!.id).map((t) => t.status), { timeout: 10_000 })
        .toContain('recording');
      await new Promise((r) => setTimeout(r, 1_500));

      agent.signal.send({ type: 'end' });
      await agent.signal.waitClosed();
      detach();
      await agent.rtc.close();
      await customer.close();
      await world.t.parley.calls.settled();
      const tracks = (await tracksOf(world, recordingId)).filter((t) => t.participant_id === call.agentParticipantId);
      const after = tracks.find((t) => t.id !== first!.id)!;
      expect(after.status).toBe('complete');
      expect((await probe(await decryptTrack(world, after.id))).decodeErrors).toBe('');
      // Nothing decrypted was ever written down, by the worker or by the recovery (G44); no upload left open.
      expect(readdirSync(recordingDir).filter((f) => f.endsWith('.part'))).toEqual([]);
      const scan = await findPlaintextMedia([{ dir: world.t.config.blobDir, signatures: [EBML_MAGIC, vp8KeyframeSignature(320, 240)] }]);
      expect(scan.hits).toEqual([]);
      await expect.poll(async () => pool.workerCounts(), { timeout: 10_000 }).toEqual([workerZero, workerZero]);
    } finally {
      await feed.stop();
    }
  });
});
