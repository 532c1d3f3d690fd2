import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, type SignedIn } from '../support/harness.ts';
import {
  inboundRtp,
  videoQuality,
  type VideoQuality,
  launchChromiumWithFakeMedia,
  RECORD_PEER_CONNECTIONS,
  startListeningParley,
  watchPage,
  type InboundRtp,
  type ListeningParley,
  type PageWatch,
  scheduleBrowserCall,
} from './support.ts';

// Issue 4, "Must show": an agent (console) and a customer (join link) in two contexts of one Chromium with fake
// camera and microphone meet through the lobby; each receives the other's audio and video (decoded frames with real
// dimensions in getStats), the customer's screen share reaches the agent, a chat message arrives, and the agent
// ends the call for both. Each step continues where the previous one left off.
// Issue 12, finding 14, on the same way: the agent's calls list shows the customer waiting in the lobby; the
// customer's reload brings her back into the call with her chat (not to the notice), and her recording keeps her as
// one participant; the agent's reload reconnects without an error on either page.

const ORG = 'Musterbank AG';
const CUSTOMER = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const AGENT_NAME = 'Test agent';
const SHOTS = '/tmp/parley-call';

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

/**
 * Runs before any page script: keeps every text a call notice ("The picture or sound could not be set up…", a
 * server's error) ever showed on `window.__callNotices`, so a notice that came and went between two looks is seen.
 */
const RECORD_CALL_NOTICES = `(() => {
  const seen = [];
  Object.defineProperty(window, '__callNotices', { value: seen });
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('[data-testid="call-notice"]')) {
      const text = el.textContent ?? '';
      if (seen[seen.length - 1] !== text) seen.push(text);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();`;
const callNotices = (page: Page) => page.evaluate('window.__callNotices') as Promise<string[]>;

const decodedVideo = (stats: InboundRtp[]) => stats.filter((s) => s.kind === 'video' && s.framesDecoded > 0 && s.frameWidth > 0 && s.frameHeight > 0);
/** Chromium's send-side bandwidth estimate before any feedback (WebRTC's default start bitrate). */
const CHROMIUM_START_BITRATE = 300_000;
const heardAudio = (stats: InboundRtp[]) => stats.filter((s) => s.kind === 'audio' && s.packetsReceived > 0);

describe('a live call in Chromium: lobby, audio/video both ways, screen share, chat, end', () => {
  let server: ListeningParley;
  let browser: Browser;
  let admin: SignedIn;
  let agent: SignedIn;
  let callId = '';
  let customerId = '';
  let token = '';
  const contexts: BrowserContext[] = [];
  const watches: Record<string, PageWatch> = {};
  let agentPage: Page;
  let customerPage: Page;
  /** When the agent let the customer in (the quality test's 10 s count from here). */
  let admittedAt = 0;

  beforeAll(async () => {
    server = await startListeningParley();
    ({ admin, agent, callId, customerId, token } = await scheduleBrowserCall(server, {
      orgName: ORG,
      customer: CUSTOMER,
      locale: 'en',
      callType: {
        name: 'Beratung',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'recording', basis: 'consent' },
        ],
        recordingMode: 'consent',
        lobbyEnabled: true,
        retention: { callMetadataDays: 30, chatDays: 0, recordingsDays: 30, consentDays: 365 },
      },
    }));
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
    await page.addInitScript({ content: RECORD_CALL_NOTICES });
    return page;
  }

  it('the agent signs in and sees the call on the Calls page, nobody in it yet', async () => {
    agentPage = await openPage('agent');
    await agentPage.goto(`${server.origin}/login`);
    await agentPage.getByLabel('Email address').fill(agent.email);
    await agentPage.getByLabel('Password').fill(TEST_PASSWORD);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('link', { name: /^Calls/ }).click();
    await agentPage.locator(`tr[data-call="${callId}"]`).waitFor();
    expect(await agentPage.locator(`tr[data-call="${callId}"]`).getByTestId('call-presence').count()).toBe(0);
  });

  it('the customer agrees to recording, passes the device check, joins and waits in the lobby; the agent\'s calls list shows her waiting', async () => {
    customerPage = await openPage('customer');
    await customerPage.goto(`${server.origin}/j/${token}`);
    await customerPage.getByRole('button', { name: /I have read/i }).click();
    await customerPage.getByRole('checkbox', { name: /Recording/ }).check();
    await customerPage.getByRole('button', { name: 'Continue', exact: true }).click();
    await customerPage.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    // The words say what to do: press the button, then wait to be let in (not "you need do nothing").
    expect(await customerPage.getByTestId('ready').innerText()).toContain(
      `Press “Join the call” when you want to start. You then wait a moment on this page until ${AGENT_NAME} lets you in.`,
    );
    await customerPage.getByTestId('join-call').click();
    await customerPage.getByTestId('lobby-waiting').waitFor();
    expect(await customerPage.getByTestId('lobby-waiting').innerText()).toBe(`Waiting for ${AGENT_NAME} to let you in.`);
    // Nothing reaches a waiting customer: not even a peer connection exists.
    expect(await customerPage.evaluate('window.__peerConnections.length')).toBe(0);
    // The agent has not opened the call: the Calls page (asked again every few seconds) says she is waiting.
    const presence = agentPage.locator(`tr[data-call="${callId}"]`).getByTestId('call-presence');
    await presence.getByText('Customer waiting in the lobby').waitFor({ timeout: 15_000 });
    await shot(agentPage, '0-calls-waiting');
    await agentPage.locator(`tr[data-call="${callId}"]`).getByRole('link', { name: 'Open call' }).click();
    await agentPage.waitForURL(`${server.origin}/live/${callId}`);
    await agentPage.getByRole('heading', { name: 'Live call' }).waitFor();
    await agentPage.getByTestId('lobby-entry').filter({ hasText: CUSTOMER.displayName }).waitFor();
    await shot(customerPage, '1-lobby');
    await shot(agentPage, '1-lobby');
  });

  it('the agent admits the customer, and each receives the other\'s video and audio', async () => {
    admittedAt = Date.now();
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

  it('within 10 s of being let in, each side receives the other\'s full 640×480 camera at 20 fps or more, and each browser\'s send estimate has risen past its start', async () => {
    // The SFU's feedback at work: receiver reports and the REMB ceiling toward each publisher, keyframes on request,
    // sender reports toward each subscriber. Without them Chromium holds its estimate at its start (300 kbps) and
    // scales the camera down.
    const deadline = admittedAt + 10_000;
    const full = (q: VideoQuality) => q.received.some((v) => v.frameWidth === 640 && v.frameHeight === 480 && v.framesPerSecond >= 20);
    let last: Record<'agent' | 'customer', VideoQuality | null> = { agent: null, customer: null };
    while (Date.now() < deadline) {
      last = { agent: await videoQuality(agentPage), customer: await videoQuality(customerPage) };
      if (full(last.agent!) && full(last.customer!)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`quality ${((Date.now() - admittedAt) / 1000).toFixed(1)} s after admission: ${JSON.stringify(last)}`);
    expect(full(last.agent!), JSON.stringify(last.agent)).toBe(true);
    expect(full(last.customer!), JSON.stringify(last.customer)).toBe(true);
    // Rising, whatever the wall clock: each browser's estimate and its camera's encoder target go past Chromium's start
    // bitrate (300 kbps), where they stay when no receiver report comes back.
    for (const page of [agentPage, customerPage]) {
      await expect.poll(async () => (await videoQuality(page)).availableOutgoingBitrate, { timeout: 20_000 }).toBeGreaterThan(CHROMIUM_START_BITRATE);
      await expect.poll(async () => (await videoQuality(page)).cameraTargetBitrate, { timeout: 20_000 }).toBeGreaterThan(CHROMIUM_START_BITRATE);
    }
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

  it('the agent mutes and unmutes, and nothing breaks on either side', async () => {
    // The agent's microphone was the first source of the call: its m-line comes and goes on the customer's connection.
    await agentPage.getByRole('button', { name: 'Mute' }).click();
    await customerPage.getByTestId('tile-remote').getByText('muted').waitFor();
    await agentPage.getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(() => customerPage.getByTestId('tile-remote').getByText('muted').count()).toBe(0);
    await expect.poll(async () => heardAudio(await inboundRtp(customerPage)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(await callNotices(customerPage)).toEqual([]);
    expect(await callNotices(agentPage)).toEqual([]);
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

  it('the agent starts recording; the customer, who agreed on the join page, is recorded without being asked again', async () => {
    await agentPage.getByTestId('recording-start').click();
    await customerPage.locator('[data-testid="recording-indicator"][data-you="captured"]').waitFor();
    await agentPage.locator(`[data-testid="capture-state-${customerId}"][data-state="captured"]`).waitFor();
    // Recorded for a moment before the reload.
    await new Promise((r) => setTimeout(r, 1_500));
  });

  it('the customer reloads mid-call: she is back in the call with the chat so far, not at the notice, and recorded again', async () => {
    const before = Date.now();
    await customerPage.reload();
    await customerPage.getByTestId('call').waitFor();
    // Straight back into the call: the notice she read (same version) and her choices are not asked again.
    expect(await customerPage.getByTestId('privacy-notice').count()).toBe(0);
    expect(await customerPage.getByRole('checkbox').count()).toBe(0);
    await customerPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    // The chat so far, from before the reload.
    await customerPage.getByTestId('chat-message').filter({ hasText: 'Guten Tag!' }).waitFor();
    // The agent's picture again, and she is recorded again on the consent she gave.
    await expect.poll(async () => decodedVideo(await inboundRtp(customerPage)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    await customerPage.locator('[data-testid="recording-indicator"][data-you="captured"]').waitFor();
    await expect
      .poll(() => agentPage.getByTestId('tile-remote').locator('video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 15_000 })
      .toBeGreaterThan(0);
    console.log(`customer reload: back in the call with picture ${Date.now() - before} ms after reloading`);
    expect(await callNotices(customerPage)).toEqual([]);
    await shot(customerPage, '5-after-reload');
  });

  it('the agent reloads: the call page reconnects quickly and silently on both sides', async () => {
    const before = Date.now();
    await agentPage.reload();
    await agentPage.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => agentPage.getByTestId('tile-remote').locator('video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 20_000 })
      .toBeGreaterThan(0);
    const agentBack = Date.now() - before;
    await expect
      .poll(() => customerPage.getByTestId('tile-remote').locator('video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect.poll(async () => decodedVideo(await inboundRtp(customerPage)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    // Measured, not gated (a loaded machine is slower): before the fix the page said "The picture or sound could not
    // be set up…" until the server's 10 s negotiation timeout forced a rejoin.
    console.log(`agent reload: connected with the customer's picture ${agentBack} ms after reloading`);
    // No error text at any moment, on either page.
    expect(await callNotices(agentPage)).toEqual([]);
    expect(await callNotices(customerPage)).toEqual([]);
    await agentPage.getByTestId('chat-message').filter({ hasText: 'Guten Tag!' }).waitFor();
  });

  it('the agent ends the call for everyone and both pages say so', async () => {
    // Nothing went wrong on the way: no refused message or media problem was shown on either side.
    expect(await agentPage.getByTestId('call-notice').count()).toBe(0);
    expect(await customerPage.getByTestId('call-notice').count()).toBe(0);
    // Ending cannot be undone: the agent is asked first, in the page's own dialog (issue 12, finding 11).
    await agentPage.getByRole('button', { name: 'End call for everyone' }).click();
    const ask = agentPage.getByRole('dialog', { name: 'End the call for everyone?' });
    await ask.waitFor();
    expect(await ask.evaluate((d) => (d as unknown as { matches(s: string): boolean }).matches(':modal'))).toBe(true);
    // Escape and "Stay in the call" both keep the call going.
    await agentPage.keyboard.press('Escape');
    await expect.poll(() => ask.isVisible()).toBe(false);
    await agentPage.getByRole('button', { name: 'End call for everyone' }).click();
    await ask.getByRole('button', { name: 'Stay in the call' }).click();
    await expect.poll(() => ask.isVisible()).toBe(false);
    expect(await customerPage.locator('[data-testid="connection"][data-state="connected"]').count()).toBe(1);
    await agentPage.getByRole('button', { name: 'End call for everyone' }).click();
    await ask.getByRole('button', { name: 'End call for everyone' }).click();
    const over = agentPage.locator('[data-testid="call-over"][data-phase="ended"]');
    await over.waitFor();
    // Told in words that fit the one who did it, not "The host ended the call."
    expect(await over.innerText()).toContain('You ended the call for everyone.');
    expect(await over.innerText()).not.toContain('host');
    await customerPage.locator('[data-testid="call-over"][data-phase="ended"]').waitFor();
    await shot(customerPage, '4-ended');
    await expect.poll(() => server.parley.calls.counts().calls).toBe(0);
  });

  it('the recording shows the customer once, her camera in two tracks, the first "Left the call (reconnected)"', async () => {
    await server.parley.calls.settled();
    const list = await agent.client.get(`/api/recordings?callId=${callId}`);
    expect(list.status, list.raw).toBe(200);
    const customers = list.body.recordings[0].participants.filter((p: { kind: string }) => p.kind === 'customer');
    expect(customers).toHaveLength(1);
    const cameras = customers[0].tracks.filter((t: { source: string }) => t.source === 'camera');
    expect(cameras.map((t: { endReason: string }) => t.endReason)).toEqual(['left', 'call_ended']);
    // In the console, every row of hers names her (no empty participant cell), and the first says she came back.
    await agentPage.goto(`${server.origin}/recordings?callId=${callId}`);
    const panel = agentPage.locator(`[data-recording="${list.body.recordings[0].id}"]`);
    await panel.waitFor();
    for (const t of customers[0].tracks as { id: string }[]) expect(await panel.locator(`tr[data-track="${t.id}"]`).innerText()).toContain(CUSTOMER.displayName);
    expect(await panel.locator(`tr[data-track="${cameras[0].id}"]`).innerText()).toContain('Left the call (reconnected)');
    await shot(agentPage, '6-recording');
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    for (const [who, watch] of Object.entries(watches)) {
      expect(watch.foreignRequests, who).toEqual([]);
      expect(watch.errors, who).toEqual([]);
      expect(watch.cspViolations, who).toEqual([]);
    }
  });
});
