/**
 * How many RTP packets per second Parley's SFU forwards, and at what CPU cost: one publisher (video + audio)
 * to N subscribers, N = 8, 16, 32, 64, with synthetic clients in Node (not browsers): a werift publisher, and
 * subscribers on libdatachannel (default: their decryption is native, so one client process can take the load) or
 * werift (`--clients werift`).
 *
 *   npm run bench -- sfu-forward [--subscribers 8,16,32,64] [--seconds 8] [--rooms R] [--clients native|werift]
 *
 * Per core means at load: one such room alone keeps the SFU at a small share of a core, where the fixed costs of
 * each wake-up (a thread woken per packet, ICE consent checks, timers) dominate and a per-core figure extrapolated
 * from it understates what a core carries. So each N runs as several such rooms at once in the one SFU process —
 * 256 ÷ N of them by default, always 256 subscriptions (38,400 packets/s out) — as a busy SFU carries many calls;
 * `--rooms 1` measures the single room.
 *
 * The SFU is Parley's own media layer (MediaServer → Room → Peer → PublishedTrack → Subscription, src/media),
 * driven directly as test/media/sfu.test.ts does, in a child process (bench/support/sfu-process.ts) so that its
 * CPU time is measured apart from the clients' (all of its threads: libdatachannel's ICE, DTLS and SRTP threads count
 * too). Signalling is replaced by offer/answer over the IPC channel:
 * it carries no media, so the packet path is the one a real call takes. The same run measures, as a baseline,
 * SRTP encryption and decryption of the same packets alone in JavaScript (werift's SrtpSession, AES-128-GCM: the
 * profile the clients negotiate, and the per-packet cost of the SFU engine Parley had before libdatachannel), so the
 * SFU's whole cost per forwarded packet can be set against what crypto alone costs in JavaScript.
 * Figures are printed, never compared to a threshold (STYLE 15).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProtectionProfileAeadAes128Gcm, RtpHeader, SrtpSession } from 'werift';
import { getLibraryVersion } from 'node-datachannel';
import { z } from 'zod';
import { printMachineHeader } from './support/machine.ts';
import { NativeSubscriber } from './support/native-subscriber.ts';
import { BenchClient, defaultRates } from './support/rtp-client.ts';
import type { FromSfu, SfuSample, ToSfu } from './support/sfu-process.ts';
import { formatInteger, formatTable } from './support/table.ts';
import { numberList, readOptions, settle } from './support/options.ts';

/** LiveKit's published figure for one core of its (Go) SFU: the field's anchor. */
const ANCHOR_PACKETS_PER_CORE = 38_000;
/** Untimed, once every subscriber receives both kinds: JIT, socket buffers, first keyframe requests. */
const WARMUP_MS = 1_500;
/** Subscribers join in groups of this many, each group once the one before receives media (as people join a call). */
/** Subscriptions per run by default (rooms = this ÷ N): enough load for a per-core figure, within what the clients can receive. */
const SUBSCRIPTIONS_PER_RUN = 256;
const JOIN_GROUP = 4;
/** After the measured window the publisher stops; the SFU's CPU is then measured for this long with no media. */
const IDLE_MS = 2_000;
/** Between the publisher stopping and the idle window: packets in flight and their RTCP drain. */
const DRAIN_MS = 500;

const settingsSchema = z.object({
  subscribers: z.array(z.number().int().positive().max(200)).min(1).default([8, 16, 32, 64]),
  seconds: z.coerce.number().positive().max(600).default(8),
  /** The subscribers' library: libdatachannel (decryption in native threads) or werift (in JavaScript). */
  clients: z.enum(['native', 'werift']).default('native'),
  /** Rooms (1 publisher → N subscribers each) at once; default 256 ÷ N. */
  rooms: z.coerce.number().int().positive().max(64).optional(),
  /** Directory for a V8 CPU profile of each SFU process (node --cpu-prof), to see where its time goes. */
  profile: z.string().min(1).optional(),
});
type Settings = z.infer<typeof settingsSchema>;

const usage = `Usage: npm run bench -- sfu-forward [options]
  --subscribers LIST   subscriber counts to run, comma-separated (default 8,16,32,64)
  --seconds S          measured seconds per count (default 8)
 --clients native|werift  the subscribers: libdatachannel peers (default; light enough to load the SFU) or werift peers
  --rooms R            rooms of 1 publisher → N subscribers at once in the SFU (default ${SUBSCRIPTIONS_PER_RUN} ÷ N)
  --profile DIR        write a V8 CPU profile of each SFU process to DIR (open in Chrome DevTools)`;

function parseSettings(argv: string[]): Settings {
  const o = readOptions(argv, ['subscribers', 'seconds', 'rooms', 'clients', 'profile'], usage);
  const invalid = '--subscribers takes positive whole numbers (at most 200), --seconds a positive number, --rooms a whole number from 1 to 64, --clients native or werift.';
  return settle(settingsSchema, { subscribers: numberList(o.subscribers), seconds: o.seconds, rooms: o.rooms, clients: o.clients, profile: o.profile }, invalid, usage);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs: number, problems: () => string[]): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (problems().length > 0) throw new Error(`${what}: ${problems().join('; ')}`);
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const sfuCpuSeconds = (s: SfuSample) => (s.userMicros + s.systemMicros) / 1e6;

interface Point {
  readonly at: number;
  readonly sfu: SfuSample;
  readonly clientsCpu: NodeJS.CpuUsage;
  readonly sent: number;
  readonly received: number;
}

interface RunResult {
  readonly subscribers: number;
  readonly rooms: number;
  readonly seconds: number;
  readonly sent: number;
  readonly sfuIn: number;
  /** Packets the SFU handed to subscribers' senders in its own window. */
  readonly sfuOut: number;
  /** The SFU process's own window, s (its samples are read a little before or after the parent's). */
  readonly sfuSeconds: number;
  readonly received: number;
  readonly sfuCpu: number;
  readonly sfuUserCpu: number;
  readonly clientsCpu: number;
  readonly setupSeconds: number;
  /** SFU CPU seconds per wall second with every peer connected and no media (ICE consent, RTCP, timers). */
  readonly sfuIdleShare: number;
  /** The machine's 1-minute load average at the end of the window (other processes compete for the cores). */
  readonly load: number;
  /** 99th percentile event-loop delay of the clients' process during the window, ms: are the clients keeping up? */
  readonly clientsLoopP99Ms: number;
}

/** `roomCount` rooms of one publisher and `n` subscribers, one SFU process; measured for `seconds` once media flows to everyone. */
async function runOne(n: number, roomCount: number, clientKind: Settings['clients'], seconds: number, profileDir: string | undefined): Promise<RunResult> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./support/sfu-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`, `--cpu-prof-name=sfu-forward-N${n}.cpuprofile`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const problems: string[] = [];
  const rooms = Array.from({ length: roomCount }, (_, r) => ({
    roomId: `call_bench_${r + 1}`,
    publisherId: `par_publisher_${r + 1}`,
    subscriberIds: Array.from({ length: n }, (_, i) => `par_room${r + 1}_subscriber_${i + 1}`),
  }));
  const clients = new Map<string, BenchClient | NativeSubscriber>();
  const publishers = rooms.map((r) => {
    const publisher = new BenchClient();
    clients.set(r.publisherId, publisher);
    return publisher;
  });
  const subscribers = rooms.flatMap((r) =>
    r.subscriberIds.map((id) => {
      const subscriber = clientKind === 'native' ? new NativeSubscriber() : new BenchClient();
      clients.set(id, subscriber);
      return subscriber;
    }),
  );
  const toSfu = (m: ToSfu) => child.send(m);
  let sampleWaiter: ((s: SfuSample) => void) | undefined;
  let closed: (() => void) | undefined;

  child.on('message', (m: FromSfu) => {
    switch (m.type) {
      case 'offer':
        clients
          .get(m.participantId)!
          .answer(m.offer)
          .then((sdp) => toSfu({ type: 'answer', participantId: m.participantId, sdp }))
          .catch((err: unknown) => problems.push(`client ${m.participantId} could not answer: ${String(err)}`));
        break;
      case 'sample':
        sampleWaiter?.(m.sample);
        break;
      case 'failed':
        problems.push(`SFU peer ${m.participantId} failed: ${m.reason}`);
        break;
      case 'error':
        problems.push(`SFU: ${m.message}`);
        break;
      case 'closed':
        closed?.();
        break;
    }
  });
  child.on('exit', (code) => {
    if (!closed) problems.push(`the SFU process exited (${code})`);
  });
  const sample = () =>
    new Promise<SfuSample>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the SFU process did not answer a sample request')), 10_000);
      sampleWaiter = (s) => {
        clearTimeout(t);
        sampleWaiter = undefined;
        resolve(s);
      };
      toSfu({ type: 'sample' });
    });
  const point = async (): Promise<Point> => {
    const sfu = await sample();
    return {
      at: performance.now(),
      sfu,
      clientsCpu: process.cpuUsage(),
      sent: publishers.reduce((sum, c) => sum + c.totalSent, 0),
      received: subscribers.reduce((sum, c) => sum + c.totalReceived, 0),
    };
  };

  try {
    const setupStart = performance.now();
    for (const [r, room] of rooms.entries()) {
      toSfu({ type: 'setup', roomId: room.roomId, publisherId: room.publisherId, sources: ['audio', 'video'] });
      publishers[r]!.startSending(defaultRates);
      for (let from = 0; from < n; from += JOIN_GROUP) {
        const ids = room.subscriberIds.slice(from, from + JOIN_GROUP);
        const group = ids.map((id) => clients.get(id)!);
        toSfu({ type: 'add', roomId: room.roomId, participantIds: ids });
        await waitFor(
          `media at subscribers ${from + 1}–${from + group.length} of ${n} in room ${r + 1} of ${roomCount}`,
          () => group.every((c) => c.received.audio > 10 && c.received.video > 10),
          20_000,
          () => problems,
        );
      }
    }
    const setupSeconds = (performance.now() - setupStart) / 1000;
    await sleep(WARMUP_MS);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const a = await point();
    loopDelay.enable();
    await sleep(seconds * 1000);
    loopDelay.disable();
    const b = await point();
    for (const p of publishers) p.stopSending();
    await sleep(DRAIN_MS);
    const c = await point();
    await sleep(IDLE_MS);
    const d = await point();
    if (problems.length > 0) throw new Error(problems.join('; '));
    return {
      sfuIdleShare: (sfuCpuSeconds(d.sfu) - sfuCpuSeconds(c.sfu)) / ((d.sfu.at - c.sfu.at) / 1000),
      clientsLoopP99Ms: loopDelay.percentile(99) / 1e6,
      load: os.loadavg()[0]!,
      subscribers: n,
      rooms: roomCount,
      seconds: (b.at - a.at) / 1000,
      sent: b.sent - a.sent,
      sfuIn: b.sfu.packetsIn - a.sfu.packetsIn,
      sfuOut: b.sfu.packetsHandedOut - a.sfu.packetsHandedOut,
      sfuSeconds: (b.sfu.at - a.sfu.at) / 1000,
      received: b.received - a.received,
      sfuCpu: sfuCpuSeconds(b.sfu) - sfuCpuSeconds(a.sfu),
      sfuUserCpu: (b.sfu.userMicros - a.sfu.userMicros) / 1e6,
      clientsCpu: cpuSeconds(b.clientsCpu) - cpuSeconds(a.clientsCpu),
      setupSeconds,
    };
  } catch (err) {
    const flowing = subscribers.filter((c) => c.received.audio > 10 && c.received.video > 10).length;
    const states = new Map<string, number>();
    for (const c of subscribers) {
      const state = c.connectionState;
      states.set(state, (states.get(state) ?? 0) + 1);
    }
    const detail = `${flowing} of ${subscribers.length} subscribers had media; their connections: ${[...states].map(([k, v]) => `${v} ${k}`).join(', ')}; publishers ${publishers.map((p) => p.connectionState).join(', ')}`;
    throw new Error(`${err instanceof Error ? err.message : String(err)} (${detail})`);
  } finally {
    for (const p of publishers) p.stopSending();
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
      setTimeout(resolve, 3_000).unref();
    });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      child.once('exit', () => resolve());
      setTimeout(resolve, 5_000).unref();
    });
    if (child.connected) toSfu({ type: 'close' });
    await gone;
    await exited; // on its own, so a profile (--profile) gets written
    if (child.exitCode === null) child.kill();
    await Promise.all([...clients.values()].map((c) => c.close().catch(() => {})));
  }
}

interface SendBaseline {
  /** JavaScript-thread time of one `sendMessageBinary` (SRTP + UDP send, with a subscription's handlers), µs. */
  readonly sendMicros: number;
}

/** libdatachannel's send path alone, in a child process (bench/support/libdatachannel-send.ts); null if it failed. */
function measureLibdatachannelSend(): Promise<SendBaseline | null> {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(new URL('./support/libdatachannel-send.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as SendBaseline);
      } catch {
        resolve(null);
      }
    });
  });
}

interface CryptoBaseline {
  readonly encryptMicros: number;
  readonly decryptMicros: number;
}

/**
 * werift's SRTP (SrtpSession, AES-128-GCM) on this run's packet mix (2 video : 1 audio), alone: what one
 * packet's encryption and decryption cost with no network, no RTP routing and no JavaScript around them.
 */
function measureCrypto(packets = 30_000): CryptoBaseline {
  const key = randomBytes(16);
  const salt = randomBytes(12);
  const session = new SrtpSession({
    keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt },
    profile: ProtectionProfileAeadAes128Gcm,
  });
  const video = Buffer.alloc(defaultRates.videoPayloadBytes, 0x42);
  const audio = Buffer.alloc(defaultRates.audioPayloadBytes, 0x42);
  const encrypted: Buffer[] = [];
  // One increasing sequence that never wraps: the decrypting side must see the same rollover counter.
  let seq = 0;
  const run = (count: number, keep: boolean) => {
    for (let i = 0; i < count; i++, seq++) {
      const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc: 1234, marker: i % 3 === 2 });
      const out = session.encrypt(i % 3 === 2 ? audio : video, header);
      if (keep) encrypted.push(out);
    }
  };
  run(2_000, false); // warm-up
  const n = Math.min(packets, 60_000);
  const e0 = process.cpuUsage();
  run(n, true);
  const encryptSeconds = cpuSeconds(process.cpuUsage(e0));
  const d0 = process.cpuUsage();
  for (const buf of encrypted) session.decrypt(buf);
  const decryptSeconds = cpuSeconds(process.cpuUsage(d0));
  return { encryptMicros: (encryptSeconds / n) * 1e6, decryptMicros: (decryptSeconds / encrypted.length) * 1e6 };
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  await printMachineHeader({ benchmark: 'sfu-forward' });
  const rates = defaultRates;
  const perSecond = rates.videoPacketsPerSecond + rates.audioPacketsPerSecond;
  console.log(
    `One publisher → N subscribers through Parley's SFU (src/media on libdatachannel ${getLibraryVersion()} via node-datachannel ${packageVersion('node-datachannel')}), synthetic clients in Node:\n` +
      `a werift ${packageVersion('werift')} publisher per room, subscribers on ${settings.clients === 'native' ? `libdatachannel (node-datachannel; decryption in native threads)` : `werift ${packageVersion('werift')} (decryption in JavaScript)`}.\n` +
      `Publisher: video ${rates.videoPacketsPerSecond} packets/s of ${formatInteger(rates.videoPayloadBytes)} B payload (${rates.videoFps} frames/s) + ` +
      `audio ${rates.audioPacketsPerSecond} packets/s of ${rates.audioPayloadBytes} B = ${perSecond} packets/s; SRTP AES-128-GCM over loopback UDP.\n` +
      `SFU driven directly (MediaServer/Room, as test/media/sfu.test.ts), in a child process; offers/answers over IPC instead of the WebSocket.\n` +
      (settings.rooms === undefined
        ? `Each N runs as ${SUBSCRIPTIONS_PER_RUN} ÷ N such rooms at once in the one SFU process (${SUBSCRIPTIONS_PER_RUN} subscriptions, ${formatInteger(SUBSCRIPTIONS_PER_RUN * perSecond)} packets/s out), so that\n` +
          `the per-core figure is taken at load, not extrapolated from a few per cent of a core; --rooms 1 measures one room alone.\n`
        : `Each N runs as ${settings.rooms} such room${settings.rooms === 1 ? '' : 's'} at once in the one SFU process (--rooms).\n`) +
      `${formatInteger(settings.seconds)} s measured per N after a ${WARMUP_MS / 1000} s warm-up, then ${IDLE_MS / 1000} s with the publisher silent (idle SFU).\n`,
  );

  const cores = os.cpus().length;
  console.log(`Load average (1 min) at start: ${os.loadavg()[0]!.toFixed(1)} on ${cores} cores — above ${cores}, other processes compete for the CPU and the figures are noisy.\n`);
  process.stderr.write('  baseline: SRTP alone in JavaScript (werift) …\n');
  const crypto = measureCrypto();
  process.stderr.write('  baseline: libdatachannel\'s send path alone …\n');
  const send = await measureLibdatachannelSend();

  const results: RunResult[] = [];
  const failures: string[] = [];
  for (const n of settings.subscribers) {
    const roomCount = settings.rooms ?? Math.max(1, Math.round(SUBSCRIPTIONS_PER_RUN / n));
    process.stderr.write(`  N = ${n}: connecting ${roomCount} × ${n + 1} peers …\n`);
    try {
      const r = await runOne(n, roomCount, settings.clients, settings.seconds, settings.profile);
      process.stderr.write(`  N = ${n}: media at every subscriber after ${r.setupSeconds.toFixed(1)} s; measured ${r.seconds.toFixed(1)} s\n`);
      results.push(r);
    } catch (err) {
      failures.push(`N = ${n}: ${err instanceof Error ? err.message : String(err)}`);
      process.stderr.write(`  N = ${n}: failed (${err instanceof Error ? err.message : String(err)})\n`);
    }
  }

  const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
  console.log(
    formatTable(
      [
        { title: 'N', right: true },
        { title: 'rooms', right: true },
        { title: 'sent/s', right: true },
        { title: 'SFU in/s', right: true },
        { title: 'SFU out/s', right: true },
        { title: 'received/s', right: true },
        { title: 'loss %', right: true },
        { title: 'SFU core %', right: true },
        { title: 'SFU CPU s/1k out', right: true },
        { title: 'µs/out', right: true },
        { title: 'user µs/out', right: true },
        { title: 'idle core %', right: true },
        { title: 'µs/out above idle', right: true },
        { title: 'out/s per core', right: true },
        { title: 'ratio to 38k', right: true },
        { title: 'clients core %', right: true },
        { title: 'clients loop p99 ms', right: true },
        { title: 'load 1m', right: true },
      ],
      results.map((r) => {
        const forwardedPerSecond = r.received / r.seconds;
        const expected = r.sent * r.subscribers;
        const loss = expected > 0 ? Math.max(0, (1 - r.received / expected) * 100) : NaN;
        // SFU figures from the SFU's own counters and clock, so its window matches its CPU reading.
        const sfuInPerSecond = r.sfuIn / r.sfuSeconds;
        const sfuOutPerSecond = r.sfuOut / r.sfuSeconds;
        const perCore = r.sfuOut / r.sfuCpu;
        return [
          String(r.subscribers),
          String(r.rooms),
          formatInteger(r.sent / r.seconds),
          formatInteger(sfuInPerSecond),
          formatInteger(sfuOutPerSecond),
          formatInteger(forwardedPerSecond),
          fixed(loss, 2),
          formatInteger((r.sfuCpu / r.sfuSeconds) * 100),
          fixed((r.sfuCpu / r.sfuOut) * 1000, 3),
          fixed((r.sfuCpu / r.sfuOut) * 1e6, 0),
          fixed((r.sfuUserCpu / r.sfuOut) * 1e6, 0),
          formatInteger(r.sfuIdleShare * 100),
          fixed(((r.sfuCpu - r.sfuIdleShare * r.sfuSeconds) / r.sfuOut) * 1e6, 0),
          formatInteger(perCore),
          fixed(perCore / ANCHOR_PACKETS_PER_CORE, 3),
          formatInteger((r.clientsCpu / r.seconds) * 100),
          fixed(r.clientsLoopP99Ms, 0),
          fixed(r.load, 1),
        ];
      }),
    ),
  );
  console.log('');
  console.log(
    formatTable(
      [
        { title: 'baseline (same run): SRTP alone in JavaScript (werift), AES-128-GCM, this packet mix', right: false },
        { title: 'µs/packet', right: true },
        { title: 'packets/s per core', right: true },
      ],
      [
        ['encrypt (the SFU does this once per forwarded packet)', fixed(crypto.encryptMicros, 1), formatInteger(1e6 / crypto.encryptMicros)],
        ['decrypt (once per packet in, shared by its N copies)', fixed(crypto.decryptMicros, 1), formatInteger(1e6 / crypto.decryptMicros)],
      ],
    ),
  );
  console.log('');
  console.log(
    formatTable(
      [
        { title: 'baseline (same run): libdatachannel alone, no Parley code', right: false },
        { title: 'µs/packet', right: true },
        { title: 'packets/s per core', right: true },
        { title: 'ratio to 38k', right: true },
      ],
      [
        send
          ? [
              'sendMessageBinary of a 1,112 B packet (SRTP + UDP, SR + NACK handlers), JS thread',
              fixed(send.sendMicros, 1),
              formatInteger(1e6 / send.sendMicros),
              fixed(1e6 / send.sendMicros / ANCHOR_PACKETS_PER_CORE, 2),
            ]
          : ['sendMessageBinary (the measurement failed: see the messages above)', '–', '–', '–'],
      ],
    ),
  );
  console.log('');
  console.log(
      'sent/s, SFU in/s, SFU out/s, received/s: totals over all rooms of the run.\n' +
      'SFU in/s, SFU out/s: packets the SFU received from the publishers and handed to libdatachannel for the subscribers\n' +
      '(it encrypts and sends each), counted by the SFU on its own clock. received/s: packets the subscribers got (decrypted).\n' +
      'loss %: 1 − received ÷ (sent × N), both counted in the clients\' process. µs/out and out/s per core: SFU CPU ÷ SFU out;\n' +
      'user µs/out: its user-mode part (the rest is the kernel\'s: sendto, and on loopback the delivery into the receiving\n' +
      'client\'s socket, which runs in the sender\'s system call).\n' +
      `Subscribers join in groups of ${JOIN_GROUP}, each once the previous group receives media. clients loop p99: event-loop delay of\n` +
      'the clients\' process in the window — when high, the clients (not the SFU) are the ones falling behind.\n' +
      'idle core %: the same SFU process afterwards, all peers still connected, no media (ICE consent checks, RTCP, timers);\n' +
      'µs/out above idle: (SFU CPU − idle share × seconds) ÷ SFU out, the marginal cost of a forwarded packet.\n' +
      'SFU CPU: process.cpuUsage() (user + system, every thread) of the SFU process alone — Parley\'s media layer and\n' +
      'libdatachannel (ICE, DTLS, SRTP, sender reports, NACK history), the kernel\'s UDP send/receive for it, Node\'s GC; no client work. The clients (publisher\n' +
      `and subscribers) run in this process; their share is shown as "clients core %". Anchor: ~${formatInteger(ANCHOR_PACKETS_PER_CORE)} forwarded\n` +
      'packets/s per core (LiveKit\'s published benchmark, a Go SFU); ratio = our SFU out/s per SFU core ÷ that.\n' +
      'libdatachannel alone: two of its peers in one process over loopback, one sending as fast as its JavaScript thread can;\n' +
      'the JavaScript thread\'s time per send is the floor of a forwarded packet\'s cost in any SFU on this library, here.',
  );
  if (failures.length > 0) {
    console.log('');
    for (const f of failures) console.log(`FAILED ${f}`);
    process.exitCode = 1;
  }
}

/** An installed package's version (package.json is not among every package's exports, so it is read from node_modules). */
function packageVersion(name: string): string {
  try {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
