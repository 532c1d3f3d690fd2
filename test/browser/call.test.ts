import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { addUser, createOrgWithAdmin, publishNotice, TEST_PASSWORD, type SignedIn } from '../support/harness.ts';
import {
  inboundRtp,
  launchChromiumWithFakeMedia,
  RECORD_PEER_CONNECTIONS,
  startListeningParley,
  watchPage,
  type InboundRtp,
  type ListeningParley,
  type PageWatch,
} from './support.ts';

// Issue 4, "Must show": an agent (console) and a customer (join link) in two contexts of one Chromium with fake
// camera and microphone meet through the lobby; each receives the other's audio and video (decoded frames with real
// dimensions in getStats), the customer's screen share reaches the agent, a chat message arrives, and the agent
// ends the call for both. Each step continues where the previous one left off.

const ORG = 'Musterbank AG';
const CUSTOMER = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const AGENT_NAME = 'Test agent';
const SHOTS = '/tmp/parley-call';

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

const decodedVideo = (stats: InboundRtp[]) => stats.filter((s) => s.kind === 'video' && s.framesDecoded > 0 && s.frameWidth > 0 && s.frameHeight > 0);
const heardAudio = (stats: InboundRtp[]) => stats.filter((s) => s.kind === 'audio' && s.packetsReceived > 0);

describe('a live call in Chromium: lobby, audio/video both ways, screen share, chat, end', () => {
  let server: ListeningParley;
  let browser: Browser;
  let admin: SignedIn;
  let agent: SignedIn;
  let callId = '';
  let token = '';
  const contexts: BrowserContext[] = [];
  const watches: Record<string, PageWatch> = {};
  let agentPage: Page;
  let customerPage: Page;

  beforeAll(async () => {
    server = await startListeningParley();
    admin = await createOrgWithAdmin(server, ORG);
    agent = await addUser(server, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', {
      name: 'Beratung',
      purposes: [{ purpose: 'call_delivery', basis: 'contract' }],
      lobbyEnabled: true,
    });
    expect(ct.status, ct.raw).toBe(201);
    const call = await agent.client.post('/api/calls', {
      callTypeId: ct.body.id,
      startsAt: new Date(server.clock.now().getTime() + 10 * 60_000).toISOString(),
      durationMinutes: 30,
      customer: CUSTOMER,
      locale: 'en',
    });
    expect(call.status, call.raw).toBe(201);
    callId = call.body.id;
    const customer = call.body.participants.find((p: { kind: string }) => p.kind === 'customer');
    token = joinToken(server.parley.deps, customer.id, callId);
    browser = await launchChromiumWithFakeMedia();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  async function openPage(who: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watches[who] = await watchPage(page, server.origin, { expectedErrors: () => false });
    await page.addInitScript({ content: RECORD_PEER_CONNECTIONS });
    return page;
  }

  it('the agent signs in and opens the call page from the Calls page', async () => {
    agentPage = await openPage('agent');
    await agentPage.goto(`${server.origin}/login`);
    await agentPage.getByLabel('Email address').fill(agent.email);
    await agentPage.getByLabel('Password').fill(TEST_PASSWORD);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('link', { name: /^Calls/ }).click();
    await agentPage.locator(`tr[data-call="${callId}"]`).getByRole('link', { name: 'Open call' }).click();
    await agentPage.waitForURL(`${server.origin}/live/${callId}`);
    await agentPage.getByRole('heading', { name: 'Live call' }).waitFor();
    await agentPage.locator('[data-testid="connection"]').waitFor();
    await agentPage.getByText('Nobody is waiting.').waitFor();
  });

  it('the customer passes notice and device check, joins, and waits in the lobby', async () => {
    customerPage = await openPage('customer');
    await customerPage.goto(`${server.origin}/j/${token}`);
    await customerPage.getByRole('button', { name: /I have read/i }).click();
    await customerPage.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    await customerPage.getByTestId('join-call').click();
    await customerPage.getByTestId('lobby-waiting').waitFor();
    expect(await customerPage.getByTestId('lobby-waiting').innerText()).toBe(`Waiting for ${AGENT_NAME} to let you in.`);
    // Nothing reaches a waiting customer: not even a peer connection exists.
    expect(await customerPage.evaluate('window.__peerConnections.length')).toBe(0);
    await agentPage.getByTestId('lobby-entry').filter({ hasText: CUSTOMER.displayName }).waitFor();
    await shot(customerPage, '1-lobby');
    await shot(agentPage, '1-lobby');
  });

  it('the agent admits the customer, and each receives the other\'s video and audio', async () => {
    await agentPage.getByTestId('lobby-entry').getByRole('button', { name: 'Admit' }).click();
    await customerPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    await agentPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    for (const page of [agentPage, customerPage]) {
      await expect.poll(async () => decodedVideo(await inboundRtp(page)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
      await expect.poll(async () => heardAudio(await inboundRtp(page)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      await expect
        .poll(() => page.locator('[data-testid="tile-remote"] video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 15_000 })
        .toBeGreaterThan(0);
    }
    expect(await agentPage.getByTestId('tile-remote').innerText()).toContain(CUSTOMER.displayName);
    expect(await customerPage.getByTestId('tile-remote').innerText()).toContain(AGENT_NAME);
    await shot(customerPage, '2-in-call');
    await shot(agentPage, '2-in-call');
  });

  it('the customer shares the screen and it appears at the agent as a third video', async () => {
    await customerPage.getByRole('button', { name: 'Share screen' }).click();
    await customerPage.getByTestId('tile-self-screen').waitFor();
    await agentPage.getByTestId('tile-remote-screen').waitFor();
    await expect.poll(async () => decodedVideo(await inboundRtp(agentPage)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => agentPage.locator('[data-testid="tile-remote-screen"] video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    // Three videos on the agent's screen: their own, the customer's camera and the customer's screen.
    await expect.poll(() => agentPage.locator('video').count()).toBe(3);
    await shot(agentPage, '3-screen-share');
  });

  it('a chat message from the customer arrives at the agent', async () => {
    await customerPage.getByLabel('Message').fill('Guten Tag!');
    await customerPage.getByRole('button', { name: 'Send' }).click();
    await agentPage.getByTestId('chat-message').filter({ hasText: 'Guten Tag!' }).waitFor();
    expect(await agentPage.getByTestId('chat-message').innerText()).toContain(CUSTOMER.displayName);
    await customerPage.getByTestId('chat-message').filter({ hasText: 'Guten Tag!' }).waitFor();
  });

  it('the customer mutes and turns the camera off, and the agent sees it; both come back', async () => {
    const customerTile = agentPage.getByTestId('tile-remote');
    await customerPage.getByRole('button', { name: 'Mute' }).click();
    await customerTile.getByText('muted').waitFor();
    await customerPage.getByRole('button', { name: 'Turn camera off' }).click();
    await expect.poll(() => customerTile.locator('video').count()).toBe(0);
    await customerPage.getByRole('button', { name: 'Unmute' }).click();
    await customerPage.getByRole('button', { name: 'Turn camera on' }).click();
    await expect.poll(() => customerTile.getByText('muted').count()).toBe(0);
    await expect
      .poll(() => customerTile.locator('video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 15_000 })
      .toBeGreaterThan(0);
  });

  it('when the customer\'s connection drops, the page says it is reconnecting, rejoins and the media flows again', async () => {
    const pcsBefore = (await customerPage.evaluate('window.__peerConnections.length')) as number;
    // 3000+: a code a page may use, and one the server never sends, so the client reads it as a dropped network.
    await customerPage.evaluate(`window.__webSockets.at(-1).close(3001)`);
    await customerPage.getByTestId('reconnecting').waitFor();
    await customerPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    expect(await customerPage.evaluate('window.__peerConnections.length')).toBe(pcsBefore + 1);
    await expect.poll(async () => decodedVideo(await inboundRtp(customerPage)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => agentPage.getByTestId('tile-remote').locator('video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 15_000 })
      .toBeGreaterThan(0);
  });

  it('the agent ends the call for everyone and both pages say so', async () => {
    // Nothing went wrong on the way: no refused message or media problem was shown on either side.
    expect(await agentPage.getByTestId('call-notice').count()).toBe(0);
    expect(await customerPage.getByTestId('call-notice').count()).toBe(0);
    await agentPage.getByRole('button', { name: 'End call for everyone' }).click();
    await agentPage.locator('[data-testid="call-over"][data-phase="ended"]').waitFor();
    await customerPage.locator('[data-testid="call-over"][data-phase="ended"]').waitFor();
    await shot(customerPage, '4-ended');
    await expect.poll(() => server.parley.calls.counts().calls).toBe(0);
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    for (const [who, watch] of Object.entries(watches)) {
      expect(watch.foreignRequests, who).toEqual([]);
      expect(watch.errors, who).toEqual([]);
      expect(watch.cspViolations, who).toEqual([]);
    }
  });
});
