import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/retention/purge.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

const HOUR = 3_600_000;

/** Free text a breach record holds; none of it may reach the audit log or the database in plaintext. */
const secretTexts = {
  dataCategories: 'Names and emails of Erika Mustermann and 40 other customers',
  subjectCategories: 'Mortgage customers of branch Nord',
  consequences: 'Phishing risk for the affected customers',
  measures: 'Laptop wiped remotely; passwords rotated',
  contactPoint: 'Dana Datenschutz, dpo@bank.example',
};

/** A valid breach body, the controller having become aware `hoursAgo` before the test clock's now. */
function breachBody(t: TestParley, hoursAgo: number, extra: Record<string, unknown> = {}) {
  return {
    awareAt: new Date(t.clock.now().getTime() - hoursAgo * HOUR).toISOString(),
    types: ['confidentiality'],
    approxSubjects: 41,
    approxRecords: 120,
    ...secretTexts,
    ...extra,
  };
}

for (const d of dialects) {
  describe.skipIf(!d.available)(`breach register (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let dpo: SignedIn;
    let agent: SignedIn;

    beforeAll(async () => {
      // Sessions must outlive the clock moved past the 72 h deadline.
      t = await startTestParley(d.name, { PARLEY_SESSION_TTL_HOURS: '1000' });
      admin = await createOrgWithAdmin(t);
      dpo = await addUser(t, admin, 'dpo');
      agent = await addUser(t, admin, 'agent');
    });
    afterAll(async () => t?.close());

    it('runs the 72 h clock: running at 0 h, still running at 47 h, warning at 49 h, overdue at 73 h', async () => {
      const created = await dpo.client.post('/api/breaches', breachBody(t, 0, { types: ['confidentiality', 'availability'] }));
      expect(created.status, created.raw).toBe(201);
      const awareAt = new Date(created.body.awareAt).getTime();
      expect(new Date(created.body.deadline).getTime()).toBe(awareAt + 72 * HOUR);
      expect(created.body).toMatchObject({ clock: 'running', decision: 'pending', subjectCommunication: 'pending', updates: [] });
      expect(created.body.hoursLeft).toBeGreaterThanOrEqual(71.9);
      const at = async () => (await dpo.client.get(`/api/breaches/${created.body.id}`)).body;

      t.clock.advance(47 * HOUR);
      expect(await at()).toMatchObject({ clock: 'running' });
      expect((await at()).hoursLeft).toBeCloseTo(25, 0);

      t.clock.advance(2 * HOUR);
      expect(await at()).toMatchObject({ clock: 'warning' });
      expect((await at()).hoursLeft).toBeCloseTo(23, 0);

      t.clock.advance(24 * HOUR);
      const overdue = await at();
      expect(overdue.clock).toBe('overdue');
      expect(overdue.hoursLeft).toBeLessThan(0);
      expect(overdue.hoursLeft).toBeCloseTo(-1, 0);

      // The list carries the same clock, the most recent awareness first.
      const newer = await dpo.client.post('/api/breaches', breachBody(t, 1, { types: ['integrity'] }));
      expect(newer.status, newer.raw).toBe(201);
      const list = await dpo.client.get('/api/breaches');
      expect(list.status).toBe(200);
      const ids = list.body.breaches.map((b: { id: string }) => b.id);
      expect(ids.indexOf(newer.body.id)).toBeLessThan(ids.indexOf(created.body.id));
      expect(list.body.breaches.find((b: { id: string }) => b.id === created.body.id).clock).toBe('overdue');
      expect(list.body.breaches.find((b: { id: string }) => b.id === newer.body.id).clock).toBe('running');
    });

    it('accepts a notification within 72 h, refuses a later one without the reasons for the delay (400), accepts it with them', async () => {
      const inTime = breachBody(t, 100);
      const notifiedAt = (hours: number) => new Date(new Date(inTime.awareAt).getTime() + hours * HOUR).toISOString();
      const notify = { decision: 'notify', decisionReasons: 'Customer contact data left the bank.' };
      const ok = await admin.client.post('/api/breaches', { ...inTime, ...notify, authorityNotifiedAt: notifiedAt(71) });
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body).toMatchObject({ clock: 'notified', hoursLeft: null, lateNotificationReason: null });

      const late = await admin.client.post('/api/breaches', { ...inTime, ...notify, authorityNotifiedAt: notifiedAt(75) });
      expect(late.status).toBe(400);
      expect(late.body.error.code).toBe('LATE_NOTIFICATION_REASON_REQUIRED');
      // The refusal names its field, so the console shows it beside the reasons field (issue 12, finding 15).
      expect(late.body.error.details).toEqual([{ in: 'body', path: ['lateNotificationReason'], message: late.body.error.message }]);
      expect(late.body.error.message).toMatch(/75 h .*later than 72 h: give the reasons for the delay/);

      const withReason = await admin.client.post('/api/breaches', {
        ...inTime,
        ...notify,
        authorityNotifiedAt: notifiedAt(75),
        lateNotificationReason: 'The extent was only known after the forensic report.',
      });
      expect(withReason.status, withReason.raw).toBe(201);
      expect(withReason.body.clock).toBe('notified');

      // The same rule on an edit: moving the notification past the deadline needs the reason.
      const edited = await admin.client.patch(`/api/breaches/${ok.body.id}`, { authorityNotifiedAt: notifiedAt(80) });
      expect(edited.status).toBe(400);
      expect(edited.body.error.code).toBe('LATE_NOTIFICATION_REASON_REQUIRED');
      const fixed = await admin.client.patch(`/api/breaches/${ok.body.id}`, { authorityNotifiedAt: notifiedAt(80), lateNotificationReason: 'Weekend; the DPO was away.' });
      expect(fixed.status, fixed.raw).toBe(200);
      expect(fixed.body.lateNotificationReason).toBe('Weekend; the DPO was away.');
    });

    it('refuses the "data was encrypted" exemption without a statement that the keys were not compromised (400)', async () => {
      const body = breachBody(t, 2, { subjectCommunication: 'exempt_encrypted' });
      const refused = await dpo.client.post('/api/breaches', body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('KEYS_STATEMENT_REQUIRED');
      expect(refused.body.error.details.map((d: { path: string[] }) => d.path)).toEqual([['keysNotCompromisedStatement']]);
      expect(refused.body.error.message).toMatch(/keys were not compromised/);
      const accepted = await dpo.client.post('/api/breaches', { ...body, keysNotCompromisedStatement: 'The disk key is in the HSM, which was not accessed.' });
      expect(accepted.status, accepted.raw).toBe(201);
      expect(accepted.body.subjectCommunication).toBe('exempt_encrypted');
      // Nor can an edit choose the exemption without it.
      const other = await dpo.client.post('/api/breaches', breachBody(t, 2));
      const edit = await dpo.client.patch(`/api/breaches/${other.body.id}`, { subjectCommunication: 'exempt_encrypted' });
      expect(edit.status).toBe(400);
      expect(edit.body.error.code).toBe('KEYS_STATEMENT_REQUIRED');
    });

    it('refuses a no-notify decision without reasons (400); with them the clock says not required', async () => {
      const refused = await dpo.client.post('/api/breaches', breachBody(t, 60, { decision: 'not_notify' }));
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      expect(refused.body.error.message).toMatch(/reasons for not notifying/);
      const blank = await dpo.client.post('/api/breaches', breachBody(t, 60, { decision: 'not_notify', decisionReasons: '   ' }));
      expect(blank.status).toBe(400);
      const ok = await dpo.client.post('/api/breaches', breachBody(t, 60, { decision: 'not_notify', decisionReasons: 'The lost file was encrypted and held no identifiers.' }));
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body).toMatchObject({ clock: 'not_required', hoursLeft: null });
    });

    it('refuses an awareness time in the future, no type, and a notification time without the decision to notify', async () => {
      expect((await dpo.client.post('/api/breaches', breachBody(t, -2))).status).toBe(400);
      expect((await dpo.client.post('/api/breaches', breachBody(t, 1, { types: [] }))).status).toBe(400);
      expect((await dpo.client.post('/api/breaches', breachBody(t, 1, { types: ['leak'] }))).status).toBe(400);
      const noDecision = await dpo.client.post('/api/breaches', breachBody(t, 10, { authorityNotifiedAt: t.clock.now().toISOString() }));
      expect(noDecision.status).toBe(400);
      expect(noDecision.body.error.message).toMatch(/decision to notify/);
    });

    it('audits every record, edit and follow-up with ids and field names only, never the free text', async () => {
      const created = await admin.client.post('/api/breaches', breachBody(t, 5));
      expect(created.status, created.raw).toBe(201);
      const id = created.body.id as string;
      const edit = await admin.client.patch(`/api/breaches/${id}`, { measures: 'Encrypted all laptops of branch Nord', approxSubjects: 44 });
      expect(edit.status, edit.raw).toBe(200);
      const decide = await admin.client.patch(`/api/breaches/${id}`, { decision: 'notify', decisionReasons: 'Risk of phishing for Erika Mustermann', authorityNotifiedAt: t.clock.now().toISOString() });
      expect(decide.status, decide.raw).toBe(200);
      expect(decide.body.clock).toBe('notified');
      // An edit that changes nothing writes no event.
      expect((await admin.client.patch(`/api/breaches/${id}`, { approxSubjects: 44 })).status).toBe(200);
      const update = await admin.client.post(`/api/breaches/${id}/updates`, { text: 'Erika Mustermann called; told her what happened.' });
      expect(update.status, update.raw).toBe(201);
      const second = await dpo.client.post(`/api/breaches/${id}/updates`, { text: 'Authority asked for the forensic report; sent.' });
      expect(second.body.updates.map((u: { text: string }) => u.text)).toEqual(['Erika Mustermann called; told her what happened.', 'Authority asked for the forensic report; sent.']);

      const events = await t.parley.deps.db
        .selectFrom('audit_events')
        .select(['type', 'data'])
        .where('org_id', '=', admin.orgId)
        .where('type', 'like', 'breach.%')
        .orderBy('seq')
        .execute();
      const mine = events.map((e) => ({ type: e.type, data: JSON.parse(e.data) })).filter((e) => e.data.breachId === id);
      expect(mine.map((e) => e.type)).toEqual(['breach.recorded', 'breach.edited', 'breach.edited', 'breach.update_added', 'breach.update_added']);
      expect(mine[0]!.data).toEqual({ breachId: id, types: ['confidentiality'] });
      expect(mine[1]!.data).toEqual({ breachId: id, fields: ['approxSubjects', 'measures'] });
      expect(mine[2]!.data).toEqual({ breachId: id, fields: ['authorityNotifiedAt', 'decision', 'decisionReasons'] });
      expect(mine[3]!.data).toEqual({ breachId: id, updateId: update.body.updates[0].id });
      const all = JSON.stringify(events);
      for (const s of [...Object.values(secretTexts), 'Mustermann', 'Encrypted all laptops', 'forensic', 'phishing']) expect(all).not.toContain(s);
      expect((await admin.client.post('/api/audit-events/verify')).body).toMatchObject({ ok: true });
    });

    it('stores no free text in plaintext: the rows hold only sealed text', async () => {
      const created = await dpo.client.post('/api/breaches', breachBody(t, 3, { decision: 'not_notify', decisionReasons: 'Only Erika Mustermann, no risk' }));
      await dpo.client.post(`/api/breaches/${created.body.id}/updates`, { text: 'Erika Mustermann confirmed deletion' });
      const row = await t.parley.deps.db.selectFrom('breaches').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
      const updates = await t.parley.deps.db.selectFrom('breach_updates').selectAll().where('breach_id', '=', created.body.id).execute();
      const raw = JSON.stringify([row, updates]);
      for (const s of [...Object.values(secretTexts), 'Mustermann', 'confirmed deletion', 'no risk']) expect(raw).not.toContain(s);
      expect(row).toMatchObject({ purpose: 'accountability', data_category: 'breach_records', decision: 'not_notify' });
      expect(new Date(row.expires_at).getTime()).toBeGreaterThan(new Date(row.aware_at).getTime() + 4 * 365 * 24 * HOUR);
      // And the API reads it back.
      expect((await dpo.client.get(`/api/breaches/${created.body.id}`)).body).toMatchObject({ ...secretTexts, decisionReasons: 'Only Erika Mustermann, no risk' });
    });

    it('keeps agents out of the register (403)', async () => {
      const id = (await dpo.client.post('/api/breaches', breachBody(t, 1))).body.id as string;
      const calls = [
        agent.client.get('/api/breaches'),
        agent.client.post('/api/breaches', breachBody(t, 1)),
        agent.client.get(`/api/breaches/${id}`),
        agent.client.patch(`/api/breaches/${id}`, { measures: 'x' }),
        agent.client.post(`/api/breaches/${id}/updates`, { text: 'x' }),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status, res.raw).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    });

    it("answers 404 to another organisation for a breach, and never lists it", async () => {
      const id = (await dpo.client.post('/api/breaches', breachBody(t, 1))).body.id as string;
      const other = await createOrgWithAdmin(t, 'Other Org');
      expect((await other.client.get(`/api/breaches/${id}`)).status).toBe(404);
      expect((await other.client.patch(`/api/breaches/${id}`, { measures: 'Taken over' })).status).toBe(404);
      expect((await other.client.post(`/api/breaches/${id}/updates`, { text: 'Taken over' })).status).toBe(404);
      const list = await other.client.get('/api/breaches');
      expect(list.body.breaches).toEqual([]);
      expect((await dpo.client.get(`/api/breaches/${id}`)).body.measures).toBe(secretTexts.measures);
    });

    it('keeps a breach and its follow-ups for their period, after which the purge deletes them (G25)', async () => {
      const created = await dpo.client.post('/api/breaches', breachBody(t, 0));
      expect(created.status, created.raw).toBe(201);
      expect((await dpo.client.post(`/api/breaches/${created.body.id}/updates`, { text: 'Forensics finished.' })).status).toBe(201);
      const row = await t.parley.deps.db.selectFrom('breaches').select('expires_at').where('id', '=', created.body.id).executeTakeFirstOrThrow();
      const count = async () => (await t.parley.deps.db.selectFrom('breach_updates').select('id').where('breach_id', '=', created.body.id).execute()).length;

      await purgeExpired(t.parley.deps, { dryRun: false });
      expect(await t.parley.deps.db.selectFrom('breaches').select('id').where('id', '=', created.body.id).executeTakeFirst()).toBeDefined();
      expect(await count()).toBe(1);

      t.clock.advance(new Date(row.expires_at).getTime() - t.clock.now().getTime() + 86_400_000);
      await purgeExpired(t.parley.deps, { dryRun: false });
      expect(await t.parley.deps.db.selectFrom('breaches').select('id').where('id', '=', created.body.id).executeTakeFirst()).toBeUndefined();
      expect(await count()).toBe(0);
    });
  });
}
