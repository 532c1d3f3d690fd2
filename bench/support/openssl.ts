import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The raw AES-256-GCM speed of this machine's OpenSSL: the baseline the crypto benchmarks compare against. */

export interface OpensslResult {
  readonly bytes: number;
  /** Bytes per second, or null when openssl is missing or its output did not parse. */
  readonly rate: number | null;
  readonly note: string;
}

/** `openssl speed -evp aes-256-gcm -bytes N -seconds S`; its figure is in 1000s of bytes per second. */
export async function opensslSpeed(bytes: number, seconds: number): Promise<OpensslResult> {
  try {
    const { stdout } = await promisify(execFile)('openssl', ['speed', '-evp', 'aes-256-gcm', '-bytes', String(bytes), '-seconds', String(seconds)], {
      timeout: (seconds + 30) * 1000,
    });
    const match = /^AES-256-GCM\s+([\d.]+)k\s*$/im.exec(stdout);
    if (!match) return { bytes, rate: null, note: 'unparsable output' };
    return { bytes, rate: Number(match[1]) * 1000, note: '' };
  } catch (err) {
    return { bytes, rate: null, note: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

export async function opensslVersion(): Promise<string> {
  try {
    return (await promisify(execFile)('openssl', ['version'])).stdout.trim();
  } catch {
    return 'not found';
  }
}
