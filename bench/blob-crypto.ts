/**
 * Encrypt and decrypt throughput of Parley's blob format (src/storage/blob-format.ts: chunked AES-256-GCM, one
 * cipher per chunk, the header as AAD) in memory, for several chunk sizes, beside `openssl speed -evp
 * aes-256-gcm` measured in the same run: the ratio says what the format and Node's crypto binding cost over
 * the raw cipher of the same OpenSSL build family.
 *
 *   npm run bench -- blob-crypto [--mib N] [--chunks 16,64,256] [--seconds S]
 *
 * Figures are printed, never compared to a threshold (STYLE 15).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ChunkEncryptor, decryptRange } from '../src/storage/blob-format.ts';
import { printMachineHeader } from './support/machine.ts';
import { opensslSpeed, opensslVersion, type OpensslResult } from './support/openssl.ts';
import { formatTable } from './support/table.ts';
import { readOptions, settle } from './support/options.ts';

const MIB = 1024 * 1024;
/** Plaintext handed to push() at a time, like a recorder's writes (1 MiB). */
const PUSH_BYTES = MIB;

const settingsSchema = z.object({
  /** Plaintext per chunk size, in MiB. Default 256. */
  mib: z.coerce.number().int().positive().default(256),
  /** Chunk sizes in KiB. Default 16, 64, 256. */
  chunks: z
    .string()
    .default('16,64,256')
    .transform((s) => s.split(',').map((v) => Number(v.trim())))
    .pipe(z.array(z.number().int().positive().max(16 * 1024)).min(1)),
  /** Seconds per `openssl speed` measurement. Default 2. */
  seconds: z.coerce.number().int().positive().default(2),
});
type Settings = z.infer<typeof settingsSchema>;

const usage = `Usage: npm run bench -- blob-crypto [options]
  --mib N          plaintext encrypted and decrypted per chunk size, in MiB (default 256)
  --chunks LIST    chunk sizes in KiB, comma-separated (default 16,64,256)
  --seconds S      seconds per openssl speed measurement (default 2)`;

function parseSettings(argv: string[]): Settings {
  return settle(settingsSchema, readOptions(argv, ['mib', 'chunks', 'seconds'], usage), 'Invalid options.', usage);
}

interface FormatResult {
  readonly chunkBytes: number;
  readonly encryptSeconds: number;
  readonly decryptSeconds: number;
  readonly bytes: number;
}

async function benchChunkSize(plaintext: Buffer, chunkBytes: number): Promise<FormatResult> {
  const key = randomBytes(32);
  // Warm-up, untimed: JIT and the cipher paths, on 8 MiB; also checks the round trip.
  {
    const sample = plaintext.subarray(0, Math.min(plaintext.length, 8 * MIB));
    const enc = new ChunkEncryptor(key, 'bench', { chunkSize: chunkBytes });
    const blob = Buffer.concat([enc.push(sample), enc.finish()]);
    const back: Buffer[] = [];
    for await (const piece of decryptRange(async (s, e) => blob.subarray(s, e + 1), blob.length, key, { requireFinal: true })) back.push(piece);
    if (!Buffer.concat(back).equals(sample)) throw new Error(`round trip failed at chunk size ${chunkBytes}`);
  }

  const pieces: Buffer[] = [];
  const encStart = performance.now();
  const enc = new ChunkEncryptor(key, 'bench', { chunkSize: chunkBytes });
  for (let offset = 0; offset < plaintext.length; offset += PUSH_BYTES) {
    pieces.push(enc.push(plaintext.subarray(offset, offset + PUSH_BYTES)));
  }
  pieces.push(enc.finish());
  const encryptSeconds = (performance.now() - encStart) / 1000;

  const blob = Buffer.concat(pieces);
  pieces.length = 0;
  // The read callback hands out views of the in-memory blob: no copy, no I/O; what is left is the format's work.
  const read = async (start: number, end: number) => blob.subarray(start, end + 1);
  let total = 0;
  const decStart = performance.now();
  for await (const piece of decryptRange(read, blob.length, key, { requireFinal: true })) total += piece.length;
  const decryptSeconds = (performance.now() - decStart) / 1000;
  if (total !== plaintext.length) throw new Error(`decrypted ${total} bytes, expected ${plaintext.length}`);
  return { chunkBytes, encryptSeconds, decryptSeconds, bytes: plaintext.length };
}

const mbPerSecond = (bytesPerSecond: number) => (bytesPerSecond / 1e6).toFixed(0);

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  await printMachineHeader({ benchmark: 'blob-crypto' });
  console.log(`openssl: ${await opensslVersion()}; node's OpenSSL: ${process.versions.openssl}`);
  console.log(`plaintext per chunk size: ${settings.mib} MiB in memory, pushed ${PUSH_BYTES / MIB} MiB at a time; decrypted whole with requireFinal`);
  console.log('');

  process.stderr.write('openssl speed…\n');
  const openssl = new Map<number, OpensslResult>();
  for (const bytes of [16384, 65536]) openssl.set(bytes, await opensslSpeed(bytes, settings.seconds));

  const plaintext = randomBytes(settings.mib * MIB);
  const results: FormatResult[] = [];
  for (const kib of settings.chunks) {
    process.stderr.write(`chunk size ${kib} KiB…\n`);
    results.push(await benchChunkSize(plaintext, kib * 1024));
  }

  // The openssl figure to compare with: the same block size when measured, else the nearest measured one.
  const baselineFor = (chunkBytes: number) => {
    const sizes = [...openssl.keys()];
    const nearest = sizes.reduce((a, b) => (Math.abs(Math.log(b / chunkBytes)) < Math.abs(Math.log(a / chunkBytes)) ? b : a));
    return openssl.get(nearest)!;
  };

  console.log(
    formatTable(
      [
        { title: 'chunk' },
        { title: 'encrypt MB/s', right: true },
        { title: 'decrypt MB/s', right: true },
        { title: 'openssl MB/s', right: true },
        { title: 'openssl block' },
        { title: 'encrypt ratio', right: true },
        { title: 'decrypt ratio', right: true },
      ],
      results.map((r) => {
        const enc = r.bytes / r.encryptSeconds;
        const dec = r.bytes / r.decryptSeconds;
        const base = baselineFor(r.chunkBytes);
        return [
          `${r.chunkBytes / 1024} KiB`,
          mbPerSecond(enc),
          mbPerSecond(dec),
          base.rate === null ? 'n/a' : mbPerSecond(base.rate),
          `${base.bytes / 1024} KiB`,
          base.rate === null ? 'n/a' : (enc / base.rate).toFixed(2),
          base.rate === null ? 'n/a' : (dec / base.rate).toFixed(2),
        ];
      }),
    ),
  );
  console.log('');
  for (const o of openssl.values()) {
    if (o.rate === null) console.log(`openssl speed -bytes ${o.bytes}: ${o.note}`);
  }
  console.log('MB = 10^6 bytes of plaintext. openssl: `openssl speed -evp aes-256-gcm -bytes N -seconds S` (encryption');
  console.log('only, one block size per run), nearest block size to the chunk size. ratio = blob format ÷ openssl: 1.00');
  console.log('means the format costs nothing over the raw cipher. Decrypt includes reading the header and verifying the');
  console.log('final chunk first, as every real read does.');
  return 0;
}

process.exitCode = await main();
