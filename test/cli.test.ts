import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../bin/parley.mjs');

function parley(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the parley command', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    env = { PARLEY_DATA_DIR: dir, PARLEY_LOG_LEVEL: 'warn' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops with exit 78 and names the variable when the configuration is wrong', { timeout: 60_000 }, () => {
    const r = parley(['migrate'], { ...env, PARLEY_PORT: 'abc' });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/PARLEY_PORT: expected a port number \(got "abc"\)/);
  });

  it('explains unknown commands and options', { timeout: 60_000 }, () => {
    const r = parley(['frobnicate'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown command "frobnicate"/);
    expect(parley(['audit', 'verify', '--orgg', 'x'], env).code).toBe(2);
  });

  // Four `parley` processes in a row (tsx compiles on start): generous on a loaded 2-core machine.
  it('migrates, creates an admin with a set-up link, and verifies the audit chain', { timeout: 120_000 }, () => {
    const m1 = parley(['migrate'], env);
    expect(m1.stdout).toContain('Applied: 0001-foundation');
    expect(parley(['migrate'], env).stdout).toContain('up to date');
    expect(statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);

    const created = parley(['create-admin', '--email', 'owner@acme.example', '--new-org', 'Acme Versicherung AG'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created organisation org_[0-9a-z]{25}/);
    expect(created.stdout).toMatch(/http:\/\/localhost:8080\/setup#token=psl_/);

    const ok = parley(['audit', 'verify'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/org_\w+: 4 events, chain intact/);
  });

  it('exits 1 and names the first broken row after someone edits the audit log', { timeout: 60_000 }, () => {
    const db = new Database(path.join(dir, 'parley.db'));
    const row = db.prepare("select id, org_id from audit_events where type = 'user.created'").get() as { id: string; org_id: string };
    db.exec('drop trigger audit_events_append_only');
    db.prepare("update audit_events set created_at = '2020-01-01T00:00:00.000Z' where id = ?").run(row.id);
    db.close();
    const r = parley(['audit', 'verify', '--org', row.org_id], env);
    expect(r.code).toBe(1);
    // seq 1 organisation.created, 2 call_type.created (the default call type), 3 user.created.
    expect(r.stdout).toContain(`BROKEN — event ${row.id} (seq 3) was altered`);
  });
});

describe('parley start on a clean data directory', () => {
  it('prints the address and a one-time set-up link, and serves the API', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-start-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: { PATH: process.env.PATH ?? '', PARLEY_DATA_DIR: dir, PARLEY_PORT: String(port), PARLEY_LOG_LEVEL: 'warn' },
    });
    try {
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      const deadline = Date.now() + 50_000;
      while (!out.includes('#token=') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`Parley is running at http://localhost:${port}`);
      const link = /(http:\/\/\S+\/setup#token=psl_\S+)/.exec(out)?.[1];
      expect(link).toBeDefined();
      const token = link!.split('#token=')[1];
      const health = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(await health.json()).toEqual({ status: 'ready' });
      // The printed link is accepted by the set-up page's API.
      const csrf = await fetch(`http://127.0.0.1:${port}/api/auth/csrf`);
      const cookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const inspect = await fetch(`http://127.0.0.1:${port}/api/setup/inspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': ((await csrf.json()) as { token: string }).token },
        body: JSON.stringify({ token }),
      });
      expect(await inspect.json()).toMatchObject({ kind: 'first_admin', organisationName: 'My organisation' });
      expect(statSync(path.join(dir, 'blobs')).isDirectory()).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
