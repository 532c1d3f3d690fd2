import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/accounts/users.ts';
import { loadConfig } from '../src/config/load.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { buildCore } from '../src/main.ts';
import { createOrganisation } from '../src/organisations/organisations.ts';
import { uniqueEmail } from './support/harness.ts';
import { rowsOf, seedCall, type SeededCall } from './retention/support.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/parley.mjs');

function parley(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('parley purge', () => {
  let dir: string;
  let env: Record<string, string>;
  const core = () => buildCore(loadConfig(env), { logger: createLogger({ level: 'warn', destination: { write: () => {} } }) });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-purge-'));
    env = { PARLEY_DATA_DIR: dir, PARLEY_LOG_LEVEL: 'warn' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts with --dry-run, then deletes what has expired and prints a summary table', { timeout: 120_000 }, async () => {
    let expired: SeededCall;
    let fresh: SeededCall;
    {
      const { deps, database } = core();
      try {
        await migrateToLatest(database);
        const orgId = await deps.db.transaction().execute((tx) => createOrganisation(tx, deps, { legalName: 'CLI Purge AG' }));
        const { user } = await createUser(deps, orgId, { type: 'system' }, { email: uniqueEmail('agent'), displayName: 'Agent', role: 'agent' });
        const past = new Date(Date.now() - 86_400_000);
        expired = await seedCall(deps, orgId, user.id, { call: past });
        fresh = await seedCall(deps, orgId, user.id, { call: new Date(Date.now() + 30 * 86_400_000) });
      } finally {
        await database.close();
      }
    }

    const dry = parley(['purge', '--dry-run'], env);
    expect(dry.stderr).toBe(''); // not a terminal: no progress bar
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run');
    expect(dry.stdout).toMatch(/recording_tracks\s+recording\s+2\s+0\s+0\s+0\s+0/);
    expect(dry.stdout).toMatch(/Would delete 14 item\(s\)/);

    const real = parley(['purge'], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/calls\s+call_metadata\s+1/);
    expect(real.stdout).toMatch(/Deleted 14 item\(s\)/);

    const { deps, database } = core();
    try {
      expect(Object.values(await rowsOf(deps, expired!)).every((n) => n === 0)).toBe(true);
      expect((await rowsOf(deps, fresh!)).calls).toBe(1);
    } finally {
      await database.close();
    }
    expect(parley(['purge', '--frobnicate'], env).code).toBe(2);
  });
});
