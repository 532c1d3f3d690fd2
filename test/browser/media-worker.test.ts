import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/media/worker/worker-pool.ts';
import { TEST_PASSWORD, type SignedIn } from '../support/harness.ts';
import { germanTextProblems } from '../support/language-check.ts';
import { inboundRtp, launchChromiumWithFakeMedia, RECORD_PEER_CONNECTIONS, startListeningParley, watchPage, type ListeningParley, scheduleBrowserCall } from './support.ts';

// Issue 13: a media worker that dies loses no call, in Chromium. The agent (console) and the customer (join link) are
// in a call whose media runs in one of the default media workers; that worker is killed (SIGKILL). Both pages say
// what happened in words (the customer's page in her language, German here), reconnect by themselves, and decode each other's camera again, on the other worker, within
// 5 s of the kill; the pool starts the killed worker again.

describe('a media worker killed under a live call in Chromium', () => {
  let server: ListeningParley;
  let browser: Browser;
  let agent: SignedIn;
  let callId = '';
  let token = '';
  const contexts: BrowserContext[] = [];
  let agentPage: Page;
  let customerPage: Page;

  beforeAll(async () => {
    server = await startListeningParley();
    ({ agent, callId, token } = await scheduleBrowserCall(server, {
      orgName: 'Musterbank AG',
      customer: { displayName: 'Karla Kundin', email: 'karla@example.test' },
      locale: 'de',
    }));
    browser = await launchChromiumWithFakeMedia();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  async function openPage(locale = 'en-GB'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // The socket the server closes after MEDIA_MOVED is expected; nothing else may go wrong on the page.
    await watchPage(page, server.origin, { expectedErrors: () => false });
    await page.addInitScript({ content: RECORD_PEER_CONNECTIONS });
    return page;
  }

  /** Video frames this page's newest connection has decoded so far. */
  const framesDecoded = async (page: Page) => (await inboundRtp(page)).filter((s) => s.kind === 'video').reduce((n, s) => n + s.framesDecoded, 0);

  it('the agent and the customer are in the call, on one of two media workers', async () => {
    agentPage = await openPage();
    await agentPage.goto(`${server.origin}/login`);
    await agentPage.getByLabel('Email address').fill(agent.email);
    await agentPage.getByLabel('Password').fill(TEST_PASSWORD);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.waitForURL((url) => !url.pathname.startsWith('/login'));
    await agentPage.goto(`${server.origin}/live/${callId}`);
    await agentPage.getByRole('heading', { name: 'Live call' }).waitFor();

    customerPage = await openPage('de-DE');
    await customerPage.goto(`${server.origin}/j/${token}`);
    await customerPage.getByRole('button', { name: 'Ich habe diesen Hinweis gelesen — weiter' }).click();
    await customerPage.getByRole('button', { name: 'Bild und Ton funktionieren — ich bin bereit' }).click();
    await customerPage.getByTestId('join-call').click();
    await customerPage.getByTestId('lobby-waiting').waitFor();
    await agentPage.getByTestId('lobby-entry').getByRole('button', { name: 'Admit' }).click();
    for (const page of [agentPage, customerPage]) await expect.poll(() => framesDecoded(page), { timeout: 20_000 }).toBeGreaterThan(0);
    const pool = server.parley.media;
    expect(pool).toBeInstanceOf(WorkerPool);
    expect((pool as WorkerPool).pids.filter((p) => p !== null)).toHaveLength(2);
    expect((pool as WorkerPool).workerOf(callId)).not.toBeNull();
  });

  it('SIGKILL of that worker: both pages say so in words and decode each other\'s camera again within 5 s, on the other worker', async () => {
    const pool = server.parley.media as WorkerPool;
    const before = pool.workerOf(callId)!;
    const pid = pool.pids[before]!;
    const pcs = { agent: (await agentPage.evaluate('window.__peerConnections.length')) as number, customer: (await customerPage.evaluate('window.__peerConnections.length')) as number };
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const said = {
      agent: 'The server process carrying this call\'s picture and sound stopped. The call was moved to another one and you were reconnected; nothing else changed.',
      customer:
        'Der Serverprozess, der Bild und Ton dieses Gesprächs übertrug, wurde beendet. Das Gespräch wurde auf einen anderen verlegt und Sie wurden neu verbunden; sonst hat sich nichts geändert.',
    };
    for (const [page, text] of [[agentPage, said.agent], [customerPage, said.customer]] as const) {
      const notice = page.locator('[data-testid="call-notice"][data-notice="moved"]');
      await notice.waitFor({ timeout: 5_000 });
      expect(await notice.innerText()).toBe(text);
    }
    expect(germanTextProblems(said.customer)).toEqual([]);
    // Back in media: a new peer connection on each page, decoding the other's camera.
    for (const [page, had] of [[agentPage, pcs.agent], [customerPage, pcs.customer]] as const) {
      await expect.poll(() => page.evaluate('window.__peerConnections.length') as Promise<number>, { timeout: 5_000 }).toBeGreaterThan(had);
      await expect.poll(() => framesDecoded(page), { timeout: Math.max(500, 5_000 - (Date.now() - killedAt)) }).toBeGreaterThan(0);
    }
    const seconds = (Date.now() - killedAt) / 1000;
    console.log(`worker killed: both pages decoding again after ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(5);
    expect(pool.workerOf(callId)).not.toBe(before);
    await expect.poll(() => pool.pids[before] !== null && pool.pids[before] !== pid, { timeout: 15_000 }).toBe(true);
    // The agent's page did not leave the call: no end screen, the call controls are still there.
    expect(await agentPage.getByRole('button', { name: 'End call for everyone' }).count()).toBe(1);
  });
});
