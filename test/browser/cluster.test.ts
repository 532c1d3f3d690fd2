import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, TEST_PASSWORD, type SignedIn, type TestParley } from '../support/harness.ts';
import { clusterAvailable, poll, startBalancer, startClusterEnv, type Balancer, type ClusterEnv, type NodeProcess } from '../cluster/support/cluster.ts';
import { inboundRtp, launchChromiumWithFakeMedia, RECORD_PEER_CONNECTIONS, signInToConsole, watchPage } from './support.ts';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { recordingCallTypeBody } from '../recording/support.ts';

// Issue 14, "Must show": three Parley nodes on loopback (real PostgreSQL, real Redis, s3rver; each its own HTTP port
// and UDP range). The customer's browser joins through node A, the agent's through node B (each page behind a TCP
// balancer that prefers that node, as a deployment's load balancer), the call is hosted on node C: both decode each
// other's video over the signalling bridge. A withdrawal on A's join page stops her capture
// on C within 2 s; SIGKILL of C brings both back in media on A or B with the recording going on; SIGTERM of that
// node drains it (no new calls, the running one moved after the drain timeout, then it exits); a login lockout
// reached through A holds on B.

const DRAIN_SECONDS = 4;

describe.skipIf(!clusterAvailable)('a cluster of three nodes, in Chromium', () => {
  let t: TestParley;
  let cluster: ClusterEnv;
  let browser: Browser;
  let admin: SignedIn;
  let agent: SignedIn;
  let callId = '';
  let customerId = '';
  let token = '';
  /** A second call, joined while a node drains: it must be placed elsewhere. */
  let secondCallId = '';
  const contexts: BrowserContext[] = [];
  const nodes: Record<'A' | 'B' | 'C', NodeProcess | null> = { A: null, B: null, C: null };
  let agentPage: Page;
  let customerPage: Page;
  let recordingId = '';
  /** The node hosting the call after C died. */
  let survivor: NodeProcess;
  /**
   * Where the pages are opened: a TCP balancer each, as a deployment's load balancer, sending the customer's
   * connections to A (B once A is gone) and the agent's to B (then A). Node C is behind neither.
   */
  const balancers: Record<'customer' | 'agent', Balancer | null> = { customer: null, agent: null };

  beforeAll(async () => {
    // Organisation, agent, notice and a call type that records on consent, written through a Parley in this
    // process on the test schema; the three nodes share that schema and its master key.
    t = await startTestParley('postgres');
    admin = await createOrgWithAdmin(t, 'Musterbank AG');
    agent = await addUser(t, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', recordingCallTypeBody('consent'));
    expect(ct.status, ct.raw).toBe(201);
    const calls: { id: string; participants: { id: string; kind: string }[] }[] = [];
    for (const customer of [{ displayName: 'Karla Kundin', email: 'karla@example.test' }, { displayName: 'Bert Beispiel', email: 'bert@example.test' }]) {
      const call = await agent.client.post('/api/calls', { callTypeId: ct.body.id, startsAt: new Date(Date.now() + 10 * 60_000).toISOString(), durationMinutes: 60, customer, locale: 'en' });
      expect(call.status, call.raw).toBe(201);
      calls.push(call.body);
    }
    callId = calls[0]!.id;
    secondCallId = calls[1]!.id;
    customerId = calls[0]!.participants.find((p) => p.kind === 'customer')!.id;
    token = joinToken(t.parley.deps, customerId, callId);

    cluster = await startClusterEnv({ pgSchema: t.parley.database.pgSchema!, masterKeyFile: t.config.masterKeyFile, redisDb: 3 });
    const live = (...names: ('A' | 'B' | 'C')[]) => names.map((n) => nodes[n]).filter((n): n is NodeProcess => n !== null);
    balancers.customer = await startBalancer(() => live('A', 'B'));
    balancers.agent = await startBalancer(() => live('B', 'A'));
    // The installation's public address, where staff open the console: the agent's balancer.
    for (const name of ['A', 'B', 'C'] as const) {
      nodes[name] = await cluster.start(name, { PARLEY_DRAIN_TIMEOUT_SECONDS: String(DRAIN_SECONDS), PARLEY_PUBLIC_URL: balancers.agent.origin });
    }
    browser = await launchChromiumWithFakeMedia();
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const b of Object.values(balancers)) await b?.close();
    await cluster?.close();
    await t?.close();
  });

  async function openPage(origin: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 850 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await watchPage(page, origin, { expectedErrors: () => false });
    await page.addInitScript({ content: RECORD_PEER_CONNECTIONS });
    return page;
  }

  const framesDecoded = async (page: Page) => (await inboundRtp(page)).filter((s) => s.kind === 'video').reduce((n, s) => n + s.framesDecoded, 0);
  const peerConnections = (page: Page) => page.evaluate('window.__peerConnections.length') as Promise<number>;
  /** The UDP port at the server's end of this page's newest connection (its selected candidate pair). */
  const remotePort = (page: Page) =>
    page.evaluate(`(async () => {
      const pc = [...window.__peerConnections].reverse().find((p) => p.connectionState === 'connected');
      if (!pc) return null;
      const stats = [...(await pc.getStats()).values()];
      const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      return stats.find((s) => s.id === pair?.remoteCandidateId)?.port ?? null;
    })()`) as Promise<number | null>;
  const hostOf = async () => cluster.redis.get(`parley:call:${callId}`);
  const callsOn = async (node: NodeProcess) => {
    const family = parsePrometheusTextFormat(await node.metrics()).find((f) => f.name === 'parley_calls');
    return Number((family?.metrics[0] as { value?: string } | undefined)?.value ?? NaN);
  };
  const tracks = () => t.parley.deps.db.selectFrom('recording_tracks').selectAll().where('call_id', '=', callId).orderBy('started_at').execute();

  it('a login lockout reached through node A holds on node B', async () => {
    const { A, B } = nodes as Record<'A' | 'B', NodeProcess>;
    // As a browser signs in: the CSRF token and its cookie from the node first, then the attempt.
    const login = async (node: NodeProcess, password: string) => {
      const csrf = await fetch(`${node.origin}/api/auth/csrf`);
      const cookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const { token: csrfToken } = (await csrf.json()) as { token: string };
      return fetch(`${node.origin}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify({ email: admin.email, password }),
      });
    };
    for (let i = 0; i < t.config.auth.loginMaxFailures; i++) expect((await login(A, 'wrong password, try again')).status).toBe(401);
    const onB = await login(B, TEST_PASSWORD);
    expect(onB.status).toBe(423);
    expect(((await onB.json()) as { error: { code: string } }).error.code).toBe('ACCOUNT_LOCKED');
  });

  it('the customer joins through A, the agent through B, the call is hosted on C: both decode each other\'s video', async () => {
    const { A, B, C } = nodes as Record<'A' | 'B' | 'C', NodeProcess>;
    // The call goes to C: placed there before anyone joins, as the least-loaded choice would on an idle cluster.
    await cluster.redis.set(`parley:call:${callId}`, C.nodeId, 'PX', 60_000);
    const agentOrigin = balancers.agent!.origin;
    const customerOrigin = balancers.customer!.origin;
    agentPage = await openPage(agentOrigin);
    await signInToConsole(agentPage, { origin: agentOrigin, clock: t.clock }, agent);
    await agentPage.goto(`${agentOrigin}/live/${callId}`);
    await agentPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();

    customerPage = await openPage(customerOrigin);
    await customerPage.goto(`${customerOrigin}/j/${token}`);
    await customerPage.getByRole('button', { name: /I have read/i }).click();
    await customerPage.getByRole('heading', { name: 'Your choices' }).waitFor();
    await customerPage.getByRole('button', { name: 'Continue', exact: true }).click();
    await customerPage.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    await customerPage.getByTestId('join-call').click();
    await customerPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    for (const page of [agentPage, customerPage]) await expect.poll(() => framesDecoded(page), { timeout: 20_000 }).toBeGreaterThan(0);

    // Hosted on C (its /metrics counts the call), bridged through A and B (which count none).
    expect(await hostOf()).toBe(C.nodeId);
    expect(await callsOn(C)).toBe(1);
    expect(await callsOn(A)).toBe(0);
    expect(await callsOn(B)).toBe(0);
    // The media went straight to C: each page's connected candidate pair ends at C's UDP port, not A's or B's.
    for (const page of [agentPage, customerPage]) expect(await remotePort(page)).toBe(C.udpPort);
  });

  it('the agent records, the customer consents; her withdrawal on node A\'s join page stops her capture on C within 2 s', async () => {
    await agentPage.getByTestId('recording-start').click();
    await customerPage.getByRole('dialog').waitFor();
    await customerPage.getByTestId('recording-consent-yes').click();
    await customerPage.locator('[data-testid="recording-indicator"][data-you="captured"]').waitFor();
    await expect.poll(async () => (await tracks()).filter((r) => r.participant_id === customerId && r.status === 'recording').length, { timeout: 15_000 }).toBe(1);
    recordingId = (await tracks())[0]!.recording_id;
    await new Promise((r) => setTimeout(r, 2_000));

    // The join page's own withdrawal (an HTTP request to node A, from the customer's browser).
    const withdrawnAt = Date.now();
    const status = await customerPage.evaluate(`(async () => {
      const csrf = await (await fetch('/api/auth/csrf')).json();
      const res = await fetch('/api/join/${token}/consents/withdraw', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf.token }, body: JSON.stringify({ purpose: 'recording' }),
      });
      return res.status;
    })()`);
    expect(status).toBe(200);
    const mine = await poll('her track to end', async () => (await tracks()).find((r) => r.participant_id === customerId && r.ended_at !== null), 10_000);
    expect(mine.end_reason).toBe('withdrawn');
    const lag = new Date(mine.ended_at!).getTime() - withdrawnAt;
    console.log(`withdrawal on node A: her capture on node C stopped ${lag} ms after the request`);
    expect(lag).toBeLessThan(2_000);
    await customerPage.locator('[data-testid="recording-indicator"][data-you="withdrawn"]').waitFor();
  });

  it('SIGKILL of C: both pages are back in media on A or B, and the recording goes on in new tracks', async () => {
    const { A, B, C } = nodes as Record<'A' | 'B' | 'C', NodeProcess>;
    const agentTrackOnC = (await tracks()).find((r) => r.participant_id !== customerId && r.status === 'recording')!;
    expect(agentTrackOnC.node_id).toBe(C.nodeId);
    const pcs = { agent: await peerConnections(agentPage), customer: await peerConnections(customerPage) };
    const killedAt = Date.now();
    C.proc.kill('SIGKILL');
    await C.exited;
    for (const [page, had] of [[agentPage, pcs.agent], [customerPage, pcs.customer]] as const) {
      await expect.poll(() => peerConnections(page), { timeout: 20_000 }).toBeGreaterThan(had);
      await expect.poll(() => framesDecoded(page), { timeout: 20_000 }).toBeGreaterThan(0);
    }
    const seconds = (Date.now() - killedAt) / 1000;
    console.log(`node C killed: both pages decoding again after ${seconds.toFixed(1)} s`);
    const host = await hostOf();
    expect([A.nodeId, B.nodeId]).toContain(host);
    survivor = host === A.nodeId ? A : B;
    expect(await callsOn(survivor)).toBe(1);
    // The same recording goes on: the agent is captured again in a new track written by the new host...
    const resumed = await poll('a new track of the agent on the new host', async () => (await tracks()).find((r) => r.participant_id !== customerId && r.status === 'recording' && r.node_id === survivor.nodeId), 15_000);
    expect(resumed.recording_id).toBe(recordingId);
    const recording = await t.parley.deps.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(recording.status).toBe('recording');
    expect(recording.node_id).toBe(survivor.nodeId);
    // ...and what C was writing is recovered by one surviving node, as far as it reached the store.
    const old = await poll('the track C was writing to be recovered', async () => {
      const row = (await tracks()).find((r) => r.id === agentTrackOnC.id)!;
      return row.status !== 'recording' && row.status !== 'finalising' ? row : null;
    }, 20_000);
    // On S3, a track reaches the store in parts of 5 MiB (S3's smallest): a few seconds of video are not a part yet,
    // so what C held in memory is lost with it and the track is recovered as failed (nothing stored, key destroyed).
    if (old.ciphertext_bytes === null) expect(old.status).toBe('failed');
    else expect(old.status).toBe('incomplete');
    // Recovered by exactly one surviving node.
    const recoveredBy = [A, B].filter((n) => n.logLines().some((l) => l.msg === 'recordings of a node that is gone were recovered' && Number(l.tracks) > 0));
    expect(recoveredBy).toHaveLength(1);
    // She withdrew on C: the new host does not ask her again, and nothing of her is captured.
    await customerPage.locator('[data-testid="recording-indicator"][data-you="withdrawn"]').waitFor();
    expect((await tracks()).filter((r) => r.participant_id === customerId)).toHaveLength(1);
  });

  it(`SIGTERM of the host: it takes no new calls, the call goes on for ${DRAIN_SECONDS} s, then moves to the last node, and the drained node exits`, async () => {
    const { A, B } = nodes as Record<'A' | 'B', NodeProcess>;
    const other = survivor === A ? B : A;
    const pcs = { agent: await peerConnections(agentPage), customer: await peerConnections(customerPage) };
    const termAt = Date.now();
    survivor.proc.kill('SIGTERM');
    // Draining is in the registry at once: a new call is placed on the other node.
    await poll('the registry to show the node draining', async () => {
      const info = await cluster.redis.get(`parley:node:${survivor.nodeId}`);
      return info !== null && (JSON.parse(info) as { draining: boolean }).draining;
    }, 5_000);
    expect(await callsOn(survivor)).toBe(1);
    // A load balancer's health check sees it: not ready for anything new.
    expect((await fetch(`${survivor.origin}/readyz`)).status).toBe(503);
    // The agent opens the second call through the draining node itself: it is placed on the other node.
    const session = agent.client.cookies.get('parley_session')!;
    const second = await TestParticipant.join(`ws://127.0.0.1:${survivor.port}/api/calls/signal`, { type: 'join', callId: secondCallId, auth: { kind: 'session' } }, { cookie: `parley_session=${session}` });
    await second.signal.next('welcome');
    expect(await cluster.redis.get(`parley:call:${secondCallId}`)).toBe(other.nodeId);
    await second.close();
    // The running call goes on until the drain timeout: same peer connections, still decoding.
    await new Promise((r) => setTimeout(r, (DRAIN_SECONDS - 1.5) * 1000));
    expect(await peerConnections(agentPage)).toBe(pcs.agent);
    expect(await hostOf()).toBe(survivor.nodeId);
    // Then the participants are moved: both pages reconnect to the last node and decode again.
    for (const [page, had] of [[agentPage, pcs.agent], [customerPage, pcs.customer]] as const) {
      await expect.poll(() => peerConnections(page), { timeout: 20_000 }).toBeGreaterThan(had);
      await expect.poll(() => framesDecoded(page), { timeout: 20_000 }).toBeGreaterThan(0);
    }
    expect(await hostOf()).toBe(other.nodeId);
    const exit = await survivor.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    console.log(`drain: moved after ${((Date.now() - termAt) / 1000).toFixed(1)} s, the node exited with 0`);
    expect(survivor.logLines().some((l) => l.msg === 'drain timeout: the calls still running were handed over to other nodes')).toBe(true);
    // The page whose balancer sent it to the drained node lost that socket when the node exited: it reconnected
    // through the balancer to the last node, and both pages are connected and decoding there.
    for (const page of [agentPage, customerPage]) {
      await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 20_000 });
      await expect.poll(() => framesDecoded(page), { timeout: 20_000 }).toBeGreaterThan(0);
    }
    expect(await hostOf()).toBe(other.nodeId);
    // The recording goes on once more, on the last node.
    await poll('a track of the agent on the last node', async () => (await tracks()).find((r) => r.participant_id !== customerId && r.status === 'recording' && r.node_id === other.nodeId), 15_000);
    const recording = await t.parley.deps.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(recording.node_id).toBe(other.nodeId);
  });
});
