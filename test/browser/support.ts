import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureFirstAdmin } from '../../src/accounts/bootstrap.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { buildParley, WEB_ROOT, type Parley } from '../../src/main.ts';
import { currentCode } from '../../src/accounts/totp.ts';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { addUser, ApiClient, createOrgWithAdmin, publishNotice, TEST_PASSWORD, TestClock, type SignedIn, type TestParley } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';

/** Debian's Chromium (scripts/test.mjs installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a quiet, headless Chromium on a small CI machine: no sandbox (containers), no GPU, and none of the
 * background traffic (updates, sync, QUIC probes) that would show up as requests to other origins.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

export interface BrowserParley {
  readonly parley: Parley;
  readonly clock: TestClock;
  /** `http://127.0.0.1:<port>`, where the server listens. */
  readonly origin: string;
  /** The first-run set-up link, pointed at `origin`. */
  readonly setupUrl: string;
  /** Every log line written, as raw JSON text. */
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * A real Parley on a free loopback port, serving the built console (dist/web) on a fresh SQLite database, with a
 * clock the test can move forward. On first run there is no account yet: `setupUrl` is the link an operator
 * would read in the terminal.
 */
export async function startBrowserParley(options: { orgName: string }): Promise<BrowserParley> {
  if (!existsSync(path.join(WEB_ROOT, 'index.html'))) {
    throw new Error(`The console is not built (${WEB_ROOT}/index.html is missing): run \`npx vite build\` first.`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-browser-'));
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}`,
    PARLEY_LOG_LEVEL: 'info',
    PARLEY_ORG_NAME: options.orgName,
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const clock = new TestClock();
  const parley = await buildParley(config, { logger, clock, webRoot: WEB_ROOT });
  try {
    await parley.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = parley.app.server.address() as AddressInfo;
    const origin = `http://127.0.0.1:${port}`;
    const first = await ensureFirstAdmin(parley.deps);
    if (first.kind !== 'setup_link') throw new Error(`expected a first-run set-up link, got ${first.kind}`);
    // The link is built from the configured public URL; the port is only known now, so point it here.
    const link = new URL(first.link.url);
    const setupUrl = `${origin}${link.pathname}${link.hash}`;
    return {
      parley,
      clock,
      origin,
      setupUrl,
      logs,
      async close() {
        await parley.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await parley.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Records what a page must never do: ask another origin for anything, log an error, throw, or trip the Content
 * Security Policy. `data:` URLs (the TOTP QR code) are not network requests and are allowed by the CSP.
 */
export interface PageWatch {
  readonly foreignRequests: string[];
  readonly errors: string[];
  /** Console errors `expectedErrors` accepted, kept so a test can check how many there were. */
  readonly expectedErrors: string[];
  readonly cspViolations: string[];
  /** Every request the page made, as `METHOD url`. */
  readonly requests: string[];
}

export async function watchPage(page: Page, origin: string, options: { expectedErrors: (text: string, url: string) => boolean }): Promise<PageWatch> {
  const watch: PageWatch = { foreignRequests: [], errors: [], expectedErrors: [], cspViolations: [], requests: [] };
  page.on('request', (request) => {
    const url = request.url();
    watch.requests.push(`${request.method()} ${url}`);
    // data: and the page's own object URLs (blob:<origin>/…, e.g. a decrypted recording) never leave the browser.
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith(`blob:${origin}/`)) watch.foreignRequests.push(url);
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    const line = `${message.text()} (${url})`;
    (options.expectedErrors(message.text(), url) ? watch.expectedErrors : watch.errors).push(line);
  });
  page.on('pageerror', (error) => watch.errors.push(`uncaught: ${error.message}`));
  // The browser also reports violations as events: listen from before any page script runs.
  await page.exposeBinding('__reportCspViolation', (_source, text: string) => void watch.cspViolations.push(text));
  // A string, not a function: this file is type-checked without the DOM library (it is Node code).
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' in ' + e.sourceFile + ':' + e.lineNumber);
    });`,
  });
  return watch;
}

/** The code without the spaces the page groups it with. */
export const ungroup = (text: string) => text.replace(/\s+/g, '');

/**
 * A real Parley listening on a loopback port chosen up front, so `PARLEY_PUBLIC_URL` can name it: links in mail
 * (the join link of an invitation) then point at this very server. It serves the built web on a fresh SQLite
 * database and starts with no organisation; it has the shape of the API-test harness (`client()` over
 * `app.inject`), so `createOrgWithAdmin`, `addUser` and `publishNotice` work on it. `env` adds configuration,
 * e.g. `PARLEY_SMTP_URL`.
 */
export async function startListeningParley(options: { env?: Record<string, string> } = {}): Promise<ListeningParley> {
  if (!existsSync(path.join(WEB_ROOT, 'join.html'))) {
    throw new Error(`The web is not built (${WEB_ROOT}/join.html is missing): run \`npx vite build\` first.`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-browser-'));
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const clock = new TestClock();
  // Another process can take the port between asking for it and listening on it: then ask again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}`,
      PARLEY_LOG_LEVEL: 'info',
      PARLEY_LOGIN_RATE_PER_MINUTE: '10000',
      PARLEY_PUBLIC_URL: origin,
      ...options.env,
    });
    const parley = await buildParley(config, { logger, clock, webRoot: WEB_ROOT });
    try {
      await parley.app.listen({ port, host: '127.0.0.1' });
    } catch (err) {
      await parley.close();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    return {
      parley,
      config,
      clock,
      logs,
      dataDir,
      origin,
      client: () => new ApiClient(parley),
      restart: () => Promise.reject(new Error('startListeningParley() does not restart')),
      async close() {
        await parley.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
}

export interface CallInBrowserParley {
  readonly admin: SignedIn;
  readonly agent: SignedIn;
  readonly callId: string;
  readonly customerId: string;
  /** The customer's join token (the join link is `<origin>/join/<token>`). */
  readonly token: string;
}

/**
 * What a browser call test starts from: an organisation (`orgName`) with an admin, an agent and a published notice,
 * one call type (`callType`, the body of POST /api/call-types; default: contract basis, with a lobby) and a call of
 * it the agent schedules 10 minutes ahead for `customer`, in `locale`.
 */
export async function scheduleBrowserCall(
  server: ListeningParley,
  options: {
    readonly orgName: string;
    readonly customer: { readonly displayName: string; readonly email: string };
    readonly locale: 'en' | 'de';
    readonly callType?: Record<string, unknown>;
  },
): Promise<CallInBrowserParley> {
  const admin = await createOrgWithAdmin(server, options.orgName);
  const agent = await addUser(server, admin, 'agent');
  await publishNotice(admin);
  const ct = await admin.client.post(
    '/api/call-types',
    options.callType ?? { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], lobbyEnabled: true },
  );
  if (ct.status !== 201) throw new Error(`the call type was refused: ${ct.raw}`);
  const call = await agent.client.post('/api/calls', {
    callTypeId: ct.body.id,
    startsAt: new Date(server.clock.now().getTime() + 10 * 60_000).toISOString(),
    durationMinutes: 30,
    customer: options.customer,
    locale: options.locale,
  });
  if (call.status !== 201) throw new Error(`the call was refused: ${call.raw}`);
  const callId: string = call.body.id;
  const customerId: string = call.body.participants.find((p: { kind: string }) => p.kind === 'customer').id;
  return { admin, agent, callId, customerId, token: joinToken(server.parley.deps, customerId, callId) };
}

export interface ListeningParley extends TestParley {
  /** `http://127.0.0.1:<port>`: where the server listens, and its configured public URL. */
  readonly origin: string;
}

/**
 * Chromium with a fake camera (a moving test pattern) and microphone (a beep), and permission prompts answered
 * "allow" by the browser itself: the media a customer's device check needs, with no hardware and no dialog.
 */
export const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

export const launchChromiumWithFakeMedia = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...FAKE_MEDIA_ARGS] });

/**
 * Runs before any page script: keeps every RTCPeerConnection the page creates on `window.__peerConnections` (and
 * every WebSocket on `window.__webSockets`), so a test can read `getStats()` without the page shipping a debug
 * hook. A string: this file has no DOM types.
 */
export const RECORD_PEER_CONNECTIONS = `(() => {
  const pcs = [];
  Object.defineProperty(window, '__peerConnections', { value: pcs });
  const Original = window.RTCPeerConnection;
  if (!Original) return;
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      pcs.push(this);
    }
  };
  // The signalling sockets too, so a test can cut one (a dropped network) and watch the page rejoin.
  const sockets = [];
  Object.defineProperty(window, '__webSockets', { value: sockets });
  const OriginalSocket = window.WebSocket;
  window.WebSocket = class extends OriginalSocket {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  };
})();`;

export interface InboundRtp {
  readonly kind: 'audio' | 'video';
  readonly mid: string | null;
  readonly packetsReceived: number;
  readonly framesDecoded: number;
  readonly frameWidth: number;
  readonly frameHeight: number;
}

/** The `inbound-rtp` entries of the page's newest open peer connection (RECORD_PEER_CONNECTIONS must be installed). */
export async function inboundRtp(page: Page): Promise<InboundRtp[]> {
  return (await page.evaluate(`(async () => {
    const pc = [...window.__peerConnections].reverse().find((p) => p.connectionState !== 'closed');
    if (!pc) return [];
    const out = [];
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      out.push({ kind: s.kind, mid: s.mid ?? null, packetsReceived: s.packetsReceived ?? 0, framesDecoded: s.framesDecoded ?? 0, frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0 });
    });
    return out;
  })()`)) as InboundRtp[];
}

/** What the page's newest open peer connection says about video quality (RECORD_PEER_CONNECTIONS must be installed). */
export interface VideoQuality {
  /** Each received video: its decoded size and frame rate. */
  readonly received: { readonly frameWidth: number; readonly frameHeight: number; readonly framesPerSecond: number }[];
  /** The camera's encoder target, bits/s (what the bandwidth estimate lets it send; 0 when not sending video). */
  readonly cameraTargetBitrate: number;
  /** The send-side bandwidth estimate of the selected candidate pair, bits/s (0 when not known yet). */
  readonly availableOutgoingBitrate: number;
}

export async function videoQuality(page: Page): Promise<VideoQuality> {
  return (await page.evaluate(`(async () => {
    const pc = [...window.__peerConnections].reverse().find((p) => p.connectionState !== 'closed');
    const out = { received: [], cameraTargetBitrate: 0, availableOutgoingBitrate: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded ?? 0) > 0) {
        out.received.push({ frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0, framesPerSecond: s.framesPerSecond ?? 0 });
      } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
        out.cameraTargetBitrate = Math.max(out.cameraTargetBitrate, s.targetBitrate ?? 0);
      } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
        out.availableOutgoingBitrate = s.availableOutgoingBitrate ?? 0;
      }
    });
    return out;
  })()`)) as VideoQuality;
}

/**
 * Signs a test user in on the console's login page, with their TOTP code when they enrolled (the server's test clock
 * moves on 30 s first, so the code is one the login has not seen), and waits until the console has left /login.
 */
export async function signInToConsole(page: Page, server: { readonly origin: string; readonly clock: TestClock }, user: SignedIn): Promise<void> {
  await page.goto(`${server.origin}/login`);
  await page.getByLabel('Email address').fill(user.email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (user.totpSecret) {
    await page.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    server.clock.advance(30_000);
    await page.getByLabel('6-digit code').fill(currentCode(user.totpSecret, server.clock.now()));
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}
