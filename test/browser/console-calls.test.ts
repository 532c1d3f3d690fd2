import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCode } from '../../src/accounts/totp.ts';
import { addUser, createOrgWithAdmin, publishNotice, TEST_PASSWORD, type SignedIn } from '../support/harness.ts';
import { launchChromiumWithFakeMedia, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// An agent and an administrator at work in the console, and the customer between them, in one Chromium against a
// real server (built web, SQLite) whose mail stays in the built-in outbox (no PARLEY_SMTP_URL). The agent
// schedules, moves and cancels a call through the Calls page; the admin reads the invitation in the Outbox (an
// audited access) and the customer's consent decision in the Calls page's consent history. Each test continues
// where the previous one left off.

const ORG = 'Musterbank AG';
const CALL_TYPE = 'Anlageberatung';
const CUSTOMER = { name: 'Karla Kundin', email: 'karla.kundin@example.test' };
const ZONE = 'Europe/Berlin';
const SHOTS = '/tmp/parley-calls';

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

/** `YYYY-MM-DD` of the day after `now`, in Berlin. */
const berlinTomorrow = (now: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date(now.getTime() + 86_400_000));

/** A Berlin wall-clock time (`2026-12-01T10:00`, a datetime-local value) as the instant it names. */
function berlinToInstant(local: string): Date {
  const guess = new Date(`${local}:00Z`);
  const shown = new Date(`${new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'medium' }).format(guess).replace(' ', 'T')}Z`);
  return new Date(guess.getTime() - (shown.getTime() - guess.getTime()));
}

/** How the console shows an instant to a reader in en-GB and Berlin (web/shared/format.ts). */
const shownAs = (instant: Date) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(instant);

describe('calls and outbox in the console (Chromium)', () => {
  let server: ListeningParley;
  let browser: Browser;
  let admin: SignedIn;
  let agent: SignedIn;
  const contexts: BrowserContext[] = [];
  const watches: Record<string, PageWatch> = {};
  let agentPage: Page;
  let adminPage: Page;
  let customerPage: Page;
  let joinLink = '';
  let firstStart = '';

  beforeAll(async () => {
    server = await startListeningParley();
    admin = await createOrgWithAdmin(server, ORG);
    agent = await addUser(server, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', {
      name: CALL_TYPE,
      purposes: [
        { purpose: 'call_delivery', basis: 'contract' },
        { purpose: 'recording', basis: 'consent' },
      ],
      recordingMode: 'consent',
    });
    expect(ct.status, ct.raw).toBe(201);
    // The customer's device check asks for camera and microphone: the fake ones answer.
    browser = await launchChromiumWithFakeMedia();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // Chromium logs each 4xx answer to fetch() as a console error: the customer's link, once the call is cancelled,
  // answers 410. (The schedule form catches a mistyped address itself, before asking the server.)
  const isCancelledLink = (text: string, url: string) => /status of 410/.test(text) && new URL(url).pathname.startsWith('/api/join/');
  const expectedErrors: Record<string, (text: string, url: string) => boolean> = {
    customer: isCancelledLink,
  };

  /** Whether the page fits its window sideways: nothing pushes it wider than the viewport. */
  const fitsSideways = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth') as Promise<boolean>;

  async function openPage(who: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: ZONE });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    watches[who] = await watchPage(page, server.origin, { expectedErrors: expectedErrors[who] ?? (() => false) });
    return page;
  }

  async function signIn(page: Page, email: string) {
    await page.goto(`${server.origin}/login`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const callRow = (page: Page) => page.locator('tr[data-call]').filter({ hasText: CUSTOMER.name });

  /** Runs the queued jobs (sending mail), then shows the admin the outbox afresh. */
  async function openOutbox() {
    await server.parley.jobs.runDue();
    await adminPage.getByRole('link', { name: /^Outbox/ }).click();
    await adminPage.getByRole('heading', { name: 'Outbox', exact: true }).waitFor();
    await adminPage.getByRole('table').waitFor();
  }

  it('an agent signs in, schedules a call for tomorrow through the form and sees it in the list', async () => {
    agentPage = await openPage('agent');
    await signIn(agentPage, agent.email);
    // Agents need no authenticator code: straight into the console.
    await agentPage.getByRole('link', { name: /^Calls/ }).click();
    await agentPage.getByRole('heading', { name: 'Calls', exact: true }).waitFor();
    await agentPage.getByText('No upcoming calls.').waitFor();

    await agentPage.getByRole('button', { name: 'Schedule a call' }).click();
    const form = agentPage.getByRole('region', { name: 'Schedule a call' });
    // The button is there to press even with nothing filled in, and pressing it says what is missing, beside each
    // field (issue 12, finding 15) — no server round trip for what the form can tell by itself.
    const send = form.getByRole('button', { name: 'Schedule and send the invitation' });
    expect(await send.isEnabled()).toBe(true);
    await send.click();
    await form.getByTestId('schedule-problems').waitFor();
    expect(await form.getByTestId('schedule-problems').innerText()).toBe('3 fields need your attention: see the messages beside them.');
    for (const [label, message] of [
      ['Start', 'Enter the date and time of the call.'],
      ["Customer's name", "Enter the customer's name."],
      ["Customer's email", "Enter the customer's email address: the invitation goes there."],
    ] as const) {
      const field = form.locator('.field').filter({ has: agentPage.getByLabel(label, { exact: true }) });
      expect(await field.locator('.field-error').innerText(), label).toBe(message);
      expect(await form.getByLabel(label, { exact: true }).getAttribute('aria-invalid'), label).toBe('true');
    }
    // A 5,000-character name is not cut to 100 behind the person's back: it stays as typed, and is refused beside the field.
    const nameField = form.getByLabel("Customer's name");
    await nameField.fill('K'.repeat(5_000));
    expect((await nameField.inputValue()).length).toBe(5_000);
    const nameFrame = form.locator('.field').filter({ has: agentPage.getByLabel("Customer's name") });
    expect(await nameFrame.locator('.field-error').innerText()).toBe('At most 100 characters: this has 5,000.');
    await send.click();
    expect(await agentPage.getByTestId('call-scheduled').count()).toBe(0);
    await form.getByLabel('Call type').selectOption({ label: CALL_TYPE });
    firstStart = `${berlinTomorrow(server.clock.now())}T10:00`;
    await form.getByLabel('Start').fill(firstStart);
    await form.getByLabel('Length').selectOption({ label: '45 minutes' });
    await form.getByLabel("Customer's name").fill(CUSTOMER.name);
    const email = form.getByLabel("Customer's email");
    await email.fill('karla.kundin@');
    await form.getByLabel('Language of the invitation').selectOption({ label: 'English' });
    // A mistyped address is refused, and the message stands beside that field alone.
    await form.getByRole('button', { name: 'Schedule and send the invitation' }).click();
    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field-invalid').count()).toBe(1);
    expect(await form.locator('.field .field-error').innerText()).toBe('Enter a valid email address.');
    expect(await form.getByTestId('schedule-problems').innerText()).toBe('One field needs your attention: see the message beside it.');
    await shot(agentPage, '1-schedule-form-refused');
    await email.fill(CUSTOMER.email);
    await shot(agentPage, '1-schedule-form');
    await form.getByRole('button', { name: 'Schedule and send the invitation' }).click();

    const done = agentPage.getByTestId('call-scheduled');
    await done.waitFor();
    const instant = berlinToInstant(firstStart);
    expect(await done.innerText()).toContain(`With ${CUSTOMER.name} on ${shownAs(instant)}, 45 minutes. The invitation with the join link goes to ${CUSTOMER.email}`);
    // Agents cannot open the Outbox, so they are not sent there.
    expect(await done.innerText()).not.toContain('Outbox');
    expect(await form.count()).toBe(0);
    const row = callRow(agentPage);
    expect(await row.innerText()).toMatch(new RegExp(`${shownAs(instant)}[\\s\\S]*45 min[\\s\\S]*${CUSTOMER.email}[\\s\\S]*${CALL_TYPE}[\\s\\S]*Scheduled`));
    await shot(agentPage, '2-scheduled');

    // The wall-clock time typed in Berlin reached the server as the right instant.
    const calls = await agent.client.get('/api/calls');
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({ startsAt: instant.toISOString(), durationMinutes: 45, callTypeName: CALL_TYPE, locale: 'en' });
  });

  it('after the job runner ran, an admin opens the invitation in the outbox, and the reading is audited', async () => {
    adminPage = await openPage('admin');
    await signIn(adminPage, admin.email);
    await adminPage.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    // Enrolment used the current code, and each code works once: the next 30-second step.
    server.clock.advance(30_000);
    await adminPage.getByLabel('6-digit code').fill(currentCode(admin.totpSecret!, server.clock.now()));
    await adminPage.getByRole('button', { name: 'Continue' }).click();
    await adminPage.getByRole('link', { name: /^Outbox/ }).waitFor();

    await openOutbox();
    await adminPage.getByText('Mail is kept here, not sent').waitFor();
    const invitation = adminPage.locator('tr[data-mail-kind="call.invitation"]');
    expect(await invitation.count()).toBe(1);
    expect(await invitation.innerText()).toMatch(new RegExp(`${CUSTOMER.email}[\\s\\S]*Kept in outbox`));
    // The agent's own confirmation is there too.
    expect(await adminPage.locator('tr[data-mail-kind="call.agent_confirmation"]').count()).toBe(1);
    await shot(adminPage, '3-outbox');

    await invitation.getByRole('button', { name: 'Open' }).click();
    const detail = adminPage.getByTestId('mail-detail');
    await detail.waitFor();
    expect(await detail.innerText()).toContain(`Invitation to the customer · to ${CUSTOMER.name} <${CUSTOMER.email}> · Kept in outbox`);
    const text = await detail.locator('pre').innerText();
    joinLink = text.split(/\s+/).find((word) => word.startsWith(`${server.origin}/j/`)) ?? '';
    expect(joinLink, 'join link in the invitation').not.toBe('');
    await shot(adminPage, '4-invitation');

    const viewed = await admin.client.get('/api/audit-events?type=mail.viewed');
    expect(viewed.status, viewed.raw).toBe(200);
    expect(viewed.body.events).toHaveLength(1);
    expect(viewed.body.events[0].actor).toEqual({ type: 'user', id: admin.userId });
    // And the admin can see it in the audit log.
    await adminPage.getByRole('link', { name: /^Audit log/ }).click();
    await adminPage.locator('tr[data-event-type="mail.viewed"]').first().waitFor();
    await shot(adminPage, '4b-audit');
  });

  it('the customer follows the link from the invitation and declines recording; the admin sees it in the consent history', async () => {
    customerPage = await openPage('customer', { width: 390, height: 844 });
    await customerPage.goto(joinLink);
    await customerPage.getByRole('button', { name: 'I have read this notice — continue' }).click();
    const recording = customerPage.getByRole('checkbox', { name: /Recording/ });
    expect(await recording.isChecked()).toBe(false);
    await customerPage.getByRole('button', { name: 'Continue', exact: true }).click();
    const choice = customerPage.getByTestId('your-choices').locator('li[data-purpose="recording"]');
    await expect.poll(() => choice.getAttribute('data-status')).toBe('declined');
    await shot(customerPage, '5a-customer-declined');

    await adminPage.getByRole('link', { name: /^Calls/ }).click();
    await adminPage.getByRole('heading', { name: 'Calls', exact: true }).waitFor();
    await callRow(adminPage).getByRole('button', { name: 'Consent history' }).click();
    const history = adminPage.getByTestId('consent-history');
    await history.getByRole('heading', { name: `Consent history — ${CUSTOMER.name}` }).waitFor();
    const entries = history.locator('tbody tr');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(1);
    expect(await entries.first().innerText()).toMatch(/Recording[\s\S]*Declined[\s\S]*on the join page[\s\S]*Version 1, in English/);
    expect(await history.isVisible()).toBe(true);
    await shot(adminPage, '5-consent-history');
  });

  it('the agent moves the call to another time, then cancels it; the list shows each change and the customer is told', async () => {
    const row = callRow(agentPage);
    await row.getByRole('button', { name: 'Reschedule' }).click();
    const move = agentPage.getByRole('form', { name: `Move the call with ${CUSTOMER.name}` });
    const newStart = move.getByLabel('New start');
    // It starts from the current time, and moving to the same time is not offered.
    expect(await newStart.inputValue()).toBe(firstStart);
    expect(await move.getByRole('button', { name: 'Move and tell the customer' }).isDisabled()).toBe(true);
    const moved = `${berlinTomorrow(server.clock.now())}T14:30`;
    await newStart.fill(moved);
    await shot(agentPage, '6-reschedule-form');
    await move.getByRole('button', { name: 'Move and tell the customer' }).click();
    const changed = agentPage.getByTestId('call-changed');
    await changed.getByText('Call moved').waitFor();
    expect(await changed.innerText()).toContain(`is now on ${shownAs(berlinToInstant(moved))}`);
    // The confirmation of the first scheduling is gone: only the latest change is reported.
    expect(await agentPage.getByTestId('call-scheduled').count()).toBe(0);
    expect(await row.innerText()).toContain(shownAs(berlinToInstant(moved)));
    expect(await row.innerText()).not.toContain(shownAs(berlinToInstant(firstStart)));
    expect(await move.count()).toBe(0);
    await shot(agentPage, '7-moved');

    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Yes, cancel the call' }).click();
    await changed.getByText('Call cancelled').waitFor();
    // It leaves the upcoming calls for a list of its own (issue 12, finding 17).
    const cancelledRow = agentPage.getByTestId('cancelled-calls').locator('tr[data-call]').filter({ hasText: CUSTOMER.name });
    await expect.poll(() => cancelledRow.innerText()).toContain('Cancelled');
    expect(await agentPage.getByText('No upcoming calls.').count()).toBe(1);
    expect(await cancelledRow.getByRole('button', { name: 'Reschedule' }).count()).toBe(0);
    expect(await cancelledRow.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await shot(agentPage, '8-cancelled');
    // Still there, and not among the upcoming calls, after a reload: it was the server's answer, not only the screen.
    await agentPage.reload();
    await expect.poll(() => cancelledRow.innerText()).toContain('Cancelled');
    expect(await agentPage.getByTestId('upcoming-calls').count()).toBe(0);
    await agentPage.getByText('No upcoming calls.').waitFor();
    expect(await agentPage.getByRole('heading', { name: 'Cancelled', exact: true }).count()).toBe(1);

    await openOutbox();
    for (const kind of ['call.invitation', 'call.rescheduled', 'call.cancelled']) {
      const message = adminPage.locator(`tr[data-mail-kind="${kind}"]`);
      expect(await message.count(), kind).toBe(1);
      expect(await message.innerText(), kind).toMatch(new RegExp(`${CUSTOMER.email}[\\s\\S]*Kept in outbox`));
    }
    // The customer's link now says so.
    await customerPage.goto(joinLink);
    await customerPage.getByTestId('link-problem').getByRole('heading', { name: 'This call was cancelled' }).waitFor();

    // The new time went out with the same join link.
    await adminPage.locator('tr[data-mail-kind="call.rescheduled"]').getByRole('button', { name: 'Open' }).click();
    const detail = adminPage.getByTestId('mail-detail');
    await detail.getByRole('heading', { name: /^New time/ }).waitFor();
    expect(await detail.locator('pre').innerText()).toContain(joinLink);
    await shot(adminPage, '9-outbox-after');
  });

  it('a customer name of 100 letters without a space wraps: the calls list and the outbox stay inside the window', async () => {
    const longName = 'Maximiliane'.repeat(10).slice(0, 100);
    expect(longName).toHaveLength(100);
    await agentPage.getByRole('button', { name: 'Schedule a call' }).click();
    const form = agentPage.getByRole('region', { name: 'Schedule a call' });
    await form.getByLabel('Call type').selectOption({ label: CALL_TYPE });
    await form.getByLabel('Start').fill(`${berlinTomorrow(server.clock.now())}T16:00`);
    await form.getByLabel("Customer's name").fill(longName);
    await form.getByLabel("Customer's email").fill('maximiliane@example.test');
    await form.getByRole('button', { name: 'Schedule and send the invitation' }).click();
    await agentPage.getByTestId('call-scheduled').waitFor();
    await agentPage.getByTestId('upcoming-calls').locator('tr[data-call]').filter({ hasText: longName }).waitFor();
    expect(await fitsSideways(agentPage)).toBe(true);
    await agentPage.reload();
    await agentPage.getByTestId('upcoming-calls').waitFor();
    expect(await fitsSideways(agentPage)).toBe(true);
    await shot(agentPage, '10-long-name');

    // The admin is on the Outbox already: run the mail jobs and load the page afresh.
    await server.parley.jobs.runDue();
    await adminPage.reload();
    await adminPage.getByRole('table').waitFor();
    const invitation = adminPage.locator('tr[data-mail-kind="call.invitation"]').filter({ hasText: 'maximiliane@example.test' });
    expect(await fitsSideways(adminPage)).toBe(true);
    await invitation.getByRole('button', { name: 'Open' }).click();
    await adminPage.getByTestId('mail-detail').waitFor();
    expect(await adminPage.getByTestId('mail-detail').innerText()).toContain(longName);
    expect(await fitsSideways(adminPage)).toBe(true);
    await shot(adminPage, '11-long-name-outbox');
  });

  it('no page asked another origin for anything, logged an error or tripped the Content Security Policy', async () => {
    for (const [who, watch] of Object.entries(watches)) {
      expect(watch.requests.length, who).toBeGreaterThan(3);
      expect(watch.foreignRequests, who).toEqual([]);
      expect(watch.errors, who).toEqual([]);
      expect(watch.expectedErrors, who).toHaveLength(who === 'customer' ? 1 : 0);
      expect(watch.cspViolations, who).toEqual([]);
    }
    expect(Object.keys(watches)).toEqual(['agent', 'admin', 'customer']);
    for (const context of contexts) await context.close();
  });
});
