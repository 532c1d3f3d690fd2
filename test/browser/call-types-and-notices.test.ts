import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_SEAL_ITERATIONS } from '../../src/recording/recording-keys.ts';
import { createRecordingKeyPair } from '../../web/customer/call/e2ee/recording-crypto.ts';
import { addUser, createOrgWithAdmin, type SignedIn } from '../support/harness.ts';
import { internalCodes } from '../support/language-check.ts';
import { launchChromium, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// One signed-in administrator working through call types and the privacy notice, in order: each test continues
// where the previous one left off. Along the way: an end-to-end encrypted call type that records keeps its encryption
// (recorded through the organisation's recording key, which a DPO makes meanwhile), refusals name fields as the form
// labels them, and the notice preview keeps the address on its two lines.

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
      address: 'Hauptstr. 1\n10115 Berlin',
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

    // The summary names each field as the form labels it: no field keys, no requirement ids anywhere in the form.
    const problems = page.getByTestId('call-type-problems');
    expect(await problems.innerText()).toContain('The law that requires recording: Name the law that requires the recording, e.g. “MiFID II Art. 16(7)”.');
    expect(internalCodes(await page.locator('section[aria-labelledby="call-type-form-heading"]').innerText())).toEqual([]);
    // Staff are recorded on the same legal obligation, and the form says so.
    expect(await page.getByTestId('staff-recording').innerText()).toContain('Lawful basis for recording staff: Legal obligation — Art. 6(1)(c), the same law as for the customers');

    await reference.fill('MiFID II Art. 16(7)');
    await page.getByRole('button', { name: 'Create call type' }).click();
    await page.getByTestId('call-type-saved').waitFor();
    expect(await page.locator('tr[data-call-type="Wertpapierberatung"]').innerText()).toContain('MiFID II Art. 16(7)');
  });

  it('keeps end-to-end encryption when recording is chosen, says what to do without a recording key, and saves both once there is one', async () => {
    await page.getByRole('button', { name: 'New call type' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Vertrauliche Beratung');
    const e2ee = page.getByLabel('Require end-to-end encryption');
    await e2ee.check();
    await page.getByLabel('Recorded with each participant’s consent').check();
    // Never switched off behind the user's back.
    expect(await e2ee.isChecked()).toBe(true);
    const missing = page.getByTestId('e2ee-recording-key-missing');
    await missing.waitFor();
    expect(await missing.innerText()).toContain('A data protection officer creates it under Recording key');
    expect(await page.getByTestId('staff-recording').innerText()).toContain('Lawful basis for recording staff: Legitimate interest — Art. 6(1)(f)');
    await page.getByLabel('Recordings', { exact: true }).fill('400');
    await page.getByRole('button', { name: 'Create call type' }).click();
    const problems = page.getByTestId('call-type-problems');
    await problems.waitFor();
    const listed = await problems.innerText();
    expect(listed).toContain('2 things to change:');
    expect(listed).toContain('Consent records (retention in days): Consent records must be kept at least as long as the data they cover: at least 400 days');
    expect(listed).toContain('Require end-to-end encryption: End-to-end encrypted calls are recorded in the host’s browser');
    expect(internalCodes(listed)).toEqual([]);
    expect(await e2ee.isChecked()).toBe(true);
    await shot(page, '1b-e2ee-no-key');

    // A DPO makes the recording key (in her browser, as the Recording key page does); then both are saved as chosen.
    const dpo = await addUser(server, admin, 'dpo');
    const key = await createRecordingKeyPair('a passphrase long enough', MIN_SEAL_ITERATIONS);
    const made = await dpo.client.post('/api/recording-keys', { publicKey: key.publicKey, sealed: key.sealed, fingerprint: key.fingerprint });
    expect(made.status, made.raw).toBe(201);
    await page.getByLabel('Consent records', { exact: true }).fill('400');
    await page.getByLabel('Our interest in recording staff').fill('Nachweis der Beratung bei Beschwerden');
    await page.getByRole('button', { name: 'Create call type' }).click();
    await page.getByTestId('call-type-saved').waitFor();
    const row = page.locator('tr[data-call-type="Vertrauliche Beratung"]');
    expect(await row.innerText()).toMatch(/Recorded with each participant’s consent[\s\S]*Staff: on legitimate interest[\s\S]*End-to-end encrypted, to the recording key/);
    const stored = await server.parley.deps.db.selectFrom('call_types').selectAll().where('org_id', '=', admin.orgId).where('name', '=', 'Vertrauliche Beratung').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ recording_mode: 'consent', e2ee_required: 1, staff_recording_interest: 'Nachweis der Beratung bei Beschwerden' });

    // Opened again, the form says the recordings go to that key.
    await row.getByRole('button', { name: 'Edit' }).click();
    const note = page.getByTestId('e2ee-recording-key');
    await note.waitFor();
    expect(await note.innerText()).toContain(key.fingerprint);
    expect(await page.getByLabel('Require end-to-end encryption').isChecked()).toBe(true);
    await shot(page, '1c-e2ee-recorded-to-key');
    await page.getByRole('button', { name: 'Cancel' }).click();
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
    // The address keeps its two lines, as customers see it on the join page.
    expect(await german.locator('[data-section="controller"]').innerText()).toContain('Hauptstr. 1\n10115 Berlin');
    expect(await german.innerText()).toMatch(/Datenschutzhinweise, Version 1 \(Prüfsumme [0-9a-f]{12}\)/);
    await shot(page, '2-published');

    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
  });
});
