import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { tagged } from '../../src/db/personal-data.ts';
import { iso } from '../../src/shared/clock.ts';
import { newId } from '../../src/shared/ids.ts';
import { dueDate } from '../../src/subject-rights/due-dates.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

/**
 * Rights requests (G28–G31) end to end: the public page's API, the one-time code, the rate limits, the Art. 12(3)
 * due dates and the DPO's queue, with mail going out through a real SMTP peer.
 */
const KNOWN = 'known.customer@example.test';
let ipCounter = 0;
/** Each test speaks from its own client address (PARLEY_TRUST_PROXY is on), so the per-address limits stay apart. */
const freshIp = () => `198.51.100.${++ipCounter}`;

for (const d of dialects) {
  describe.skipIf(!d.available)(`rights requests (${d.name})`, () => {
    let smtp: TestSmtp;
    let t: TestParley;
    let admin: SignedIn;
    let dpo: SignedIn;
    let subjectId: string;

    const pub = (ip: string) => {
      const client: ApiClient = t.client();
      const headers = { 'x-forwarded-for': ip };
      return {
        post: (url: string, body: unknown) => client.request('POST', url, body, { headers }),
        get: (url: string) => client.request('GET', url, undefined, { headers }),
      };
    };

    /** Runs the mail jobs and returns the mails to `to` that arrived since `before`. */
    async function mailsTo(to: string, before: number, expected = 1) {
      await t.parley.jobs.runDue();
      const all = await smtp.waitFor(before + expected);
      return all.slice(before).filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === to);
    }
    const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;

    async function submit(ip: string, email: string, type = 'access', extra: Record<string, unknown> = {}) {
      const before = smtp.messages.length;
      const res = await pub(ip).post(`/api/public/organisations/${admin.orgId}/rights-requests`, { type, email, ...extra });
      expect(res.status, `${res.raw} ${t.logs.filter((l) => l.includes('"level":50')).slice(-1)[0] ?? ''}`).toBe(202);
      const [mail] = await mailsTo(email, before);
      return { res, mail: mail!, code: codeIn(mail!.text ?? '') };
    }

    beforeAll(async () => {
      smtp = await startTestSmtp();
      t = await startTestParley(d.name, { PARLEY_SMTP_URL: smtp.url, PARLEY_TRUST_PROXY: 'true', PARLEY_TIME_ZONE: 'Europe/Berlin' });
      admin = await createOrgWithAdmin(t, 'Rights Bank AG');
      dpo = await addUser(t, admin, 'dpo');
      const org = await admin.client.patch('/api/organisation', {
        address: 'Hauptstr. 1, Berlin',
        contactEmail: 'privacy@bank.example',
        dpoName: 'D. Schutz',
        dpoEmail: 'dpo@bank.example',
        supervisoryAuthority: 'Berliner Beauftragte für Datenschutz und Informationsfreiheit',
      });
      expect(org.status, org.raw).toBe(200);
      subjectId = newId('subject');
      const now = iso(t.clock.now());
      await t.parley.deps.db
        .insertInto('subjects')
        .values({ id: subjectId, org_id: admin.orgId, email: KNOWN, display_name: 'Known Customer', created_at: now, updated_at: now, expires_at: '2099-01-01T00:00:00.000Z', ...tagged('subjects') })
        .execute();
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.close();
    });

    it('answers a known and an unknown address identically, and mails a code to the address given either way', async () => {
      const known = await submit(freshIp(), KNOWN);
      const unknown = await submit(freshIp(), 'nobody.here@example.test');
      const strip = (r: typeof known.res) => {
        const { requestId, statusPage, ...rest } = r.body;
        expect(statusPage).toBe(`/rights/requests/${requestId}`);
        const { 'x-request-id': _rid, date: _date, ...headers } = r.headers;
        return { status: r.status, body: rest, headers, length: r.raw.length };
      };
      expect(strip(known.res)).toEqual(strip(unknown.res));
      // The mails differ only in the code and the request's link.
      const shape = (text: string) => text.replace(/req_[0-9a-z]{25}/g, 'REQ').replace(/\b\d{6}\b/g, 'CODE');
      expect(shape(known.mail.text!)).toBe(shape(unknown.mail.text!));
      expect(known.mail.subject!.replace(/\b\d{6}\b/, '')).toBe(unknown.mail.subject!.replace(/\b\d{6}\b/, ''));
      // Nothing about the address is stored readable.
      const row = await t.parley.deps.db.selectFrom('rights_requests').selectAll().where('id', '=', known.res.body.requestId).executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(KNOWN);
      expect(row).toMatchObject({ status: 'unverified', subject_id: null, purpose: 'rights_requests', data_category: 'rights_requests' });
    });

    it('verifies with the code, links the subject on file, and uses each code once', async () => {
      const ip = freshIp();
      const { res, code } = await submit(ip, KNOWN, 'erasure');
      const id = res.body.requestId as string;
      const ok = await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code });
      expect(ok.status, ok.raw).toBe(200);
      expect(ok.body).toMatchObject({ requestId: id, status: 'open', type: 'erasure', locked: false });
      const row = await t.parley.deps.db.selectFrom('rights_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.subject_id).toBe(subjectId);
      expect(row.verified_at).not.toBeNull();
      const again = await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code });
      expect(again.status).toBe(410);
      expect(again.body.error.code).toBe('CODE_EXPIRED');
    });

    it('refuses an expired code with 410 and accepts a new one', async () => {
      const ip = freshIp();
      const { res, code } = await submit(ip, 'late.reader@example.test');
      const id = res.body.requestId as string;
      t.clock.advance(16 * 60_000);
      const late = await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code });
      expect(late.status).toBe(410);
      expect(late.body.error.message).toMatch(/new one/);
      const before = smtp.messages.length;
      const again = await pub(ip).post(`/api/public/rights-requests/${id}/code`, { locale: 'de' });
      expect(again.status, again.raw).toBe(202);
      const [mail] = await mailsTo('late.reader@example.test', before);
      expect(mail!.subject).toMatch(/Bestätigungscode/);
      const ok = await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code: codeIn(mail!.text!) });
      expect(ok.status, ok.raw).toBe(200);
      expect(ok.body.subjectFound).toBeUndefined(); // the public side never says whether anything is on file
    });

    it('locks the request after five wrong codes with a message naming the DPO', async () => {
      const ip = freshIp();
      const { res, code } = await submit(ip, 'guessed@example.test');
      const id = res.body.requestId as string;
      const wrong = code === '000000' ? '000001' : '000000';
      for (let left = 4; left >= 1; left--) {
        const r = await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code: wrong });
        expect(r.status).toBe(400);
        expect(r.body.error).toMatchObject({ code: 'CODE_WRONG', details: { attemptsLeft: left } });
      }
      const fifth = await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code: wrong });
      expect(fifth.status).toBe(423);
      expect(fifth.body.error.code).toBe('RIGHTS_REQUEST_LOCKED');
      expect(fifth.body.error.message).toMatch(/too many wrong codes/i);
      expect(fifth.body.error.message).toContain('dpo@bank.example');
      // Even the right code, or a new one, no longer helps.
      expect((await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code })).status).toBe(423);
      expect((await pub(ip).post(`/api/public/rights-requests/${id}/code`, {})).status).toBe(423);
      expect((await pub(ip).get(`/api/public/rights-requests/${id}`)).body.locked).toBe(true);
      const events = await t.parley.deps.db.selectFrom('audit_events').select(['type', 'data']).where('org_id', '=', admin.orgId).where('data', 'like', `%${id}%`).execute();
      expect(events.filter((e) => e.type === 'rights_request.code_failed')).toHaveLength(5);
      expect(events.filter((e) => e.type === 'rights_request.locked')).toHaveLength(1);
    });

    it('answers a flood from one address, and for one email, with 429 and Retry-After', async () => {
      const ip = freshIp();
      for (let i = 0; i < 5; i++) await submit(ip, `flood.${i}@example.test`);
      const sixth = await pub(ip).post(`/api/public/organisations/${admin.orgId}/rights-requests`, { type: 'access', email: 'flood.6@example.test' });
      expect(sixth.status).toBe(429);
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
      expect(sixth.body.error.message).toMatch(/Too many requests/);
      // One email from many addresses is limited too.
      for (let i = 0; i < 5; i++) await submit(freshIp(), 'target@example.test');
      const other = await pub(freshIp()).post(`/api/public/organisations/${admin.orgId}/rights-requests`, { type: 'access', email: 'Target@Example.test' });
      expect(other.status).toBe(429);
      // The limiter keeps no address: nothing readable in the logs either.
      expect(t.logs.join('\n')).not.toContain(ip);
    });

    it('stores the Art. 12(3) due date in the organisation\'s time zone', async () => {
      const { res } = await submit(freshIp(), 'due.date@example.test', 'restriction');
      const row = await t.parley.deps.db.selectFrom('rights_requests').selectAll().where('id', '=', res.body.requestId).executeTakeFirstOrThrow();
      expect(row.due_at).toBe(dueDate(new Date(row.received_at), 'Europe/Berlin').dueAt);
      expect(row.due_at).toMatch(/T2[12]:59:59\.999Z$/); // the end of a Berlin day
      expect(row.expires_at > row.due_at).toBe(true);
    });

    it('extends before the due date with reasons mailed to the requester, and refuses after it (409)', async () => {
      const ip = freshIp();
      const { res, code } = await submit(ip, 'extend.me@example.test', 'rectification', { details: 'My surname is Meyer, not Mayer.', locale: 'de' });
      const id = res.body.requestId as string;
      expect((await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code })).status).toBe(200);
      const before = smtp.messages.length;
      const ext = await dpo.client.post(`/api/rights-requests/${id}/extend`, { months: 2, reasons: 'Wir müssen Unterlagen im Archiv prüfen.' });
      expect(ext.status, ext.raw).toBe(200);
      expect(ext.body.extendedDueAt).not.toBeNull();
      expect(ext.body.effectiveDueAt).toBe(ext.body.extendedDueAt);
      expect(ext.body.canExtend).toBe(false);
      const [mail] = await mailsTo('extend.me@example.test', before);
      expect(mail!.text).toContain('Wir müssen Unterlagen im Archiv prüfen.');
      expect(mail!.text).toContain('Art. 12(3)');

      const late = await submit(ip, 'too.late@example.test', 'objection', { details: 'I object to the analytics.' });
      const lateId = late.res.body.requestId as string;
      await t.parley.deps.db.updateTable('rights_requests').set({ due_at: iso(new Date(t.clock.now().getTime() - 60_000)) }).where('id', '=', lateId).execute();
      const refused = await dpo.client.post(`/api/rights-requests/${lateId}/extend`, { months: 1, reasons: 'Too late now' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/due date has passed/);
      const noReasons = await dpo.client.post(`/api/rights-requests/${id}/extend`, { months: 1, reasons: '' });
      expect(noReasons.status).toBe(400);
    });

    it('lists the queue by effective due date, marks overdue requests, and filters by status', async () => {
      const other = await createOrgWithAdmin(t, 'Queue Org');
      const mk = async (dueAt: string, extendedDueAt: string | null, status = 'open') => {
        const r = await t.client().request('POST', `/api/public/organisations/${other.orgId}/rights-requests`, { type: 'access', email: `q.${Math.random()}@example.test` }, { headers: { 'x-forwarded-for': freshIp() } });
        expect(r.status, r.raw).toBe(202);
        await t.parley.deps.db.updateTable('rights_requests').set({ due_at: dueAt, extended_due_at: extendedDueAt, status }).where('id', '=', r.body.requestId).execute();
        return r.body.requestId as string;
      };
      const now = t.clock.now().getTime();
      const day = 86_400_000;
      const overdue = await mk(iso(new Date(now - 2 * day)), null);
      const extended = await mk(iso(new Date(now - 5 * day)), iso(new Date(now + 20 * day)));
      const soon = await mk(iso(new Date(now + 3 * day)), null);
      const doneLate = await mk(iso(new Date(now - 9 * day)), null, 'completed');
      const list = await other.client.get('/api/rights-requests');
      expect(list.status, list.raw).toBe(200);
      const ids = list.body.requests.map((r: { id: string }) => r.id);
      expect(ids).toEqual([doneLate, overdue, soon, extended]);
      const byId = Object.fromEntries(list.body.requests.map((r: { id: string; overdue: boolean }) => [r.id, r.overdue]));
      expect(byId).toEqual({ [doneLate]: false, [overdue]: true, [soon]: false, [extended]: false });
      const open = await other.client.get('/api/rights-requests?status=open');
      expect(open.body.requests.map((r: { id: string }) => r.id)).toEqual([overdue, soon, extended]);
      // Another organisation's DPO sees none of them.
      expect((await dpo.client.get('/api/rights-requests')).raw).not.toContain(overdue);
    });

    it('refuses with reasons and the right to complain (G30), and completes objections with a note', async () => {
      const ip = freshIp();
      const a = await submit(ip, 'refuse.me@example.test', 'access');
      const before = smtp.messages.length;
      const refused = await dpo.client.post(`/api/rights-requests/${a.res.body.requestId}/refuse`, { reasons: 'We could not confirm who you are.' });
      expect(refused.status, refused.raw).toBe(200);
      expect(refused.body.status).toBe('refused');
      const [mail] = await mailsTo('refuse.me@example.test', before);
      expect(mail!.text).toContain('We could not confirm who you are.');
      expect(mail!.text).toMatch(/complaint with a supervisory authority/);
      expect(mail!.text).toContain('Berliner Beauftragte');

      const o = await submit(ip, 'object@example.test', 'objection', { details: 'Stop the statistics.' });
      const early = await dpo.client.post(`/api/rights-requests/${o.res.body.requestId}/complete`, { note: 'Done.' });
      expect(early.status).toBe(409); // not verified yet
      await pub(ip).post(`/api/public/rights-requests/${o.res.body.requestId}/verify`, { code: o.code });
      const detail = await dpo.client.get(`/api/rights-requests/${o.res.body.requestId}`);
      expect(detail.body).toMatchObject({ email: 'object@example.test', details: 'Stop the statistics.', subjectFound: false });
      const done = await dpo.client.post(`/api/rights-requests/${o.res.body.requestId}/complete`, { note: 'We no longer compute statistics from your calls.' });
      expect(done.status, done.raw).toBe(200);
      expect(done.body).toMatchObject({ status: 'completed', outcome: { action: 'objection_handled' } });
      expect((await dpo.client.post(`/api/rights-requests/${o.res.body.requestId}/erase`, {})).status).toBe(409);
    });

    it('produces an access export and hands a download link only for a fresh code', async () => {
      const ip = freshIp();
      const a = await submit(ip, KNOWN, 'access');
      const id = a.res.body.requestId as string;
      expect((await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code: a.code })).status).toBe(200);
      const notYet = await pub(ip).post(`/api/public/rights-requests/${id}/export-token`, { code: '123456' });
      expect(notYet.status).toBe(409);
      const before = smtp.messages.length;
      const made = await dpo.client.post(`/api/rights-requests/${id}/export`, {});
      expect(made.status, made.raw).toBe(200);
      expect(made.body.outcome.action).toBe('export_produced');
      const [ready] = await mailsTo(KNOWN, before);
      expect(ready!.text).toContain(`/rights/requests/${id}`);
      const status = await pub(ip).get(`/api/public/rights-requests/${id}`);
      expect(status.body).toMatchObject({ status: 'completed', exportReady: true });
      const before2 = smtp.messages.length;
      expect((await pub(ip).post(`/api/public/rights-requests/${id}/code`, {})).status).toBe(202);
      const [codeMail] = await mailsTo(KNOWN, before2);
      const token = await pub(ip).post(`/api/public/rights-requests/${id}/export-token`, { code: codeIn(codeMail!.text!) });
      expect(token.status, token.raw).toBe(200);
      expect(token.body.url).toMatch(new RegExp(`^/api/public/exports/${made.body.outcome.exportId}\\?token=`));
    });

    it('a request made in German gets its export in German, and the status page says until when it can be downloaded, as the mail does', async () => {
      const ip = freshIp();
      const a = await submit(ip, KNOWN, 'access', { locale: 'de' });
      const id = a.res.body.requestId as string;
      expect((await pub(ip).post(`/api/public/rights-requests/${id}/verify`, { code: a.code })).status).toBe(200);
      const pending = await pub(ip).get(`/api/public/rights-requests/${id}`);
      expect(pending.body).toMatchObject({ exportReady: false, exportExpiresAt: null, codeValidMinutes: 15, exportLinkMinutes: 15 });
      const before = smtp.messages.length;
      const made = await dpo.client.post(`/api/rights-requests/${id}/export`, {});
      expect(made.status, made.raw).toBe(200);
      const status = await pub(ip).get(`/api/public/rights-requests/${id}`);
      expect(status.body).toMatchObject({ exportReady: true, exportExpiresAt: made.body.outcome.expiresAt });
      // The "export ready" mail names the same last day the page shows.
      const [ready] = await mailsTo(KNOWN, before);
      const lastDay = new Intl.DateTimeFormat('de-DE', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Berlin' }).format(new Date(status.body.exportExpiresAt));
      expect(ready!.text).toContain(lastDay);

      const before2 = smtp.messages.length;
      expect((await pub(ip).post(`/api/public/rights-requests/${id}/code`, { locale: 'de' })).status).toBe(202);
      const [codeMail] = await mailsTo(KNOWN, before2);
      const token = await pub(ip).post(`/api/public/rights-requests/${id}/export-token`, { code: codeIn(codeMail!.text!) });
      expect(token.status, token.raw).toBe(200);
      const zip = await t.parley.app.inject({ method: 'GET', url: token.body.url });
      expect(zip.statusCode).toBe(200);
      const names: string[] = [];
      let manifest: { language: string; files: { summary: string } } | null = null;
      const archive = await yauzl.fromBufferPromise(zip.rawPayload);
      for await (const entry of archive.eachEntry()) {
        names.push(entry.fileName);
        if (entry.fileName === 'manifest.json') {
          const parts: Buffer[] = [];
          for await (const p of await archive.openReadStreamPromise(entry)) parts.push(p as Buffer);
          manifest = JSON.parse(Buffer.concat(parts).toString('utf8'));
        }
      }
      expect(names[0]).toBe('zusammenfassung.html');
      expect(manifest).toMatchObject({ language: 'de', files: { summary: 'zusammenfassung.html' } });
    });

    it('tells the console the rights page\'s full address, to publish on the organisation\'s website', async () => {
      const page = await pub(freshIp()).get(`/api/public/organisations/${admin.orgId}/rights-page`);
      expect(page.status, page.raw).toBe(200);
      expect(page.body.pageUrl).toBe(`${t.parley.deps.config.publicUrl}/rights/${admin.orgId}`);
    });

    it('audits every step with ids only', async () => {
      const events = await t.parley.deps.db
        .selectFrom('audit_events')
        .select(['type', 'data', 'actor_type'])
        .where('org_id', '=', admin.orgId)
        .where('type', 'like', 'rights_request.%')
        .execute();
      const types = new Set(events.map((e) => e.type));
      for (const type of ['received', 'code_sent', 'verified', 'code_failed', 'locked', 'extended', 'completed', 'refused', 'export_link_issued']) {
        expect(types, type).toContain(`rights_request.${type}`);
      }
      const all = JSON.stringify(events);
      for (const secret of [KNOWN, '@example.test', 'Meyer', 'Stop the statistics', 'Archiv', '198.51.100.']) expect(all).not.toContain(secret);
    });
  });
}
