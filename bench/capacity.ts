/**
 * How many concurrent 1:1 calls the machine carries: audio and video both ways, both participants recorded (a
 * legal-obligation call type, so every capture runs), media in PARLEY_MEDIA_WORKERS worker processes. Synthetic
 * clients (werift peers sending at a call's packet rates, bench/support/capacity-clients.ts) run in a separate
 * process. Calls are added a few at a time; after each step the run is measured for a while, and the ramp stops at
 * the first step where loss reaches 1 % or the API process's event-loop p99 reaches 50 ms (or at --max-calls).
 *
 *   npm run bench -- capacity [--workers 1,2] [--step 2] [--max-calls 40] [--seconds 6]
 *
 * Prints per step: calls, participants, loss, the API process's event-loop p99, the workers' and the clients' CPU,
 * the workers' memory; at the end, per worker count, the most calls carried within the limits, calls per worker core
 * and memory per participant. The clients share the machine's cores with the server: when their own event loop
 * falls behind (their p99 is printed) the limit found is theirs, and the run says so. Figures only, no threshold.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { WorkerPool } from '../src/media/worker/worker-pool.ts';
import { joinToken } from '../src/scheduling/join-links.ts';
import { startListeningParley, type ListeningParley } from '../test/browser/support.ts';
import { recordingCallTypeBody } from '../test/recording/support.ts';
import { addUser, createOrgWithAdmin, publishNotice, type SignedIn } from '../test/support/harness.ts';
import type { CallSpec, ClientsSample, FromClients, ToClients } from './support/capacity-clients.ts';
import { printMachineHeader } from './support/machine.ts';
import { numberList, readOptions, settle } from './support/options.ts';
import { formatInteger, formatTable } from './support/table.ts';

const LOSS_LIMIT = 0.01;
const LOOP_P99_LIMIT_MS = 50;
/** After a step's calls join: until their media flows, then this long untimed (keyframes, bandwidth ramp). */
const SETTLE_MS = 2_000;

const settingsSchema = z.object({
  workers: z.array(z.number().int().min(1).max(16)).min(1).default([1, 2]),
  step: z.coerce.number().int().min(1).max(20).default(2),
  maxCalls: z.coerce.number().int().min(1).max(200).default(40),
  seconds: z.coerce.number().positive().max(120).default(6),
});
type Settings = z.infer<typeof settingsSchema>;

const usage = `Usage: npm run bench -- capacity [options]
  --workers LIST    media worker counts to run, comma-separated (default 1,2)
  --step N          calls added per step (default 2)
  --max-calls N     stop the ramp here at the latest (default 40)
  --seconds S       measured seconds per step (default 6)`;

function parseSettings(argv: string[]): Settings {
  const o = readOptions(argv, ['workers', 'step', 'max-calls', 'seconds'], usage);
  return settle(
    settingsSchema,
    { workers: numberList(o.workers), step: o.step, maxCalls: o['max-calls'], seconds: o.seconds },
    '--workers takes whole numbers 1–16; --step, --max-calls and --seconds positive numbers.',
    usage,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process, bytes (Linux /proc; 0 where it cannot be read). */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system, every thread) a process has used so far (Linux /proc/<pid>/stat). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks (100/s on Linux)
  } catch {
    return 0;
  }
}

interface StepResult {
  readonly calls: number;
  readonly participants: number;
  readonly flowing: number;
  readonly loss: number;
  readonly apiLoopP99Ms: number;
  readonly apiCoreShare: number;
  readonly workersCoreShare: number;
  readonly clientsCoreShare: number;
  readonly clientsLoopP99Ms: number;
  readonly workersRss: number;
  readonly apiRss: number;
  readonly problems: string[];
}

async function runWorkers(workers: number, settings: Settings): Promise<{ steps: StepResult[]; idleWorkersRss: number; stopped: string }> {
  const server: ListeningParley = await startListeningParley({ env: { PARLEY_MEDIA_WORKERS: String(workers), PARLEY_LOG_LEVEL: 'warn' } });
  const clients: ChildProcess = fork(fileURLToPath(new URL('./support/capacity-clients.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let waiter: ((s: ClientsSample) => void) | undefined;
  let closed: (() => void) | undefined;
  clients.on('message', (m: FromClients) => {
    if (m.type === 'sample') waiter?.(m.sample);
    else closed?.();
  });
  const toClients = (m: ToClients) => clients.send(m);
  const sample = () =>
    new Promise<ClientsSample>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the clients did not answer a sample request')), 15_000);
      waiter = (s) => {
        clearTimeout(t);
        resolve(s);
      };
      toClients({ type: 'sample' });
    });
  const pool = server.parley.media;
  if (!(pool instanceof WorkerPool)) throw new Error('expected media workers');
  const workerPids = () => pool.pids.filter((p): p is number => p !== null);
  const steps: StepResult[] = [];
  let stopped = `reached --max-calls ${settings.maxCalls}`;
  try {
    const admin = await createOrgWithAdmin(server, 'Musterbank AG');
    const agent: SignedIn = await addUser(server, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', recordingCallTypeBody('legal_obligation'));
    if (ct.status !== 201) throw new Error(`could not create the call type: ${ct.status} ${ct.raw}`);
    const cookie = `parley_session=${agent.client.cookies.get('parley_session')}`;
    const url = `${server.origin.replace('http', 'ws')}/api/calls/signal`;
    await sleep(500);
    const idleWorkersRss = workerPids().reduce((n, pid) => n + rssOf(pid), 0);

    let calls = 0;
    while (calls < settings.maxCalls) {
      const add: CallSpec[] = [];
      for (let i = 0; i < settings.step && calls < settings.maxCalls; i++, calls++) {
        const res = await agent.client.post('/api/calls', {
          callTypeId: ct.body.id,
          startsAt: new Date(server.clock.now().getTime() + 600_000).toISOString(),
          durationMinutes: 60,
          customer: { displayName: 'Karla Kundin', email: `karla.${calls}@example.test` },
        });
        if (res.status !== 201) throw new Error(`could not schedule a call: ${res.status} ${res.raw}`);
        const customer = (res.body.participants as { id: string; kind: string }[]).find((p) => p.kind === 'customer')!;
        add.push({ url, callId: res.body.id, agentCookie: cookie, customerToken: joinToken(server.parley.deps, customer.id, res.body.id) });
      }
      process.stderr.write(`  ${workers} worker(s): ${calls} calls …\n`);
      toClients({ type: 'add', calls: add });
      const deadline = Date.now() + 20_000;
      let s = await sample();
      while (s.flowing < calls * 2 && Date.now() < deadline) {
        await sleep(250);
        s = await sample();
      }
      await sleep(SETTLE_MS);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      const pids = workerPids();
      const a = { clients: await sample(), api: process.cpuUsage(), workers: pids.reduce((n, pid) => n + cpuSecondsOf(pid), 0), at: performance.now() };
      loop.enable();
      await sleep(settings.seconds * 1000);
      loop.disable();
      const b = { clients: await sample(), api: process.cpuUsage(), workers: pids.reduce((n, pid) => n + cpuSecondsOf(pid), 0), at: performance.now() };
      const seconds = (b.at - a.at) / 1000;
      const sent = b.clients.sent - a.clients.sent;
      const received = b.clients.received - a.clients.received;
      const step: StepResult = {
        calls,
        participants: calls * 2,
        flowing: b.clients.flowing,
        loss: sent > 0 ? Math.max(0, 1 - received / sent) : 1,
        apiLoopP99Ms: loop.percentile(99) / 1e6,
        apiCoreShare: (b.api.user - a.api.user + b.api.system - a.api.system) / 1e6 / seconds,
        workersCoreShare: (b.workers - a.workers) / seconds,
        clientsCoreShare: (b.clients.userMicros - a.clients.userMicros + b.clients.systemMicros - a.clients.systemMicros) / 1e6 / seconds,
        clientsLoopP99Ms: b.clients.loopP99Ms,
        workersRss: workerPids().reduce((n, pid) => n + rssOf(pid), 0),
        apiRss: process.memoryUsage().rss,
        problems: [...a.clients.problems, ...b.clients.problems, ...s.problems],
      };
      steps.push(step);
      if (step.flowing < step.participants) {
        stopped = `${step.participants - step.flowing} of ${step.participants} participants had no media both ways`;
        break;
      }
      if (step.loss >= LOSS_LIMIT || step.apiLoopP99Ms >= LOOP_P99_LIMIT_MS) {
        stopped = step.loss >= LOSS_LIMIT ? `loss ${(step.loss * 100).toFixed(2)} % ≥ 1 %` : `API event-loop p99 ${step.apiLoopP99Ms.toFixed(0)} ms ≥ 50 ms`;
        break;
      }
    }
    return { steps, idleWorkersRss, stopped };
  } finally {
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
      setTimeout(resolve, 10_000).unref();
    });
    if (clients.connected) toClients({ type: 'close' });
    await gone;
    if (clients.exitCode === null) clients.kill();
    await server.close();
  }
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  await printMachineHeader({ benchmark: 'capacity' });
  console.log(
    'Concurrent 1:1 calls, audio + video both ways (150 packets/s per direction per participant: video 100 × 1,100 B, audio 50 × 100 B),\n' +
      'both participants recorded (legal-obligation call type: every capture runs, WebM → AES-GCM → blob store, in the call\'s worker).\n' +
      `Synthetic werift clients in a separate process. ${settings.step} calls added per step, each measured ${settings.seconds} s once its media flows;\n` +
      `the ramp stops at loss ≥ 1 % or API event-loop p99 ≥ 50 ms (or at ${settings.maxCalls} calls).\n`,
  );
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const summary: string[][] = [];
  for (const workers of settings.workers) {
    const { steps, idleWorkersRss, stopped } = await runWorkers(workers, settings);
    console.log(`PARLEY_MEDIA_WORKERS=${workers}: stopped because ${stopped}`);
    console.log(
      formatTable(
        [
          { title: 'calls', right: true },
          { title: 'participants', right: true },
          { title: 'loss %', right: true },
          { title: 'API loop p99 ms', right: true },
          { title: 'API core %', right: true },
          { title: 'workers core %', right: true },
          { title: 'clients core %', right: true },
          { title: 'clients loop p99 ms', right: true },
          { title: 'workers RSS MiB', right: true },
          { title: 'API RSS MiB', right: true },
        ],
        steps.map((s) => [
          String(s.calls),
          String(s.participants),
          (s.loss * 100).toFixed(2),
          s.apiLoopP99Ms.toFixed(0),
          formatInteger(s.apiCoreShare * 100),
          formatInteger(s.workersCoreShare * 100),
          formatInteger(s.clientsCoreShare * 100),
          s.clientsLoopP99Ms.toFixed(0),
          mib(s.workersRss),
          mib(s.apiRss),
        ]),
      ),
    );
    for (const s of steps) for (const p of s.problems.slice(0, 3)) console.log(`  (${s.calls} calls) ${p}`);
    console.log('');
    const within = steps.filter((s) => s.flowing === s.participants && s.loss < LOSS_LIMIT && s.apiLoopP99Ms < LOOP_P99_LIMIT_MS);
    const best = within.at(-1);
    if (best) {
      const perParticipant = (best.workersRss - idleWorkersRss) / best.participants;
      const workerCores = best.workersCoreShare;
      summary.push([
        String(workers),
        String(best.calls),
        (best.calls / workers).toFixed(1),
        workerCores > 0 ? (best.calls / workerCores).toFixed(1) : '–',
        (perParticipant / 2 ** 20).toFixed(1),
        best.clientsLoopP99Ms >= LOOP_P99_LIMIT_MS ? 'yes' : 'no',
      ]);
    } else summary.push([String(workers), '0', '–', '–', '–', '–']);
  }
  console.log(
    formatTable(
      [
        { title: 'media workers', right: true },
        { title: 'calls carried', right: true },
        { title: 'calls per worker', right: true },
        { title: 'calls per busy worker core', right: true },
        { title: 'MiB per participant (workers)', right: true },
        { title: 'clients behind?', right: false },
      ],
      summary,
    ),
  );
  console.log(
    '\ncalls carried: the last step within the limits. calls per busy worker core: calls ÷ the CPU the workers used (cores,\n' +
      'from /proc, every thread: ICE/DTLS/SRTP, forwarding, capture, WebM, encryption). MiB per participant: the workers\' RSS\n' +
      'above their idle RSS ÷ participants. clients behind: their event loop p99 ≥ 50 ms at that step — on this machine the\n' +
      'clients compete with the server for the same cores, and the limit found may be theirs.',
  );
}

// A process that ran media keeps libdatachannel's threads (and Node's event loop) alive: end it when done.
main().then(() => process.exit(process.exitCode ?? 0)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
