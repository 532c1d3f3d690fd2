import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { unwrapDataKey } from '../src/keys/data-keys.ts';
import { createLogger } from '../src/logging/logger.ts';
import { buildCore } from '../src/main.ts';
import { orgWithTracks } from './support/recording-rows.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/parley.mjs');

function parley(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('parley keys rotate', () => {
  let dir: string;
  let env: Record<string, string>;
  /** The same data directory and master key the command uses, opened in the test process. */
  const core = () => buildCore(loadConfig(env), { logger: createLogger({ level: 'warn', destination: { write: () => {} } }) });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-keys-'));
    env = { PARLEY_DATA_DIR: dir, PARLEY_LOG_LEVEL: 'warn' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('re-wraps every data key under a new KEK, prints a summary, and the data keys still open', { timeout: 120_000 }, async () => {
    let seeded: Awaited<ReturnType<typeof orgWithTracks>>;
    let other: Awaited<ReturnType<typeof orgWithTracks>>;
    {
      const { deps, database } = core();
      try {
        await migrateToLatest(database);
        seeded = await orgWithTracks(deps, 3, 'CLI Keys AG');
        other = await orgWithTracks(deps, 2, 'CLI Other AG');
      } finally {
        await database.close();
      }
    }

    const one = parley(['keys', 'rotate', '--org', seeded.orgId], env);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Rotated the key-encryption key of 1 organisation(s); re-wrapped 3 data key(s).');

    const all = parley(['keys', 'rotate'], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('Rotated the key-encryption key of 2 organisation(s); re-wrapped 5 data key(s).');

    const { deps, database } = core();
    try {
      for (const [org, version] of [[seeded, 3], [other, 2]] as const) {
        const keys = await deps.db.selectFrom('org_keys').select(['version', 'sealed_key']).where('org_id', '=', org.orgId).orderBy('version').execute();
        expect(keys.filter((k) => k.sealed_key !== '').map((k) => k.version)).toEqual([version]);
        for (const track of org.tracks) {
          const row = await deps.db.selectFrom('recording_tracks').select(['wrapped_key', 'kek_version']).where('id', '=', track.id).executeTakeFirstOrThrow();
          expect(row.kek_version).toBe(version);
          const key = await unwrapDataKey(deps.db, deps.keys, org.orgId, track.id, { kekVersion: row.kek_version!, wrapped: row.wrapped_key! });
          expect(key.equals(track.dataKey)).toBe(true);
        }
      }
    } finally {
      await database.close();
    }
  });

  it('refuses a malformed or unknown organisation id', { timeout: 60_000 }, () => {
    const bad = parley(['keys', 'rotate', '--org', 'nope'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--org must be an organisation id/);
    const unknown = parley(['keys', 'rotate', '--org', 'org_0000000000000000000000000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/there is no organisation/);
    expect(parley(['keys', 'frobnicate'], env).code).toBe(2);
  });
});
