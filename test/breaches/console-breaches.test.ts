import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCode } from '../../src/accounts/totp.ts';
import { launchChromium, startListeningParley, watchPage, type ListeningParley, type PageWatch } from '../browser/support.ts';
import { addUser, createOrgWithAdmin, TEST_PASSWORD, type SignedIn } from '../support/harness.ts';

// The breach register in the built console, in Chromium against a real server (SQLite): the DPO sees the clock of a
// breach recorded 50 h ago in its warning style, records one, and edits the first — the late-notification reason and
// the key statement appear only when the notification time is past the deadline and the encrypted exemption is chosen.

const HOUR = 3_600_000;
const ZONE = 'Europe/Berlin';
/** A `datetime-local` value in Berlin for an instant. */
const berlinInput = (d: Date) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
};

describe('the DPO keeps the breach register in the console (Chromium)', () => {
  let server: ListeningParley;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let dpo: SignedIn;
  let warningId = '';
  let awareAt = new Date();

  beforeAll(async () => {
    server = await startListeningParley();
    const admin = await createOrgWithAdmin(server, 'Musterbank AG');
    dpo = await addUser(server, admin, 'dpo');
    awareAt = new Date(server.clock.now().getTime() - 50 * HOUR);
    const created = await admin.client.post('/api/breaches', {
      awareAt: awareAt.toISOString(),
      types: ['confidentiality'],
      dataCategories: 'Customer emails',
      subjectCategories: 'Customers',
      consequences: 'Phishing',
      measures: 'Laptop wiped',
      contactPoint: 'The DPO',
    });
    expect(created.status, created.raw).toBe(201);
    warningId = created.body.id;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB', timezoneId: ZONE });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watch = await watchPage(page, server.origin, { expectedErrors: () => false });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('shows the clock of a breach 50 h old as a warning, and records a new one with a running clock', async () => {
    await page.goto(`${server.origin}/login`);
    await page.getByLabel('Email address').fill(dpo.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The enrolment used this time step's code: a sign-in code is never accepted twice.
    server.clock.advance(31_000);
    await page.getByLabel('6-digit code').fill(currentCode(dpo.totpSecret!, server.clock.now()));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: /^Breach register/ }).click();
    await page.getByRole('heading', { name: 'Breach register', exact: true }).waitFor();

    const badge = page.locator(`tr[data-breach="${warningId}"] [data-clock]`);
    expect(await badge.getAttribute('data-clock')).toBe('warning');
    expect(await badge.innerText()).toMatch(/^2[01] h \d\d min left — notify the authority now$/);

    await page.getByRole('button', { name: 'Record a breach' }).click();
    const form = page.getByRole('form', { name: 'Record breach' });
    // Sent empty: the page's own messages beside each field, not the browser's pop-ups (issue 12, finding 15).
    expect(await form.getAttribute('novalidate')).not.toBeNull();
    await form.getByRole('button', { name: 'Record breach' }).click();
    await form.getByTestId('breach-form-problems').waitFor();
    const messages = {
      'Became aware at': 'Enter when your organisation became aware of the breach.',
      'Categories of personal data': 'Say which kinds of personal data are concerned.',
      'Categories of people': 'Say which groups of people are concerned.',
      'Likely consequences': 'Describe the likely consequences for the people concerned.',
      'Measures taken or proposed': 'Describe the measures taken or proposed.',
      'Contact point': 'Say where the authority and the people concerned can learn more.',
    };
    for (const [label, message] of Object.entries(messages)) {
      const field = form.getByLabel(label, { exact: true });
      expect(await field.getAttribute('aria-invalid'), label).toBe('true');
      expect(await form.locator('.field').filter({ has: page.getByLabel(label, { exact: true }) }).locator('.field-error').innerText(), label).toBe(message);
    }
    expect(await form.getByTestId('breach-form-problems').innerText()).toBe('6 fields need your attention: see the messages beside them.');
    // The reader is taken to the first one.
    await expect.poll(() => form.getByLabel('Became aware at').evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement)).toBe(true);
    // A count that is not a number is said beside its field too, and the message goes once it is right.
    await form.getByLabel('Approximate number of people').fill('about forty');
    expect(await form.locator('.field').filter({ has: page.getByLabel('Approximate number of people') }).locator('.field-error').innerText()).toBe(
      'Enter a whole number, or leave it empty if not known yet.',
    );
    await form.getByLabel('Approximate number of people').fill('1');
    expect(await form.locator('.field').filter({ has: page.getByLabel('Approximate number of people') }).locator('.field-error').count()).toBe(0);
    expect(await page.getByTestId('breach').count()).toBe(0);

    await form.getByLabel('Became aware at').fill(berlinInput(new Date(server.clock.now().getTime() - HOUR)));
    await form.getByLabel('Categories of personal data').fill('Call recordings');
    await form.getByLabel('Categories of people').fill('Customers of one desk');
    await form.getByLabel('Likely consequences').fill('Unknown yet');
    await form.getByLabel('Measures taken or proposed').fill('Bucket made private');
    await form.getByLabel('Contact point').fill('The DPO');
    await form.getByRole('button', { name: 'Record breach' }).click();
    await page.getByTestId('breach').waitFor();
    expect(await page.getByTestId('breach').locator('[data-clock]').getAttribute('data-clock')).toBe('running');
    // One person is "1 person", not "1 people".
    expect(await page.getByTestId('breach-numbers').innerText()).toBe('About 1 person, number of records not known yet');
    expect(await page.locator('tr[data-breach] [data-clock="running"]').count()).toBe(1);
  });

  it('asks for the late reason only past the deadline and for the key statement only with the encrypted exemption', async () => {
    await page.locator(`tr[data-breach="${warningId}"]`).getByRole('button', { name: 'Open' }).click();
    const panel = page.getByTestId('breach');
    await panel.getByRole('heading', { name: /^Breach of/ }).waitFor();
    await panel.getByRole('button', { name: 'Edit' }).click();
    const form = panel.getByRole('form', { name: 'Save changes' });
    await form.getByLabel('Notify the supervisory authority', { exact: true }).check();
    await form.getByLabel('Reasons for the decision').fill('Customer contact data left the bank.');
    const late = form.getByLabel('Reasons for the late notification');
    await form.getByLabel('Authority notified at').fill(berlinInput(new Date(awareAt.getTime() + 48 * HOUR)));
    expect(await late.count()).toBe(0);
    // Notified 48 h after awareness: in time. Awareness corrected to 26 h earlier puts it 74 h after: late.
    await form.getByLabel('Became aware at').fill(berlinInput(new Date(awareAt.getTime() - 26 * HOUR)));
    expect(await late.count()).toBe(1);
    await late.fill('The extent was only clear after the forensic report.');

    const keys = form.getByLabel('Why the keys were not compromised');
    expect(await keys.count()).toBe(0);
    await form.getByLabel('Telling the people concerned').selectOption({ label: 'Exempt: the data was encrypted (keys not compromised)' });
    expect(await keys.count()).toBe(1);
    await keys.fill('The disk key stayed in the HSM.');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await panel.getByRole('button', { name: 'Edit' }).waitFor();
    expect(await panel.locator('[data-clock]').getAttribute('data-clock')).toBe('notified');
    expect(await panel.innerText()).toContain('The disk key stayed in the HSM.');

    await panel.getByLabel('Follow-up', { exact: true }).fill('Authority asked for the report; sent.');
    await panel.getByRole('button', { name: 'Add follow-up' }).click();
    await panel.locator('ol li', { hasText: 'Authority asked for the report; sent.' }).waitFor();
    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
