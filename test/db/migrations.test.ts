import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { personalDataTables } from '../../src/db/personal-data.ts';
import { dialects, freshDatabase, introspecting, type TestDatabase } from '../support/dialects.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`migrations (${d.name})`, () => {
    let dir: string;
    let fresh: TestDatabase;
    let handle: DatabaseHandle;

    /** This test's own tables: on PostgreSQL, other test files create schemas with the same table names at the same time. */
    const ownTables = async () => (await introspecting(d.name, () => handle.db.introspection.getTables())).filter((t) => !fresh.pgSchema || t.schema === fresh.pgSchema);

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'parley-mig-'));
      fresh = await freshDatabase(d.name, dir);
      handle = openDatabase(fresh.config, fresh.pgSchema ? { pgSchema: fresh.pgSchema } : {});
    });
    afterAll(async () => {
      await handle?.close();
      await fresh?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('creates the schema on an empty database and is a no-op the second time', async () => {
      const first = await introspecting(d.name, () => migrateToLatest(handle));
      expect(first.applied).toContain('0001-foundation');
      const second = await introspecting(d.name, () => migrateToLatest(handle));
      expect(second.applied).toEqual([]);
      const tables = (await ownTables()).map((t) => t.name);
      for (const name of ['organisations', 'users', 'user_sessions', 'setup_tokens', 'api_tokens', 'training_attestations', 'audit_events', 'audit_heads']) {
        expect(tables).toContain(name);
      }
    });

    it('gives every personal-data table a non-null org_id, purpose and data_category (G1, G25)', async () => {
      const tables = await ownTables();
      for (const name of Object.keys(personalDataTables)) {
        const table = tables.find((t) => t.name === name);
        expect(table, name).toBeDefined();
        for (const col of ['org_id', 'purpose', 'data_category']) {
          const c = table!.columns.find((x) => x.name === col);
          expect(c, `${name}.${col}`).toBeDefined();
          expect(c!.isNullable, `${name}.${col} must be NOT NULL`).toBe(false);
        }
      }
    });

    it('refuses at the database a personal-data row without a purpose (G1)', async () => {
      const now = new Date().toISOString();
      await handle.db
        .insertInto('organisations')
        .values({ id: 'org_x', legal_name: 'X', address: '', contact_email: '', dpo_name: '', dpo_email: '', dpo_phone: null, supervisory_authority: '', residency_region: 'EEA', residency_safeguard: null, config_version: 1, created_at: now, updated_at: now })
        .execute();
      const user = (purpose: string | null) => ({
        id: `usr_${Math.random().toString(36).slice(2)}`,
        org_id: 'org_x',
        email: `${Math.random()}@example.test`,
        display_name: 'X',
        role: 'agent',
        password_hash: null,
        totp_secret_sealed: null,
        totp_enabled_at: null,
        totp_last_step: null,
        disabled_at: null,
        created_at: now,
        updated_at: now,
        purpose: purpose as string,
        data_category: 'staff_account',
      });
      await expect(handle.db.insertInto('users').values(user(null)).execute()).rejects.toThrow(/null|NOT NULL/i);
      await expect(handle.db.insertInto('users').values(user('')).execute()).rejects.toThrow(/check/i);
      await expect(handle.db.insertInto('users').values(user('staff_account_management')).execute()).resolves.toBeDefined();
    });

    it('refuses a non-EEA residency without a safeguard at the database (G52)', async () => {
      await expect(
        handle.db.updateTable('organisations').set({ residency_region: 'US' }).where('id', '=', 'org_x').execute(),
      ).rejects.toThrow(/check/i);
    });
  });
}
