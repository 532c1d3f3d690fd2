import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { buildParley, type Parley } from '../../src/main.ts';
import { fastCalls, scheduleCall, type CallWorld } from '../media/support/call-setup.ts';
import { SignalClient } from '../media/support/signal-client.ts';
import { introspecting } from '../support/dialects.ts';
import { addUser, ApiClient, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { startTestS3, type TestS3 } from '../support/s3rver.ts';
import { clusterAvailable, redisUrl, sharedStoreEnv } from './support/cluster.ts';
import { ClusterNode, newNodeId } from '../../src/cluster/cluster-node.ts';
import { ClusterE2eeUploads } from '../../src/cluster/cluster-e2ee-uploads.ts';
import { E2eeUploads } from '../../src/recording/e2ee-uploads.ts';
import type { TrackWriter } from '../../src/recording/track-writer.ts';
import { orgWithTracks } from '../support/recording-rows.ts';

// Issue 14: a cluster of three Parley nodes in this process, on one PostgreSQL schema, one Redis database and one
// s3rver. What does not need a browser or a process to kill: placement spreads calls over the nodes, a socket that
// reaches a node other than the call's host is bridged to it (both ways, in order), the console's presence and the
// metrics see the whole cluster, rate limits count across nodes. (test/browser/cluster.test.ts runs the nodes as
// processes, with Chromium, and kills them.)

const METRICS_TOKEN = 'cluster-metrics-token-abcdefghijklmnop';
/** Redis databases of this file's own (test files run in parallel; each cluster test file has fixed ones). */
const REDIS_DB = 1;
const REDIS_DB_UPLOADS = 2;

describe.skipIf(!clusterAvailable)('a cluster of three nodes in one process', () => {
  let s3: TestS3;
  let redis: Redis;
  let first: TestParley;
  const others: Parley[] = [];
  const dirs: string[] = [];
  let nodes: Parley[] = [];
  let urls: string[] = [];
  let admin: SignedIn;
  let agent: SignedIn;
  let world: CallWorld;
  let openType = '';

  beforeAll(async () => {
    s3 = await startTestS3('parley-cluster-inproc');
    const url = new URL(redisUrl!);
    url.pathname = `/${REDIS_DB}`;
    redis = new Redis(url.toString());
    await redis.flushdb();
    const env = {
      ...sharedStoreEnv(url.toString(), s3),
      PARLEY_METRICS_TOKEN: METRICS_TOKEN,
      PARLEY_LOGIN_RATE_PER_MINUTE: '4',
    };
    const cluster = { registrationTtlMs: 1_500, heartbeatMs: 300 };
    first = await startTestParley('postgres', env, { calls: fastCalls, cluster });
    // Two more nodes on the same schema, Redis and bucket, with the same master key (as a deployment copies it).
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-node-'));
      dirs.push(dataDir);
      const config = loadConfig({ ...env, PARLEY_DATA_DIR: dataDir, PARLEY_DATABASE_URL: first.config.database.dialect === 'postgres' ? first.config.database.url : '', PARLEY_MASTER_KEY_FILE: first.config.masterKeyFile, PARLEY_MEDIA_WORKERS: '0', PARLEY_LOG_LEVEL: 'info' });
      const logger = createLogger({ level: 'info', destination: { write: (line: string) => void first.logs.push(line) } });
      others.push(await introspecting('postgres', () => buildParley(config, { logger, clock: first.clock, webRoot: null, calls: fastCalls, cluster, database: { pgSchema: first.parley.database.pgSchema! } })));
    }
    nodes = [first.parley, ...others];
    for (const node of nodes) await node.app.listen({ port: 0, host: '127.0.0.1' });
    urls = nodes.map((n) => `ws://127.0.0.1:${(n.app.server.address() as AddressInfo).port}/api/calls/signal`);
    admin = await createOrgWithAdmin(first, 'Musterbank AG');
    agent = await addUser(first, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], lobbyEnabled: false });
    expect(ct.status, ct.raw).toBe(201);
    openType = ct.body.id;
    world = { t: first, admin, agent } as unknown as CallWorld;
  }, 60_000);

  afterAll(async () => {
    for (const node of others) await node.close().catch(() => undefined);
    await first?.close();
    await redis?.flushdb().catch(() => undefined);
    redis?.disconnect();
    await s3?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const agentCookie = () => `parley_session=${agent.client.cookies.get('parley_session')}`;
  const nodeIndexOf = (id: string | null) => nodes.findIndex((n) => n.deps.nodeId === id);

  it('every node is registered, with its load, and sees the others', async () => {
    const listed = await nodes[0]!.cluster!.node.nodes();
    expect(listed.map((n) => n.id).sort()).toEqual(nodes.map((n) => n.deps.nodeId).sort());
    for (const n of listed) expect(n).toMatchObject({ draining: false, load: { calls: 0, participants: 0 } });
  });

  it('places nine calls three on each node, whichever node their agent reaches, and bridges the others to the host', async () => {
    const sockets: SignalClient[] = [];
    const hosts: number[] = [];
    try {
      for (let i = 0; i < 9; i++) {
        const call = await scheduleCall(world, openType);
        // The agent's socket reaches node i % 3; the call goes to the least loaded node.
        const agentSocket = await SignalClient.connect(urls[i % 3]!, { cookie: agentCookie() });
        sockets.push(agentSocket);
        agentSocket.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
        await agentSocket.next('welcome');
        const host = nodeIndexOf(await redis.get(`parley:call:${call.callId}`));
        expect(host).toBeGreaterThanOrEqual(0);
        hosts.push(host);
        // The customer reaches another node than the agent did: both are in one call, on the host, and see each other.
        const customer = await SignalClient.connect(urls[(i + 1) % 3]!);
        sockets.push(customer);
        customer.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
        const welcome = await customer.next('welcome');
        expect(welcome.peers.map((p) => p.participantId)).toContain(call.agentParticipantId);
        await agentSocket.next('peer-joined', (m) => m.peer.participantId === call.customerId);
        // Chat goes through both bridges in order.
        for (let n = 0; n < 3; n++) customer.send({ type: 'chat', text: `Nachricht ${n}` });
        for (let n = 0; n < 3; n++) await agentSocket.next('chat', (m) => m.text === `Nachricht ${n}`);
        expect(agentSocket.of('chat').map((m) => m.text)).toEqual(['Nachricht 0', 'Nachricht 1', 'Nachricht 2']);
      }
      const spread = [0, 1, 2].map((n) => hosts.filter((h) => h === n).length);
      console.log(`placement of 9 calls over 3 nodes: ${spread.join(' / ')}`);
      expect(spread).toEqual([3, 3, 3]);
      // Each node hosts its three calls, and its metrics say so; sockets relayed by the bridge are counted as such.
      for (const [i, node] of nodes.entries()) expect(node.calls.counts().calls).toBe(spread[i]);
      const scrape = await first.client().request('GET', '/metrics', undefined, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const families = parsePrometheusTextFormat(scrape.raw);
      const value = (name: string, labels: Record<string, string>) =>
        Number((families.find((f) => f.name === name)?.metrics as { value: string; labels?: Record<string, string> }[]).find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);
      expect(value('parley_cluster_nodes', { state: 'active' })).toBe(3);
      expect(value('parley_cluster_nodes', { state: 'draining' })).toBe(0);
      // Of node 0's 6 sockets (3 agents, 3 customers), those for calls hosted elsewhere are bridged out.
      expect(value('parley_signalling_bridged_sockets', { direction: 'out' })).toBeGreaterThan(0);
      expect(value('parley_signalling_bridged_sockets', { direction: 'in' })).toBeGreaterThan(0);
      // The agent's calls list sees who is in every call, whichever node answers it.
      for (const node of nodes) {
        const presence = await new ApiClient(node).request('GET', '/api/calls/presence', undefined, { headers: { cookie: agentCookie() } });
        expect(presence.status, presence.raw).toBe(200);
        expect(presence.body.calls).toHaveLength(9);
      }
    } finally {
      for (const s of sockets) s.close();
    }
  });

  it('an agent ending a call on its host ends it everywhere: a join through any node is refused', async () => {
    const call = await scheduleCall(world, openType);
    const agentSocket = await SignalClient.connect(urls[0]!, { cookie: agentCookie() });
    agentSocket.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
    await agentSocket.next('welcome');
    agentSocket.send({ type: 'end' });
    await agentSocket.next('call-ended');
    for (const url of urls) {
      const late = await SignalClient.connect(url);
      late.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
      const refused = await late.next('error');
      expect(refused.code).toBe('CALL_OVER');
      late.close();
    }
  });

  it('counts sign-in attempts per address across nodes: the limit reached through two nodes answers 429 on the third', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await new ApiClient(nodes[i % 3]!).post('/api/auth/login', { email: `someone.${i}@example.test`, password: 'not the password' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  it('counts rights requests per address across nodes (the request page\'s own limit, keyed by hashes in Redis)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await new ApiClient(nodes[i % 3]!).post(`/api/public/organisations/${admin.orgId}/rights-requests`, { type: 'access', email: `flood.${i}@example.test` });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses[5]).toBe(429);
    // Redis holds hashes only: no address and no email in any key or member.
    const keys = await redis.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toMatch(/127\.0\.0\.1|@example|flood/);
  });

  it('an E2EE chunk that reaches a node not holding the upload is taken by the node that does, with its answers', async () => {
    // Two nodes of their own (a Redis database of their own, so the placement of the tests above is untouched).
    const url = new URL(redisUrl!);
    url.pathname = `/${REDIS_DB_UPLOADS}`;
    const logger = createLogger({ level: 'silent' });
    const host = new ClusterNode(newNodeId(), url.toString(), logger);
    const edge = new ClusterNode(newNodeId(), url.toString(), logger);
    try {
      await host.start();
      await edge.start();
      const deps = first.parley.deps;
      const { orgId, tracks } = await orgWithTracks(deps, 1, 'Upload Test AG');
      const trackId = tracks[0]!.id;
      const { call_id: callId } = await deps.db.selectFrom('recording_tracks').select('call_id').where('id', '=', trackId).executeTakeFirstOrThrow();
      await host.redis.set(`parley:call:${callId}`, host.id, 'PX', 60_000);
      // The host's recording opened the upload (as CallRecording does); what reaches its writer is kept here.
      const written: Buffer[] = [];
      const hostUploads = new E2eeUploads(deps.db);
      hostUploads.open({ trackId, orgId, userId: 'usr_recorder', keyId: 'rk_1', writer: { write: (b: Buffer) => void written.push(b) } as unknown as TrackWriter });
      void new ClusterE2eeUploads(hostUploads, host, deps.db);
      const atEdge = new ClusterE2eeUploads(new E2eeUploads(deps.db), edge, deps.db);
      const caller = { orgId, userId: 'usr_recorder' };
      const envelope = { v: 1 as const, keyId: 'rk_1', epk: { kty: 'EC' as const, crv: 'P-256' as const, x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' } };
      await atEdge.setEnvelope(caller, trackId, envelope);
      await atEdge.putChunk(caller, trackId, 0, false, Buffer.from('ciphertext 0'));
      await atEdge.putChunk(caller, trackId, 0, false, Buffer.from('ciphertext 0')); // a retry: accepted, stored once
      expect(written).toHaveLength(1);
      expect(written[0]!.subarray(5).toString()).toBe('ciphertext 0');
      expect(await atEdge.status(caller, trackId)).toEqual({ trackId, nextIndex: 1, state: 'open' });
      // The host's refusals come back as they are: code, message and details.
      await expect(atEdge.putChunk(caller, trackId, 5, false, Buffer.from('too early'))).rejects.toMatchObject({ code: 'CHUNK_OUT_OF_ORDER', options: { details: { expected: 1 } } });
      await expect(atEdge.putChunk({ orgId, userId: 'usr_someone_else' }, trackId, 1, false, Buffer.from('x'))).rejects.toMatchObject({ code: 'NOT_THE_RECORDER' });
      await expect(atEdge.status({ orgId: 'org_other' as typeof orgId, userId: 'usr_recorder' }, trackId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const row = await deps.db.selectFrom('recording_tracks').select('e2ee_envelope').where('id', '=', trackId).executeTakeFirstOrThrow();
      expect(JSON.parse(row.e2ee_envelope!)).toEqual(envelope);
    } finally {
      await host.close();
      await edge.close();
    }
  });

  // Last: it leaves one node draining.
  it('a drained node hands its call over: both sockets are told to reconnect, and on the next node the customer let in from the lobby is in at once', async () => {
    const ct = await admin.client.post('/api/call-types', { name: 'Beratung mit Lobby', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], lobbyEnabled: true });
    expect(ct.status, ct.raw).toBe(201);
    const call = await scheduleCall(world, ct.body.id);
    const agentSocket = await SignalClient.connect(urls[0]!, { cookie: agentCookie() });
    agentSocket.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
    await agentSocket.next('welcome');
    const customer = await SignalClient.connect(urls[1]!);
    customer.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    await customer.next('lobby-waiting');
    agentSocket.send({ type: 'admit', participantId: call.customerId });
    await customer.next('admitted');
    const host = nodes[nodeIndexOf(await redis.get(`parley:call:${call.callId}`))]!;

    // Calls of the tests above close once their grace period ends: then this one is all the host holds.
    await expect.poll(() => host.calls.counts().calls, { timeout: 5_000 }).toBe(1);
    await host.cluster!.node.drain();
    expect(await host.calls.handOver()).toBe(1);
    for (const socket of [agentSocket, customer]) {
      expect((await socket.next('error', (m) => m.code === 'MEDIA_MOVED')).message).toMatch(/another one/);
      await socket.waitClosed();
    }
    expect(host.calls.counts().calls).toBe(0);

    // Both come back the way they came; the call is placed on a node that is not draining.
    const agentAgain = await SignalClient.connect(urls[0]!, { cookie: agentCookie() });
    agentAgain.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
    await agentAgain.next('welcome');
    const next = await redis.get(`parley:call:${call.callId}`);
    expect(next).not.toBe(host.deps.nodeId);
    expect(nodeIndexOf(next)).toBeGreaterThanOrEqual(0);
    const customerAgain = await SignalClient.connect(urls[1]!);
    customerAgain.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    const welcome = await customerAgain.next('welcome');
    // Let in on the other node: she sees the agent at once and is not sent back to the lobby.
    expect(welcome.peers.map((p) => p.participantId)).toContain(call.agentParticipantId);
    await agentAgain.next('peer-joined', (m) => m.peer.participantId === call.customerId);
    expect(customerAgain.of('lobby-waiting')).toHaveLength(0);
    for (const s of [agentAgain, customerAgain]) s.close();
  });
});
