import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { journalOf } from '../../src/keys/shred-journal.ts';
import { loadOrCreateMasterKey } from '../../src/keys/local/local-key-provider.ts';
import { buildCore } from '../../src/main.ts';
import { eraseTrack } from '../../src/recording/tracks.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { decryptTrackOf } from '../recording/support.ts';
import { addUser, createOrgWithAdmin, startTestParley, type TestParley } from '../support/harness.ts';
import { encodeWebm, hasFfmpeg, probe } from '../support/media-feed.ts';
import { insertRecording, insertTrack, scheduleFixtureCall } from '../support/recording-fixtures.ts';

// Issue 15, item 4: backup and restore of the embedded default (SQLite and the local blob store). A backup is taken
// with `parley backup` while Parley runs; afterwards one of the two recorded tracks is erased (crypto-shredded).
// `parley restore` into a fresh data directory, with the same master key: the other track decrypts to a WebM that
// plays, the audit chain verifies, and the erased track stays erased although the backup still holds its wrapped key
// (the shredding journal beside the master key is replayed). A damaged backup, another master key, an occupied data
// directory: refused, nothing written.

const BIN = path.resolve(import.meta.dirname, '../../bin/parley.mjs');

function parley(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', PARLEY_LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasFfmpeg)('parley backup and parley restore', () => {
  let t: TestParley;
  let orgId: OrgId;
  let webm: Buffer;
  const trackIds: string[] = [];
  const dirs: string[] = [];
  const tmp = (name: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), `parley-${name}-`));
    dirs.push(dir);
    return dir;
  };
  let backupDir = '';
  let sourceEnv: Record<string, string>;

  beforeAll(async () => {
    t = await startTestParley('sqlite');
    const admin = await createOrgWithAdmin(t, 'Musterbank AG');
    orgId = admin.orgId;
    const agent = await addUser(t, admin, 'agent');
    const call = await scheduleFixtureCall(admin, agent.userId);
    const recordingId = await insertRecording(t.parley.deps, orgId, call.callId);
    webm = await encodeWebm({ seconds: 1 });
    for (const participant of ['agent', 'customer'] as const) {
      trackIds.push((await insertTrack(t.parley.deps, orgId, recordingId, call, webm, { participant })).trackId);
    }
    sourceEnv = { PARLEY_DATA_DIR: t.dataDir, PARLEY_DATABASE_URL: `sqlite:${path.join(t.dataDir, 'parley.db')}` };
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('backs up while Parley runs: the database, every blob, a manifest — and never the master key', { timeout: 90_000 }, () => {
    backupDir = path.join(tmp('backup'), 'b1');
    const r = parley(['backup', '--to', backupDir], sourceEnv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the database and 2 encrypted blobs/);
    expect(r.stdout).toMatch(/The master key is NOT in it/);
    const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
    expect(manifest.blobs).toHaveLength(2);
    const key = readFileSync(t.config.masterKeyFile, 'utf8').trim();
    for (const file of readdirSync(backupDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
      const bytes = readFileSync(path.join(file.parentPath, file.name));
      expect(bytes.includes(Buffer.from(key)), file.name).toBe(false);
      expect(bytes.includes(Buffer.from(key, 'base64')), file.name).toBe(false);
    }
    expect(readFileSync(path.join(backupDir, 'README.txt'), 'utf8')).toContain(t.config.masterKeyFile);
    // A second backup into the same directory is refused rather than mixed in.
    const again = parley(['backup', '--to', backupDir], sourceEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty/);
  });

  it('after the backup, one track is erased: its key is destroyed and the id goes into the journal beside the master key', async () => {
    expect(await eraseTrack(t.parley.deps, t.parley.deps.db, orgId, trackIds[1]!, 'erasure_request')).toBe(true);
    expect(readFileSync(journalOf(t.config.masterKeyFile), 'utf8')).toBe(`recording_tracks ${trackIds[1]}\n`);
  });

  it('refuses a damaged backup, another master key and an occupied data directory, writing nothing', { timeout: 120_000 }, () => {
    const target = tmp('restore-refused');
    const env = { PARLEY_DATA_DIR: target, PARLEY_MASTER_KEY_FILE: t.config.masterKeyFile };
    // Damaged: one byte of one blob changed, in a copy of the backup.
    const damaged = path.join(tmp('damaged'), 'b');
    spawnSync('cp', ['-r', backupDir, damaged]);
    const manifest = JSON.parse(readFileSync(path.join(damaged, 'manifest.json'), 'utf8'));
    const blob = path.join(damaged, 'blobs', manifest.blobs[0].path);
    const bytes = readFileSync(blob);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(blob, bytes);
    const r1 = parley(['restore', '--from', damaged], env);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/does not match its checksum: the backup is damaged; nothing was restored/);
    expect(existsSync(path.join(target, 'parley.db'))).toBe(false);
    // Another master key.
    const otherKey = path.join(tmp('other-key'), 'master.key');
    loadOrCreateMasterKey(otherKey);
    const r2 = parley(['restore', '--from', backupDir], { PARLEY_DATA_DIR: target, PARLEY_MASTER_KEY_FILE: otherKey });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/is not the one this backup was made with/);
    expect(existsSync(path.join(target, 'parley.db'))).toBe(false);
    // No key at all: restore never makes one up.
    const r3 = parley(['restore', '--from', backupDir], { PARLEY_DATA_DIR: target, PARLEY_MASTER_KEY_FILE: path.join(target, 'none.key') });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/Backups never hold it/);
    expect(existsSync(path.join(target, 'none.key'))).toBe(false);
    // Over a live installation.
    const r4 = parley(['restore', '--from', backupDir], sourceEnv);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/There is already a database/);
  });

  it('restores into a fresh data directory: the recording plays, the chain verifies, the erased track stays erased', { timeout: 120_000 }, async () => {
    const target = tmp('restored');
    const env = { PARLEY_DATA_DIR: target, PARLEY_MASTER_KEY_FILE: t.config.masterKeyFile };
    const r = parley(['restore', '--from', backupDir], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/chain intact/);
    expect(r.stdout).toMatch(/Erased again from the shredding journal: 1 recorded tracks/);

    const config = loadConfig({ ...env, PARLEY_LOG_LEVEL: 'silent' });
    const { deps, database } = buildCore(config, { keys: loadOrCreateMasterKey(t.config.masterKeyFile).provider });
    try {
      const kept = await decryptTrackOf(deps, trackIds[0]!);
      expect(kept.equals(webm)).toBe(true);
      const played = await probe(kept);
      expect(played.decodeErrors).toBe('');
      expect(played.durationSec).toBeGreaterThan(0.8);
      // The backup held the erased track's wrapped key; the restore destroyed it again before anything could read it.
      const backupDb = new Database(path.join(backupDir, 'parley.db'), { readonly: true });
      const inBackup = backupDb.prepare('select wrapped_key from recording_tracks where id = ?').get(trackIds[1]) as { wrapped_key: string | null };
      backupDb.close();
      expect(inBackup.wrapped_key).not.toBeNull();
      const erased = await deps.db.selectFrom('recording_tracks').select(['status', 'wrapped_key']).where('id', '=', trackIds[1]!).executeTakeFirstOrThrow();
      expect(erased).toEqual({ status: 'erased', wrapped_key: null });
      await expect(decryptTrackOf(deps, trackIds[1]!)).rejects.toThrow(/has no key/);
    } finally {
      await database.close();
    }
  });

  it('`parley keys replay-shredded` does the same for a database restored by other means (a PostgreSQL dump)', { timeout: 90_000 }, () => {
    // The backup's database copied into place by hand, as pg_restore would: the erased track's key is back.
    const target = tmp('restored-by-hand');
    copyFileSync(path.join(backupDir, 'parley.db'), path.join(target, 'parley.db'));
    const env = { PARLEY_DATA_DIR: target, PARLEY_MASTER_KEY_FILE: t.config.masterKeyFile };
    const first = parley(['keys', 'replay-shredded'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Erased again from the shredding journal: 1 recorded tracks/);
    const second = parley(['keys', 'replay-shredded'], env);
    expect(second.stdout).toMatch(/: 0 recorded tracks/);
    const row = new Database(path.join(target, 'parley.db'), { readonly: true });
    expect(row.prepare('select status, wrapped_key from recording_tracks where id = ?').get(trackIds[1])).toEqual({ status: 'erased', wrapped_key: null });
    row.close();
  });
});
