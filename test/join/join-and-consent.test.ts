import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { sha256 } from '../../src/consent/consent-texts.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`join page API and consent ledger (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let agent: SignedIn;
    let callTypeId: string;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'Musterbank AG');
      agent = await addUser(t, admin, 'agent');
      await publishNotice(admin);
      const ct = await admin.client.post('/api/call-types', {
        name: 'Anlageberatung',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'recording', basis: 'consent' },
          { purpose: 'training_qa', basis: 'consent' },
        ],
        recordingMode: 'consent',
        retention: { callMetadataDays: 90, chatDays: 0, recordingsDays: 30, consentDays: 1095 },
      });
      expect(ct.status, ct.raw).toBe(201);
      callTypeId = ct.body.id;
    });
    afterAll(async () => t?.close());

    async function newCall() {
      const res = await agent.client.post('/api/calls', {
        callTypeId,
        startsAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString(),
        durationMinutes: 30,
        customer: { displayName: 'Karla Kundin', email: `karla.${Math.random()}@example.test` },
      });
      expect(res.status, res.raw).toBe(201);
      const customer = res.body.participants.find((p: any) => p.kind === 'customer');
      return { call: res.body, token: joinToken(t.parley.deps, customer.id, res.body.id), subjectId: customer.subjectId as string };
    }

    const customerClient = (): ApiClient => t.client();

    it('shows the notice with the call type\'s live retention and one unticked question per consent purpose', async () => {
      const { token } = await newCall();
      const c = customerClient();
      const info = await c.request('GET', `/api/join/${token}`, undefined, { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } });
      expect(info.status, info.raw).toBe(200);
      expect(info.body.locale).toBe('de');
      expect(info.body.call).toMatchObject({ organisationName: 'Musterbank AG', callTypeName: 'Anlageberatung' });
      expect(JSON.stringify(info.body.notice)).toContain('90');
      expect(info.body.consents.map((x: any) => x.purpose)).toEqual(['recording', 'training_qa']);
      for (const q of info.body.consents) {
        expect(q.current).toBeNull();
        expect(q.needsDecision).toBe(true);
        expect(q.textHash).toBe(sha256(q.text));
      }
      const recording = info.body.consents[0].text;
      expect(recording).toContain('Musterbank AG'); // names the controller (G10)
      expect(recording).toContain('30 Tage'); // the live retention
      expect(recording).toMatch(/widerrufen/); // says it can be withdrawn
      const en = await c.get(`/api/join/${token}?locale=en`);
      expect(en.body.locale).toBe('en');
      expect((await c.get(`/api/join/${token}?locale=fr`)).status).toBe(400);
    });

    it('lets a customer decline everything and still go on (G2), recording each decision with hashes and no IP (G11)', async () => {
      const { token, subjectId, call } = await newCall();
      const c = customerClient();
      const info = (await c.get(`/api/join/${token}`)).body;
      const res = await c.post(`/api/join/${token}/consents`, {
        locale: info.locale,
        noticeHash: info.notice.notice.contentHash,
        decisions: info.consents.map((q: any) => ({ purpose: q.purpose, given: false, textHash: q.textHash })),
      });
      expect(res.status, res.raw).toBe(200);
      expect(res.body.consents.every((x: any) => x.current === 'declined')).toBe(true);
      const rows = await t.parley.deps.db.selectFrom('consent_records').selectAll().where('subject_id', '=', subjectId).execute();
      expect(rows).toHaveLength(2);
      for (const r of rows) {
        expect(r).toMatchObject({ call_id: call.id, action: 'declined', notice_hash: info.notice.notice.contentHash, locale: info.locale, method: 'join_page' });
        expect(r.text_hash).toBe(info.consents.find((q: any) => q.purpose === r.consent_purpose).textHash);
        expect(JSON.stringify(r)).not.toMatch(/127\.0\.0\.1|::1/);
      }
      const history = await admin.client.get(`/api/subjects/${subjectId}/consents`);
      expect(history.body.records).toHaveLength(2);
      const audit = await admin.client.get('/api/audit-events?type=consent.recorded');
      expect(audit.body.events.some((e: any) => e.data.subjectId === subjectId && e.data.action === 'declined')).toBe(true);
    });

    it('withdraws in as few requests as consent was given (G12), leaving the record of the consent intact', async () => {
      const { token, subjectId } = await newCall();
      const c = customerClient();
      const info = (await c.get(`/api/join/${token}`)).body;
      const rec = info.consents[0];
      let giveCalls = 0;
      giveCalls += 1;
      await c.post(`/api/join/${token}/consents`, { locale: info.locale, noticeHash: info.notice.notice.contentHash, decisions: [{ purpose: rec.purpose, given: true, textHash: rec.textHash }] });
      let withdrawCalls = 0;
      withdrawCalls += 1;
      const w = await c.post(`/api/join/${token}/consents/withdraw`, { purpose: 'recording' });
      expect(w.status, w.raw).toBe(200);
      expect(withdrawCalls).toBeLessThanOrEqual(giveCalls);
      const rows = await t.parley.deps.db.selectFrom('consent_records').selectAll().where('subject_id', '=', subjectId).orderBy('recorded_at').orderBy('id').execute();
      expect(rows.map((r) => r.action)).toEqual(['given', 'withdrawn']);
      expect(rows[1]!.withdraws_id).toBe(rows[0]!.id);
      expect((await c.post(`/api/join/${token}/consents/withdraw`, { purpose: 'recording' })).status).toBe(409);
    });

    it('asks again after a new notice version is published (G14), keeping the old record\'s hash', async () => {
      const { token } = await newCall();
      const c = customerClient();
      const v1 = (await c.get(`/api/join/${token}`)).body;
      await c.post(`/api/join/${token}/consents`, {
        locale: v1.locale,
        noticeHash: v1.notice.notice.contentHash,
        decisions: v1.consents.map((q: any) => ({ purpose: q.purpose, given: true, textHash: q.textHash })),
      });
      expect((await c.get(`/api/join/${token}`)).body.consents.every((q: any) => !q.needsDecision)).toBe(true);
      await publishNotice(admin, { recipients: 'Our hosting provider (processor) and our auditors.' });
      const v2 = (await c.get(`/api/join/${token}`)).body;
      expect(v2.notice.notice.version).toBeGreaterThan(v1.notice.notice.version);
      expect(v2.consents.every((q: any) => q.needsDecision && q.current === 'given')).toBe(true);
      // A decision sent against the old notice is refused: the person has not seen the new one.
      const staleRes = await c.post(`/api/join/${token}/consents`, {
        locale: v1.locale,
        noticeHash: v1.notice.notice.contentHash,
        decisions: [{ purpose: 'recording', given: true, textHash: v1.consents[0].textHash }],
      });
      expect(staleRes.status).toBe(409);
    });

    it('refuses unknown fields, foreign purposes and tampered texts on the join schema (G23), storing nothing', async () => {
      const { token, subjectId } = await newCall();
      const c = customerClient();
      const info = (await c.get(`/api/join/${token}`)).body;
      const base = { locale: info.locale, noticeHash: info.notice.notice.contentHash };
      const q = info.consents[0];
      expect((await c.post(`/api/join/${token}/consents`, { ...base, decisions: [], email: 'x@example.test' })).status).toBe(400);
      expect((await c.post(`/api/join/${token}/consents`, { ...base, decisions: [{ purpose: 'recording', given: true, textHash: q.textHash, age: 40 }] })).status).toBe(400);
      expect((await c.post(`/api/join/${token}/consents`, { ...base, decisions: [{ purpose: 'analytics', given: true, textHash: q.textHash }] })).status).toBe(400);
      expect((await c.post(`/api/join/${token}/consents`, { ...base, decisions: [{ purpose: 'recording', given: true, textHash: 'a'.repeat(64) }] })).status).toBe(409);
      const rows = await t.parley.deps.db.selectFrom('consent_records').select('id').where('subject_id', '=', subjectId).execute();
      expect(rows).toHaveLength(0);
    });

    it('says which problem a link has: invalid (404), cancelled or over (410)', async () => {
      const c = customerClient();
      const bad = await c.get('/api/join/par_aaaaaaaaaaaaaaaaaaaaaaaaa.forged');
      expect(bad.status).toBe(404);
      expect(bad.body.error.code).toBe('JOIN_LINK_INVALID');
      const { token, call } = await newCall();
      await agent.client.post(`/api/calls/${call.id}/cancel`);
      const cancelled = await c.get(`/api/join/${token}`);
      expect(cancelled.status).toBe(410);
      expect(cancelled.body.error.code).toBe('JOIN_CALL_CANCELLED');
      const later = await newCall();
      t.clock.advance(4 * 3_600_000);
      const over = await c.get(`/api/join/${later.token}`);
      expect(over.body.error.code).toBe('JOIN_LINK_EXPIRED');
      expect(over.body.error.message).toMatch(/over/);
    });

    it('refuses updates and deletes of consent records at the database outside the retention job (G11)', async () => {
      const { token } = await newCall();
      const c = customerClient();
      const info = (await c.get(`/api/join/${token}`)).body;
      await c.post(`/api/join/${token}/consents`, { locale: info.locale, noticeHash: info.notice.notice.contentHash, decisions: [{ purpose: 'recording', given: true, textHash: info.consents[0].textHash }] });
      const db = t.parley.deps.db;
      const row = await db.selectFrom('consent_records').select('id').orderBy('recorded_at', 'desc').executeTakeFirstOrThrow();
      await expect(db.updateTable('consent_records').set({ action: 'declined' }).where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
      await expect(db.deleteFrom('consent_records').where('id', '=', row.id).execute()).rejects.toThrow(/retention job|append-only/);
      // The retention job's way in works (and only inside its own transaction).
      await db.transaction().execute(async (tx) => {
        if (d.name === 'postgres') await sql`select set_config('parley.retention', 'on', true)`.execute(tx);
        else await sql`insert into retention_unlock (txn) values ('test')`.execute(tx);
        await tx.deleteFrom('consent_records').where('id', '=', row.id).execute();
        if (d.name === 'sqlite') await sql`delete from retention_unlock`.execute(tx);
      });
      expect(await db.selectFrom('consent_records').select('id').where('id', '=', row.id).executeTakeFirst()).toBeUndefined();
    });
  });
}
