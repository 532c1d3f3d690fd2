import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrgWithAdmin, type SignedIn } from '../support/harness.ts';
import { launchChromium, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// One signed-in administrator working through call types and the privacy notice, in order: each test continues
// where the previous one left off.

const SHOTS = '/tmp/parley-privacy';
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

describe('call types and privacy notices in the console (Chromium)', () => {
  let server: ListeningParley;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let admin: SignedIn;

  beforeAll(async () => {
    server = await startListeningParley();
    admin = await createOrgWithAdmin(server, 'Musterbank AG');
    await admin.client.patch('/api/organisation', {
      address: 'Hauptstr. 1, 10115 Berlin',
      contactEmail: 'datenschutz@musterbank.example',
      dpoName: 'Dr. Dana Schutz',
      dpoEmail: 'dpo@musterbank.example',
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    // Signed in through the API already: the browser gets the same session cookie.
    await context.addCookies([...admin.client.cookies].map(([name, value]) => ({ name, value, url: server.origin })));
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The forms below are refused on purpose (400) before they are saved.
    watch = await watchPage(page, server.origin, { expectedErrors: (text) => text.includes('400 (Bad Request)') });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the new organisation\'s privacy-protective call type, and explains a refused recording setting beside its field', async () => {
    await page.goto(`${server.origin}/call-types`);
    const row = page.locator('tr[data-call-type="Video consultation"]');
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Holding the call: Contract[\s\S]*Not recorded[\s\S]*Call details: 30 days/);

    await page.getByRole('button', { name: 'New call type' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Wertpapierberatung');
    await page.getByLabel('Recorded because the law requires it').check();
    // Choosing the legal-obligation mode raises recordings to the 5-year minimum (G56).
    expect(await page.getByLabel('Recordings', { exact: true }).inputValue()).toBe('1826');
    await page.getByRole('button', { name: 'Create call type' }).click();
    const reference = page.getByLabel('The law that requires recording');
    await expect.poll(() => reference.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error').first().innerText()).toContain('Name the law that requires the recording');
    await shot(page, '1-refused');

    await reference.fill('MiFID II Art. 16(7)');
    await page.getByRole('button', { name: 'Create call type' }).click();
    await page.getByTestId('call-type-saved').waitFor();
    expect(await page.locator('tr[data-call-type="Wertpapierberatung"]').innerText()).toContain('MiFID II Art. 16(7)');
  });

  it('blocks publishing a draft with empty texts and says why, then publishes and previews it in German', async () => {
    await page.getByRole('link', { name: /Privacy notices/ }).click();
    await page.getByRole('heading', { name: 'Privacy notices' }).waitFor();
    await page.getByTestId('organisation-gaps').waitFor();
    await page.getByRole('button', { name: 'New draft' }).click();
    await page.getByRole('button', { name: 'Publish version 1' }).waitFor();
    expect(await page.getByRole('button', { name: 'Publish version 1' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('publish-blocked').innerText()).toMatch(/Recipients \(English\).*Transfers outside the EEA \(Deutsch\)/);

    await page.getByLabel('Recipients (English)').fill('Parley Hosting GmbH runs Parley for us as our processor.');
    await page.getByLabel('Transfers outside the EEA (English)').fill('None.');
    await page.getByRole('tab', { name: /Deutsch/ }).first().click();
    await page.getByLabel('Recipients (Deutsch)').fill('Die Parley Hosting GmbH betreibt Parley für uns als Auftragsverarbeiter.');
    await page.getByLabel('Transfers outside the EEA (Deutsch)').fill('Keine.');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByTestId('notice-saved').waitFor();
    expect(await page.getByTestId('publish-blocked').innerText()).toContain('organisation settings');

    await admin.client.patch('/api/organisation', { supervisoryAuthority: 'Berliner Beauftragte für Datenschutz und Informationsfreiheit' });
    await page.reload();
    await page.getByRole('button', { name: 'Publish version 1' }).click();
    await page.getByRole('button', { name: 'Publish: it cannot be changed afterwards' }).click();
    await page.getByText('Published, shown to customers').waitFor();

    const preview = page.getByTestId('notice-preview');
    await preview.getByRole('tab', { name: 'Deutsch' }).click();
    const german = preview.locator('article.notice-preview[lang="de"]');
    await german.waitFor();
    expect(await german.locator('[data-section="retention"]').innerText()).toContain('Gesprächsdaten (wer wann wie lange teilgenommen hat): 30 Tage.');
    expect(await german.innerText()).toMatch(/Datenschutzhinweise, Version 1 \(Prüfsumme [0-9a-f]{12}\)/);
    await shot(page, '2-published');

    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
  });
});
