import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`audit log (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let other: SignedIn;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'Audited AG');
      other = await createOrgWithAdmin(t, 'Bystander SE');
      await addUser(t, admin, 'agent');
      await admin.client.patch('/api/organisation', { address: 'Unter den Linden 1, 10117 Berlin' });
    });
    afterAll(async () => t?.close());

    const db = () => t.parley.deps.db;

    it('records each privileged change as an event in the same transaction, with ids only (G54)', async () => {
      const res = await admin.client.get('/api/audit-events?limit=500');
      const types = res.body.events.map((e: any) => e.type);
      expect(types).toEqual(
        expect.arrayContaining(['organisation.created', 'user.created', 'user.setup_link_issued', 'user.password_set', 'user.totp_enrolled', 'auth.login_succeeded', 'organisation.updated']),
      );
      const raw = JSON.stringify(res.body);
      expect(raw).not.toContain('@example.test');
      expect(raw).not.toContain('Unter den Linden');
      expect(raw).not.toContain('Test agent');
      const update = res.body.events.find((e: any) => e.type === 'organisation.updated');
      expect(update.data).toEqual({ fields: ['address'], configVersion: 2 });
      expect(update.actor).toEqual({ type: 'user', id: admin.userId });
    });

    it('rolls the event back with a change that fails', async () => {
      const before = (await admin.client.get('/api/audit-events?type=organisation.updated')).body.events.length;
      const res = await admin.client.patch('/api/organisation', { residencyRegion: 'US' });
      expect(res.status).toBe(400);
      const after = (await admin.client.get('/api/audit-events?type=organisation.updated')).body.events.length;
      expect(after).toBe(before);
    });

    it('filters events by type, actor and time, and pages backwards', async () => {
      const byType = await admin.client.get('/api/audit-events?type=user.created');
      expect(byType.body.events.every((e: any) => e.type === 'user.created')).toBe(true);
      const byActor = await admin.client.get(`/api/audit-events?actorId=${admin.userId}`);
      expect(byActor.body.events.length).toBeGreaterThan(0);
      expect(byActor.body.events.every((e: any) => e.actor.id === admin.userId)).toBe(true);
      const future = await admin.client.get('/api/audit-events?from=2999-01-01T00:00:00Z');
      expect(future.body.events).toEqual([]);
      const page1 = await admin.client.get('/api/audit-events?limit=2');
      expect(page1.body.events).toHaveLength(2);
      const page2 = await admin.client.get(`/api/audit-events?limit=2&beforeSeq=${page1.body.nextBeforeSeq}`);
      expect(page2.body.events[0].seq).toBe(page1.body.events[1].seq - 1);
    });

    it('verifies an intact chain', async () => {
      const res = await admin.client.post('/api/audit-events/verify');
      expect(res.body).toMatchObject({ ok: true, firstBreak: null });
      expect(res.body.events).toBeGreaterThan(5);
    });

    it('refuses UPDATE on audit rows at the database', async () => {
      await expect(
        db().updateTable('audit_events').set({ data: '{}' }).where('org_id', '=', admin.orgId).execute(),
      ).rejects.toThrow(/append-only/);
    });

    it('names the first altered row when someone with database access bypasses the guard', async () => {
      const target = await db().selectFrom('audit_events').select(['id', 'seq']).where('org_id', '=', admin.orgId).where('type', '=', 'user.created').executeTakeFirstOrThrow();
      // An attacker with DDL rights drops the guard, edits a row, and puts the guard back.
      if (d.name === 'sqlite') {
        await sql`drop trigger audit_events_append_only`.execute(db());
        await sql`update audit_events set data = ${'{"role":"dpo","userId":"usr_aaaaaaaaaaaaaaaaaaaaaaaaa"}'} where id = ${target.id}`.execute(db());
        await sql`create trigger audit_events_append_only before update on audit_events begin select raise(abort, 'audit_events is append-only'); end`.execute(db());
      } else {
        await sql`alter table audit_events disable trigger audit_events_append_only`.execute(db());
        await sql`update audit_events set data = ${'{"role":"dpo","userId":"usr_aaaaaaaaaaaaaaaaaaaaaaaaa"}'} where id = ${target.id}`.execute(db());
        await sql`alter table audit_events enable trigger audit_events_append_only`.execute(db());
      }
      const report = await verifyChain(db(), admin.orgId);
      expect(report.ok).toBe(false);
      expect(report.firstBreak).toEqual({ reason: 'hash_mismatch', seq: Number(target.seq), eventId: target.id });
      const api = await admin.client.post('/api/audit-events/verify');
      expect(api.body.ok).toBe(false);
      expect(api.body.firstBrokenSeq).toBe(Number(target.seq));
      expect(api.body.firstBreak).toContain(target.id);
      // The other organisation's chain is untouched.
      expect((await verifyChain(db(), other.orgId)).ok).toBe(true);
    });

    it('detects a deleted event and a cut-off tail', async () => {
      const orgId = other.orgId as OrgId;
      const rows = await db().selectFrom('audit_events').select(['id', 'seq']).where('org_id', '=', orgId).orderBy('seq').execute();
      const middle = rows[Math.floor(rows.length / 2)]!;
      await db().deleteFrom('audit_events').where('id', '=', middle.id).execute();
      const gap = await verifyChain(db(), orgId);
      expect(gap.firstBreak).toMatchObject({ reason: 'sequence_gap', expectedSeq: Number(middle.seq) });

      const fresh = await createOrgWithAdmin(t, 'Tail Ltd');
      const last = await db().selectFrom('audit_events').select('id').where('org_id', '=', fresh.orgId).orderBy('seq', 'desc').executeTakeFirstOrThrow();
      await db().deleteFrom('audit_events').where('id', '=', last.id).execute();
      expect((await verifyChain(db(), fresh.orgId)).firstBreak?.reason).toBe('head_mismatch');
    });

    it('keeps one gap-free chain per organisation under concurrent writers', async () => {
      const org = await createOrgWithAdmin(t, 'Busy KG');
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => org.client.patch('/api/organisation', { address: `Street ${i}` })),
      );
      const report = await verifyChain(db(), org.orgId);
      expect(report.ok).toBe(true);
      const updates = await db().selectFrom('audit_events').select('id').where('org_id', '=', org.orgId).where('type', '=', 'organisation.updated').execute();
      expect(updates).toHaveLength(20);
    });
  });
}
