import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/retention/purge.ts';
import { dialects } from '../support/dialects.ts';
import { createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`purge of expired staff sessions and set-up links (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t);
    });
    afterAll(async () => t?.close());

    const rows = async () => ({
      sessions: (await t.parley.deps.db.selectFrom('user_sessions').select('id').where('org_id', '=', admin.orgId).execute()).length,
      links: (await t.parley.deps.db.selectFrom('setup_tokens').select('id').where('org_id', '=', admin.orgId).execute()).length,
    });

    it('keeps live sessions and links, deletes them once expired, with one audit event each', async () => {
      const issued = await admin.client.post('/api/users', { email: 'new.agent@example.test', displayName: 'New Agent', role: 'agent' });
      expect(issued.status, issued.raw).toBe(201);
      const before = await rows();
      expect(before.sessions).toBeGreaterThan(0);
      expect(before.links).toBeGreaterThan(0);

      await purgeExpired(t.parley.deps, { dryRun: false });
      expect(await rows()).toEqual(before);

      // Past every session's and link's lifetime (PARLEY_SESSION_TTL_HOURS, PARLEY_SETUP_LINK_TTL_HOURS).
      t.clock.advance(400 * 24 * 3_600_000);
      const report = await purgeExpired(t.parley.deps, { dryRun: false });
      expect(await rows()).toEqual({ sessions: 0, links: 0 });
      expect(JSON.stringify(report)).toContain('user_sessions');
      const events = await t.parley.deps.db.selectFrom('audit_events').select('data').where('org_id', '=', admin.orgId).where('type', '=', 'retention.purged').execute();
      const tables = events.map((e) => JSON.parse(e.data).table as string);
      expect(tables.filter((x) => x === 'user_sessions')).toHaveLength(before.sessions);
      expect(tables.filter((x) => x === 'setup_tokens')).toHaveLength(before.links);
    });
  });
}
