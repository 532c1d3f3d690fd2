import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, type SignedIn } from '../support/harness.ts';
import { inboundRtp, launchChromiumWithFakeMedia, RECORD_PEER_CONNECTIONS, startListeningParley, watchPage, type InboundRtp, type ListeningParley, type PageWatch, scheduleBrowserCall } from './support.ts';

// Issue 4, "Must show": a call through a real TURN server. Debian's coturn runs on 127.0.0.1 with the TURN REST
// shared secret; both browsers are forced to relay-only ICE, so media can only flow through the relay, with the
// time-limited credentials Parley hands out in `welcome`. With a wrong secret configured in Parley, coturn refuses
// the credentials (401) and the page says the media relay could not be reached.

/** Debian's coturn (scripts/test.mjs and .ci/run install it when missing). */
const TURNSERVER = '/usr/bin/turnserver';
const SECRET = 'parley-test-turn-secret-0123456789';
const ORG = 'Musterbank AG';
const CUSTOMER = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };

/** Runs before any page script: every RTCPeerConnection the page creates may only use relayed candidates. */
const RELAY_ONLY = `(() => {
  const Original = window.RTCPeerConnection;
  if (!Original) return;
  window.RTCPeerConnection = class extends Original {
    constructor(config, ...rest) {
      super({ ...(config || {}), iceTransportPolicy: 'relay' }, ...rest);
    }
  };
})();`;

const decodedVideo = (stats: InboundRtp[]) => stats.filter((s) => s.kind === 'video' && s.framesDecoded > 0 && s.frameWidth > 0);

/** The candidate types of the selected pair of the page's newest open peer connection. */
async function selectedPair(page: Page): Promise<{ local: string; remote: string } | null> {
  return (await page.evaluate(`(async () => {
    const pc = [...window.__peerConnections].reverse().find((p) => p.connectionState !== 'closed');
    if (!pc) return null;
    const stats = new Map();
    (await pc.getStats()).forEach((s) => stats.set(s.id, s));
    const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport ? stats.get(transport.selectedCandidatePairId) : undefined;
    if (!pair) return null;
    return { local: stats.get(pair.localCandidateId)?.candidateType ?? '?', remote: stats.get(pair.remoteCandidateId)?.candidateType ?? '?' };
  })()`)) as { local: string; remote: string } | null;
}

/** A UDP port free right now on 127.0.0.1. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * Sends STUN Binding requests to 127.0.0.1:`port` until one is answered (coturn is listening) or 10 s pass. Its log
 * is no readiness signal: written to a pipe, it is buffered.
 */
function answersStun(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    for (let i = 8; i < 20; i++) request[i] = Math.floor(Math.random() * 256);
    const done = (ok: boolean) => {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.close();
      resolve(ok);
    };
    socket.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(request.subarray(8, 20))) done(true);
    });
    socket.on('error', () => undefined);
    const timer = setInterval(() => socket.send(request, port, '127.0.0.1'), 100);
    const deadline = setTimeout(() => done(false), 10_000);
  });
}

interface Coturn {
  readonly port: number;
  readonly output: string[];
  stop(): Promise<void>;
}

async function startCoturn(): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error(`coturn is not installed (${TURNSERVER}): run \`sudo apt-get install -y coturn\` (npm test does it as root).`);
  const port = await freeUdpPort();
  // Relay ports: a range of 100 somewhere in 40000–59999, away from the system's ephemeral ports (32768+ on Linux
  // reach 60999, so a collision is possible but unlikely; coturn skips ports it cannot bind).
  const min = 40_000 + Math.floor(Math.random() * 199) * 100;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '--use-auth-secret',
      `--static-auth-secret=${SECRET}`,
      '--realm=parley',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--no-tls',
      '--no-dtls',
      '--min-port', String(min),
      '--max-port', String(min + 99),
      '--no-cli',
      '--allow-loopback-peers',
      '--log-file=stdout',
      `--pidfile=/tmp/parley-turn-${port}.pid`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => void output.push(chunk));
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const outcome = await Promise.race([
    answersStun(port).then((ok) => (ok ? ('ready' as const) : ('timeout' as const))),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
  ]);
  if (outcome !== 'ready') {
    await stop();
    throw new Error(`coturn did not start (${outcome}):\n${output.join('')}`);
  }
  return { port, output, stop };
}

/** A Parley using this TURN server with `secret`, a call with a lobby, its agent and the customer's join token. */
async function parleyWithCall(turn: Coturn, secret: string): Promise<{ server: ListeningParley; agent: SignedIn; callId: string; token: string }> {
  // The relay reaches the media server over loopback (coturn's relay address is 127.0.0.1, and a socket bound there
  // cannot send to the machine's other addresses): the server announces 127.0.0.1 as its host candidate.
  const server = await startListeningParley({
    env: { PARLEY_TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, PARLEY_TURN_SECRET: secret, PARLEY_RTC_ANNOUNCED_IP: '127.0.0.1' },
  });
  const { agent, callId, token } = await scheduleBrowserCall(server, { orgName: ORG, customer: CUSTOMER, locale: 'en' });
  return { server, agent, callId, token };
}

describe('a live call through a real TURN server (coturn), relay-only', () => {
  let turn: Coturn;
  let browser: Browser;
  const servers: ListeningParley[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    turn = await startCoturn();
    browser = await launchChromiumWithFakeMedia();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const s of servers) await s.close();
    await turn?.stop();
  });

  async function openPage(origin: string, watches: PageWatch[]): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watches.push(await watchPage(page, origin, { expectedErrors: () => false }));
    await page.addInitScript({ content: RELAY_ONLY });
    await page.addInitScript({ content: RECORD_PEER_CONNECTIONS });
    return page;
  }

  async function openAgent(origin: string, agent: SignedIn, callId: string, watches: PageWatch[]): Promise<Page> {
    const page = await openPage(origin, watches);
    await page.goto(`${origin}/login`);
    await page.getByLabel('Email address').fill(agent.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: /^Calls/ }).click();
    await page.locator(`tr[data-call="${callId}"]`).getByRole('link', { name: 'Open call' }).click();
    await page.waitForURL(`${origin}/live/${callId}`);
    return page;
  }

  it('with the right secret, agent and customer receive each other\'s video through the relay', async () => {
    const { server, agent, callId, token } = await parleyWithCall(turn, SECRET);
    servers.push(server);
    const watches: PageWatch[] = [];
    const agentPage = await openAgent(server.origin, agent, callId, watches);
    await agentPage.locator('[data-testid="connection"]').waitFor();
    const customerPage = await openPage(server.origin, watches);
    await customerPage.goto(`${server.origin}/j/${token}`);
    await customerPage.getByRole('button', { name: /I have read/i }).click();
    await customerPage.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    await customerPage.getByTestId('join-call').click();
    await agentPage.getByTestId('lobby-entry').getByRole('button', { name: 'Admit' }).click();

    for (const page of [agentPage, customerPage]) {
      await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 20_000 });
      await expect.poll(async () => decodedVideo(await inboundRtp(page)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
      // Relay-only: the browser's side of the pair in use is its TURN allocation.
      expect(await selectedPair(page)).toMatchObject({ local: 'relay' });
      const config = (await page.evaluate(`(() => {
        const c = [...window.__peerConnections].at(-1).getConfiguration();
        return { policy: c.iceTransportPolicy, servers: c.iceServers.map((s) => ({ urls: s.urls, username: s.username })) };
      })()`)) as { policy: string; servers: { urls: string[] | string; username: string }[] };
      expect(config.policy).toBe('relay');
      expect(config.servers).toEqual([{ urls: [`turn:127.0.0.1:${turn.port}?transport=udp`], username: expect.stringMatching(/^\d+:[\w-]+$/) }]);
      expect(await page.getByTestId('call-notice').count()).toBe(0);
    }
    // The secret itself never leaves the server: not in a log line, not in what the pages received.
    expect(server.logs.join('\n')).not.toContain(SECRET);
    for (const w of watches) {
      expect(w.foreignRequests).toEqual([]);
      expect(w.errors).toEqual([]);
    }
  });

  it('with a wrong secret, coturn refuses the credentials and the page says the media relay could not be reached', async () => {
    const { server, agent, callId } = await parleyWithCall(turn, 'not-the-secret-of-this-turn-server');
    servers.push(server);
    const watches: PageWatch[] = [];
    const agentPage = await openAgent(server.origin, agent, callId, watches);
    const notice = agentPage.locator('[data-testid="call-notice"][data-notice="relay"]');
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.innerText()).toContain('Could not connect to the media relay (TURN)');
    expect(await agentPage.locator('[data-testid="connection"][data-state="connected"]').count()).toBe(0);
  });
});
