/**
 * How long a customer takes from opening the join link to seeing the agent's video: the customer's whole join
 * flow in Chromium (notice → consent → device check → "Join the call"), against a real Parley on loopback, with
 * the agent already in the call and publishing video.
 *
 *   npm run bench -- join-time [--joins 10] [--cluster yes]
 *
 * One Chromium with fake camera and microphone; the agent in one context, signed in once, opens `/live/<callId>`
 * of each call before its customer arrives; each customer join runs in a fresh context (a first visit: empty
 * cache, no cookies), closed after it. One call is scheduled per join, on a call type with `lobbyEnabled: false`
 * (so no admission wait) and a recording purpose on consent (so the consent step is shown; the script declines it).
 * The script clicks through as fast as the page allows. The times are taken inside the page
 * (bench/support/join-marks.ts), from the start of the navigation to the join link. One untimed warm-up join
 * comes first. Figures are printed, never compared to a threshold (STYLE 15).
 *
 * `--cluster yes` (issue 14) runs two `parley start` nodes on PostgreSQL, Redis and s3rver instead (it needs
 * PARLEY_TEST_POSTGRES_URL and PARLEY_TEST_REDIS_URL, as the tests do): every call is hosted on node H, the agent is
 * on H, and the customers alternate between joining through node E (their signalling bridged to H over Redis) and
 * joining H directly. Both series are printed side by side: the difference is the cost of the bridge.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { joinToken } from '../src/scheduling/join-links.ts';
import { launchChromiumWithFakeMedia, startListeningParley, type ListeningParley } from '../test/browser/support.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, TEST_PASSWORD, type SignedIn, type TestParley } from '../test/support/harness.ts';
import { clusterAvailable, startClusterEnv, type ClusterEnv } from '../test/cluster/support/cluster.ts';
import { JOIN_MARKS, percentile, RECORD_JOIN_MARKS, type JoinMark, type JoinMarks } from './support/join-marks.ts';
import { printMachineHeader } from './support/machine.ts';
import { formatTable } from './support/table.ts';
import { readOptions, settle } from './support/options.ts';

const settingsSchema = z.object({
  joins: z.coerce.number().int().min(1).max(200).default(10),
  /** Join calls of an end-to-end encrypted call type (media encrypted in the browser, issue 8). */
  e2ee: z
    .enum(['yes', 'no'])
    .default('no')
    .transform((v) => v === 'yes'),
  cluster: z
    .enum(['yes', 'no'])
    .default('no')
    .transform((v) => v === 'yes'),
});
const usage = `Usage: npm run bench -- join-time [options]
  --joins N   timed customer joins, one call each (default 10; one untimed warm-up join comes first)
  --e2ee yes  join calls of an end-to-end encrypted call type (compare with a run without it)
  --cluster yes  two cluster nodes: joins alternate between bridged (through the other node) and direct`;

function parseSettings(argv: string[]): z.infer<typeof settingsSchema> {
  const o = readOptions(argv, ['joins', 'e2ee', 'cluster'], usage);
  return settle(settingsSchema, o, '--joins takes a whole number from 1 to 200, --e2ee and --cluster yes or no.', usage);
}

const CUSTOMER = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const CONTEXT_OPTIONS = { viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' } as const;
const JOIN_TIMEOUT_MS = 20_000;
/** How long the E2EE transform's cost is measured in a running call. */
const TRANSFORM_WINDOW_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stages printed, each from the previous mark (the first from the start of the navigation). */
const STAGES: ReadonlyArray<{ mark: JoinMark; label: string }> = [
  { mark: 'notice', label: 'page load → notice shown' },
  { mark: 'deviceCheck', label: '→ device check ready (ack, consent declined, camera preview)' },
  { mark: 'joinClick', label: '→ "Join the call" clicked (script clicks "I am ready", then join)' },
  { mark: 'welcome', label: '→ joined (welcome on the socket)' },
  { mark: 'connected', label: '→ media connected (ICE + DTLS)' },
  { mark: 'statsFrame', label: '→ first frame decoded (getStats framesDecoded > 0)' },
];

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  await printMachineHeader({ benchmark: 'join-time' });

  let server: ListeningParley | TestParley | undefined;
  let cluster: ClusterEnv | undefined;
  let browser: Browser | undefined;
  const contexts = new Set<BrowserContext>();
  const cleanUp = async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await cluster?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  try {
    const setupStart = performance.now();
    if (settings.cluster && !clusterAvailable) throw new Error('--cluster yes needs PARLEY_TEST_POSTGRES_URL and PARLEY_TEST_REDIS_URL (PostgreSQL and Redis every node reaches).');
    // One node: a Parley in this process. Cluster: the organisation is written through a Parley in this process on
    // a PostgreSQL schema, then two `parley start` nodes share that schema, Redis and an s3rver.
    server = settings.cluster ? await startTestParley('postgres') : await startListeningParley();
    const admin = await createOrgWithAdmin(server, 'Musterbank AG');
    const agent = await addUser(server, admin, 'agent');
    await publishNotice(admin);
    let where: { host: string; edge: string; place: (callId: string) => Promise<void> };
    if (settings.cluster) {
      cluster = await startClusterEnv({ pgSchema: server.parley.database.pgSchema!, masterKeyFile: server.config.masterKeyFile, redisDb: 5 });
      const host = await cluster.start('H');
      const edge = await cluster.start('E');
      console.log(`Cluster: node H ${host.nodeId} (hosts every call) at ${host.origin}, node E ${edge.nodeId} at ${edge.origin}`);
      where = { host: host.origin, edge: edge.origin, place: async (callId) => void (await cluster!.redis.set(`parley:call:${callId}`, host.nodeId, 'PX', 600_000)) };
    } else {
      const origin = (server as ListeningParley).origin;
      where = { host: origin, edge: origin, place: async () => undefined };
    }
    // An E2EE call type cannot record yet (issue 8 item 3), so it declares call delivery only.
    const ct = await admin.client.post(
      '/api/call-types',
      settings.e2ee
        ? { name: 'Vertrauliche Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], e2eeRequired: true, lobbyEnabled: false }
        : {
            name: 'Beratung ohne Lobby',
            purposes: [
              { purpose: 'call_delivery', basis: 'contract' },
              { purpose: 'recording', basis: 'consent' },
            ],
            recordingMode: 'consent',
            lobbyEnabled: false,
          },
    );
    if (ct.status !== 201) throw new Error(`could not create the call type: ${ct.status} ${ct.raw}`);
    const callTypeId = ct.body.id as string;
    browser = await launchChromiumWithFakeMedia();

    const agentContext = await browser.newContext(CONTEXT_OPTIONS);
    contexts.add(agentContext);
    const agentPage = await agentContext.newPage();
    agentPage.setDefaultTimeout(15_000);
    await agentPage.goto(`${where.host}/login`);
    await agentPage.getByLabel('Email address').fill(agent.email);
    await agentPage.getByLabel('Password').fill(TEST_PASSWORD);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('link', { name: /^Calls/ }).waitFor();
    console.log(`Set-up (Parley, organisation, agent signed in): ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);
    console.log(`Joins: 1 untimed warm-up + ${settings.joins} timed, one call each, lobby off, agent in the call first${settings.e2ee ? ', end-to-end encrypted' : ''}.\n`);

    const results: JoinMarks[] = [];
    const bridged: JoinMarks[] = [];
    const pageErrors: string[] = [];
    const runStart = performance.now();
    for (let i = 0; i <= settings.joins * (settings.cluster ? 2 : 1); i++) {
      // Cluster: odd joins go through node E (bridged), even ones straight to H; one node: always the one.
      const through = settings.cluster && i % 2 === 1 ? where.edge : where.host;
      const marks = await oneJoin({ server, host: where.host, customerOrigin: through, place: where.place }, browser, contexts, agent, agentPage, callTypeId, pageErrors, settings.e2ee);
      if (i === 0) console.log(`warm-up join: first frame after ${ms(marks.statsFrame)} ms (not counted)`);
      else (through !== where.host ? bridged : results).push(marks);
    }
    const runSeconds = (performance.now() - runStart) / 1000;
    if (settings.cluster) {
      console.log('\n=== Direct: the customer\'s signalling on the hosting node H ===');
      report(results, runSeconds);
      console.log('\n=== Bridged: the customer\'s signalling through node E, relayed to H over Redis ===');
      report(bridged, runSeconds);
      compare(results, bridged);
    } else report(results, runSeconds);
    if (settings.e2ee) {
      await oneJoin({ server, host: where.host, customerOrigin: where.host, place: where.place }, browser, contexts, agent, agentPage, callTypeId, pageErrors, true, (page) => reportTransformCost(page));
    }
    if (pageErrors.length > 0) {
      console.log(`\nPage errors during the run (${pageErrors.length}):`);
      for (const e of pageErrors.slice(0, 10)) console.log(`  ${e}`);
    }
  } finally {
    await cleanUp();
  }
}

/** Schedules a call, brings the agent into it, and times one customer's join in a fresh context. */
async function oneJoin(
  at: { server: ListeningParley | TestParley; host: string; customerOrigin: string; place: (callId: string) => Promise<void> },
  browser: Browser,
  contexts: Set<BrowserContext>,
  agent: SignedIn,
  agentPage: Page,
  callTypeId: string,
  pageErrors: string[],
  e2ee: boolean,
  /** Runs with the customer still in the call, before they leave (the E2EE cost measurement). */
  hold?: (page: Page) => Promise<void>,
): Promise<JoinMarks> {
  const call = await agent.client.post('/api/calls', {
    callTypeId,
    startsAt: new Date(at.server.clock.now().getTime() + 10 * 60_000).toISOString(),
    durationMinutes: 30,
    customer: CUSTOMER,
    locale: 'en',
  });
  if (call.status !== 201) throw new Error(`could not schedule a call: ${call.status} ${call.raw}`);
  const callId = call.body.id as string;
  const customer = call.body.participants.find((p: { kind: string }) => p.kind === 'customer');
  const token = joinToken(at.server.parley.deps, customer.id, callId);
  await at.place(callId);

  // The agent is in the call and connected (so publishing) before the customer opens the link.
  await agentPage.goto(`${at.host}/live/${callId}`);
  await agentPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  await sleep(200);

  const context = await browser.newContext(CONTEXT_OPTIONS);
  contexts.add(context);
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(JOIN_TIMEOUT_MS);
    page.on('pageerror', (e) => pageErrors.push(`customer: ${e.message}`));
    await page.addInitScript({ content: RECORD_JOIN_MARKS });
    await page.goto(`${at.customerOrigin}/j/${token}`, { waitUntil: 'commit' });
    await page.getByRole('button', { name: 'I have read this notice — continue' }).click();
    // The recording box left unticked: declined. (The E2EE call type asks no consent, so it has no such step; compare
    // the media stages — welcome → connected → first frame — between the two runs.)
    if (!e2ee) await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    await page.getByTestId('join-call').click();
    // Polled from here: the page's CSP forbids the eval that waitForFunction would need.
    const deadline = Date.now() + JOIN_TIMEOUT_MS;
    while (!(await page.evaluate(`'statsFrame' in window.__joinMarks && 'painted' in window.__joinMarks`))) {
      if (Date.now() > deadline) throw new Error(`no remote video frame within ${JOIN_TIMEOUT_MS} ms: ${JSON.stringify(await page.evaluate('window.__joinMarks'))}`);
      await sleep(50);
    }
    const marks = (await page.evaluate('({ ...window.__joinMarks })')) as JoinMarks;
    if (hold) await hold(page);
    return marks;
  } finally {
    contexts.delete(context);
    await context.close(); // the customer leaves: socket and peer connection close with the context
  }
}

interface FrameCounts {
  videoEncrypted: number;
  videoEncryptMs: number;
  videoDecrypted: number;
  videoDecryptMs: number;
}

/**
 * What the encryption transform costs per video stream: the customer's frame worker reports how many video frames it
 * encrypted (its camera) and decrypted (the agent's camera) and the time spent in AES-GCM for them; read twice,
 * TRANSFORM_WINDOW_MS apart, in a call already running.
 */
async function reportTransformCost(page: Page): Promise<void> {
  const read = async () => JSON.parse((await page.getByTestId('e2ee').getAttribute('data-frames')) ?? '{}') as FrameCounts;
  await sleep(2_000);
  const a = await read();
  const started = performance.now();
  await sleep(TRANSFORM_WINDOW_MS);
  const b = await read();
  const seconds = (performance.now() - started) / 1000;
  const row = (what: string, frames: number, cryptoMs: number) => [
    what,
    (frames / seconds).toFixed(1),
    frames > 0 ? ((cryptoMs * 1000) / frames).toFixed(0) : '–',
    ((cryptoMs / 1000 / seconds) * 100).toFixed(2),
  ];
  console.log(`\nEncryption transform at the customer, one video stream each way, over ${seconds.toFixed(1)} s of a running call:\n`);
  console.log(
    formatTable(
      [{ title: 'video' }, { title: 'frames/s', right: true }, { title: 'µs per frame (AES-GCM in the worker)', right: true }, { title: '% of one core', right: true }],
      [
        row('encrypt (own camera, 640×480)', b.videoEncrypted - a.videoEncrypted, b.videoEncryptMs - a.videoEncryptMs),
        row('decrypt (the agent\'s camera)', b.videoDecrypted - a.videoDecrypted, b.videoDecryptMs - a.videoDecryptMs),
      ],
    ),
  );
  console.log('Wall time inside the worker around WebCrypto per frame (includes awaiting the crypto thread), so an upper bound on CPU.');
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : Math.round(v).toString());

function summarise(values: number[]): string[] {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(sorted[0]), ms(sorted.at(-1)), ms(mean)];
}

/** The bridge's cost: bridged minus direct, at the median and the 95th percentile, for the stages it can touch. */
function compare(direct: JoinMarks[], bridged: JoinMarks[]): void {
  const pct = (values: number[], p: number) => percentile([...values].sort((a, b) => a - b), p);
  const rows = [
    ['total (getStats first frame)', (m: JoinMarks) => m.statsFrame!],
    ['"Join the call" → welcome', (m: JoinMarks) => m.welcome! - m.joinClick!],
    ['welcome → media connected', (m: JoinMarks) => m.connected! - m.welcome!],
  ] as const;
  console.log('\nCost of the bridge (bridged − direct):\n');
  console.log(
    formatTable(
      [{ title: 'ms' }, { title: 'direct p50', right: true }, { title: 'bridged p50', right: true }, { title: 'Δ p50', right: true }, { title: 'direct p95', right: true }, { title: 'bridged p95', right: true }, { title: 'Δ p95', right: true }],
      rows.map(([label, f]) => {
        const d = direct.map(f);
        const b = bridged.map(f);
        return [label, ms(pct(d, 50)), ms(pct(b, 50)), ms(pct(b, 50) - pct(d, 50)), ms(pct(d, 95)), ms(pct(b, 95)), ms(pct(b, 95) - pct(d, 95))];
      }),
    ),
  );
}

function report(results: JoinMarks[], runSeconds: number): void {
  const cols = [
    { title: 'ms', right: false },
    { title: 'p50', right: true },
    { title: 'p95', right: true },
    { title: 'min', right: true },
    { title: 'max', right: true },
    { title: 'mean', right: true },
  ];
  const total = (m: JoinMarks) => m.statsFrame!;
  console.log(`\nJoin link opened → first decoded remote video frame at the customer, ${results.length} joins (${runSeconds.toFixed(1)} s):\n`);
  console.log(
    formatTable(cols, [
      ['total (getStats framesDecoded > 0)', ...summarise(results.map(total))],
      ['total (first requestVideoFrameCallback)', ...summarise(results.map((m) => m.painted!))],
      ['from "Join the call" click (getStats)', ...summarise(results.map((m) => m.statsFrame! - m.joinClick!))],
    ]),
  );
  console.log('\nBreakdown, each stage from the one before:\n');
  let previous: JoinMark | undefined;
  const rows = STAGES.map(({ mark, label }) => {
    const row = [label, ...summarise(results.map((m) => m[mark]! - (previous ? m[previous]! : 0)))];
    previous = mark;
    return row;
  });
  console.log(formatTable(cols, rows));
  console.log('\nEach join (ms from navigation start):\n');
  console.log(
    formatTable(
      [{ title: '#' }, ...JOIN_MARKS.map((k) => ({ title: k, right: true }))],
      results.map((m, i) => [String(i + 1), ...JOIN_MARKS.map((k) => ms(m[k]))]),
    ),
  );
  console.log('\nThe goal for later issues: p50 < 1 s on loopback (total, getStats). This run is not compared to it.');
}

// A process that ran media keeps libdatachannel's threads (and Node's event loop) alive: end it when done.
main().then(() => process.exit(process.exitCode ?? 0)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
