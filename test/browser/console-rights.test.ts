import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCode } from '../../src/accounts/totp.ts';
import { addUser, createOrgWithAdmin, publishNotice, TEST_PASSWORD, type SignedIn } from '../support/harness.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { launchChromium, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// The DPO's side of data-subject rights, in one Chromium against a real server (built console, SQLite) that mails
// through a real (test) SMTP server. A customer with a scheduled call made three requests on the public API and
// confirmed each with the mailed code: a rectification received 40 days ago (now overdue), then an erasure and an
// access request. The DPO signs in with TOTP, works the queue — produces the access export, extends the erasure
// by a month with reasons, then erases — and places, lists and releases a legal hold on the customer's call.
// Each test continues where the previous one left off.

const ORG = 'Musterbank AG';
const KARLA = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const ZONE = 'Europe/Berlin';
const DAY = 86_400_000;
const SHOTS = '/tmp/parley-console-rights';
const EXTENSION_REASONS = 'Your calls are archived by our IT provider; retrieving them takes longer than usual.';
const HOLD = { reference: 'LG Frankfurt 2-03 O 123/26', reason: 'Dispute about the advice given in this call' };

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

/** How the console shows an instant to a reader in en-GB and Berlin (web/shared/format.ts, formatDateTime). */
const shownAs = (iso: string) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(new Date(iso));
/** How the requester's mails name a day (src/subject-rights/request-mails.ts). */
const mailDay = (iso: string) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE }).format(new Date(iso));
/** `YYYY-MM-DD` in UTC, as the legal-hold end date is compared on the server. */
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

const recipient = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : '') ?? '';

describe('the DPO works rights requests and legal holds in the console (Chromium)', () => {
  let smtp: TestSmtp;
  let server: ListeningParley;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let admin: SignedIn;
  let dpo: SignedIn;
  let callId = '';
  const ids = { rectification: '', erasure: '', access: '' };

  /** Runs the queued jobs, then the mails to Karla that arrived after the first `before` messages. */
  async function mailsToKarla(before: number): Promise<ParsedMail[]> {
    await server.parley.jobs.runDue();
    return (await smtp.waitFor(before + 1)).slice(before).filter((m) => recipient(m) === KARLA.email);
  }

  /** A request made and confirmed the way the public page does it: POST (with CSRF), then the mailed code. */
  async function requestAndConfirm(type: 'access' | 'erasure' | 'rectification', details = ''): Promise<string> {
    const client = server.client(); // a visitor with no account: cookies and the CSRF token only
    const before = smtp.messages.length;
    const made = await client.post(`/api/public/organisations/${admin.orgId}/rights-requests`, { type, email: KARLA.email, details, locale: 'en' });
    expect(made.status, made.raw).toBe(202);
    expect(made.body).toMatchObject({ status: 'unverified', statusPage: `/rights/requests/${made.body.requestId}` });
    const mail = (await mailsToKarla(before)).findLast((m) => /^Your confirmation code/.test(m.subject ?? ''));
    const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
    expect(code, 'code in the mail').toBeDefined();
    const verified = await client.post(`/api/public/rights-requests/${made.body.requestId}/verify`, { code });
    expect(verified.status, verified.raw).toBe(200);
    expect(verified.body.status).toBe('open');
    return made.body.requestId as string;
  }

  const queue = () => page.getByTestId('rights-requests');
  const rows = () => queue().locator('tbody tr');
  const rowOf = (type: RegExp) => rows().filter({ hasText: type });
  const panel = () => page.getByTestId('rights-request');
  const fact = (p: Locator, term: string) => p.locator(`dt:text-is("${term}") + dd`);

  /** The type column of the queue, top to bottom. */
  async function queueTypes(): Promise<string[]> {
    return rows().locator('td:first-child').allInnerTexts();
  }

  async function filterStatus(label: string) {
    await page.getByRole('form', { name: 'Filter requests' }).getByLabel('Status').selectOption({ label });
  }

  async function openRequest(type: RegExp, heading: string) {
    await rowOf(type).getByRole('button', { name: 'Open' }).click();
    await panel().getByRole('heading', { name: heading }).waitFor();
  }

  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await startListeningParley({ env: { PARLEY_SMTP_URL: smtp.url } });
    admin = await createOrgWithAdmin(server, ORG);
    const agent = await addUser(server, admin, 'agent');
    dpo = await addUser(server, admin, 'dpo');
    expect(dpo.totpSecret, 'a DPO enrols an authenticator').not.toBeNull();
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', {
      name: 'Anlageberatung',
      purposes: [{ purpose: 'call_delivery', basis: 'contract' }],
      retention: { callMetadataDays: 90, chatDays: 0, recordingsDays: 90, consentDays: 365 },
    });
    expect(ct.status, ct.raw).toBe(201);
    // Far enough ahead to still be upcoming after the clock moves 40 days on.
    const call = await admin.client.post('/api/calls', {
      callTypeId: ct.body.id,
      agentId: agent.userId,
      startsAt: new Date(server.clock.now().getTime() + 60 * DAY).toISOString(),
      durationMinutes: 30,
      customer: KARLA,
      locale: 'en',
    });
    expect(call.status, call.raw).toBe(201);
    callId = call.body.id;
    await server.parley.jobs.runDue(); // the invitation out of the way

    // Received 40 days ago: past its one-month due date, so overdue now.
    ids.rectification = await requestAndConfirm('rectification', 'My name is Karla Kundin, not Carla Kundin.');
    server.clock.advance(40 * DAY);
    // Erasure first, access second: the same due date, so the queue shows them in order of receipt until the
    // erasure is extended.
    ids.erasure = await requestAndConfirm('erasure');
    ids.access = await requestAndConfirm('access');

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB', timezoneId: ZONE });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // Chromium logs each 4xx answer to fetch() as a console error: the hold with an end date in the past is refused once.
    watch = await watchPage(page, server.origin, {
      expectedErrors: (text, url) => /status of 400/.test(text) && new URL(url).pathname === '/api/legal-holds',
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('the DPO signs in with TOTP and sees the queue by due date, the overdue request marked; the status filter works', async () => {
    await page.goto(`${server.origin}/login`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email address').fill(dpo.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    await page.getByLabel('6-digit code').fill(currentCode(dpo.totpSecret!, server.clock.now()));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('link', { name: /^Rights requests/ }).click();
    await page.getByRole('heading', { name: 'Rights requests', exact: true }).waitFor();
    await queue().waitFor();
    // Most urgent first: the overdue rectification, then the two received today (same due date, by receipt).
    expect(await queueTypes()).toEqual(['Rectification (Art. 16)', 'Erasure (Art. 17)', 'Access (Art. 15)']);
    const db = server.parley.deps.db;
    const stored = await db.selectFrom('rights_requests').select(['id', 'received_at', 'due_at']).where('org_id', '=', admin.orgId).execute();
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const [type, id] of [['Rectification', ids.rectification], ['Erasure', ids.erasure], ['Access', ids.access]] as const) {
      const text = await rowOf(new RegExp(`^${type}`)).innerText();
      expect(text, type).toContain(shownAs(byId.get(id)!.received_at));
      expect(text, type).toContain(shownAs(byId.get(id)!.due_at));
      expect(text, type).toMatch(/Open[\s\S]*Yes/); // open, and the address belongs to a customer on file
    }
    // The overdue one is marked on its row (data-overdue) and with a badge in the Due column; no other row is.
    const overdue = queue().locator('tbody tr[data-overdue="true"]');
    expect(await overdue.count()).toBe(1);
    expect(await overdue.locator('td:first-child').innerText()).toBe('Rectification (Art. 16)');
    expect((await overdue.locator('td').nth(3).locator('.badge').innerText()).trim()).toBe('Overdue');
    expect(await queue().locator('.badge', { hasText: 'Overdue' }).count()).toBe(1);
    expect(new Date(byId.get(ids.rectification)!.due_at).getTime()).toBeLessThan(server.clock.now().getTime());
    await shot(page, '1-queue');

    // The status filter asks the server and shows only what matches.
    await filterStatus('Completed');
    await page.getByText('No requests.').waitFor();
    expect(await queue().count()).toBe(0);
    await filterStatus('Open');
    await queue().waitFor();
    expect(await queueTypes()).toEqual(['Rectification (Art. 16)', 'Erasure (Art. 17)', 'Access (Art. 15)']);
    await filterStatus('All');
    await expect.poll(() => rows().count()).toBe(3);
    expect(watch.requests.filter((r) => r.includes('/api/rights-requests?status=completed'))).toHaveLength(1);

    // Opened, the overdue request says so too, and can no longer be extended (only before the due date).
    await openRequest(/^Rectification/, 'Rectification (Art. 16)');
    const p = panel();
    expect(await fact(p, 'Due').innerText()).toBe(`${shownAs(byId.get(ids.rectification)!.due_at)} — overdue`);
    expect(await fact(p, 'What they wrote').innerText()).toBe('My name is Karla Kundin, not Carla Kundin.');
    expect(await p.getByRole('button', { name: 'Extend with these reasons' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Complete with this note' }).isDisabled()).toBe(true);
    // The DPO starts a note to her, then turns to another request first (the next test).
    await p.getByLabel('Note, reasons or notice (sent to the requester)').fill('We have corrected the spelling of your name.');
    expect(await p.getByRole('button', { name: 'Complete with this note' }).isDisabled()).toBe(false);
    await shot(page, '1b-overdue-request');
  });

  it('opens the access request and produces the export; the page says so and the requester is mailed a link', async () => {
    await openRequest(/^Access/, 'Access (Art. 15)');
    const p = panel();
    expect(await fact(p, 'Requester').innerText()).toBe(`${KARLA.email} (English)`);
    // The note begun on the other request stays with it: nothing here could send it to the wrong request.
    expect(await p.getByLabel('Note, reasons or notice (sent to the requester)').inputValue()).toBe('');
    expect(await p.getByRole('button', { name: 'Refuse with these reasons' }).isDisabled()).toBe(true);
    expect(await fact(p, 'Status').innerText()).toBe('Open');
    expect(await fact(p, 'Subject on file').innerText()).toMatch(/^Yes \(subj_[0-9a-z]{25}\)$/);
    const before = smtp.messages.length;
    await p.getByRole('button', { name: 'Produce the export' }).click();
    const produced = p.getByRole('status').filter({ hasText: 'Export produced' });
    await produced.waitFor();
    expect(await produced.innerText()).toContain('The requester was sent a link to download it with a fresh code.');
    expect(await fact(p, 'Status').innerText()).toBe('Completed');
    expect(await p.getByRole('button', { name: 'Produce the export' }).count()).toBe(0);
    // The queue behind it was reloaded.
    await expect.poll(() => rowOf(/^Access/).innerText()).toContain('Completed');
    await shot(page, '2-export-produced');

    const mail = (await mailsToKarla(before)).find((m) => m.subject === `Your data is ready — ${ORG}`);
    expect(mail, 'export-ready mail').toBeDefined();
    expect(mail!.text).toContain(`${server.origin}/rights/requests/${ids.access}`);
    const exports = await server.parley.deps.db.selectFrom('subject_exports').select(['request_id', 'status']).where('org_id', '=', admin.orgId).execute();
    expect(exports).toEqual([{ request_id: ids.access, status: 'ready' }]);
  });

  it('opens the erasure request, extends it by one month with reasons (mailed), then erases and sees the report', async () => {
    await openRequest(/^Erasure/, 'Erasure (Art. 17)');
    const p = panel();
    const db = server.parley.deps.db;
    const row = () => db.selectFrom('rights_requests').selectAll().where('id', '=', ids.erasure).executeTakeFirstOrThrow();
    const { due_at: dueAt } = await row();
    expect(await fact(p, 'Due').innerText()).toBe(shownAs(dueAt));
    // The text box is empty: nothing carried over from the request opened before.
    expect(await p.getByLabel('Note, reasons or notice (sent to the requester)').inputValue()).toBe('');
    expect(await p.getByRole('button', { name: 'Extend with these reasons' }).isDisabled()).toBe(true);

    await p.getByLabel('Note, reasons or notice (sent to the requester)').fill(EXTENSION_REASONS);
    await p.getByLabel('Extend by').selectOption({ label: 'One month' });
    const before = smtp.messages.length;
    await p.getByRole('button', { name: 'Extend with these reasons' }).click();
    await expect.poll(() => fact(p, 'Due').innerText()).toContain('extended to');
    const extended = (await row()).extended_due_at!;
    expect(extended).not.toBeNull();
    const days = (new Date(extended).getTime() - new Date(dueAt).getTime()) / DAY;
    expect(days).toBeGreaterThanOrEqual(28 - 1 / 24);
    expect(days).toBeLessThanOrEqual(31 + 1 / 24);
    expect(await fact(p, 'Due').innerText()).toBe(`${shownAs(dueAt)} — extended to ${shownAs(extended)}: ${EXTENSION_REASONS}`);
    // One extension only: the choice is gone once used.
    expect(await p.getByRole('button', { name: 'Extend with these reasons' }).count()).toBe(0);
    // In the queue: the new due date, marked Extended, and now after the access request received later.
    await expect.poll(() => queueTypes()).toEqual(['Rectification (Art. 16)', 'Access (Art. 15)', 'Erasure (Art. 17)']);
    const queued = await rowOf(/^Erasure/).innerText();
    expect(queued).toContain(shownAs(extended));
    expect(queued).toContain('Extended');
    await shot(page, '3-extended');

    const extensionMail = (await mailsToKarla(before)).find((m) => m.subject === `Your request needs more time — ${ORG}`);
    expect(extensionMail, 'extension mail').toBeDefined();
    expect(extensionMail!.text).toContain(EXTENSION_REASONS);
    expect(extensionMail!.text).toContain(`under Art. 12(3) GDPR to ${mailDay(extended)}`);

    // Erasure asks first: a preview of what goes and what is kept, and why — nothing changes until "Erase now".
    const beforeErasure = smtp.messages.length;
    const karla = await db.selectFrom('subjects').select(['id', 'email']).where('org_id', '=', admin.orgId).where('email', '=', KARLA.email).executeTakeFirstOrThrow();
    const mailsAboutKarla = () =>
      db.selectFrom('mail_outbox').select('id').where('org_id', '=', admin.orgId).where((eb) => eb.or([eb('to_address', '=', KARLA.email), eb('subject_id', '=', karla.id)])).execute();
    const mailsBefore = (await mailsAboutKarla()).length;
    expect(mailsBefore).toBeGreaterThanOrEqual(2); // her invitation, and the agent's confirmation naming her
    await p.getByRole('button', { name: 'Erase…' }).click();
    const preview = p.getByTestId('erasure-preview');
    await preview.waitFor();
    // The reader is taken to it.
    await expect.poll(() => page.evaluate<string>("document.activeElement?.textContent ?? ''")).toBe('Before you erase: what goes and what is kept');
    const erasedLines = await preview.getByTestId('erasure-preview-erased').locator('li').allInnerTexts();
    expect(erasedLines).toContain('call participations: 1 item');
    expect(erasedLines).toContain(`emails to or about them: ${mailsBefore} items`);
    const keptLines = await preview.getByTestId('erasure-preview-kept').locator('li').allInnerTexts();
    // Her three requests, received on two days: the record of each is kept until its own expiry.
    expect(keptLines.filter((l) => l.startsWith('rights requests:')).join('\n')).toMatch(/record of the request and how it was answered/);
    for (const line of [...erasedLines, ...keptLines]) expect(line).not.toMatch(/[a-z][A-Z]|_|\d{4}-\d{2}-\d{2}T/);
    await shot(page, '4a-erasure-preview');
    // Looking changed nothing; Cancel leaves it so.
    expect(await db.selectFrom('subjects').select('email').where('id', '=', karla.id).executeTakeFirstOrThrow()).toEqual({ email: KARLA.email });
    expect(await mailsAboutKarla()).toHaveLength(mailsBefore);
    await preview.getByRole('button', { name: 'Cancel' }).click();
    await preview.waitFor({ state: 'detached' });
    expect(await fact(p, 'Status').innerText()).toBe('Open');
    expect(await mailsAboutKarla()).toHaveLength(mailsBefore);

    await p.getByRole('button', { name: 'Erase…' }).click();
    await preview.waitFor();
    await preview.getByRole('button', { name: 'Erase now' }).click();
    const report = p.getByRole('status').filter({ hasText: 'Erasure report (sent to the requester)' });
    await report.waitFor();
    expect(await fact(p, 'Status').innerText()).toBe('Completed');
    const outcome = JSON.parse((await row()).outcome!) as { action: string; report: { erased: { category: string; count: number }[]; kept: { category: string; itemId: string; reason: string; reference: string; until: string }[] } };
    expect(outcome.action).toBe('erased');
    // What was erased: at least her participant row in the call and the mail to her address.
    const erasedCategories = outcome.report.erased.map((e) => e.category);
    expect(erasedCategories).toEqual(expect.arrayContaining(['participants', 'mails']));
    const items = await report.locator('li').allInnerTexts();
    expect(items).toHaveLength(outcome.report.erased.length + outcome.report.kept.length);
    // Categories and reasons in words (no raw identifiers); each exception with its end as the reader's date and
    // time, not as an ISO timestamp in UTC.
    for (const item of items) expect(item).not.toMatch(/[a-z][A-Z]|_/);
    expect(items).toContain('Erased: call participations (1)');
    for (const k of outcome.report.kept) expect(items.some((i) => i.startsWith('Kept:') && i.includes(k.reference) && i.endsWith(`until ${shownAs(k.until)}`))).toBe(true);
    // Her requests are kept as the record of how they were answered (Art. 5(2), 12).
    expect(outcome.report.kept.filter((k) => k.category === 'rightsRequests').map((k) => k.itemId).sort()).toEqual(Object.values(ids).sort());
    expect(await p.getByRole('button', { name: 'Erase…' }).count()).toBe(0);
    expect(await preview.count()).toBe(0);
    // Everything mailed to her or naming her went, the agent's confirmation included.
    expect(erasedCategories).toContain('mails');
    expect(outcome.report.erased.find((e) => e.category === 'mails')?.count).toBe(mailsBefore);
    await shot(page, '4-erased');

    const erasureMail = (await mailsToKarla(beforeErasure)).find((m) => m.subject === `Your data was erased — ${ORG}`);
    expect(erasureMail, 'erasure report mail').toBeDefined();
    expect(erasureMail!.text).toContain('We have erased your data (Art. 17 GDPR).');
    expect(erasureMail!.text).toContain('- your participation in calls: 1');
    expect(erasureMail!.text).not.toMatch(/- [a-z]+[A-Z][a-zA-Z]*:/); // no internal identifiers such as recordingTracks

    // The filter now splits the queue: two completed, the overdue rectification still open.
    await filterStatus('Completed');
    await expect.poll(() => queueTypes()).toEqual(['Access (Art. 15)', 'Erasure (Art. 17)']);
    await filterStatus('Open');
    await expect.poll(() => queueTypes()).toEqual(['Rectification (Art. 16)']);
    expect(await queue().locator('tbody tr[data-overdue="true"]').count()).toBe(1);
    await filterStatus('All');
    await expect.poll(() => rows().count()).toBe(3);
  });

  it('places a legal hold on the call (a past end date is refused clearly), sees it in force, releases it and sees it released', async () => {
    await page.getByRole('link', { name: /^Legal holds/ }).click();
    await page.getByRole('heading', { name: 'Legal holds', exact: true }).waitFor();
    await page.getByText('No legal holds here.').waitFor();
    const form = page.getByRole('form', { name: 'Place a legal hold' });
    expect(await form.getByLabel('What to hold').inputValue()).toBe('call');
    await form.getByLabel('Id').fill(callId);
    await form.getByLabel('Reference').fill(HOLD.reference);
    await form.getByLabel('Reason').fill(HOLD.reason);

    // Yesterday (for the reader and for the server alike): refused with the reason, and nothing is listed.
    await form.getByLabel('Ends on').fill(utcDay(new Date(Date.now() - DAY)));
    await form.getByRole('button', { name: 'Place hold' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The hold was not placed' });
    await refused.waitFor();
    expect(await refused.innerText()).toContain(`The hold must end after today (${utcDay(server.clock.now())}).`);
    expect(await page.getByText('No legal holds here.').count()).toBe(1);
    // What was typed stays, so only the date needs fixing.
    expect(await form.getByLabel('Id').inputValue()).toBe(callId);
    expect(await form.getByLabel('Reference').inputValue()).toBe(HOLD.reference);
    await shot(page, '5-hold-refused');

    const endsOn = utcDay(new Date(server.clock.now().getTime() + 180 * DAY));
    await form.getByLabel('Ends on').fill(endsOn);
    await form.getByRole('button', { name: 'Place hold' }).click();
    const holds = page.getByRole('table', { name: 'Legal holds' });
    await holds.waitFor();
    expect(await refused.count()).toBe(0);
    const hold = holds.locator('tbody tr');
    expect(await hold.count()).toBe(1);
    expect(await hold.innerText()).toMatch(
      new RegExp(`A call \\(and its recordings\\)\\s*${callId}[\\s\\S]*${HOLD.reference.replace(/[()/]/g, '\\$&')}\\s*${HOLD.reason}[\\s\\S]*${endsOn}[\\s\\S]*In force`),
    );
    expect(await hold.locator('.badge-status-active').innerText()).toBe('In force');
    // The form is ready for the next hold.
    expect(await form.getByLabel('Id').inputValue()).toBe('');
    expect(await form.getByLabel('Reference').inputValue()).toBe('');
    const placed = await server.parley.deps.db.selectFrom('legal_holds').selectAll().where('org_id', '=', admin.orgId).execute();
    expect(placed).toEqual([expect.objectContaining({ scope: 'call', target_id: callId, reference: HOLD.reference, reason: HOLD.reason, ends_on: endsOn, created_by: dpo.userId, released_at: null })]);
    await shot(page, '6-hold-in-force');

    await hold.getByRole('button', { name: 'Release' }).click();
    // Holds in force is the default view: the released hold leaves it.
    await page.getByText('No legal holds here.').waitFor();
    await page.getByRole('form', { name: 'Filter holds' }).getByLabel('Show').selectOption({ label: 'Released or ended' });
    await holds.waitFor();
    expect(await hold.count()).toBe(1);
    const released = (await server.parley.deps.db.selectFrom('legal_holds').selectAll().where('org_id', '=', admin.orgId).executeTakeFirstOrThrow());
    expect(released.released_by).toBe(dpo.userId);
    expect(await hold.innerText()).toContain(callId);
    expect(await hold.locator('.badge').innerText()).toBe(`Released ${shownAs(released.released_at!)}`);
    expect(await hold.getByRole('button', { name: 'Release' }).count()).toBe(0);
    await page.getByRole('form', { name: 'Filter holds' }).getByLabel('Show').selectOption({ label: 'All holds' });
    await expect.poll(() => hold.count()).toBe(1);
    await shot(page, '7-hold-released');

    const audit = await server.parley.deps.db.selectFrom('audit_events').select('type').where('org_id', '=', admin.orgId).where('type', 'like', 'legal_hold.%').execute();
    expect(audit.map((e) => e.type).sort()).toEqual(['legal_hold.placed', 'legal_hold.released']);
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    expect(watch.requests.length).toBeGreaterThan(10);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.expectedErrors).toHaveLength(1);
    expect(watch.cspViolations).toEqual([]);
  });
});
