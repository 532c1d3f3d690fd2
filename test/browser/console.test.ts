import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCode } from '../../src/accounts/totp.ts';
import { internalCodes } from '../support/language-check.ts';
import { launchChromium, startBrowserParley, ungroup, watchPage, type BrowserParley, type PageWatch } from './support.ts';

// One browser, one page, one server: the steps below are one newcomer's first session, in order; each test
// continues where the previous one left off (vitest runs a file's tests in sequence).

const ORG = 'Musterbank AG';
const ADMIN = { email: 'ada.admin@musterbank.example', name: 'Ada Lovelace', password: 'quiet harbour lantern seven' };
const SHOTS = '/tmp/parley-console';

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

describe('web console in Chromium', () => {
  let server: BrowserParley;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let totpSecret = '';
  let recoveryCodes: string[] = [];

  beforeAll(async () => {
    server = await startBrowserParley({ orgName: ORG });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The console asks GET /api/auth/session whether anyone is signed in, so a signed-out visit logs no 401.
    watch = await watchPage(page, server.origin, { expectedErrors: () => false });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a newcomer opens the first-run link, creates the admin account and sets up an authenticator app', async () => {
    await page.goto(server.setupUrl);
    await expect.poll(() => page.getByRole('heading', { name: 'Create the administrator account' }).isVisible()).toBe(true);
    await page.getByText(ORG).first().waitFor();
    // The one-time token is read, then removed from the address bar (and so from history).
    expect(page.url()).toBe(`${server.origin}/setup`);

    // Sent empty, every missing field is flagged beside itself, not only the password (issue 12, finding 15).
    await page.getByRole('button', { name: 'Create account' }).click();
    for (const label of ['Your work email address', 'Your name', 'Password', 'Password again']) {
      await expect.poll(() => page.getByLabel(label, { exact: true }).getAttribute('aria-invalid'), { message: label }).toBe('true');
    }
    expect(await page.locator('.field-error').allInnerTexts()).toEqual([
      'Enter your work email address.',
      'Enter your name.',
      'Use at least 12 characters.',
      'Enter the password again.',
    ]);

    await page.getByLabel('Your work email address').fill(ADMIN.email);
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await shot(page, '1-setup');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
    const qr = page.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    // Decoded, not a broken-image icon.
    expect(await qr.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).toBe(true);
    const shown = await page.getByTestId('totp-secret').innerText();
    expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/); // base32, grouped in fours for typing by hand
    totpSecret = ungroup(shown);
    await shot(page, '2-totp-enrolment');

    await page.getByLabel('6-digit code').fill(currentCode(totpSecret, server.clock.now()));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();

    // The recovery codes are shown once, before the console opens (issue 12, finding 16).
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    recoveryCodes = (await page.getByTestId('recovery-codes').locator('li').allInnerTexts()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    await page.getByRole('button', { name: 'I have saved them — continue' }).click();

    await page.getByRole('heading', { name: 'Organisation settings' }).waitFor();
    expect(await page.getByTestId('org-name').innerText()).toBe(ORG);
    expect(new URL(page.url()).pathname).toBe('/organisation');
    const header = page.getByRole('banner').first();
    expect(await header.innerText()).toContain(ADMIN.name);
    expect(await header.innerText()).toContain('Administrator');
  });

  it('the admin renames the organisation in its settings and the new name is saved', async () => {
    // A fresh organisation lacks the details privacy notices need, and the page says so.
    await page.getByTestId('missing-fields').waitFor();
    const legalName = page.getByLabel('Legal name', { exact: true });
    expect(await legalName.inputValue()).toBe(ORG);
    await legalName.fill('Musterbank Europe AG');
    await page.getByRole('button', { name: 'Save changes' }).click();

    expect(await page.getByTestId('organisation-saved').innerText()).toMatch(/^Saved\. These settings are now version 2/);
    await expect.poll(() => page.getByTestId('org-name').innerText()).toBe('Musterbank Europe AG');
    await shot(page, '3-organisation');

    // Saved on the server, not only on screen.
    await page.reload();
    await page.getByRole('heading', { name: 'Organisation settings' }).waitFor();
    expect(await page.getByLabel('Legal name', { exact: true }).inputValue()).toBe('Musterbank Europe AG');
  });

  it('the audit log lists the change, and verifying reports the hash chain intact', async () => {
    await page.getByRole('link', { name: /Audit log/ }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const updated = page.locator('tr[data-event-type="organisation.updated"]');
    await updated.first().waitFor();
    // What changed is said in words, not by the field's key (issue 12, finding 12).
    expect(await updated.first().locator('[data-key="fields"] dt').innerText()).toBe('Changed');
    expect(await updated.first().locator('[data-key="fields"] dd').innerText()).toBe('Legal name');
    expect(await updated.first().locator('[data-key="configVersion"]').innerText()).toMatch(/^Settings version\s*2$/);
    const row = await updated.first().innerText();
    expect(internalCodes(row), row).toEqual([]);
    for (const type of ['organisation.created', 'user.created', 'user.password_set', 'user.totp_enrolled', 'auth.login_succeeded']) {
      expect(await page.locator(`tr[data-event-type="${type}"]`).count(), type).toBeGreaterThan(0);
    }

    await page.getByRole('button', { name: 'Verify chain' }).click();
    const result = page.getByTestId('chain-result');
    await result.waitFor();
    expect(await result.innerText()).toMatch(/^Chain intact\s+All \d+ events were checked/);
    // Verifying is itself recorded, and the list shows it.
    await page.locator('tr[data-event-type="audit.verified"]').first().waitFor();
    await shot(page, '4-audit');
  });

  it('the admin invites a colleague; with no mail server the console says nothing was sent and shows the link to pass on', async () => {
    await page.getByRole('link', { name: /Users/ }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Invite a user' }).click();
    await page.getByLabel('Email address').fill('ben.berater@musterbank.example');
    await page.getByLabel('Name', { exact: true }).fill('Ben Berater');
    await page.getByRole('button', { name: 'Invite and send link' }).click();

    const notice = page.getByTestId('setup-link');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('This installation sends no mail');
    expect(await notice.innerText()).toContain('for ben.berater@musterbank.example is only kept in the Outbox');
    expect(await notice.innerText()).toContain('It works once, until');
    expect(await notice.getByLabel('One-time set-up link').inputValue()).toMatch(/\/setup#token=psl_/);
    expect(await page.getByRole('row', { name: /Ben Berater/ }).innerText()).toContain('Invited');
    await shot(page, '5-users');

    await page.getByRole('link', { name: /API tokens/ }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByText('No API tokens yet.').waitFor();
    await shot(page, '6-api-tokens');
  });

  it('without the phone, the admin signs in with a recovery code, is told how many are left, and cannot attest their own training', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email address').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!.toUpperCase());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Signed in with a recovery code' }).waitFor();
    expect(await page.getByTestId('recovery-codes-left').innerText()).toContain('You have 9 recovery codes left.');
    await shot(page, '8a-recovery-code');
    await page.getByRole('button', { name: 'Continue to the console' }).click();

    await page.getByRole('link', { name: /Users/ }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    expect(await page.getByTestId('account-security').innerText()).toContain('You have 9 unused recovery codes.');
    await page.getByRole('row', { name: /Ada Lovelace/ }).getByRole('button', { name: 'Manage' }).click();
    expect(await page.getByTestId('own-training').innerText()).toContain('Your own training is recorded by someone else');
    expect(await page.getByRole('button', { name: 'Record training' }).count()).toBe(0);
  });

  it('after signing out, the admin signs in again with password and a new authenticator code', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('You have signed out.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.getByLabel('Email address').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await shot(page, '7-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    await shot(page, '8-totp');
    // A code is accepted once per 30-second step: the enrolment used the current one, so move to the next.
    server.clock.advance(30_000);
    await page.getByLabel('6-digit code').fill(currentCode(totpSecret, server.clock.now()));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Organisation settings' }).waitFor();
    expect(await page.getByTestId('org-name').innerText()).toBe('Musterbank Europe AG');
  });

  it('the console asked only its own server for anything and logged no errors or CSP violations', () => {
    expect(watch.requests.length).toBeGreaterThan(10);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.expectedErrors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
