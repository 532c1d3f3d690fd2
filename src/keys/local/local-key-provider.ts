import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { KeyProvider } from '../key-provider.ts';

const SEAL_VERSION = 'v1';

export interface MasterKeyLoad {
  readonly provider: KeyProvider;
  /** True when this call created the key file (first run). */
  readonly created: boolean;
}

/**
 * Loads the master key, creating it on first run with mode 0600. The key never leaves this module and is
 * never logged. A file with a wrong size or group/other permissions stops the start: a key readable by
 * others is a key compromised.
 */
export function loadOrCreateMasterKey(file: string): MasterKeyLoad {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let created = false;
  try {
    // 'wx' fails if the file exists, so two processes starting at once cannot both write a key.
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(32).toString('base64') + '\n');
    } finally {
      closeSync(fd);
    }
    chmodSync(file, 0o600);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`master key file ${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`master key file ${file} does not hold a 256-bit base64 key`);
  return { provider: new LocalKeyProvider(key), created };
}

export class LocalKeyProvider implements KeyProvider {
  readonly #master: Buffer;
  readonly #derived = new Map<string, Buffer>();

  constructor(master: Buffer) {
    this.#master = Buffer.from(master);
  }

  deriveKey(label: string): Buffer {
    let key = this.#derived.get(label);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.#master, Buffer.alloc(0), `parley:${label}`, 32));
      this.#derived.set(label, key);
    }
    return key;
  }

  seal(label: string, context: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.deriveKey(label), iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [SEAL_VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(label: string, context: string, sealed: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== SEAL_VERSION || !iv || body === undefined || !tag) throw new Error('sealed value has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.deriveKey(label), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
