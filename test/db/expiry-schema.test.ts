import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { nonPersonalTables, personalDataTables } from '../../src/db/personal-data.ts';
import { dialects, freshDatabase, introspecting, type TestDatabase } from '../support/dialects.ts';

/**
 * G25 on the real schema: every table is either personal data (with how it expires) or listed as not, with a reason;
 * every customer-data table has NOT NULL org_id, purpose, data_category and expires_at; and the database refuses an
 * empty expiry in each of them.
 */
for (const d of dialects) {
  describe.skipIf(!d.available)(`expiry on everything (${d.name})`, () => {
    let dir: string;
    let fresh: TestDatabase;
    let handle: DatabaseHandle;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'parley-expiry-'));
      fresh = await freshDatabase(d.name, dir);
      handle = openDatabase(fresh.config, fresh.pgSchema ? { pgSchema: fresh.pgSchema } : {});
      await introspecting(d.name, () => migrateToLatest(handle));
    });
    afterAll(async () => {
      await handle?.close();
      await fresh?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Values the other CHECK constraints accept, so that the empty expiry is what refuses the row. */
    const valid: Record<string, (table: string) => string> = {
      kind: () => 'agent',
      action: () => 'given',
      mode: () => 'consent',
      source: () => 'camera',
      basis: () => 'consent',
      type: () => 'access',
      status: (table) => ({ calls: 'scheduled', recordings: 'complete', recording_tracks: 'complete', rights_requests: 'open', subject_exports: 'ready' })[table] ?? 'kept',
    };
    const tables = async () =>
      (await introspecting(d.name, () => handle.db.introspection.getTables({ withInternalKyselyTables: true }))).filter((t) => !fresh.pgSchema || t.schema === fresh.pgSchema);

    it('classifies every table of the schema: personal data with its expiry rule, or not personal with a reason', async () => {
      const all = await tables();
      expect(all.length).toBeGreaterThan(20);
      for (const t of all) {
        const personal = t.name in personalDataTables;
        const other = t.name in nonPersonalTables;
        expect(personal || other, `classify table ${t.name} in src/db/personal-data.ts`).toBe(true);
        expect(personal && other, `${t.name} is in both lists`).toBe(false);
      }
      for (const reason of Object.values(nonPersonalTables)) expect(reason.length).toBeGreaterThan(10);
      expect(nonPersonalTables.audit_events).toMatch(/pseudonymous ids/i);
      // Every listed table exists (a rename would otherwise leave a stale entry). retention_unlock is SQLite's only.
      const names = new Set(all.map((t) => t.name));
      for (const name of [...Object.keys(personalDataTables), ...Object.keys(nonPersonalTables)]) {
        if (name === 'retention_unlock' && d.name === 'postgres') continue;
        expect(names.has(name), `${name} is listed but not in the schema`).toBe(true);
      }
    });

    it('gives every customer-data table NOT NULL org_id, purpose, data_category and expires_at; staff tables say their rule', async () => {
      const all = await tables();
      for (const [name, entry] of Object.entries(personalDataTables)) {
        const table = all.find((t) => t.name === name)!;
        const required = entry.holder === 'customer' || (entry.expiry.kind as string) === 'expires_at' ? ['org_id', 'purpose', 'data_category', 'expires_at'] : ['org_id', 'purpose', 'data_category'];
        for (const col of required) {
          const c = table.columns.find((x) => x.name === col);
          expect(c, `${name}.${col}`).toBeDefined();
          expect(c!.isNullable, `${name}.${col} must be NOT NULL`).toBe(false);
        }
        if (entry.holder === 'customer') expect(entry.expiry.kind, name).toBe('expires_at');
        expect(entry.expiry.rule.length, `${name}: say the rule`).toBeGreaterThan(10);
      }
    });

    it('refuses an empty expiry in every customer-data table, on insert and on update', async () => {
      const customer = Object.entries(personalDataTables).filter(([, e]) => (e.expiry.kind as string) === 'expires_at').map(([n]) => n);
      expect(customer.length).toBeGreaterThanOrEqual(12);
      // Foreign keys are not what this checks: with them off (SQLite) or deferred behind a failing check (PostgreSQL
      // checks CHECK constraints before foreign keys at insert), the empty expiry is what refuses the row.
      if (d.name === 'sqlite') await sql`pragma foreign_keys = off`.execute(handle.db);
      for (const name of customer) {
        const table = (await tables()).find((t) => t.name === name)!;
        const row: Record<string, unknown> = {};
        for (const c of table.columns) {
          if (c.isNullable) row[c.name] = null;
          else row[c.name] = valid[c.name]?.(name) ?? (c.dataType.match(/int|real|numeric|double|float/i) ? 0 : `x_${c.name}`);
        }
        // Participants must name who they are (a check of its own).
        if (name === 'participants') row.user_id = 'usr_x';
        row.expires_at = '';
        await expect(handle.db.insertInto(name as never).values(row as never).execute(), `${name}: an empty expires_at was accepted`).rejects.toThrow(/expires_at/);
      }
      if (d.name === 'sqlite') {
        // And an update to empty is refused too (the trigger side of the rule).
        const now = new Date().toISOString();
        await handle.db.insertInto('organisations').values({ id: 'org_e', legal_name: 'E', address: '', contact_email: '', dpo_name: '', dpo_email: '', dpo_phone: null, supervisory_authority: '', residency_region: 'EEA', residency_safeguard: null, config_version: 1, created_at: now, updated_at: now }).execute();
        await handle.db.insertInto('mail_outbox').values({ id: 'mail_e', org_id: 'org_e', kind: 'k', to_address: 'a@b.c', content_sealed: 'x', status: 'kept', transport: null, attempts: 0, last_error: null, created_at: now, sent_at: null, expires_at: now, purpose: 'call_delivery', data_category: 'communications' }).execute();
        await expect(handle.db.updateTable('mail_outbox').set({ expires_at: '' }).where('id', '=', 'mail_e').execute()).rejects.toThrow(/expires_at/);
        await sql`pragma foreign_keys = on`.execute(handle.db);
      }
    });
  });
}
