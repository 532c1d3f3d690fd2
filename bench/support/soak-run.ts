/**
 * The soak: a real Parley (SQLite, local encrypted blobs, media in worker processes) carries a steady number of
 * concurrent 1:1 calls for N minutes — every call recorded on consent, people joining and leaving all the time,
 * chat, some customers withdrawing their consent mid-call, calls ending in three different ways — played by the
 * synthetic clients of soak-clients.ts in their own process, on real VP8/Opus from ffmpeg.
 *
 * Each minute it reads the API process (this one) and every media worker: memory, descriptors, UDP sockets, Node's
 * active resources, event-loop p99. When the time is up it lets the last calls end, then checks what must hold
 * whatever the timing: every live counter back to zero, nothing left open that was not open before the first call,
 * every recording complete and every kept track decodable, every withdrawn consent's track erased.
 *
 * Used by `npm run bench -- soak` (bench/soak.ts) and by the 1-minute run in the suite (test/soak/soak.test.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../../src/media/worker/worker-pool.ts';
import type { WorkerCounts } from '../../src/media/worker/protocol.ts';
import type { MediaTraffic } from '../../src/media/counters.ts';
import type { SignallingCounts } from '../../src/media/signalling/call-hub.ts';
import { readProcessVitals, watchEventLoop, type ProcessVitals } from '../../src/metrics/process-vitals.ts';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { startListeningParley, type ListeningParley } from '../../test/browser/support.ts';
import { decryptTrackOf, recordingCallTypeBody } from '../../test/recording/support.ts';
import { addUser, createOrgWithAdmin, publishNotice, type SignedIn } from '../../test/support/harness.ts';
import { probe } from '../../test/support/media-feed.ts';
import { seededRandom } from '../../test/support/prng.ts';
import type { FromSoakClients, SoakCallOutcome, SoakCallPlan, SoakClientsSample, SoakEnding, ToSoakClients } from './soak-clients.ts';

export interface SoakSettings {
  readonly minutes: number;
  /** Calls held at once: when one ends, the next is scheduled and joined. */
  readonly calls: number;
  /** Each call lasts between these many seconds (uniform), once both are in and recorded. */
  readonly callSeconds: readonly [number, number];
  readonly workers: number;
  /** Share of customers who withdraw their recording consent mid-call. */
  readonly withdrawShare: number;
  /** Seconds between two rows of the table (60 for "per minute"). */
  readonly sampleSeconds: number;
  /** Seeds the plan (durations, withdrawals): the same seed plays the same calls. */
  readonly seed: number;
}

export interface SoakRow {
  /** Seconds since the soak started, at the end of this row's period. */
  readonly atSeconds: number;
  readonly callsStarted: number;
  readonly callsEnded: number;
  readonly callsFailed: number;
  readonly withdrawals: number;
  readonly chats: number;
  /** Calls and participants live on the server when the row was taken. */
  readonly liveCalls: number;
  readonly participants: number;
  /** RTP loss the receivers saw during the period (null: nothing received). */
  readonly loss: number | null;
  /**
   * RTP loss the server's media saw from the publishers during the period (sequence gaps; null: nothing received).
   * The receivers' figure covers the way out; this one the way in, which the SFU's forwarding would hide from them.
   */
  readonly serverLoss: number | null;
  readonly api: ProcessVitals;
  readonly workers: readonly ProcessVitals[];
  /** Share of one core the clients used during the period. */
  readonly clientsCore: number;
}

export interface LeftOpen {
  readonly what: string;
  readonly before: number;
  readonly after: number;
}

export interface TrackCheck {
  readonly trackId: string;
  readonly status: string;
  readonly kind: 'agent' | 'customer';
  readonly withdrew: boolean;
  /** For a complete track: decoded seconds and streams; null otherwise. */
  readonly decodedSec: number | null;
  readonly streams: string | null;
  readonly problem: string | null;
}

export interface SoakReport {
  readonly settings: SoakSettings;
  readonly rows: readonly SoakRow[];
  readonly outcomes: readonly SoakCallOutcome[];
  /** Loss over the whole run: as the receivers saw it, and as the server saw it from the publishers. */
  readonly loss: number | null;
  readonly serverLoss: number | null;
  /** Least-squares slope of RSS and heap per minute, MiB/min, from the second row on (the first one warms up). */
  readonly slopes: readonly { readonly process: string; readonly rssMiBPerMin: number | null; readonly heapMiBPerMin: number | null }[];
  /** After the last call: the API process's and the workers' live counters (all zero when nothing is held). */
  readonly hubCounts: SignallingCounts;
  readonly workerCounts: readonly WorkerCounts[];
  /** Descriptors, UDP sockets and Node resources above what was open before the first soak call. */
  readonly leftOpen: readonly LeftOpen[];
  readonly recordings: { readonly total: number; readonly complete: number; readonly problems: readonly string[] };
  readonly tracks: readonly TrackCheck[];
  /** Waiting jobs left (erasures not done, mails not sent) when the report was written. */
  readonly jobsLeft: number;
  readonly machineProblems: readonly string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

/** Least-squares slope of y over x (null with fewer than two points). */
export function slope(points: readonly (readonly [number, number])[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** Resources a process holds that must not grow across calls: descriptors, UDP sockets and Node's non-timer handles. */
function holdings(name: string, v: ProcessVitals): Map<string, number> {
  const m = new Map<string, number>();
  for (const [kind, count] of Object.entries(v.fdKinds)) m.set(`${name} descriptors (${kind})`, count);
  if (v.udpSockets !== null) m.set(`${name} UDP sockets`, v.udpSockets);
  for (const [type, count] of Object.entries(v.resources)) {
    // Timers come and go with the periodic jobs (heartbeats, job polling, metrics): counted by the hub instead.
    if (type === 'Timeout' || type === 'Immediate') continue;
    m.set(`${name} ${type}`, count);
  }
  return m;
}

class Clients {
  readonly child: ChildProcess;
  readonly outcomes: SoakCallOutcome[] = [];
  readonly #onDone: ((o: SoakCallOutcome) => void)[] = [];
  #sampleWaiter: ((s: SoakClientsSample) => void) | null = null;
  readonly ready: Promise<void>;
  readonly closed: Promise<void>;

  constructor(feedSeconds: number) {
    this.child = fork(fileURLToPath(new URL('./soak-clients.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, SOAK_FEED_SECONDS: String(feedSeconds) },
    });
    let readyResolve!: () => void;
    let readyReject!: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.closed = new Promise((resolve) => {
      this.child.on('exit', () => resolve());
    });
    this.child.on('exit', (code) => readyReject(new Error(`the soak clients exited (${code}) before they were ready`)));
    this.child.on('message', (m: FromSoakClients) => {
      if (m.type === 'ready') readyResolve();
      else if (m.type === 'failed') readyReject(new Error(`the soak clients could not start: ${m.message}`));
      else if (m.type === 'sample') this.#sampleWaiter?.(m.sample);
      else if (m.type === 'call-done') {
        this.outcomes.push(m.outcome);
        for (const f of this.#onDone.splice(0)) f(m.outcome);
      }
    });
  }

  send(m: ToSoakClients): void {
    if (this.child.connected) this.child.send(m);
  }

  /** Resolves when the next call is done. */
  nextDone(): Promise<SoakCallOutcome> {
    return new Promise((resolve) => this.#onDone.push(resolve));
  }

  sample(): Promise<SoakClientsSample> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the soak clients did not answer a sample request')), 15_000);
      this.#sampleWaiter = (s) => {
        clearTimeout(t);
        this.#sampleWaiter = null;
        resolve(s);
      };
      this.send({ type: 'sample' });
    });
  }

  async close(): Promise<void> {
    this.send({ type: 'close' });
    await Promise.race([this.closed, sleep(15_000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

interface SoakWorld {
  readonly server: ListeningParley;
  readonly pool: WorkerPool;
  readonly agent: SignedIn;
  readonly callTypeId: string;
  readonly url: string;
  readonly cookie: string;
}

async function setUp(settings: SoakSettings): Promise<SoakWorld> {
  const server = await startListeningParley({ env: { PARLEY_MEDIA_WORKERS: String(settings.workers), PARLEY_LOG_LEVEL: 'warn' } });
  try {
    const pool = server.parley.media;
    if (!(pool instanceof WorkerPool)) throw new Error('expected media workers');
    // As `parley start` does: background jobs (mails, the erasure of withdrawn consents) run while calls go on.
    server.parley.jobs.start();
    const admin = await createOrgWithAdmin(server, 'Musterbank AG');
    const agent = await addUser(server, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', recordingCallTypeBody('consent'));
    if (ct.status !== 201) throw new Error(`could not create the call type: ${ct.status} ${ct.raw}`);
    const session = agent.client.cookies.get('parley_session');
    if (!session) throw new Error('the agent has no session');
    return { server, pool, agent, callTypeId: ct.body.id as string, url: `${server.origin.replace('http', 'ws')}/api/calls/signal`, cookie: `parley_session=${session}` };
  } catch (err) {
    await server.close();
    throw err;
  }
}

async function scheduleCall(world: SoakWorld, n: number): Promise<{ callId: string; customerToken: string }> {
  const res = await world.agent.client.post('/api/calls', {
    callTypeId: world.callTypeId,
    startsAt: new Date(world.server.clock.now().getTime() + 5 * 60_000).toISOString(),
    durationMinutes: 60,
    customer: { displayName: `Soak Kundin ${n}`, email: `soak.${n}@example.test` },
  });
  if (res.status !== 201) throw new Error(`could not schedule a call: ${res.status} ${res.raw}`);
  const customer = (res.body.participants as { id: string; kind: string }[]).find((p) => p.kind === 'customer')!;
  return { callId: res.body.id as string, customerToken: joinToken(world.server.parley.deps, customer.id, res.body.id) };
}

/** True once `check` holds; false when it still does not after `timeoutMs`. */
async function poll(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
  return true;
}

const zeroHub = (c: SignallingCounts) => c.calls + c.participants + c.sockets + c.rooms + c.peers + c.peerConnections + c.publications + c.subscriptions === 0;
const zeroWorker = (c: WorkerCounts) => c.rooms + c.peers + c.peerConnections + c.publications + c.subscriptions + c.timers + c.captures === 0;

/** Runs the soak; `progress` gets each row as it is taken and a line for each phase. */
export async function runSoak(settings: SoakSettings, progress: { row?: (row: SoakRow) => void; note?: (line: string) => void } = {}): Promise<SoakReport> {
  const note = progress.note ?? (() => {});
  const rand = seededRandom(settings.seed);
  watchEventLoop();
  const world = await setUp(settings);
  const [minSec, maxSec] = settings.callSeconds;
  const clients = new Clients(settings.minutes * 60 + maxSec + 240);
  const machineProblems: string[] = [];
  try {
    await clients.ready;
    let n = 0;
    const plan = async (): Promise<SoakCallPlan> => {
      n++;
      const seconds = minSec + rand() * (maxSec - minSec);
      const withdraw = rand() < settings.withdrawShare;
      const endings: SoakEnding[] = ['agent-ends', 'customer-leaves', 'tabs-closed'];
      const { callId, customerToken } = await scheduleCall(world, n);
      return {
        url: world.url,
        callId,
        agentCookie: world.cookie,
        customerToken,
        seconds,
        withdrawAtSeconds: withdraw ? seconds * (0.3 + 0.4 * rand()) : null,
        chatEverySeconds: 4,
        ending: endings[n % endings.length]!,
      };
    };

    // One call per worker first, to their very end: they prove the path works and warm every worker (libdatachannel
    // opens its poll thread's pipes with the first peer connection, once per process); what is open after them is
    // the rest state the end is compared with.
    note(`warm-up: ${settings.workers} call(s) …`);
    const warmPlans = [];
    for (let i = 0; i < settings.workers; i++) warmPlans.push({ ...(await plan()), seconds: 3, withdrawAtSeconds: null, ending: 'agent-ends' as const });
    const warmDone = new Promise<void>((resolve) => {
      const check = () => (clients.outcomes.length >= warmPlans.length ? resolve() : void clients.nextDone().then(check));
      check();
    });
    for (const p of warmPlans) clients.send({ type: 'call', plan: p });
    await warmDone;
    const warmFailure = clients.outcomes.find((o) => o.failure);
    if (warmFailure) throw new Error(`a warm-up call failed: ${warmFailure.failure}`);
    clients.outcomes.length = 0;
    await poll(async () => zeroHub(world.server.parley.calls.counts()) && (await world.pool.workerCounts()).every(zeroWorker), 30_000);
    await world.server.parley.calls.settled();
    const baseline = new Map<string, number>();
    for (const [k, v] of holdings('API', readProcessVitals())) baseline.set(k, v);
    (await world.pool.workerVitals()).forEach((v, i) => {
      for (const [k, c] of holdings(`worker ${i + 1}`, v)) baseline.set(k, c);
    });
    const soakStart = new Date(world.server.clock.now().getTime() - 1_000).toISOString();

    // The soak proper: `settings.calls` calls at once, staggered so they do not all end together.
    const startedAt = Date.now();
    const endAt = startedAt + settings.minutes * 60_000;
    let started = 0;
    let failedToStart = 0;
    const running = new Set<Promise<void>>();
    const launch = async (delayMs: number): Promise<void> => {
      await sleep(delayMs);
      while (Date.now() < endAt) {
        let p: SoakCallPlan;
        try {
          p = await plan();
        } catch (err) {
          failedToStart++;
          machineProblems.push(String(err));
          await sleep(5_000);
          continue;
        }
        started++;
        const finished = new Promise<SoakCallOutcome>((resolve) => waiters.set(p.callId, resolve));
        clients.send({ type: 'call', plan: p });
        await finished;
      }
    };
    const waiters = new Map<string, (o: SoakCallOutcome) => void>();
    clients.child.on('message', (m: FromSoakClients) => {
      if (m.type === 'call-done') {
        waiters.get(m.outcome.callId)?.(m.outcome);
        waiters.delete(m.outcome.callId);
      }
    });
    for (let i = 0; i < settings.calls; i++) running.add(launch((i * ((minSec + maxSec) / 2) * 1000) / settings.calls));

    // Rows.
    const rows: SoakRow[] = [];
    const lossOf = (a: MediaTraffic, b: MediaTraffic) => {
      const got = b.packetsReceived - a.packetsReceived;
      const lost = b.packetsLost - a.packetsLost;
      return got + lost > 0 ? lost / (got + lost) : null;
    };
    const trafficAtStart = await world.pool.mediaTraffic();
    let prev = { sample: await clients.sample(), traffic: trafficAtStart, outcomes: 0, started: 0, at: performance.now() };
    readProcessVitals(); // starts the API's loop figure afresh
    await world.pool.workerVitals();
    const takeRow = async (): Promise<void> => {
      const sample = await clients.sample();
      const traffic = await world.pool.mediaTraffic();
      const outcomes = clients.outcomes.slice(prev.outcomes);
      const expected = sample.packetsExpected - prev.sample.packetsExpected;
      const received = sample.packetsReceived - prev.sample.packetsReceived;
      const counts = world.server.parley.calls.counts();
      const at = performance.now();
      const row: SoakRow = {
        atSeconds: Math.round((Date.now() - startedAt) / 1000),
        callsStarted: started - prev.started,
        callsEnded: outcomes.filter((o) => !o.failure).length,
        callsFailed: outcomes.filter((o) => o.failure).length,
        withdrawals: outcomes.filter((o) => o.withdrew).length,
        chats: outcomes.reduce((s, o) => s + o.chatsSent, 0),
        liveCalls: counts.calls,
        participants: counts.participants,
        loss: expected > 0 ? Math.max(0, 1 - received / expected) : null,
        serverLoss: lossOf(prev.traffic, traffic),
        api: readProcessVitals(),
        workers: await world.pool.workerVitals(),
        clientsCore: (sample.userMicros - prev.sample.userMicros + sample.systemMicros - prev.sample.systemMicros) / 1e6 / ((at - prev.at) / 1000),
      };
      rows.push(row);
      progress.row?.(row);
      prev = { sample, traffic, outcomes: clients.outcomes.length, started, at };
    };
    for (let next = startedAt + settings.sampleSeconds * 1000; next <= endAt + 500; next += settings.sampleSeconds * 1000) {
      await sleep(next - Date.now());
      await takeRow();
    }

    // The last calls end by themselves (each launcher stops after its current call).
    note('time is up: waiting for the last calls to end …');
    await Promise.race([Promise.all(running), sleep((maxSec + 120) * 1000)]);
    const totalSample = await clients.sample();
    const trafficAtEnd = await world.pool.mediaTraffic();
    await clients.close();

    note('waiting for the server to let go of everything …');
    const hubZero = await poll(async () => zeroHub(world.server.parley.calls.counts()), 90_000);
    await world.server.parley.calls.settled();
    const workersZero = await poll(async () => (await world.pool.workerCounts()).every(zeroWorker), 30_000);
    if (!hubZero || !workersZero) machineProblems.push('live counters did not come back to zero within the wait');
    const db = world.server.parley.deps.db;
    const waitingJobs = async () =>
      Number((await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', ['pending', 'running']).where('kind', '=', 'recording.erase_withdrawn').executeTakeFirstOrThrow()).n);
    note('waiting for the withdrawn consents\' erasures …');
    await poll(async () => (await waitingJobs()) === 0, 180_000);
    const jobsLeft = await waitingJobs();

    const after = new Map<string, number>(holdings('API', readProcessVitals()));
    (await world.pool.workerVitals()).forEach((v, i) => {
      for (const [k, c] of holdings(`worker ${i + 1}`, v)) after.set(k, c);
    });
    const leftOpen: LeftOpen[] = [];
    for (const [what, count] of after) {
      const before = baseline.get(what) ?? 0;
      if (count > before) leftOpen.push({ what, before, after: count });
    }

    note('decoding every recording …');
    const { recordings, tracks } = await checkRecordings(world, soakStart, clients.outcomes);
    const minuteOf = (r: SoakRow) => r.atSeconds / 60;
    const later = rows.slice(1);
    const slopes = [
      {
        process: 'API',
        rssMiBPerMin: slope(later.map((r) => [minuteOf(r), r.api.rssBytes / MiB])),
        heapMiBPerMin: slope(later.map((r) => [minuteOf(r), r.api.heapUsedBytes / MiB])),
      },
      ...Array.from({ length: settings.workers }, (_, i) => ({
        process: `worker ${i + 1}`,
        rssMiBPerMin: slope(later.filter((r) => r.workers[i]).map((r) => [minuteOf(r), r.workers[i]!.rssBytes / MiB])),
        heapMiBPerMin: slope(later.filter((r) => r.workers[i]).map((r) => [minuteOf(r), r.workers[i]!.heapUsedBytes / MiB])),
      })),
    ];
    if (failedToStart > 0) machineProblems.push(`${failedToStart} call(s) could not be scheduled`);
    return {
      settings,
      rows,
      outcomes: clients.outcomes,
      loss: totalSample.packetsExpected > 0 ? Math.max(0, 1 - totalSample.packetsReceived / totalSample.packetsExpected) : null,
      serverLoss: lossOf(trafficAtStart, trafficAtEnd),
      slopes,
      hubCounts: world.server.parley.calls.counts(),
      workerCounts: await world.pool.workerCounts(),
      leftOpen,
      recordings,
      tracks,
      jobsLeft,
      machineProblems,
    };
  } finally {
    await clients.close();
    await world.server.close();
  }
}

/**
 * Every recording made during the soak: complete, each kept track decrypted (in memory) and decoded by ffmpeg, each
 * withdrawn customer's consent track erased — key gone, blob gone.
 */
async function checkRecordings(world: SoakWorld, since: string, outcomes: readonly SoakCallOutcome[]): Promise<{ recordings: SoakReport['recordings']; tracks: TrackCheck[] }> {
  const deps = world.server.parley.deps;
  const withdrewIn = new Set(outcomes.filter((o) => o.withdrew).map((o) => o.callId));
  const recs = await deps.db.selectFrom('recordings').select(['id', 'call_id', 'status', 'failure']).where('created_at', '>=', since).execute();
  const problems: string[] = [];
  const tracks: TrackCheck[] = [];
  for (const rec of recs) {
    if (rec.status !== 'complete') problems.push(`recording ${rec.id}: ${rec.status}${rec.failure ? ` (${rec.failure})` : ''}`);
    const rows = await deps.db
      .selectFrom('recording_tracks')
      .innerJoin('participants', 'participants.id', 'recording_tracks.participant_id')
      .select(['recording_tracks.id', 'recording_tracks.status', 'recording_tracks.basis', 'recording_tracks.blob_key', 'recording_tracks.wrapped_key', 'participants.kind'])
      .where('recording_tracks.recording_id', '=', rec.id)
      .execute();
    const withdrew = withdrewIn.has(rec.call_id);
    for (const t of rows) {
      const kind = t.kind === 'agent' ? 'agent' : 'customer';
      const base = { trackId: t.id, status: t.status, kind, withdrew } as const;
      if (t.status === 'complete') {
        if (kind === 'customer' && withdrew && t.basis === 'consent') {
          tracks.push({ ...base, decodedSec: null, streams: null, problem: 'kept after the customer withdrew her consent' });
          continue;
        }
        try {
          const decoded = await probe(await decryptTrackOf(deps, t.id));
          const streams = decoded.streams.map((s) => s.codec).sort().join('+');
          tracks.push({ ...base, decodedSec: decoded.durationSec, streams, problem: decoded.decodeErrors ? `decode errors: ${decoded.decodeErrors.slice(0, 200)}` : null });
        } catch (err) {
          tracks.push({ ...base, decodedSec: null, streams: null, problem: `cannot be read: ${err instanceof Error ? err.message : String(err)}` });
        }
      } else if (t.status === 'erased') {
        const blob = await deps.blobs.size(t.blob_key);
        const problem = !(kind === 'customer' && withdrew)
          ? 'erased, though nobody withdrew'
          : t.wrapped_key !== null
            ? 'erased but its key is still there'
            : blob !== null
              ? 'erased but its blob is still there'
              : null;
        tracks.push({ ...base, decodedSec: null, streams: null, problem });
      } else {
        tracks.push({ ...base, decodedSec: null, streams: null, problem: `left ${t.status}` });
      }
    }
  }
  return { recordings: { total: recs.length, complete: recs.filter((r) => r.status === 'complete').length, problems }, tracks };
}
