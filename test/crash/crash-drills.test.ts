import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/support/table.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import type { FailpointName } from '../../src/config/failpoints.ts';
import { unwrapDataKey } from '../../src/keys/data-keys.ts';
import { recordingPrefix } from '../../src/recording/tracks.ts';
import { iso } from '../../src/shared/clock.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { decryptRange, DEFAULT_CHUNK_BYTES } from '../../src/storage/blob-format.ts';
import { createAccessExport } from '../../src/subject-rights/access-export.ts';
import { findSubjectData } from '../../src/subject-rights/inventory.ts';
import { erasedEmail } from '../../src/subject-rights/erasure.ts';
import { RIGHTS_SEAL_LABEL } from '../../src/subject-rights/codes.ts';
import { emailHash } from '../../src/subject-rights/requests.ts';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '../../src/webhooks/signature.ts';
import type { CallWorld } from '../media/support/call-setup.ts';
import { scheduleCall } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { createRecordingCallType, recordingCallTypeBody } from '../recording/support.ts';
import { insertRequest } from '../subject-rights/seed-subjects.ts';
import { DIE_WITH_PARENT, poll } from '../support/child-process.ts';
import { dialects, postgresUrl, type TestDialect } from '../support/dialects.ts';
import { addUser, ApiClient, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { EBML_MAGIC, encodeWebm, findPlaintextMedia, hasFfmpeg, MediaFeed, publishReal, vp8KeyframeSignature, type Signature } from '../support/media-feed.ts';
import { freePort } from '../support/ports.ts';
import { insertRecording, insertTrack, knownBytes, recordRecordingConsent, scheduleFixtureCall, type FixtureCall } from '../support/recording-fixtures.ts';

// Issue 15, item 3: crash drills. For each dialect and each (operation, kill point), a real Parley process — `parley
// start`, or the `parley purge` / `parley keys rotate` command — runs with PARLEY_FAILPOINTS naming that point
// (src/config/failpoints.ts) and SIGKILLs itself there; the test asserts it died by SIGKILL (a point never reached
// fails the drill). Then Parley is restarted on the same database, blobs and master key (the server in this process,
// through the same buildParley that `parley start` uses, which runs the crash recovery; a command is simply run
// again), the operation is retried where a person would retry it, the job runner drains, and the invariants are
// checked. The matrix (operation × kill point × dialect → invariant) is printed at the end.

const REPO = path.resolve(import.meta.dirname, '../..');
const BIN = 'bin/parley.mjs';
/** A plaintext ZIP (an access export) starts with this local file header. */
const ZIP_MAGIC: Signature = { name: 'ZIP local file header 50 4B 03 04', bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04]) };
const PLAINTEXT_SIGNATURES = [EBML_MAGIC, vp8KeyframeSignature(320, 240), ZIP_MAGIC];

const INVARIANTS = ['killed', 'audit', 'plaintext', 'keys', 'erasure', 'webhook', 'consistent'] as const;
type Invariant = (typeof INVARIANTS)[number];
const INVARIANT_TITLES: Record<Invariant, string> = {
  killed: 'SIGKILL at point',
  audit: 'audit verify',
  plaintext: 'no plaintext',
  keys: 'keys used/destroyed',
  erasure: 'erasure once, whole',
  webhook: 'webhook ≥1, same id',
  consistent: 'nothing half-written',
};

interface MatrixRow {
  readonly operation: string;
  readonly point: string;
  readonly dialect: string;
  readonly cells: Partial<Record<Invariant, boolean>>;
  readonly seconds: number;
}
const matrix: MatrixRow[] = [];

/** What one drill found: problems per invariant (an invariant absent from `applies` is not applicable). */
class Findings {
  readonly problems = new Map<Invariant, string[]>();
  constructor(readonly applies: ReadonlySet<Invariant>) {
    for (const i of applies) this.problems.set(i, []);
  }
  fail(invariant: Invariant, problem: string): void {
    if (!this.applies.has(invariant)) throw new Error(`${invariant} does not apply to this drill`);
    this.problems.get(invariant)!.push(problem);
  }
  check(invariant: Invariant, ok: boolean, problem: string): void {
    if (!ok) this.fail(invariant, problem);
  }
  all(): string[] {
    return [...this.problems].flatMap(([i, list]) => list.map((p) => `${i}: ${p}`));
  }
}

/** A webhook receiver on 127.0.0.1 that answers 200 and keeps every request it got. */
class Receiver {
  readonly #server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
      this.received.push({
        deliveryId: header(WEBHOOK_HEADERS.id) ?? '',
        eventId: (JSON.parse(body) as { id: string }).id,
        verified: verifyWebhookSignature({ secret: this.secret, body, timestamp: header(WEBHOOK_HEADERS.timestamp), signature: header(WEBHOOK_HEADERS.signature) }).ok,
      });
      res.writeHead(200).end('ok');
    });
  });
  readonly received: { deliveryId: string; eventId: string; verified: boolean }[] = [];
  secret = '';
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** A `parley` process started by a drill. */
interface ParleyProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
}

const children = new Set<ChildProcess>();

/**
 * `parley start` runs until stopped: it gets DIE_WITH_PARENT (which holds stdin open). A command such as `parley
 * purge` ends by itself, which an open stdin would prevent: it gets none.
 */
function spawnParley(args: readonly string[], env: Record<string, string>): ParleyProcess {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PARLEY_')) base[k] = v;
  const server = args[0] === 'start';
  const proc = spawn(process.execPath, [...(server ? ['--import', DIE_WITH_PARENT] : []), BIN, ...args], {
    cwd: REPO,
    env: { ...base, ...env },
    stdio: [server ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let output = '';
  const collect = (d: Buffer) => {
    if (output.length < 100_000) output += d.toString();
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  void exited.then(() => children.delete(proc));
  return { proc, exited, output: () => output };
}

/** Waits for a process to end; true when SIGKILL ended it (the failpoint was reached). */
async function diedBySigkill(child: ParleyProcess, timeoutMs = 30_000): Promise<boolean> {
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  if ((await Promise.race([child.exited.then(() => 'exited' as const), timer])) === 'timeout') {
    child.proc.kill('SIGKILL');
    await child.exited;
    return false;
  }
  return child.proc.signalCode === 'SIGKILL';
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

let feed: MediaFeed | null = null;
let webm: Buffer;

beforeAll(async () => {
  if (!hasFfmpeg) return;
  feed = await MediaFeed.start();
  webm = await encodeWebm({ seconds: 4 });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await feed?.stop();
  const columns = [{ title: 'operation' }, { title: 'kill point' }, { title: 'dialect' }, ...INVARIANTS.map((i) => ({ title: INVARIANT_TITLES[i] })), { title: 's', right: true }];
  const mark = (v: boolean | undefined) => (v === undefined ? '–' : v ? '✓' : '✗');
  const rows = matrix.map((r) => [r.operation, r.point, r.dialect, ...INVARIANTS.map((i) => mark(r.cells[i])), r.seconds.toFixed(1)]);
  console.log(`\nCrash drills: a real Parley process SIGKILLed at each point, then restarted (✓ held, ✗ broken, – not applicable)\n${formatTable(columns, rows)}\n`);
});

for (const d of dialects) describeDrills(d);

function describeDrills(d: TestDialect): void {
describe.skipIf(!d.available || !hasFfmpeg)(`crash drills (${d.name})`, () => {
  let t: TestParley;
  let admin: SignedIn;
  let agent: SignedIn;
  let adminToken: string;
  let receiver: Receiver;
  let webhookId: string;
  let consentTypeId: string;
  let legalTypeId: string;
  let childEnv: Record<string, string>;
  let started = 0;

  /** A client of the Parley running now (in this process) with a user's cookies. */
  const clientOf = (user: SignedIn): ApiClient => {
    const c = new ApiClient(t.parley);
    for (const [k, v] of user.client.cookies) c.cookies.set(k, v);
    return c;
  };
  const bearer = (): ApiClient => {
    const c = new ApiClient(t.parley);
    c.bearer = adminToken;
    return c;
  };
  const deps = () => t.parley.deps;
  const orgId = () => admin.orgId;

  /** `parley start` with the failpoint armed, answering /readyz; returns it and its port. */
  async function startServer(point: FailpointName) {
    const port = await freePort();
    const child = spawnParley(['start'], { ...childEnv, PARLEY_FAILPOINTS: point, PARLEY_PORT: String(port), PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}` });
    await poll(
      'parley start to answer /readyz',
      async () => {
        if (child.proc.exitCode !== null || child.proc.signalCode !== null) throw new Error(`parley start ended early:\n${child.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200;
      },
      30_000,
      child.output,
    );
    return { child, port, base: `http://127.0.0.1:${port}` };
  }

  /** A request to the child as the organisation's admin (API token); a connection cut by the kill is null. */
  async function callChild(base: string, method: string, url: string, body?: unknown): Promise<Response | null> {
    return fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).catch(() => null);
  }

  /** The restart after a crash: a new Parley on the same database, blobs and keys (recovery runs), jobs drained. */
  async function restart(): Promise<void> {
    t = await t.restart();
    await drainJobs();
  }

  async function drainJobs(): Promise<void> {
    while ((await t.parley.jobs.runDue()) > 0);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Invariants
  // ---------------------------------------------------------------------------------------------------------------

  async function checkAudit(f: Findings): Promise<void> {
    for (const { id } of await deps().db.selectFrom('organisations').select('id').execute()) {
      const report = await verifyChain(deps().db, id as OrgId);
      f.check('audit', report.ok, `audit chain of ${id} broken at ${JSON.stringify(report.firstBreak)}`);
    }
  }

  async function checkPlaintext(f: Findings): Promise<void> {
    // The blob directory: where media and exports are written. (Not the SQLite files beside it: reading them here
    // would close a descriptor of the database this process has open, and with it the process's locks on it.)
    const scan = await findPlaintextMedia([{ dir: t.config.blobDir, signatures: PLAINTEXT_SIGNATURES }]);
    for (const hit of scan.hits) f.fail('plaintext', `${hit.signature} in ${path.relative(t.config.blobDir, hit.file)} at ${hit.offset}`);
  }

  /** Every data key is in use (a live row whose blob is there, whole, and opens with it) or destroyed (null). */
  async function checkKeys(f: Findings): Promise<void> {
    const { db, keys, blobs } = deps();
    const live = { recording_tracks: ['complete', 'incomplete'], subject_exports: ['ready'] } as const;
    const liveVersions = new Map<string, Set<number>>();
    for (const table of ['recording_tracks', 'subject_exports'] as const) {
      const rows = await db.selectFrom(table).select(['id', 'org_id', 'status', 'wrapped_key', 'kek_version', 'blob_key', 'ciphertext_bytes']).execute();
      for (const r of rows) {
        if (r.wrapped_key === null) {
          f.check('keys', ['erased', 'failed'].includes(r.status), `${table} ${r.id} is ${r.status} without a key`);
          continue;
        }
        if (!(live[table] as readonly string[]).includes(r.status)) {
          f.fail('keys', `${table} ${r.id} is ${r.status} and still holds a data key`);
          continue;
        }
        const size = await blobs.size(r.blob_key);
        f.check('keys', size !== null && size === Number(r.ciphertext_bytes), `${table} ${r.id}: blob ${size} bytes, row says ${r.ciphertext_bytes}`);
        try {
          await unwrapDataKey(db, keys, r.org_id as OrgId, r.id, { kekVersion: Number(r.kek_version), wrapped: r.wrapped_key });
          if (!liveVersions.has(r.org_id)) liveVersions.set(r.org_id, new Set());
          liveVersions.get(r.org_id)!.add(Number(r.kek_version));
        } catch (err) {
          f.fail('keys', `${table} ${r.id}: data key does not open (${(err as Error).message})`);
        }
      }
    }
    // Key-encryption keys too: the current one, one still wrapping a live key, or destroyed.
    const keks = await db.selectFrom('org_keys').select(['org_id', 'version', 'sealed_key', 'retired_at']).orderBy('version').execute();
    for (const k of keks) {
      if (k.sealed_key === '') continue;
      const current = keks.filter((x) => x.org_id === k.org_id && x.retired_at === null).every((x) => x.version <= k.version) && k.retired_at === null;
      f.check('keys', current || (liveVersions.get(k.org_id)?.has(Number(k.version)) ?? false), `KEK v${k.version} of ${k.org_id} is neither current, in use nor destroyed`);
    }
  }

  /** What must never be left behind, whatever the operation. */
  async function checkConsistent(f: Findings): Promise<void> {
    const { db } = deps();
    const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: string | number | bigint }> }) => Number((await q.executeTakeFirstOrThrow()).n);
    const n = (table: 'jobs' | 'recordings' | 'recording_tracks' | 'subject_exports' | 'call_attendance' | 'webhook_deliveries', column: string, values: readonly string[] | null) =>
      count(
        db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(sql.ref(column), values === null ? 'is' : 'in', values === null ? null : values),
      );
    const stuck: [string, number][] = [
      ['job still running or failed', await n('jobs', 'state', ['running', 'failed'])],
      ['recording still `recording`', await n('recordings', 'status', ['recording'])],
      ['track still recording or finalising', await n('recording_tracks', 'status', ['recording', 'finalising'])],
      ['export still `building`', await n('subject_exports', 'status', ['building'])],
      ['attendance without a leaving time', await n('call_attendance', 'left_at', null)],
      ['webhook delivery not delivered', await n('webhook_deliveries', 'status', ['pending', 'failed'])],
    ];
    for (const [what, count] of stuck) f.check('consistent', count === 0, `${count} × ${what}`);
    const parts = (await filesUnder(t.config.blobDir)).filter((file) => file.endsWith('.part'));
    f.check('consistent', parts.length === 0, `unfinished uploads left: ${parts.map((p) => path.relative(t.config.blobDir, p)).join(', ')}`);
  }

  /** Every delivery of the given events reached the receiver at least once, always with its own delivery id, signed. */
  async function checkWebhooks(f: Findings, eventTypes: readonly string[], since: string): Promise<void> {
    const rows = await deps()
      .db.selectFrom('webhook_deliveries')
      .select(['id', 'event_id', 'event_type', 'status'])
      .where('event_type', 'in', eventTypes)
      .where('created_at', '>=', since)
      .execute();
    f.check('webhook', rows.length > 0, `no delivery of ${eventTypes.join(', ')} was queued`);
    for (const row of rows) {
      const got = receiver.received.filter((r) => r.eventId === row.event_id);
      f.check('webhook', row.status === 'delivered', `delivery ${row.id} (${row.event_type}) is ${row.status}`);
      f.check('webhook', got.length >= 1, `delivery ${row.id} (${row.event_type}) never reached the receiver`);
      f.check('webhook', got.every((r) => r.deliveryId === row.id), `event ${row.event_id} came with delivery ids ${[...new Set(got.map((r) => r.deliveryId))].join(', ')}`);
      f.check('webhook', got.every((r) => r.verified), `a request of delivery ${row.id} has a bad signature`);
    }
  }

  /** Runs one drill: `act` kills Parley at the point and brings it back; then every invariant is checked. */
  async function drill(operation: string, point: FailpointName, applies: readonly Invariant[], act: (f: Findings) => Promise<void>): Promise<void> {
    const begun = Date.now();
    const f = new Findings(new Set<Invariant>(['killed', 'audit', 'plaintext', 'keys', 'consistent', ...applies]));
    try {
      await act(f);
      await checkAudit(f);
      await checkPlaintext(f);
      await checkKeys(f);
      await checkConsistent(f);
    } finally {
      const cells: Partial<Record<Invariant, boolean>> = {};
      for (const [i, list] of f.problems) cells[i] = list.length === 0;
      matrix.push({ operation, point, dialect: d.name, cells, seconds: (Date.now() - begun) / 1000 });
    }
    expect(f.all()).toEqual([]);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Set-up: one database, blob directory and master key per dialect, shared by the drills (each makes its own data)
  // ---------------------------------------------------------------------------------------------------------------

  beforeAll(async () => {
    started = Date.now();
    t = await startTestParley(d.name, { PARLEY_MEDIA_WORKERS: '0' });
    admin = await createOrgWithAdmin(t, 'Crash Drill Bank AG');
    await publishNotice(admin);
    agent = await addUser(t, admin, 'agent');
    adminToken = (await admin.client.post('/api/api-tokens', { name: 'crash drills', role: 'admin' })).body.token;
    receiver = new Receiver();
    const created = await admin.client.post('/api/webhooks', {
      url: await receiver.start(),
      events: ['subject.erased', 'rights_request.completed'],
    });
    expect(created.status, created.raw).toBe(201);
    receiver.secret = created.body.secret;
    webhookId = created.body.webhook.id;
    const world = { t, admin, agent } as unknown as CallWorld;
    consentTypeId = (await admin.client.post('/api/call-types', recordingCallTypeBody('consent'))).body.id;
    legalTypeId = await createRecordingCallType(world, 'legal_obligation');

    let databaseUrl: string;
    if (t.config.database.dialect === 'sqlite') databaseUrl = `sqlite:${t.config.database.file}`;
    else {
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(deps().db)).rows[0]!.s;
      const url = new URL(postgresUrl!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      databaseUrl = url.toString();
    }
    childEnv = {
      PARLEY_DATA_DIR: t.dataDir,
      PARLEY_DATABASE_URL: databaseUrl,
      PARLEY_HOST: '127.0.0.1',
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_MEDIA_WORKERS: '0',
      PARLEY_JOBS_POLL_MS: '100',
    };
  }, 60_000);

  afterAll(async () => {
    await receiver?.close();
    await t?.close();
    console.log(`crash drills on ${d.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Fixtures made in this process, right before the drill that needs them
  // ---------------------------------------------------------------------------------------------------------------

  /** A customer with a scheduled call, a recorded track of their own (real WebM) and one of the agent, and consent. */
  async function subjectWithRecording(name: string): Promise<{ call: FixtureCall; recordingId: string; trackIds: string[] }> {
    const call = await scheduleFixtureCall({ ...admin, client: clientOf(admin) }, agent.userId, name);
    const recordingId = await insertRecording(deps(), orgId(), call.callId, { startedBy: agent.userId });
    const own = await insertTrack(deps(), orgId(), recordingId, call, webm, { chunkSize: DEFAULT_CHUNK_BYTES });
    const agents = await insertTrack(deps(), orgId(), recordingId, call, knownBytes(50_000, name), { participant: 'agent' });
    await recordRecordingConsent(deps(), orgId(), call, 'given');
    return { call, recordingId, trackIds: [own.trackId, agents.trackId] };
  }

  /** A call of this type scheduled here; the agent joins it over the signalling socket of a `parley start` child. */
  async function agentJoinsChild(callTypeId: string, point: FailpointName) {
    const world = { t, admin, agent: { ...agent, client: clientOf(agent) } } as unknown as CallWorld;
    const call = await scheduleCall(world, callTypeId);
    const { child, port } = await startServer(point);
    const p = await TestParticipant.join(
      `ws://127.0.0.1:${port}/api/calls/signal`,
      { type: 'join', callId: call.callId, auth: { kind: 'session' } },
      { cookie: `parley_session=${agent.client.cookies.get('parley_session')}` },
    );
    return { call, child, p };
  }

  /** A verified rights request of the subject, as the public request page leaves it (address and details sealed). */
  async function rightsRequest(subjectId: string, type: 'access' | 'erasure'): Promise<string> {
    const id = await insertRequest(deps(), orgId(), subjectId, type);
    const { email } = await deps().db.selectFrom('subjects').select('email').where('id', '=', subjectId).executeTakeFirstOrThrow();
    await deps()
      .db.updateTable('rights_requests')
      .set({
        email_sealed: deps().keys.seal(RIGHTS_SEAL_LABEL, `${id}:email`, email),
        email_hash: emailHash(deps(), email),
        details_sealed: deps().keys.seal(RIGHTS_SEAL_LABEL, `${id}:details`, JSON.stringify({ locale: 'en', text: '' })),
      })
      .where('id', '=', id)
      .execute();
    return id;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Webhook delivery: the job POSTs, then marks the delivery delivered
  // ---------------------------------------------------------------------------------------------------------------

  for (const point of ['webhook.before_post', 'webhook.after_post'] as const) {
    it(`webhook delivery killed at ${point}: delivered at least once after the restart, always with the same delivery id`, async () => {
      await drill('webhook delivery', point, ['webhook'], async (f) => {
        const since = iso(new Date(Date.now() - 1000));
        const before = receiver.received.length;
        const { child, base } = await startServer(point);
        const sent = await callChild(base, 'POST', `/api/webhooks/${webhookId}/test`);
        f.check('killed', sent?.status === 202, `the test event was not queued (${sent?.status})`);
        f.check('killed', await diedBySigkill(child), `parley start did not die by SIGKILL at ${point}:\n${child.output()}`);
        const seenBeforeRestart = receiver.received.length - before;
        f.check('killed', seenBeforeRestart === (point === 'webhook.after_post' ? 1 : 0), `the receiver saw ${seenBeforeRestart} request(s) before the restart`);
        await restart();
        await checkWebhooks(f, ['webhook.test'], since);
      });
    }, 60_000);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Access export: a `building` row and its data key, the encrypted ZIP streamed to the store, then `ready`
  // ---------------------------------------------------------------------------------------------------------------

  for (const point of ['export.after_row', 'export.mid_upload', 'export.before_ready'] as const) {
    it(`access export killed at ${point}: after the restart nothing is left building and the retried export is whole`, async () => {
      await drill('access export', point, ['webhook'], async (f) => {
        const since = iso(new Date(Date.now() - 1000));
        const { call } = await subjectWithRecording(`Export ${point}`);
        const requestId = await rightsRequest(call.subjectId, 'access');
        const { child, base } = await startServer(point);
        const res = await callChild(base, 'POST', `/api/rights-requests/${requestId}/export`, {});
        f.check('killed', res === null, `the export answered ${res?.status} instead of dying`);
        f.check('killed', await diedBySigkill(child, res === null ? 30_000 : 1_000), `parley start did not die by SIGKILL at ${point}:\n${child.output()}`);
        await restart();
        // The DPO sees the request still open and produces the export again.
        const again = await bearer().post(`/api/rights-requests/${requestId}/export`, {});
        f.check('consistent', again.status === 200, `the retried export answered ${again.status} ${again.raw}`);
        await drainJobs();
        const exports = await deps().db.selectFrom('subject_exports').selectAll().where('request_id', '=', requestId).execute();
        const ready = exports.filter((e) => e.status === 'ready');
        f.check('consistent', ready.length === 1, `${ready.length} ready exports for the request (${exports.map((e) => e.status).join(', ')})`);
        for (const e of exports.filter((x) => x.status !== 'ready')) {
          f.check('consistent', (await deps().blobs.size(e.blob_key)) === null, `export ${e.id} (${e.status}) left its blob`);
        }
        const request = await deps().db.selectFrom('rights_requests').select('status').where('id', '=', requestId).executeTakeFirstOrThrow();
        f.check('consistent', request.status === 'completed', `request is ${request.status}`);
        await checkWebhooks(f, ['rights_request.completed'], since);
      });
    }, 60_000);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Erasure: tracks crypto-shredded one by one, then everything else in one transaction, then the export blobs
  // ---------------------------------------------------------------------------------------------------------------

  for (const point of ['erasure.after_tracks_shredded', 'erasure.before_commit', 'erasure.after_commit'] as const) {
    it(`erasure killed at ${point}: completes exactly once after the restart, with the whole report`, async () => {
      await drill('erasure', point, ['erasure', 'webhook'], async (f) => {
        const since = iso(new Date(Date.now() - 1000));
        const { call } = await subjectWithRecording(`Erase ${point}`);
        // An export of theirs too, so that the erasure destroys a second kind of data key.
        const access = await rightsRequest(call.subjectId, 'access');
        await createAccessExport(deps(), orgId(), access, call.subjectId);
        const requestId = await rightsRequest(call.subjectId, 'erasure');
        const preview = await bearer().get(`/api/rights-requests/${requestId}/erasure-preview`);
        expect(preview.status, preview.raw).toBe(200);
        const { child, base } = await startServer(point);
        const res = await callChild(base, 'POST', `/api/rights-requests/${requestId}/erase`, { preview: preview.body.fingerprint });
        f.check('killed', res === null, `the erasure answered ${res?.status} instead of dying`);
        f.check('killed', await diedBySigkill(child, res === null ? 30_000 : 1_000), `parley start did not die by SIGKILL at ${point}:\n${child.output()}`);
        await restart();

        // The DPO opens the request again: still open, they confirm (again, after a fresh preview if it changed).
        const request = async () => deps().db.selectFrom('rights_requests').select(['status', 'outcome']).where('id', '=', requestId).executeTakeFirstOrThrow();
        if ((await request()).status === 'open') {
          let again = await bearer().post(`/api/rights-requests/${requestId}/erase`, { preview: preview.body.fingerprint });
          if (again.status === 409 && again.body?.error?.code === 'ERASURE_PREVIEW_STALE') {
            const fresh = await bearer().get(`/api/rights-requests/${requestId}/erasure-preview`);
            again = await bearer().post(`/api/rights-requests/${requestId}/erase`, { preview: fresh.body.fingerprint });
          }
          f.check('erasure', again.status === 200, `the retried erasure answered ${again.status} ${again.raw}`);
        }
        await drainJobs();

        const done = await request();
        f.check('erasure', done.status === 'completed', `request is ${done.status}`);
        const outcome = JSON.parse(done.outcome ?? '{}') as { action?: string; report?: { erased: { category: string; count: number }[] } };
        const sort = (list: { category: string; count: number }[]) => [...list].sort((a, b) => a.category.localeCompare(b.category));
        f.check(
          'erasure',
          JSON.stringify(sort(outcome.report?.erased ?? [])) === JSON.stringify(sort(preview.body.erased)),
          `report ${JSON.stringify(outcome.report?.erased)} is not what the preview showed ${JSON.stringify(preview.body.erased)}`,
        );
        const events = (await deps().db.selectFrom('audit_events').select(['type', 'data']).where('org_id', '=', orgId()).execute()).filter(
          (e) => (JSON.parse(e.data) as { requestId?: string }).requestId === requestId,
        );
        const completed = events.filter((e) => e.type === 'rights_request.completed').length;
        f.check('erasure', completed === 1, `${completed} rights_request.completed events`);
        const categories = events.filter((e) => e.type === 'subject.data_erased').map((e) => (JSON.parse(e.data) as { category: string }).category);
        f.check('erasure', categories.length === new Set(categories).size && categories.length === preview.body.erased.length, `data_erased events: ${categories.join(', ')}`);
        const left = await findSubjectData(deps().db, orgId(), call.subjectId);
        // What stays is what the exceptions keep (here the proof of consent, with the subject pseudonymised).
        const gone = left.recordingTracks.length === 0 && left.exports.length === 0 && left.mails.length === 0 && (left.subject === null || left.subject.email === erasedEmail(call.subjectId));
        f.check('erasure', gone, `still found: ${JSON.stringify(left)}`);
        await checkWebhooks(f, ['subject.erased'], since);
      });
    }, 60_000);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Join: the consent decisions (one transaction), then the signalling join (attendance, welcome)
  // ---------------------------------------------------------------------------------------------------------------

  it('join killed at join.consent_before_commit: the decisions are all recorded or none, and can be made again', async () => {
    await drill('join', 'join.consent_before_commit', [], async (f) => {
      const world = { t, admin, agent: { ...agent, client: clientOf(agent) } } as unknown as CallWorld;
      const call = await scheduleCall(world, consentTypeId);
      const info = await t.client().get(`/api/join/${call.customerToken}`);
      expect(info.status, info.raw).toBe(200);
      const body = {
        locale: 'en',
        noticeHash: info.body.notice.notice.contentHash,
        decisions: info.body.consents.map((c: { purpose: string; textHash: string }) => ({ purpose: c.purpose, given: true, textHash: c.textHash })),
      };
      const { child, base } = await startServer('join.consent_before_commit');
      // As the join page does: a CSRF token first (its secret comes as a cookie), then the decisions.
      const csrf = await fetch(`${base}/api/auth/csrf`);
      const cookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const { token } = (await csrf.json()) as { token: string };
      const res = await fetch(`${base}/api/join/${call.customerToken}/consents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie },
        body: JSON.stringify(body),
      }).catch(() => null);
      f.check('killed', res === null, `the decisions answered ${res?.status} instead of dying`);
      f.check('killed', await diedBySigkill(child, res === null ? 30_000 : 1_000), `parley start did not die by SIGKILL:\n${child.output()}`);
      await restart();
      const rows = async () => deps().db.selectFrom('consent_records').select('id').where('participant_id', '=', call.customerId).execute();
      f.check('consistent', (await rows()).length === 0, `${(await rows()).length} consent records survived an uncommitted transaction`);
      const again = await t.client().post(`/api/join/${call.customerToken}/consents`, body);
      f.check('consistent', again.status === 200, `the decisions made again answered ${again.status} ${again.raw}`);
      f.check('consistent', (await rows()).length === body.decisions.length, `${(await rows()).length} consent records for ${body.decisions.length} decisions`);
    });
  }, 60_000);

  for (const point of ['join.before_welcome', 'join.after_attendance'] as const) {
    it(`join killed at ${point}: after the restart no attendance is left open`, async () => {
      await drill('join', point, [], async (f) => {
        const { call, child, p } = await agentJoinsChild(consentTypeId, point);
        f.check('killed', await diedBySigkill(child), `parley start did not die by SIGKILL at ${point}:\n${child.output()}`);
        await p.close();
        await restart();
        const attendance = await deps().db.selectFrom('call_attendance').select(['left_at', 'leave_reason']).where('call_id', '=', call.callId).execute();
        if (point === 'join.after_attendance') f.check('consistent', attendance.length === 1 && attendance[0]!.leave_reason === 'closed', `attendance: ${JSON.stringify(attendance)}`);
        else f.check('consistent', attendance.length === 0, `${attendance.length} attendance rows written before the welcome`);
      });
    }, 60_000);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Recording (real media, ffmpeg): the recording row, the live encrypted upload, finalisation
  // ---------------------------------------------------------------------------------------------------------------

  for (const point of ['recording.after_row', 'recording.mid_capture', 'recording.finalise_before_swap'] as const) {
    it(`recording killed at ${point}: recovered after the restart, every kept track whole and decryptable`, async () => {
      await drill('recording', point, [], async (f) => {
        const { call, child, p } = await agentJoinsChild(legalTypeId, point);
        let detach = () => {};
        if (point !== 'recording.after_row') {
          await p.signal.next('welcome');
          const started = await p.signal.next('recording', (m) => m.state.active);
          await feed!.ready();
          detach = publishReal(p, feed!);
          if (point === 'recording.finalise_before_swap') {
            // A chunk of media in the live upload, then the agent ends the call: the recording is finalised.
            const live = path.join(t.config.blobDir, recordingPrefix(orgId(), started.state.recordingId!));
            await poll(
              'a whole chunk in the live upload',
              async () => (await Promise.all((await filesUnder(live)).map((file) => fs.stat(file).then((s) => s.size, () => 0)))).some((size) => size > DEFAULT_CHUNK_BYTES),
              30_000,
              child.output,
            );
            p.signal.send({ type: 'end' });
          }
        }
        f.check('killed', await diedBySigkill(child), `parley start did not die by SIGKILL at ${point}:\n${child.output()}`);
        detach();
        await p.close();
        await restart();
        const recordings = await deps().db.selectFrom('recordings').select(['id', 'status']).where('call_id', '=', call.callId).execute();
        f.check('consistent', recordings.length === 1 && recordings[0]!.status !== 'recording', `recordings: ${JSON.stringify(recordings)}`);
        const tracks = await deps().db.selectFrom('recording_tracks').selectAll().where('call_id', '=', call.callId).execute();
        if (point !== 'recording.after_row') f.check('consistent', tracks.some((x) => x.status === 'complete' || x.status === 'incomplete'), `no track kept: ${tracks.map((x) => x.status).join(', ')}`);
        for (const track of tracks.filter((x) => x.wrapped_key !== null)) {
          const key = await unwrapDataKey(deps().db, deps().keys, orgId(), track.id, { kekVersion: Number(track.kek_version), wrapped: track.wrapped_key! });
          let bytes = 0;
          try {
            for await (const piece of decryptRange((s, e) => deps().blobs.read(track.blob_key, s, e), Number(track.ciphertext_bytes), key, { requireFinal: true })) bytes += piece.length;
          } catch (err) {
            f.fail('consistent', `track ${track.id} (${track.status}) does not decrypt to its end: ${(err as Error).message}`);
          }
          f.check('consistent', bytes === Number(track.plaintext_bytes), `track ${track.id}: ${bytes} bytes decrypted, row says ${track.plaintext_bytes}`);
        }
      });
    }, 90_000);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // `parley purge`: keys destroyed (committed), then blobs, then rows; run again after the crash
  // ---------------------------------------------------------------------------------------------------------------

  for (const point of ['purge.after_keys_destroyed', 'purge.between_blobs', 'purge.before_rows_deleted'] as const) {
    it(`parley purge killed at ${point}: a second run finishes it, each item purged once`, async () => {
      await drill('purge', point, [], async (f) => {
        const { trackIds } = await subjectWithRecording(`Purge ${point}`);
        const past = iso(new Date(Date.now() - 86_400_000));
        await deps().db.updateTable('recording_tracks').set({ expires_at: past }).where('id', 'in', trackIds).execute();
        const blobKeys = (await deps().db.selectFrom('recording_tracks').select('blob_key').where('id', 'in', trackIds).execute()).map((r) => r.blob_key);
        const child = spawnParley(['purge'], { ...childEnv, PARLEY_FAILPOINTS: point });
        f.check('killed', await diedBySigkill(child), `parley purge did not die by SIGKILL at ${point}:\n${child.output()}`);
        const again = spawnParley(['purge'], childEnv);
        await again.exited;
        f.check('consistent', again.proc.exitCode === 0, `parley purge run again exited ${again.proc.exitCode}:\n${again.output()}`);
        const left = await deps().db.selectFrom('recording_tracks').select('id').where('id', 'in', trackIds).execute();
        f.check('consistent', left.length === 0, `${left.length} expired tracks still there`);
        for (const key of blobKeys) f.check('consistent', (await deps().blobs.size(key)) === null, `blob ${key} still there`);
        const events = await deps().db.selectFrom('audit_events').select(['type', 'data']).where('org_id', '=', orgId()).where('type', 'in', ['recording.track_erased', 'retention.purged']).execute();
        for (const trackId of trackIds) {
          for (const type of ['recording.track_erased', 'retention.purged']) {
            const n = events.filter((e) => {
              const data = JSON.parse(e.data) as { trackId?: string; itemId?: string };
              return e.type === type && (data.trackId === trackId || data.itemId === trackId);
            }).length;
            f.check('consistent', n === 1, `${n} × ${type} for ${trackId}`);
          }
        }
      });
    }, 60_000);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // `parley keys rotate`: new KEK, re-wrap in batches, destroy the old; run again after the crash
  // ---------------------------------------------------------------------------------------------------------------

  for (const point of ['keys.rotate.after_new_kek', 'keys.rotate.after_batch', 'keys.rotate.after_destroy'] as const) {
    it(`parley keys rotate killed at ${point}: a second run finishes it and every recording still decrypts`, async () => {
      await drill('keys rotate', point, [], async (f) => {
        const { trackIds } = await subjectWithRecording(`Rotate ${point}`);
        const child = spawnParley(['keys', 'rotate', '--org', orgId()], { ...childEnv, PARLEY_FAILPOINTS: point });
        f.check('killed', await diedBySigkill(child), `parley keys rotate did not die by SIGKILL at ${point}:\n${child.output()}`);
        const again = spawnParley(['keys', 'rotate', '--org', orgId()], childEnv);
        await again.exited;
        f.check('consistent', again.proc.exitCode === 0, `parley keys rotate run again exited ${again.proc.exitCode}:\n${again.output()}`);
        const keks = await deps().db.selectFrom('org_keys').select(['version', 'sealed_key', 'retired_at']).where('org_id', '=', orgId()).orderBy('version').execute();
        const alive = keks.filter((k) => k.sealed_key !== '');
        f.check('consistent', alive.length === 1 && alive[0]!.retired_at === null, `KEKs left with key material: ${alive.map((k) => `v${k.version}`).join(', ')}`);
        const [own] = trackIds;
        const track = await deps().db.selectFrom('recording_tracks').selectAll().where('id', '=', own!).executeTakeFirstOrThrow();
        const key = await unwrapDataKey(deps().db, deps().keys, orgId(), track.id, { kekVersion: Number(track.kek_version), wrapped: track.wrapped_key! });
        const pieces: Buffer[] = [];
        for await (const piece of decryptRange((s, e) => deps().blobs.read(track.blob_key, s, e), Number(track.ciphertext_bytes), key, { requireFinal: true })) pieces.push(piece);
        f.check('consistent', Buffer.concat(pieces).equals(webm), 'a recording no longer decrypts to what was recorded');
      });
    }, 60_000);
  }

  it('parley audit verify (the command) passes on the database every drill ran on', async () => {
    const begun = Date.now();
    const child = spawnParley(['audit', 'verify'], childEnv);
    await child.exited;
    matrix.push({ operation: 'all of the above', point: 'parley audit verify', dialect: d.name, cells: { audit: child.proc.exitCode === 0 }, seconds: (Date.now() - begun) / 1000 });
    expect(child.proc.exitCode, child.output()).toBe(0);
  }, 30_000);
});
}
