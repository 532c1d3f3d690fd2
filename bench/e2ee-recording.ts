/**
 * What recording an E2EE call costs in crypto (web/customer/call/e2ee/recording-crypto.ts, the code the agent's
 * browser and the DPO's console run), measured with Node's WebCrypto (the same AES-GCM, ECDH, HKDF and PBKDF2 as a
 * browser's, over OpenSSL):
 *
 * - per track opened: ephemeral ECDH key pair, key agreement and HKDF (once per recorded participant and source);
 * - per chunk: AES-256-GCM of one MediaRecorder second, at a call's bitrates, as a share of one core;
 * - in the console: unlocking the recording key (PBKDF2, 600 000 iterations) and decrypting a whole recording;
 *
 * beside `openssl speed -evp aes-256-gcm` at the nearest block size, measured in the same run.
 *
 *   npm run bench -- e2ee-recording [--minutes N] [--kbps 300,1500] [--seconds S]
 *
 * Figures are printed, never compared to a threshold (STYLE 15).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  createRecordingKeyPair,
  decryptRecording,
  frameChunk,
  openTrackEncrypter,
  RECORDING_KEY_ITERATIONS,
  unlockRecordingKey,
} from '../web/customer/call/e2ee/recording-crypto.ts';
import { printMachineHeader } from './support/machine.ts';
import { opensslSpeed, opensslVersion } from './support/openssl.ts';
import { readOptions, settle } from './support/options.ts';
import { formatTable } from './support/table.ts';

const settingsSchema = z.object({
  /** Length of the recording decrypted whole in the console, in minutes. Default 10. */
  minutes: z.coerce.number().positive().max(120).default(10),
  /** Media bitrates (audio + video) of one recorded track, in kbit/s. Default 300 (a small picture) and 1500 (HD). */
  kbps: z
    .string()
    .default('300,1500')
    .transform((s) => s.split(',').map((v) => Number(v.trim())))
    .pipe(z.array(z.number().int().positive().max(20_000)).min(1)),
  /** Seconds per `openssl speed` measurement. Default 2. */
  seconds: z.coerce.number().int().positive().default(2),
});
type Settings = z.infer<typeof settingsSchema>;

const usage = `Usage: npm run bench -- e2ee-recording [options]
  --minutes N   length of the recording decrypted whole, in minutes (default 10)
  --kbps LIST   bitrates of one recorded track in kbit/s, comma-separated (default 300,1500)
  --seconds S   seconds per openssl speed measurement (default 2)`;

const parseSettings = (argv: string[]): Settings => settle(settingsSchema, readOptions(argv, ['minutes', 'kbps', 'seconds'], usage), 'Invalid options.', usage);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  await printMachineHeader({ benchmark: 'e2ee-recording' });
  console.log(`openssl: ${await opensslVersion()}; node's OpenSSL: ${process.versions.openssl}`);
  console.log('');

  process.stderr.write('recording key (PBKDF2)…\n');
  const PASSPHRASE = 'benchmark passphrase, long enough';
  const made = await timed(() => createRecordingKeyPair(PASSPHRASE));
  const unlocked = await timed(() => unlockRecordingKey(made.value.sealed, PASSPHRASE));
  const recordingKey = { id: 'rkey_bench', publicKey: made.value.publicKey };

  process.stderr.write('opening tracks…\n');
  const opens: number[] = [];
  for (let i = 0; i < 50; i++) opens.push((await timed(() => openTrackEncrypter(recordingKey, `trk_bench${i}`))).ms);

  const rows: string[][] = [];
  const baselines = new Map<number, number | null>();
  for (const kbps of settings.kbps) {
    // One MediaRecorder blob a second: this many bytes per chunk.
    const chunkBytes = Math.round((kbps * 1000) / 8);
    process.stderr.write(`${kbps} kbit/s: chunks of ${chunkBytes} bytes…\n`);
    const enc = await openTrackEncrypter(recordingKey, `trk_rate${kbps}`);
    const chunk = randomBytes(chunkBytes);
    for (let i = 0; i < 20; i++) await enc.encryptChunk(i, false, chunk); // warm-up
    const times: number[] = [];
    const n = 300;
    for (let i = 0; i < n; i++) times.push((await timed(() => enc.encryptChunk(i, i === n - 1, chunk))).ms);
    const perChunk = median(times);
    const block = chunkBytes <= 40_000 ? 16_384 : 1_048_576;
    if (!baselines.has(block)) baselines.set(block, (await opensslSpeed(block, settings.seconds)).rate);
    const base = baselines.get(block) ?? null;
    const rate = chunkBytes / (perChunk / 1000);
    rows.push([
      `${kbps} kbit/s`,
      `${(chunkBytes / 1024).toFixed(0)} KiB`,
      perChunk.toFixed(3),
      // One chunk a second: the encryption's share of one core.
      `${((perChunk / 1000) * 100).toFixed(3)} %`,
      (rate / 1e6).toFixed(0),
      base === null ? 'n/a' : (base / 1e6).toFixed(0),
      base === null ? 'n/a' : (rate / base).toFixed(2),
    ]);
  }

  // The console: a whole recording of `minutes` at the highest bitrate, framed as stored, decrypted at once.
  const kbps = Math.max(...settings.kbps);
  const chunkBytes = Math.round((kbps * 1000) / 8);
  const chunks = Math.round(settings.minutes * 60);
  process.stderr.write(`decrypting ${settings.minutes} min at ${kbps} kbit/s…\n`);
  const trackId = 'trk_console';
  const enc = await openTrackEncrypter(recordingKey, trackId);
  const body = randomBytes(chunkBytes);
  const framed: Uint8Array[] = [];
  for (let i = 0; i < chunks; i++) framed.push(frameChunk(i === chunks - 1, await enc.encryptChunk(i, i === chunks - 1, body)));
  const stored = Buffer.concat(framed);
  const decrypted = await timed(() => decryptRecording(unlocked.value, enc.envelope, trackId, stored));
  if (!decrypted.value.complete || decrypted.value.webm.length !== chunkBytes * chunks) throw new Error('round trip failed');

  console.log('Per recorded track, in the recording agent\'s browser (one chunk a second):');
  console.log(
    formatTable(
      [
        { title: 'bitrate' },
        { title: 'chunk', right: true },
        { title: 'encrypt ms/chunk', right: true },
        { title: 'core share', right: true },
        { title: 'MB/s', right: true },
        { title: 'openssl MB/s', right: true },
        { title: 'ratio', right: true },
      ],
      rows,
    ),
  );
  console.log('');
  console.log(
    formatTable(
      [{ title: 'once' }, { title: 'ms', right: true }],
      [
        ['open a track (ephemeral ECDH P-256, key agreement, HKDF), median of 50', median(opens).toFixed(2)],
        [`make the recording key (P-256 pair, PBKDF2 ${RECORDING_KEY_ITERATIONS} iterations, seal)`, made.ms.toFixed(0)],
        ['unlock the recording key in the console (PBKDF2, open, import)', unlocked.ms.toFixed(0)],
        [
          `decrypt ${settings.minutes} min at ${kbps} kbit/s in the console (${chunks} chunks, ${(stored.length / 1e6).toFixed(0)} MB)`,
          decrypted.ms.toFixed(0),
        ],
      ],
    ),
  );
  console.log('');
  console.log('MB = 10^6 bytes. core share = encrypt time per chunk ÷ 1 s (one chunk a second per track). openssl: `openssl');
  console.log('speed -evp aes-256-gcm` at 16 KiB (chunks up to 40 kB) or 1 MiB blocks; ratio = WebCrypto ÷ openssl, per-call');
  console.log('overhead included. Node\'s WebCrypto stands in for the browser\'s: both run OpenSSL/BoringSSL AES-GCM.');
  return 0;
}

process.exitCode = await main();
