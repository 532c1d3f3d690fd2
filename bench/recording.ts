/**
 * What server-side recording costs the SFU process: CPU seconds per recorded participant-minute, and the bytes it
 * writes. N publishers (default 1, 2, 4), each sending audio + video to one subscriber through Parley's SFU, measured
 * in the same SFU process (a) forwarding only and (b) forwarding while one recorder per publisher runs — the
 * server's own TrackCapture (werift: jitter buffer, depacketiser, WebM muxer) feeding TrackWriter (chunked
 * AES-256-GCM) appending to a LocalBlobStore upload in a temporary directory.
 *
 *   npm run bench -- recording [--publishers 1,2,4] [--seconds 20]
 *
 * Design as sfu-forward: the SFU runs in a child process (bench/support/recording-process.ts) so that
 * process.cpuUsage() there is the server's alone, not the synthetic clients'. Figures are printed, never compared
 * to a threshold (STYLE 15).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PictureLossIndication, RtcpPayloadSpecificFeedback, RtpPacket, type MediaStreamTrack } from 'werift';
import { z } from 'zod';
import { decryptRange } from '../src/storage/blob-format.ts';
import { printMachineHeader } from './support/machine.ts';
import type { EncryptionReplay, FinishedRecording, FromRecordingSfu, RecordingSample, ToRecordingSfu } from './support/recording-process.ts';
import { BenchClient, defaultRates } from './support/rtp-client.ts';
import { formatInteger, formatTable } from './support/table.ts';
import { numberList, readOptions, settle } from './support/options.ts';

/** Untimed, once every subscriber receives both kinds: JIT, socket buffers, first keyframe requests. */
const WARMUP_MS = 3_000;
/** Untimed, after the recorders start: their first keyframe (requested at start) and the JIT of the recording path. */
const RECORDING_LEAD_IN_MS = 1_500;
/** Untimed, after the recorders have finished: the files' last writes and fsyncs, and their garbage. */
const RECORDING_DRAIN_MS = 1_000;

const settingsSchema = z.object({
  publishers: z.array(z.number().int().positive().max(32)).min(1).default([1, 2, 4]),
  /** Measured seconds per mode and count: (a) in two halves around (b), (b) in one piece. */
  seconds: z.coerce.number().positive().max(600).default(20),
});
type Settings = z.infer<typeof settingsSchema>;

const usage = `Usage: npm run bench -- recording [options]
  --publishers LIST   publisher counts to run, comma-separated (default 1,2,4)
  --seconds S         measured seconds per mode and count (default 20)`;

function parseSettings(argv: string[]): Settings {
  const o = readOptions(argv, ['publishers', 'seconds'], usage);
  const invalid = '--publishers takes positive whole numbers (at most 32), --seconds a positive number.';
  return settle(settingsSchema, { publishers: numberList(o.publishers), seconds: o.seconds }, invalid, usage);
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

/**
 * Makes the publisher's synthetic VP8 look like an encoder's to the recorder. BenchClient marks every packet as the
 * start of a keyframe; werift's WebM muxer opens a new cluster and cue point at each keyframe, so unchanged, the
 * recording would hold 30 clusters a second instead of one per keyframe. Here only the first frame and the first
 * frame after each keyframe request (PLI) are keyframes, as a browser's encoder does, and only the first packet of
 * a frame carries the start-of-partition bit. Sizes and rates are BenchClient's; the copies are made in this (the
 * clients') process, which is not measured.
 */
function encoderLikeVideo(client: BenchClient): void {
  const transceiver = client.pc.getTransceivers().find((t) => t.sender.track?.kind === 'video');
  const track: MediaStreamTrack | null | undefined = transceiver?.sender.track;
  if (!transceiver || !track) throw new Error('the publisher has no video track after its answer');
  let keyframeDue = true;
  // Not sender.onPictureLossIndication: werift routes an incoming PLI by its sender SSRC first, and the SFU's
  // receiver uses the SSRC its own sender on that m-line announced, so the client hands the PLI to its receiver and
  // the sender's event never fires. The transport sees every RTCP packet; the media SSRC says which track is meant.
  const videoSsrc = transceiver.sender.ssrc;
  for (const transport of client.pc.dtlsTransports) {
    transport.onRtcp.subscribe((packet) => {
      if (packet instanceof RtcpPayloadSpecificFeedback && packet.feedback instanceof PictureLossIndication && packet.feedback.mediaSsrc === videoSsrc) {
        keyframeDue = true;
      }
    });
  }
  const variants = new WeakMap<Buffer, { key: Buffer; delta: Buffer; continuation: Buffer }>();
  const variantsOf = (payload: Buffer) => {
    let v = variants.get(payload);
    if (!v) {
      // Byte 0: VP8 payload descriptor (S bit 0x10); byte 1: first byte of the VP8 payload header (P bit 0x01: 1 = not a keyframe).
      const key = Buffer.from(payload);
      key[0] = 0x10;
      key[1] = key[1]! & ~0x01;
      const delta = Buffer.from(key);
      delta[1] = delta[1]! | 0x01;
      const continuation = Buffer.from(payload);
      continuation[0] = 0x00;
      v = { key, delta, continuation };
      variants.set(payload, v);
    }
    return v;
  };
  const writeRtp = track.writeRtp;
  let frameStart = true;
  let keyframe = false;
  track.writeRtp = (rtp) => {
    if (Buffer.isBuffer(rtp)) return writeRtp(rtp);
    const v = variantsOf(rtp.payload);
    if (frameStart) {
      keyframe = keyframeDue;
      keyframeDue = false;
    }
    const payload = frameStart ? (keyframe ? v.key : v.delta) : v.continuation;
    frameStart = rtp.header.marker;
    writeRtp(new RtpPacket(rtp.header, payload));
  };
}

const cpuMs = (s: RecordingSample) => (s.userMicros + s.systemMicros) / 1000;

interface Window {
  readonly seconds: number;
  readonly cpuMs: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly capturedPackets: number;
  readonly webmBytes: number;
  readonly ciphertextBytes: number;
}

/** Between two samples of the SFU process, on its own clock. */
function between(a: RecordingSample, b: RecordingSample): Window {
  return {
    seconds: (b.at - a.at) / 1000,
    cpuMs: cpuMs(b) - cpuMs(a),
    packetsIn: b.packetsIn - a.packetsIn,
    packetsOut: b.packetsHandedOut - a.packetsHandedOut,
    capturedPackets: b.capturedPackets - a.capturedPackets,
    webmBytes: b.webmBytes - a.webmBytes,
    ciphertextBytes: b.ciphertextBytes - a.ciphertextBytes,
  };
}

function sum(x: Window, y: Window): Window {
  return {
    seconds: x.seconds + y.seconds,
    cpuMs: x.cpuMs + y.cpuMs,
    packetsIn: x.packetsIn + y.packetsIn,
    packetsOut: x.packetsOut + y.packetsOut,
    capturedPackets: x.capturedPackets + y.capturedPackets,
    webmBytes: x.webmBytes + y.webmBytes,
    ciphertextBytes: x.ciphertextBytes + y.ciphertextBytes,
  };
}

interface RunResult {
  readonly publishers: number;
  readonly forwardFirst: Window;
  readonly forwardSecond: Window;
  readonly forward: Window;
  readonly record: Window;
  /** Whole recordings, start to stop (lead-in included): the ciphertext/plaintext ratio is taken from these. */
  readonly recordings: FinishedRecording[];
  /** TrackWriter.write of the whole recordings replayed after they stopped (see EncryptionReplay). */
  readonly replay: EncryptionReplay;
  readonly setupSeconds: number;
  readonly load: number;
  /** Subscribers' received ÷ publishers' sent over the measured windows (the clients' process keeping up). */
  readonly delivered: number;
}

/** Live SFU processes, so that a Ctrl-C or a crash can end them. */
const children = new Set<ChildProcess>();

/** N calls of one publisher and one subscriber in one SFU process; (a) in two halves around (b). */
async function runOne(n: number, seconds: number, dir: string): Promise<RunResult> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./support/recording-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const problems: string[] = [];
  const calls = Array.from({ length: n }, (_, i) => ({
    publisherId: `par_publisher_${i + 1}`,
    subscriberId: `par_subscriber_${i + 1}`,
    publisher: new BenchClient(),
    subscriber: new BenchClient(),
  }));
  const clients = new Map<string, BenchClient>(calls.flatMap((c) => [[c.publisherId, c.publisher] as const, [c.subscriberId, c.subscriber] as const]));
  const publisherIds = new Set(calls.map((c) => c.publisherId));
  const sending = new Set<string>();
  const toSfu = (m: ToRecordingSfu) => child.send(m);
  const waiters = new Map<FromRecordingSfu['type'], (m: FromRecordingSfu) => void>();
  let closed: (() => void) | undefined;

  child.on('message', (m: FromRecordingSfu) => {
    switch (m.type) {
      case 'offer': {
        const client = clients.get(m.participantId)!;
        client
          .answer(m.offer)
          .then((sdp) => {
            toSfu({ type: 'answer', participantId: m.participantId, sdp });
            if (publisherIds.has(m.participantId) && !sending.has(m.participantId)) {
              sending.add(m.participantId);
              encoderLikeVideo(client);
              client.startSending(defaultRates);
            }
          })
          .catch((err: unknown) => problems.push(`client ${m.participantId} could not answer: ${String(err)}`));
        break;
      }
      case 'sample':
      case 'recording-started':
      case 'recording-stopped':
        waiters.get(m.type)?.(m);
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
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!closed) problems.push(`the SFU process exited (${signal ?? code})`);
  });
  /** Sends `request` and waits for the SFU's reply of type `reply`, failing early on a reported problem. */
  const ask = <T extends FromRecordingSfu['type']>(request: ToRecordingSfu, reply: T, timeoutMs: number) =>
    new Promise<Extract<FromRecordingSfu, { type: T }>>((resolve, reject) => {
      const poll = setInterval(() => {
        if (problems.length > 0) finish(() => reject(new Error(problems.join('; '))));
      }, 50);
      const t = setTimeout(() => finish(() => reject(new Error(`the SFU process did not answer ${request.type} within ${timeoutMs / 1000} s`))), timeoutMs);
      const finish = (then: () => void) => {
        clearTimeout(t);
        clearInterval(poll);
        waiters.delete(reply);
        then();
      };
      waiters.set(reply, (m) => finish(() => resolve(m as Extract<FromRecordingSfu, { type: T }>)));
      toSfu(request);
    });
  const sample = async () => (await ask({ type: 'sample' }, 'sample', 10_000)).sample;
  const sent = () => calls.reduce((s, c) => s + c.publisher.totalSent, 0);
  const received = () => calls.reduce((s, c) => s + c.subscriber.totalReceived, 0);

  try {
    const setupStart = performance.now();
    // One call at a time, each once the one before has media at its subscriber (DTLS handshakes in one process
    // starve each other when many start together).
    for (const [i, call] of calls.entries()) {
      toSfu({ type: 'call', index: i + 1, publisherId: call.publisherId, subscriberId: call.subscriberId });
      await waitFor(`media at subscriber ${i + 1} of ${n}`, () => call.subscriber.received.audio > 10 && call.subscriber.received.video > 10, 20_000, () => problems);
    }
    const setupSeconds = (performance.now() - setupStart) / 1000;
    await sleep(WARMUP_MS);
    const half = (seconds * 1000) / 2;

    // (a), first half.
    const s0 = await sample();
    const sent0 = sent();
    const received0 = received();
    await sleep(half);
    const s1 = await sample();
    const sent1 = sent();
    const received1 = received();

    // (b): recorders start, lead-in, measured window, recorders stop and complete their objects.
    const started = await ask({ type: 'start-recording', dir, prefix: `n${n}` }, 'recording-started', 10_000);
    if (started.recorders !== n) throw new Error(`${started.recorders} recorders started, expected ${n}`);
    await sleep(RECORDING_LEAD_IN_MS);
    const s2 = await sample();
    const sent2 = sent();
    const received2 = received();
    await sleep(seconds * 1000);
    const s3 = await sample();
    const sent3 = sent();
    const received3 = received();
    const { recordings, replay } = await ask({ type: 'stop-recording' }, 'recording-stopped', 30_000);
    await sleep(RECORDING_DRAIN_MS);

    // (a), second half.
    const s4 = await sample();
    const sent4 = sent();
    const received4 = received();
    await sleep(half);
    const s5 = await sample();
    const sent5 = sent();
    const received5 = received();
    if (problems.length > 0) throw new Error(problems.join('; '));

    const forwardFirst = between(s0, s1);
    const forwardSecond = between(s4, s5);
    const record = between(s2, s3);
    if (record.capturedPackets === 0 || record.webmBytes === 0) throw new Error('the recorders took in no media in the measured window');
    const sentTotal = sent1 - sent0 + (sent3 - sent2) + (sent5 - sent4);
    const receivedTotal = received1 - received0 + (received3 - received2) + (received5 - received4);
    return {
      publishers: n,
      forwardFirst,
      forwardSecond,
      forward: sum(forwardFirst, forwardSecond),
      record,
      recordings,
      replay,
      setupSeconds,
      load: os.loadavg()[0]!,
      delivered: sentTotal > 0 ? receivedTotal / sentTotal : NaN,
    };
  } catch (err) {
    const flowing = calls.filter((c) => c.subscriber.received.audio > 10 && c.subscriber.received.video > 10).length;
    throw new Error(`${err instanceof Error ? err.message : String(err)} (${flowing} of ${n} subscribers had media)`);
  } finally {
    for (const c of calls) c.publisher.stopSending();
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
      setTimeout(resolve, 3_000).unref();
    });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once('exit', () => resolve());
      setTimeout(resolve, 5_000).unref();
    });
    if (child.connected) toSfu({ type: 'close' });
    await gone;
    await exited;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.delete(child);
    await Promise.all([...clients.values()].map((c) => c.close().catch(() => {})));
  }
}

/**
 * Reads each finished recording back: its file has the size TrackWriter reported, it decrypts (every chunk's tag,
 * the final-chunk flag) to exactly the plaintext size, and that plaintext starts with a WebM (EBML) header.
 */
async function verifyRecordings(dir: string, recordings: readonly FinishedRecording[]): Promise<void> {
  for (const r of recordings) {
    const file = path.join(dir, ...r.key.split('/'));
    const size = (await stat(file)).size;
    if (size !== r.ciphertextBytes) throw new Error(`${r.key}: ${size} bytes on disk, the writer reported ${r.ciphertextBytes}`);
    const blob = await readFile(file);
    let plaintext = 0;
    let head: Buffer | undefined;
    for await (const piece of decryptRange(async (s, e) => blob.subarray(s, e + 1), blob.length, Buffer.from(r.dataKeyHex, 'hex'), { requireFinal: true })) {
      head ??= Buffer.from(piece.subarray(0, 4));
      plaintext += piece.length;
    }
    if (plaintext !== r.plaintextBytes) throw new Error(`${r.key}: decrypts to ${plaintext} bytes, the writer reported ${r.plaintextBytes}`);
    if (!head?.equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))) throw new Error(`${r.key}: the decrypted recording does not start with a WebM (EBML) header`);
  }
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

/** Encryption CPU ms in window (b): the replay's CPU per byte × the WebM bytes written in the window. */
const encryptionMs = (r: RunResult) => (r.replay.bytes > 0 ? (r.replay.cpuMicros / 1000) * (r.record.webmBytes / r.replay.bytes) : NaN);

function printRun(r: RunResult): void {
  const n = r.publishers;
  const a = r.forward;
  const b = r.record;
  const rate = (w: Window) => w.cpuMs / w.seconds; // CPU ms per wall second
  const extraMsPerSecond = rate(b) - rate(a);
  const recordedMinutes = (n * b.seconds) / 60; // participant-minutes in window (b)
  const perParticipantMinute = (ms: number) => ms / 1000 / recordedMinutes; // CPU s per participant-minute
  const extraCpuMs = extraMsPerSecond * b.seconds;
  const halves = [rate(b) - rate(r.forwardFirst), rate(b) - rate(r.forwardSecond)];
  const encryptMs = encryptionMs(r);
  const share = (ms: number) => (extraCpuMs > 0 ? `${fixed((ms / extraCpuMs) * 100, 0)} %` : '–');
  const plaintext = r.recordings.reduce((s, x) => s + x.plaintextBytes, 0);
  const ciphertext = r.recordings.reduce((s, x) => s + x.ciphertextBytes, 0);

  console.log(
    `N = ${n}: ${n} call${n === 1 ? '' : 's'} of one publisher (audio + video) → one subscriber; (a) ${fixed(a.seconds, 1)} s in two halves around (b) ${fixed(b.seconds, 1)} s ` +
      `(set-up ${fixed(r.setupSeconds, 1)} s, subscribers received ${fixed(r.delivered * 100, 1)} % of what was sent, load 1m ${fixed(r.load, 1)})`,
  );
  const row = (label: string, w: Window): string[] => [
    label,
    fixed(w.seconds, 1),
    formatInteger(w.packetsIn / w.seconds),
    formatInteger(w.packetsOut / w.seconds),
    formatInteger(w.capturedPackets / w.seconds),
    fixed(rate(w) / 10, 1),
    fixed(rate(w), 1),
  ];
  console.log(
    formatTable(
      [
        { title: '', right: false },
        { title: 's', right: true },
        { title: 'SFU in/s', right: true },
        { title: 'SFU out/s', right: true },
        { title: 'recorded/s', right: true },
        { title: 'SFU core %', right: true },
        { title: 'SFU CPU ms/s', right: true },
      ],
      [
        row('(a) forwarding only, first half', r.forwardFirst),
        row('(a) forwarding only, second half', r.forwardSecond),
        row('(a) forwarding only', a),
        row('(b) forwarding + recording', b),
        ['(b − a) recording', '', '', '', '', fixed(extraMsPerSecond / 10, 1), fixed(extraMsPerSecond, 1)],
      ],
    ),
  );
  console.log(
    formatTable(
      [
        { title: 'recording, per participant-minute', right: false },
        { title: 'CPU s', right: true },
        { title: 'share of (b − a)', right: true },
      ],
      [
        ['(b − a) CPU time ÷ (N × minutes recorded)', fixed(perParticipantMinute(extraCpuMs), 3), share(extraCpuMs)],
        [
          '  the same against each (a) half alone: the noise range',
          `${fixed(perParticipantMinute(Math.min(...halves) * b.seconds), 3)}–${fixed(perParticipantMinute(Math.max(...halves) * b.seconds), 3)}`,
          '',
        ],
        ['  encryption: TrackWriter.write (AES-256-GCM), replayed after the window', fixed(perParticipantMinute(encryptMs), 3), share(encryptMs)],
        ['  the rest: capture (werift jitter buffer, depacketiser, WebM muxer), file writes, GC', fixed(perParticipantMinute(extraCpuMs - encryptMs), 3), share(extraCpuMs - encryptMs)],
      ],
    ),
  );
  console.log(
    `  bytes per participant-minute: WebM (plaintext) ${mb((b.webmBytes / recordedMinutes))} MB, written (ciphertext) ${mb(b.ciphertextBytes / recordedMinutes)} MB; ` +
      `ciphertext ÷ plaintext of the ${r.recordings.length} whole recording${r.recordings.length === 1 ? '' : 's'} (${mb(ciphertext)} MB ÷ ${mb(plaintext)} MB) = ${fixed(ciphertext / plaintext, 5)}\n` +
      `  recordings read back: sizes match, every chunk authenticates, each decrypts to a WebM header.\n`,
  );
}

function printSummary(results: readonly RunResult[]): void {
  console.log(
    formatTable(
      [
        { title: 'N', right: true },
        { title: '(a) core %', right: true },
        { title: '(b) core %', right: true },
        { title: '(b − a) ms/s', right: true },
        { title: 'CPU s / participant-min', right: true },
        { title: 'of which encryption', right: true },
        { title: 'MB written / participant-min', right: true },
        { title: 'cipher ÷ plain', right: true },
      ],
      results.map((r) => {
        const a = r.forward.cpuMs / r.forward.seconds;
        const b = r.record.cpuMs / r.record.seconds;
        const minutes = (r.publishers * r.record.seconds) / 60;
        const plaintext = r.recordings.reduce((s, x) => s + x.plaintextBytes, 0);
        const ciphertext = r.recordings.reduce((s, x) => s + x.ciphertextBytes, 0);
        return [
          String(r.publishers),
          fixed(a / 10, 1),
          fixed(b / 10, 1),
          fixed(b - a, 1),
          fixed(((b - a) * r.record.seconds) / 1000 / minutes, 3),
          fixed(encryptionMs(r) / 1000 / minutes, 3),
          mb(r.record.ciphertextBytes / minutes),
          fixed(ciphertext / plaintext, 5),
        ];
      }),
    ),
  );
}

let tempDir: string | undefined;

function cleanUp(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  await printMachineHeader({ benchmark: 'recording' });
  const rates = defaultRates;
  console.log(
    `SFU process CPU per recorded participant-minute. Each publisher sends video ${rates.videoPacketsPerSecond} packets/s of ${formatInteger(rates.videoPayloadBytes)} B ` +
      `(${rates.videoFps} frames/s; keyframes only at start and on PLI) + audio ${rates.audioPacketsPerSecond} packets/s of ${rates.audioPayloadBytes} B,\n` +
      `synthetic payloads (werift clients in Node), SRTP over loopback UDP, to one subscriber in its own room. The SFU (src/media) runs in a child process.\n` +
      `(a) forwarding only; (b) the same plus, per publisher, TrackCapture (WebM) → TrackWriter (AES-256-GCM, 64 KiB chunks, key from randomBytes(32))\n` +
      `→ LocalBlobStore in a temporary directory. ${formatInteger(settings.seconds)} s measured per mode: (a) in two halves around (b); ` +
      `(b) after a ${RECORDING_LEAD_IN_MS / 1000} s lead-in, stopping and completing the files outside the window.\n`,
  );
  const cores = os.cpus().length;
  console.log(`Load average (1 min) at start: ${os.loadavg()[0]!.toFixed(1)} on ${cores} cores — above ${cores}, other processes compete for the CPU and the figures are noisy.\n`);

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-recording-'));
  const results: RunResult[] = [];
  const failures: string[] = [];
  try {
    for (const n of settings.publishers) {
      process.stderr.write(`  N = ${n}: connecting ${2 * n} peers …\n`);
      try {
        const r = await runOne(n, settings.seconds, tempDir);
        await verifyRecordings(tempDir, r.recordings);
        rmSync(path.join(tempDir, `n${n}`), { recursive: true, force: true });
        process.stderr.write(`  N = ${n}: done\n`);
        results.push(r);
        printRun(r);
      } catch (err) {
        failures.push(`N = ${n}: ${err instanceof Error ? err.message : String(err)}`);
        process.stderr.write(`  N = ${n}: failed (${err instanceof Error ? err.message : String(err)})\n`);
      }
    }
  } finally {
    cleanUp();
  }

  if (results.length > 0) {
    console.log('Summary');
    printSummary(results);
    console.log('');
    console.log(
      'SFU core %, SFU CPU ms/s: process.cpuUsage() (user + system, all threads) of the SFU process alone per wall second, on its own\n' +
        'clock; the clients run in this process and are not counted. (b − a): the recording\'s extra CPU, per second of the window.\n' +
        'CPU s / participant-min: (b − a) CPU time over the window ÷ (N × minutes recorded), i.e. how many CPU seconds one\n' +
        'recorded person costs per minute of call (60 would be a whole core). encryption: every TrackWriter.write of the\n' +
        'recordings replayed after they stop (same sizes and order, the bytes discarded), fastest of 3, scaled to the window\'s\n' +
        'WebM bytes; inline timing would cost more than it measures (process.cpuUsage() is ~5 µs a call on a VM). Warm and back\n' +
        'to back, it is a floor. the rest: (b − a) minus that, so it carries the noise of (b − a).\n' +
        'Read (b − a) against the spread of the two (a) halves: a difference within it is noise. MB written: ciphertext the blob\n' +
        'store wrote in the window (10^6 B); cipher ÷ plain: ciphertext ÷ WebM bytes of the whole recordings (header, 16-byte tag per\n' +
        '64 KiB chunk). Payloads are filler, not real VP8: the recorder\'s work (depacketising, muxing, encryption, writes) depends on\n' +
        'sizes and rates, not on content.',
    );
  }
  if (failures.length > 0) {
    console.log('');
    for (const f of failures) console.log(`FAILED ${f}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  cleanUp();
  console.error(err);
  process.exit(1);
});
