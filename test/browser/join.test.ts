import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { addUser, createOrgWithAdmin, publishNotice, type SignedIn } from '../support/harness.ts';
import { germanTextProblems } from '../support/language-check.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { launchChromiumWithFakeMedia, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// The customer's side before the call, in a real Chromium with a fake camera and microphone against a real server
// (built web, SQLite) whose invitations go to a real SMTP server. Issue 3, "Must show": the notice comes before any
// camera/microphone request (G15), the consent box starts unticked (G8) and declining it still leads on (G2), the
// decision is in the ledger with the hash of the exact text shown (G11), and the page keeps to the ePrivacy
// allow-list (G57).

const ORG = 'Musterbank AG';
const AGENT_NAME = 'Test agent'; // addUser() names users "Test <role>"
const CUSTOMER = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const PRIVACY_POLICY = 'https://bank.example/privacy';
const SHOTS = '/tmp/parley-join';

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Runs before any page script: counts camera/microphone requests and notes, for each, whether the page had marked
 * the notice as acknowledged at that moment. A string, not a function: this file is type-checked without the DOM.
 */
const COUNT_MEDIA_REQUESTS = `(() => {
  const requests = [];
  Object.defineProperty(window, '__mediaRequests', { value: requests });
  const devices = navigator.mediaDevices;
  if (!devices) return;
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (constraints) => {
    requests.push({
      acknowledged: document.querySelector('main[data-notice-acknowledged="true"]') !== null,
      constraints: JSON.stringify(constraints),
    });
    return original(constraints);
  };
})();`;

interface MediaRequest {
  readonly acknowledged: boolean;
  readonly constraints: string;
}
const mediaRequests = (page: Page) => page.evaluate('window.__mediaRequests') as Promise<MediaRequest[]>;

/** Chromium logs each 4xx answer to fetch() as a console error; the link-problem pages expect exactly those. */
const isExpectedLinkError = (text: string, url: string) => /status of (404|410|414)/.test(text) && new URL(url).pathname.startsWith('/api/join/');

describe('customer join page in Chromium', () => {
  let smtp: TestSmtp;
  let server: ListeningParley;
  let browser: Browser;
  let admin: SignedIn;
  let agent: SignedIn;
  let callTypeId: string;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await startListeningParley({ env: { PARLEY_SMTP_URL: smtp.url } });
    browser = await launchChromiumWithFakeMedia();
    admin = await createOrgWithAdmin(server, ORG);
    agent = await addUser(server, admin, 'agent');
    await publishNotice(admin);
    const org = await admin.client.patch('/api/organisation', { privacyPolicyUrl: PRIVACY_POLICY });
    expect(org.status, org.raw).toBe(200);
    const ct = await admin.client.post('/api/call-types', {
      name: 'Anlageberatung',
      purposes: [
        { purpose: 'call_delivery', basis: 'contract' },
        { purpose: 'recording', basis: 'consent' },
      ],
      recordingMode: 'consent',
    });
    expect(ct.status, ct.raw).toBe(201);
    callTypeId = ct.body.id;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  /** The agent schedules a call through the API; returns the call and its customer participant. */
  async function scheduleCall(options: { startsInMinutes: number; email?: string; locale?: 'en' | 'de' }) {
    const res = await agent.client.post('/api/calls', {
      callTypeId,
      startsAt: new Date(server.clock.now().getTime() + options.startsInMinutes * 60_000).toISOString(),
      durationMinutes: 30,
      customer: { displayName: CUSTOMER.displayName, email: options.email ?? CUSTOMER.email },
      locale: options.locale ?? 'en',
    });
    expect(res.status, res.raw).toBe(201);
    const customer = res.body.participants.find((p: { kind: string }) => p.kind === 'customer');
    return { callId: res.body.id as string, participantId: customer.id as string, subjectId: customer.subjectId as string };
  }

  async function openContext(viewport: { width: number; height: number }, locale = 'en-GB'): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
    const context = await browser.newContext({ viewport, locale, timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPage(page, server.origin, { expectedErrors: isExpectedLinkError });
    await page.addInitScript({ content: COUNT_MEDIA_REQUESTS });
    return { context, page, watch };
  }

  /** Opens a page, checks the shell's headers, and returns the join API's first answer to it. */
  async function open(page: Page, url: string): Promise<Response> {
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/join/') && r.request().method() === 'GET');
    const shell = await page.goto(url);
    const headers = shell!.headers();
    expect(shell!.status()).toBe(200);
    // The join page's own bundle, never cached (its address holds the link), under the strict CSP, and allowed
    // to ask for the camera and microphone of this origin only.
    expect(await shell!.text()).toContain('src="/assets/join-');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("style-src 'self'");
    expect(headers['permissions-policy']).toContain('camera=(self), microphone=(self)');
    return answer;
  }

  it('the invited customer reads the notice before any camera request, declines recording and reaches the device check', async () => {
    // 1. The agent schedules; the job runner sends the invitation; it arrives at the SMTP server.
    const call = await scheduleCall({ startsInMinutes: 10 });
    await server.parley.jobs.runDue();
    await smtp.waitFor(2); // the invitation, and the agent's confirmation
    const invitation = smtp.messages.find((m) => !Array.isArray(m.to) && m.to?.value[0]?.address === CUSTOMER.email);
    expect(invitation, 'invitation to the customer').toBeDefined();
    const link = (invitation!.text ?? '').split(/\s+/).find((word) => word.startsWith(`${server.origin}/j/`));
    expect(link, 'join link in the invitation').toBeDefined();
    const token = link!.slice(`${server.origin}/j/`.length);

    // 2. The customer opens it on a phone-sized screen.
    const { context, page, watch } = await openContext({ width: 390, height: 844 });
    const answer = await open(page, link!);
    expect(answer.status()).toBe(200);
    const info = await answer.json();
    expect(info.consents.map((q: { purpose: string }) => q.purpose)).toEqual(['recording']);

    const notice = page.getByTestId('privacy-notice');
    await notice.getByRole('heading', { name: info.notice.title }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Hello ${CUSTOMER.displayName}`);
    expect(await page.locator('main').innerText()).toContain(`with ${AGENT_NAME}, ${ORG}`);
    // The whole notice, with its version: every section the server rendered, in order.
    expect(await notice.locator('[data-section]').evaluateAll((els) => els.map((el) => el.getAttribute('data-section')))).toEqual(
      info.notice.sections.map((s: { key: string }) => s.key),
    );
    for (const section of info.notice.sections) expect(await notice.innerText()).toContain(section.heading);
    expect(await page.getByTestId('notice-version').innerText()).toBe(`Version ${info.notice.notice.version}`);
    const policy = page.getByTestId('privacy-policy-link');
    expect(await policy.isVisible()).toBe(true);
    expect(await policy.getAttribute('href')).toBe(PRIVACY_POLICY);
    // Nothing asked of the camera or microphone while the notice is being read (G15), and no consent box yet.
    expect(await page.locator('main').getAttribute('data-notice-acknowledged')).toBe('false');
    await page.waitForTimeout(300);
    expect(await mediaRequests(page)).toEqual([]);
    expect(await page.locator('video').count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    // Laid out for the phone: nothing wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot(page, '1-notice');

    await page.getByRole('button', { name: 'I have read this notice — continue' }).click();

    // 3. One unticked box per consent purpose, and no "accept all" (G8, G9); still no camera request.
    await page.getByRole('heading', { name: 'Your choices' }).waitFor();
    const boxes = page.getByRole('checkbox');
    expect(await boxes.count()).toBe(1);
    const recording = page.getByRole('checkbox', { name: /Recording/ });
    expect(await recording.isChecked()).toBe(false);
    expect(await recording.evaluate((el) => el.hasAttribute('checked'))).toBe(false);
    expect(await page.getByRole('button', { name: /accept|all|alle/i }).count()).toBe(0);
    const shownText = await page.getByTestId('consent-text-recording').textContent();
    expect(shownText).toBe(info.consents[0].text);
    expect(await mediaRequests(page)).toEqual([]);
    await shot(page, '2-consents');

    // Declines recording by leaving the box empty, and goes on (G2).
    await page.getByRole('button', { name: 'Continue', exact: true }).click();

    // 4. The device check: now, and only now, one request for camera and microphone.
    const check = page.getByTestId('device-check');
    await check.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
    const preview = page.getByTestId('camera-preview');
    await preview.waitFor();
    await expect
      .poll(() => preview.evaluate((v) => (v as unknown as { videoWidth: number; paused: boolean }).videoWidth > 0 && !(v as unknown as { paused: boolean }).paused))
      .toBe(true);
    expect(await mediaRequests(page)).toEqual([{ acknowledged: true, constraints: '{"audio":true,"video":true}' }]);
    // The level meter moves with the fake microphone's beep; devices are listed by name after permission.
    await expect.poll(() => page.locator('meter#mic-level').evaluate((m) => (m as unknown as { value: number }).value), { timeout: 8_000 }).toBeGreaterThan(0);
    expect(await page.getByLabel('Camera', { exact: true }).locator('option').count()).toBeGreaterThan(0);
    expect(await page.getByLabel('Microphone', { exact: true }).locator('option').count()).toBeGreaterThan(0);
    // What is in force now: recording declined, so nothing to withdraw.
    const choice = page.getByTestId('your-choices').locator('li[data-purpose="recording"]');
    expect(await choice.getAttribute('data-status')).toBe('declined');
    expect(await choice.innerText()).toContain('You said no.');
    expect(await choice.getByRole('button').count()).toBe(0);

    await page.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    const ready = page.getByTestId('ready');
    await ready.waitFor();
    // It says what is true: she presses the button, then waits to be let in (the call type has a lobby).
    expect(await ready.innerText()).toContain(`Press “Join the call” when you want to start. You then wait a moment on this page until ${AGENT_NAME} lets you in.`);
    expect(await ready.innerText()).not.toMatch(/need(s)? (to )?do nothing|do not need to do anything/i);
    await ready.getByRole('button', { name: 'Join the call' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot(page, '3-device-check');
    expect((await mediaRequests(page)).length).toBe(1);

    // 5. The ledger: one `declined` record with the hash of the exact text shown and the notice read (G11).
    const { db } = server.parley.deps;
    const published = await db
      .selectFrom('privacy_notices')
      .select(['id', 'version', 'content_hash'])
      .where('org_id', '=', admin.orgId)
      .where('status', '=', 'published')
      .orderBy('version', 'desc')
      .executeTakeFirstOrThrow();
    const records = await db.selectFrom('consent_records').selectAll().where('subject_id', '=', call.subjectId).execute();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      call_id: call.callId,
      participant_id: call.participantId,
      consent_purpose: 'recording',
      action: 'declined',
      text_hash: sha256(shownText!),
      notice_id: published.id,
      notice_version: published.version,
      notice_hash: published.content_hash,
      locale: 'en',
      method: 'join_page',
    });
    expect(published.version).toBe(info.notice.notice.version);

    // 6. ePrivacy allow-list (G57): only this server was asked, only for these, and only the CSRF cookie is kept.
    const allowed = new Set([`GET /j/${token}`, `GET /api/join/${token}`, 'GET /api/auth/csrf', `POST /api/join/${token}/consents`]);
    for (const request of watch.requests) {
      const [method, url] = request.split(' ') as [string, string];
      expect(url.startsWith(`${server.origin}/`), request).toBe(true);
      const { pathname } = new URL(url);
      expect(allowed.has(`${method} ${pathname}`) || (method === 'GET' && pathname.startsWith('/assets/')), request).toBe(true);
    }
    expect(watch.foreignRequests).toEqual([]);
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['_csrf']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(
      await page.evaluate(`(async () => ({
        localStorage: localStorage.length,
        sessionStorage: sessionStorage.length,
        indexedDB: (await indexedDB.databases()).length,
        documentCookie: document.cookie,
      }))()`),
    ).toEqual({ localStorage: 0, sessionStorage: 0, indexedDB: 0, documentCookie: '' });
    expect(watch.errors).toEqual([]);
    expect(watch.expectedErrors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    await context.close();
  });

  it('the back button goes to the previous step, never off the page, and a reload stays on the step', async () => {
    const call = await scheduleCall({ startsInMinutes: 10, email: 'bea.back@example.test' });
    const token = joinToken(server.parley.deps, call.participantId, call.callId);
    const { context, page, watch } = await openContext({ width: 1280, height: 900 });
    const url = `${server.origin}/j/${token}`;
    await open(page, url);
    const notice = page.getByTestId('privacy-notice');
    const choices = page.getByRole('heading', { name: 'Your choices' });
    const devices = page.getByTestId('device-check');
    await notice.waitFor();
    await page.getByRole('button', { name: 'I have read this notice — continue' }).click();
    await choices.waitFor();

    // Back from the questions: the notice again, on this page (the site is not left).
    await page.goBack();
    await notice.waitFor();
    expect(page.url()).toBe(url);
    expect(await page.locator('main').getAttribute('data-notice-acknowledged')).toBe('false');
    await page.goForward();
    await choices.waitFor();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await devices.waitFor();

    // Back from the device check: the answers are recorded, so back leads to the notice, not to a form that would
    // record them again; the camera is let go.
    await page.goBack();
    await notice.waitFor();
    expect(page.url()).toBe(url);
    await expect.poll(() => page.locator('video').count()).toBe(0);
    await page.goForward();
    await devices.waitFor();
    await page.goBack();
    await page.getByRole('button', { name: 'I have read this notice — continue' }).click();
    await devices.waitFor();
    expect(await page.getByRole('checkbox').count()).toBe(0);

    // A reload keeps the step: the same notice version was read, the answers are in the ledger.
    await page.reload();
    await devices.waitFor();
    expect(await notice.count()).toBe(0);
    expect(await page.locator('main').getAttribute('data-notice-acknowledged')).toBe('true');
    // The choice was recorded once, however often she went back and forth.
    const records = await server.parley.deps.db.selectFrom('consent_records').select('action').where('call_id', '=', call.callId).execute();
    expect(records.map((r) => r.action)).toEqual(['declined']);

    // Nothing of it is kept in storage: the step lives in the tab's own history entry.
    expect(await page.evaluate('({ local: localStorage.length, session: sessionStorage.length })')).toEqual({ local: 0, session: 0 });
    // Into the call (the lobby: nobody has opened it yet), then back: she leaves the call at once (the agent's list
    // does not show her "reconnecting" for the grace period) and is at the device check, ready to join again.
    const live = () => server.parley.calls.presence(admin.orgId).get(call.callId) ?? [];
    await page.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    await page.getByTestId('join-call').click();
    await page.getByTestId('lobby-waiting').waitFor();
    await expect.poll(() => live().map((p) => p.state)).toEqual(['waiting']);
    await page.goBack();
    await devices.waitFor();
    expect(page.url()).toBe(url);
    await expect.poll(() => live(), { timeout: 5_000 }).toEqual([]);
    await page.goForward();
    await page.getByTestId('lobby-waiting').waitFor();
    await page.goBack();
    await devices.waitFor();

    // After the reload, back still goes to the previous step.
    await page.goBack();
    await notice.waitFor();
    expect(page.url()).toBe(url);
    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    await context.close();
  });

  it('a customer a day early reads, in German, when her call is and when she can join; she can read and check now', async () => {
    // Tomorrow at 10:00 in the organisation's time zone (Europe/Berlin, the default), by the server's clock.
    const now = server.clock.now();
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now.getTime() + 86_400_000));
    const berlinClock = (t: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
    const startsAt = [1, 2].map((offset) => Date.parse(`${tomorrow}T${String(10 - offset).padStart(2, '0')}:00:00Z`)).find((t) => berlinClock(t) === '10:00')!;
    const res = await agent.client.post('/api/calls', {
      callTypeId,
      startsAt: new Date(startsAt).toISOString(),
      durationMinutes: 30,
      customer: { displayName: 'Erika Früh', email: 'erika.frueh@example.test' },
      locale: 'de',
    });
    expect(res.status, res.raw).toBe(201);
    const customer = res.body.participants.find((p: { kind: string }) => p.kind === 'customer');
    const token = joinToken(server.parley.deps, customer.id, res.body.id);
    const { context, page, watch } = await openContext({ width: 390, height: 844 }, 'de-DE');
    await open(page, `${server.origin}/j/${token}`);

    const early = page.getByTestId('early-arrival');
    await early.waitFor();
    const earlyText = await early.innerText();
    expect(earlyText).toContain('Ihr Gespräch findet morgen um 10:00 Uhr statt');
    expect(earlyText).toContain('Sie können ab 09:30 Uhr beitreten');
    expect(germanTextProblems(earlyText)).toEqual([]);
    await shot(page, '9-early-de');

    // She may still read the notice, answer the question and try her camera; only the join waits.
    await page.getByRole('button', { name: 'Ich habe diesen Hinweis gelesen — weiter' }).click();
    await page.getByRole('button', { name: 'Weiter', exact: true }).click();
    await page.getByRole('button', { name: 'Bild und Ton funktionieren — ich bin bereit' }).click();
    const ready = page.getByTestId('ready');
    await ready.waitFor();
    expect(await ready.getByTestId('join-call').count()).toBe(0);
    const readyText = await ready.innerText();
    expect(readyText).toContain('Sie können ab 09:30 Uhr beitreten.');
    expect(germanTextProblems(readyText)).toEqual([]);
    expect(await early.isVisible()).toBe(true);
    await shot(page, '10-early-ready-de');
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('a consent given on the page is withdrawn with one click, and a refused camera says what to do', async () => {
    const call = await scheduleCall({ startsInMinutes: 30, email: 'kim.kunde@example.test', locale: 'de' });
    const token = joinToken(server.parley.deps, call.participantId, call.callId);
    const { context, page, watch } = await openContext({ width: 1280, height: 900 }, 'de-DE');
    // The camera is refused. Chromium's fake UI always allows, so this one page gets a browser that says no, as
    // Chromium does when the person clicks "Block".
    await page.addInitScript({
      content: `navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));`,
    });
    const answer = await open(page, `${server.origin}/j/${token}`);
    expect(answer.status()).toBe(200);
    // The browser's German Accept-Language chose the notice's language; the switch changes it in place and
    // keeps the choice in the address (?locale=), so a reload stays in it.
    const ack = { de: 'Ich habe diesen Hinweis gelesen — weiter', en: 'I have read this notice — continue' };
    await page.getByRole('button', { name: ack.de }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('de');
    const english = page.waitForResponse((r) => r.url().endsWith('?locale=en'));
    await page.getByRole('navigation', { name: 'Sprache' }).getByRole('link', { name: 'English' }).click();
    expect((await english).status()).toBe(200);
    await page.getByRole('button', { name: ack.en }).waitFor();
    expect(new URL(page.url()).search).toBe('?locale=en');
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Deutsch' }).click();
    await page.getByRole('button', { name: ack.de }).click();

    await page.getByRole('checkbox', { name: /Aufzeichnung/ }).check();
    await page.getByRole('button', { name: 'Weiter', exact: true }).click();

    const problem = page.getByTestId('media-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-problem')).toBe('denied');
    expect(await problem.innerText()).toContain('Kamera und Mikrofon sind gesperrt');
    await problem.getByRole('button', { name: 'Erneut versuchen' }).waitFor();

    const choice = page.getByTestId('your-choices').locator('li[data-purpose="recording"]');
    expect(await choice.getAttribute('data-status')).toBe('given');
    await shot(page, '4-denied-and-given');
    // Giving took one click on the box (and the step's one "Weiter"); withdrawing takes one click (G12).
    await choice.getByRole('button', { name: 'Einwilligung widerrufen: Aufzeichnung' }).click();
    await expect.poll(() => choice.getAttribute('data-status')).toBe('withdrawn');
    expect(await page.getByTestId('your-choices').innerText()).toContain('Ihre Einwilligung „Aufzeichnung“ ist widerrufen.');
    await shot(page, '5-withdrawn');

    const records = await server.parley.deps.db
      .selectFrom('consent_records')
      .select(['action', 'locale', 'withdraws_id', 'id'])
      .where('call_id', '=', call.callId)
      .orderBy('recorded_at')
      .orderBy('id')
      .execute();
    expect(records.map((r) => [r.action, r.locale])).toEqual([
      ['given', 'de'],
      ['withdrawn', 'de'],
    ]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    await context.close();
  });

  it('an invalid or overlong link, a cancelled call and a call that is over each get their own explanation page', async () => {
    const { context, page, watch } = await openContext({ width: 1280, height: 900 });

    const invalid = await open(page, `${server.origin}/j/garbage`);
    expect(invalid.status()).toBe(404);
    expect((await invalid.json()).error.code).toBe('JOIN_LINK_INVALID');
    const problem = page.getByTestId('link-problem');
    await problem.getByRole('heading', { name: 'This link does not work' }).waitFor();
    expect(await problem.innerText()).toContain('ask the person who invited you for a new one');
    await shot(page, '6-invalid');
    // Longer than any link Parley writes: refused by the router with Parley's own 414 (the path is not echoed),
    // and still "does not work" to the reader.
    const overlong = await open(page, `${server.origin}/j/${'x'.repeat(400)}`);
    expect(overlong.status()).toBe(414);
    const overlongBody = await overlong.json();
    expect(overlongBody.error.code).toBe('URI_TOO_LONG');
    expect(JSON.stringify(overlongBody)).not.toContain('xxxx');
    await problem.getByRole('heading', { name: 'This link does not work' }).waitFor();
    expect(await problem.getAttribute('data-problem')).toBe('JOIN_LINK_INVALID');

    const cancelledCall = await scheduleCall({ startsInMinutes: 90, email: 'carla.cancel@example.test' });
    const cancel = await agent.client.post(`/api/calls/${cancelledCall.callId}/cancel`);
    expect(cancel.status, cancel.raw).toBe(200);
    const cancelled = await open(page, `${server.origin}/j/${joinToken(server.parley.deps, cancelledCall.participantId, cancelledCall.callId)}`);
    expect(cancelled.status()).toBe(410);
    expect((await cancelled.json()).error.code).toBe('JOIN_CALL_CANCELLED');
    await problem.getByRole('heading', { name: 'This call was cancelled' }).waitFor();
    expect(await problem.innerText()).toContain('contact the person who invited you');
    await shot(page, '7-cancelled');

    // Over, and shown in German because the link asks for it: the catalogue's words, not the server's English.
    const pastCall = await scheduleCall({ startsInMinutes: 5, email: 'otto.over@example.test' });
    server.clock.advance(4 * 3_600_000);
    const over = await open(page, `${server.origin}/j/${joinToken(server.parley.deps, pastCall.participantId, pastCall.callId)}?locale=de`);
    expect(over.status()).toBe(410);
    expect(new URL(over.url()).searchParams.get('locale')).toBe('de');
    expect((await over.json()).error.code).toBe('JOIN_LINK_EXPIRED');
    await problem.getByRole('heading', { name: 'Dieses Gespräch ist vorbei' }).waitFor();
    expect(await problem.innerText()).toContain('Wenn Sie einen neuen Termin brauchen');
    await shot(page, '8-over-de');

    // No page went on to ask for the camera, printed a raw error, or stored anything.
    expect(await mediaRequests(page)).toEqual([]);
    expect(await page.locator('body').innerText()).not.toMatch(/JOIN_|"error"|at .*\.tsx?:\d+/);
    expect(await context.cookies()).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.expectedErrors).toHaveLength(4);
    expect(watch.cspViolations).toEqual([]);
    await context.close();
  });
});
