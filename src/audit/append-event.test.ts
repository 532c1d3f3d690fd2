import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, introspecting, type TestDatabase } from '../../test/support/dialects.ts';
import { openDatabase, type DatabaseHandle } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createOrganisation } from '../organisations/organisations.ts';
import { systemClock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import { createAuditLog } from './append-event.ts';
import { verifyChain } from './verify-chain.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`audit append (${d.name})`, () => {
    let dir: string;
    let fresh: TestDatabase;
    let handle: DatabaseHandle;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'parley-audit-'));
      fresh = await freshDatabase(d.name, dir);
      handle = openDatabase(fresh.config, fresh.pgSchema ? { pgSchema: fresh.pgSchema } : {});
      await introspecting(d.name, () => migrateToLatest(handle));
    });
    afterAll(async () => {
      await handle?.close();
      await fresh?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('appends a batch larger than the databases\' bind-parameter limits as one chained transaction', async () => {
      const audit = createAuditLog({ clock: systemClock });
      const orgId = await handle.db.transaction().execute((tx) => createOrganisation(tx, { clock: systemClock, audit }, { legalName: 'Big Batch' }));
      const userId = newId('user');
      const events = Array.from({ length: 7000 }, () => ({ type: 'user.updated' as const, data: { userId, fields: ['displayName'] } }));
      await handle.db.transaction().execute((tx) => audit.append(tx, orgId, { type: 'system' }, events));
      // organisation.created and the default call type's call_type.created come first.
      expect(await verifyChain(handle.db, orgId)).toMatchObject({ ok: true, events: 7002 });
    });

    it('refuses an event that does not match its type\'s shape, so no personal field slips in', async () => {
      const audit = createAuditLog({ clock: systemClock });
      const orgId = await handle.db.transaction().execute((tx) => createOrganisation(tx, { clock: systemClock, audit }, { legalName: 'Strict' }));
      const bad = { type: 'user.created', data: { userId: newId('user'), role: 'agent', email: 'someone@example.test' } } as never;
      await expect(handle.db.transaction().execute((tx) => audit.append(tx, orgId, { type: 'system' }, bad))).rejects.toThrow();
      expect((await verifyChain(handle.db, orgId)).events).toBe(2); // organisation.created, call_type.created
    });
  });
}
