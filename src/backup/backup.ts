import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config/load.ts';
import type { KeyProvider } from '../keys/key-provider.ts';
import { journalOf } from '../keys/shred-journal.ts';
import { AppError } from '../shared/app-error.ts';

/**
 * `parley backup` and `parley restore` for the embedded default: SQLite and the local blob store (issue 15, item 4).
 * PostgreSQL and S3 are backed up with their own tools (pg_dump, bucket versioning): docs/backup.md.
 *
 * A backup is a directory: `parley.db` (a consistent copy of the database taken online with SQLite's backup API),
 * `blobs/` (every encrypted object, as stored), `manifest.json` (sizes and SHA-256 of everything, and the master
 * key's fingerprint) and `README.txt`. It never holds the master key: whoever gets a backup gets ciphertext and
 * wrapped keys only. The key is kept apart, and a restore refuses to run without the very key the backup was made with.
 */

export const BACKUP_FORMAT = 'parley-backup-1';

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly createdAt: string;
  readonly database: { readonly file: 'parley.db'; readonly bytes: number; readonly sha256: string };
  readonly blobs: readonly { readonly path: string; readonly bytes: number; readonly sha256: string }[];
  /** Which master key reads this backup (a fingerprint derived from it: it reveals nothing of the key). */
  readonly masterKey: { readonly keptAt: string; readonly fingerprint: string };
}

export type Progress = (done: number, total: number, what: string) => void;

export function masterKeyFingerprint(keys: KeyProvider): string {
  return createHash('sha256').update(keys.deriveKey('backup-fingerprint')).digest('hex').slice(0, 32);
}

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function embeddedOnly(config: Config, what: 'backup' | 'restore'): string {
  if (config.database.dialect !== 'sqlite' || config.blobs.kind !== 'local') {
    throw new AppError(
      'VALIDATION_FAILED',
      `parley ${what} handles the embedded database and blob store (SQLite, PARLEY_BLOB_STORE=local). For PostgreSQL and S3, use pg_dump/pg_restore and the bucket's versioning as docs/backup.md describes.`,
    );
  }
  return config.database.file;
}

/**
 * Writes a backup into `target` (a new or empty directory) while Parley may be running: the database first (SQLite's
 * online backup: one consistent state), then the blobs. A track being written at that moment may be newer on disk
 * than in the copied database; a restore treats it as after a crash (recovered as far as it is whole).
 */
export async function createBackup(config: Config, keys: KeyProvider, target: string, progress: Progress = () => {}): Promise<BackupManifest> {
  const dbFile = embeddedOnly(config, 'backup');
  if (!existsSync(dbFile)) throw new AppError('NOT_FOUND', `There is no database at ${dbFile} to back up.`);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new AppError('CONFLICT', `${target} is not empty: give a new or empty directory, so that no older backup is mixed into this one.`);
  }
  mkdirSync(path.join(target, 'blobs'), { recursive: true, mode: 0o700 });
  const source = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    await source.backup(path.join(target, 'parley.db'));
  } finally {
    source.close();
  }
  const blobFiles = filesUnder(config.blobDir);
  const blobs: { path: string; bytes: number; sha256: string }[] = [];
  blobFiles.forEach((rel, i) => {
    const from = path.join(config.blobDir, rel);
    const to = path.join(target, 'blobs', rel);
    mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
    try {
      copyFileSync(from, to);
    } catch (err) {
      // Deleted between the listing and the copy (a purge, a finalised track): it is not part of this backup.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    blobs.push({ path: rel, bytes: statSync(to).size, sha256: sha256Of(to) });
    progress(i + 1, blobFiles.length, 'blobs');
  });
  const dbCopy = path.join(target, 'parley.db');
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    database: { file: 'parley.db', bytes: statSync(dbCopy).size, sha256: sha256Of(dbCopy) },
    blobs,
    masterKey: { keptAt: config.masterKeyFile, fingerprint: masterKeyFingerprint(keys) },
  };
  writeFileSync(path.join(target, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(
    path.join(target, 'README.txt'),
    [
      `Parley backup, ${manifest.createdAt}: the database and ${blobs.length} encrypted blobs.`,
      '',
      'THE MASTER KEY IS NOT IN THIS BACKUP, on purpose: nothing here can be read without it.',
      `It is kept at ${config.masterKeyFile} (fingerprint ${manifest.masterKey.fingerprint}), with its shredding journal`,
      `${journalOf(config.masterKeyFile)} beside it. Keep both apart from this backup (another medium, another place):`,
      'a restore needs the same key, and replays the journal so that nothing erased after this backup comes back.',
      '',
      'Restore: PARLEY_DATA_DIR=<fresh directory> PARLEY_MASTER_KEY_FILE=<the key> parley restore --from <this directory>',
      '',
    ].join('\n'),
  );
  return manifest;
}

export interface RestoreReport {
  readonly blobs: number;
  readonly bytes: number;
}

/**
 * Checks a backup against its manifest (every byte), then puts the database and blobs where the configuration says.
 * Refuses to overwrite an existing database, to run without the master key the backup was made with, or to restore
 * anything that does not match its checksum. Replaying the shredding journal is the caller's next step (cli).
 */
export function restoreBackup(config: Config, keys: KeyProvider, from: string, progress: Progress = () => {}): RestoreReport {
  const dbFile = embeddedOnly(config, 'restore');
  const manifestFile = path.join(from, 'manifest.json');
  if (!existsSync(manifestFile)) throw new AppError('NOT_FOUND', `${from} is not a Parley backup (no manifest.json).`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest;
  if (manifest.format !== BACKUP_FORMAT) throw new AppError('VALIDATION_FAILED', `${from} holds a backup of another format (${String(manifest.format)}).`);
  if (masterKeyFingerprint(keys) !== manifest.masterKey.fingerprint) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The master key at ${config.masterKeyFile} is not the one this backup was made with (fingerprint ${manifest.masterKey.fingerprint}, kept at ${manifest.masterKey.keptAt} then). Put that key there and run the restore again.`,
    );
  }
  if (existsSync(dbFile)) {
    throw new AppError('CONFLICT', `There is already a database at ${dbFile}. Restore into a fresh data directory (PARLEY_DATA_DIR), never over a running installation.`);
  }
  const total = manifest.blobs.length + 1;
  const check = (file: string, expected: { bytes: number; sha256: string }, name: string) => {
    if (!existsSync(file) || statSync(file).size !== expected.bytes || sha256Of(file) !== expected.sha256) {
      throw new AppError('VALIDATION_FAILED', `${name} in the backup does not match its checksum: the backup is damaged; nothing was restored.`);
    }
  };
  check(path.join(from, 'parley.db'), manifest.database, 'parley.db');
  manifest.blobs.forEach((b, i) => {
    check(path.join(from, 'blobs', b.path), b, `blobs/${b.path}`);
    progress(i + 2, total, 'checked');
  });
  mkdirSync(path.dirname(dbFile), { recursive: true, mode: 0o700 });
  copyFileSync(path.join(from, 'parley.db'), dbFile);
  let bytes = 0;
  for (const b of manifest.blobs) {
    const to = path.join(config.blobDir, b.path);
    mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
    copyFileSync(path.join(from, 'blobs', b.path), to);
    bytes += b.bytes;
  }
  return { blobs: manifest.blobs.length, bytes };
}
