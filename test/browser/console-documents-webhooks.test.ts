import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCode } from '../../src/accounts/totp.ts';
import { verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import { addUser, createOrgWithAdmin, publishNotice, TEST_PASSWORD, type SignedIn } from '../support/harness.ts';
import { launchChromium, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// The DPO's Documents and Webhooks pages, in one Chromium against a real server (built console, SQLite). The
// organisation's name carries markup, which every document must show as text. The DPO signs in with TOTP, reads
// the documents list (the configuration and date in words; a warning that no processor is named, as this installation
// sets no PARLEY_OPERATOR_*), previews the DPA in a dialog that fills the window, downloads its PDF, enters the
// processor in the organisation settings, approves the DPIA (and again after a retention change puts it back to
// review, said in words), and declares
// sub-processors (outside the EEA only with a transfer tool). Then she registers a webhook endpoint — a tiny
// receiver on this machine — for scheduled calls, keeps the secret shown once, and sees a signed delivery arrive
// and listed as delivered; an http address on another host is refused with a reason.
// Each test continues where the previous one left off.

const ORG = 'Musterbank <b>markup</b> AG';
const ZONE = 'Europe/Berlin';
const DAY = 86_400_000;
const SHOTS = '/tmp/parley-console-documents-webhooks';

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

/** How the console shows an instant to a reader in en-GB and Berlin (web/shared/format.ts, formatDateTime). */
const shownAs = (iso: string) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(new Date(iso));

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe('the DPO generates documents and registers a signed webhook in the console (Chromium)', () => {
  let server: ListeningParley;
  let receiver: Server;
  let receiverPort = 0;
  const received: Received[] = [];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let admin: SignedIn;
  let agent: SignedIn;
  let dpo: SignedIn;
  let callTypeId = '';
  let secret = '';

  const documents = () => page.getByRole('table', { name: 'Generated documents' });
  const dpiaSection = () => page.getByRole('region', { name: 'DPIA state' });
  const subProcessorForm = () => page.getByRole('form', { name: 'Add sub-processor' });
  const subProcessors = () => page.getByRole('table', { name: 'Sub-processors' });
  const endpoints = () => page.getByRole('table', { name: 'Webhook endpoints' });

  /** The configuration in words, from the database: organisation settings version; active call types by name. */
  async function stampInWords(): Promise<string> {
    const db = server.parley.deps.db;
    const org = await db.selectFrom('organisations').select('config_version').where('id', '=', admin.orgId).executeTakeFirstOrThrow();
    const cts = await db.selectFrom('call_types').select(['name', 'version']).where('org_id', '=', admin.orgId).where('archived_at', 'is', null).execute();
    const items = cts.sort((a, b) => a.name.localeCompare(b.name)).map((c) => `“${c.name}” version ${c.version}`);
    return `organisation settings version ${org.config_version}, call types ${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverPort = (receiver.address() as AddressInfo).port;

    server = await startListeningParley();
    admin = await createOrgWithAdmin(server, ORG);
    agent = await addUser(server, admin, 'agent');
    dpo = await addUser(server, admin, 'dpo');
    expect(dpo.totpSecret, 'a DPO enrols an authenticator').not.toBeNull();
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', {
      name: 'Anlageberatung',
      purposes: [{ purpose: 'call_delivery', basis: 'contract' }],
      retention: { callMetadataDays: 90, chatDays: 0, recordingsDays: 90, consentDays: 365 },
    });
    expect(ct.status, ct.raw).toBe(201);
    callTypeId = ct.body.id;
    // The DPO's enrolment used the current code; a code is good once, so sign in with the next one.
    server.clock.advance(30_000);

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB', timezoneId: ZONE, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // Chromium logs each 4xx answer to fetch() as a console error: the sub-processor without a transfer tool and the
    // http webhook address on another host are refused once each.
    watch = await watchPage(page, server.origin, {
      expectedErrors: (text, url) => /status of 400/.test(text) && ['/api/sub-processors', '/api/webhooks'].includes(new URL(url).pathname),
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it('the DPO signs in with TOTP and sees every document, the configuration and date in words, and that the processor is not named yet', async () => {
    await page.goto(`${server.origin}/login`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email address').fill(dpo.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    await page.getByLabel('6-digit code').fill(currentCode(dpo.totpSecret!, server.clock.now()));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('link', { name: /^Documents/ }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    await documents().waitFor();

    // The organisation's default call type and the one made above, each at version 1, by name: never `org v3; ct_… v1`.
    const words = await stampInWords();
    expect(words).toMatch(/^organisation settings version \d+, call types “Anlageberatung” version 1 and “Video consultation” version 1$/);
    const stampLine = page.getByTestId('documents-stamp');
    expect(await stampLine.innerText()).toMatch(new RegExp(`the settings in force: ${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · as of \\d{1,2} \\w{3} \\d{4}, \\d{2}:\\d{2}$`));
    expect(await page.locator('main').innerText()).not.toMatch(/\bct_[0-9a-z]{6,}|\borg v\d/);

    const rows = documents().locator('tbody tr');
    const titles = await rows.locator('.cell-primary').allInnerTexts();
    expect(titles).toEqual([
      'Data processing agreement (Art. 28 GDPR)',
      'Data protection impact assessment (Art. 35 GDPR)',
      'Records of processing activities (Art. 30 GDPR)',
      'Sub-processors',
      'Privacy-policy snippet: video calls',
      'Privacy-policy snippet: video calls',
      'Information for staff: recording of video calls',
      'Information for staff: recording of video calls',
    ]);
    // The English-only documents, then one row a language for the snippet and the information for staff.
    expect(await rows.locator('.cell-secondary').allInnerTexts()).toEqual(['English', 'English', 'English', 'English', 'English', 'German', 'English', 'German']);
    for (let i = 0; i < 8; i++) {
      expect(await rows.nth(i).getByRole('link', { name: 'PDF' }).count()).toBe(1);
      expect(await rows.nth(i).getByRole('link', { name: 'Markdown' }).count()).toBe(1);
    }
    // This installation sets no PARLEY_OPERATOR_*: the page says the DPA names no processor, and where to fix it.
    const processor = page.getByTestId('processor-missing');
    expect(await processor.innerText()).toContain('Missing: its legal name, its postal address and its contact email for data protection');
    expect(await processor.getByRole('link', { name: 'organisation settings' }).getAttribute('href')).toBe('/organisation');
    await shot(page, '1-documents');
  });

  it('previews the DPA in a dialog that fills the window (the organisation name with markup shown as text), then downloads its PDF', async () => {
    const dpaRow = documents().locator('tbody tr').filter({ hasText: 'Data processing agreement' });
    await dpaRow.getByRole('button', { name: 'View' }).click();
    const dialog = page.getByRole('dialog', { name: 'Document preview' });
    await dialog.waitFor();
    const frame = page.frameLocator('iframe[title="Document preview"]');
    await frame.getByRole('heading', { name: 'Data processing agreement (Art. 28 GDPR)', level: 1 }).waitFor();
    // Large enough to read: nearly the whole window (1280 × 1000), not a box in the page.
    const box = await page.locator('iframe[title="Document preview"]').boundingBox();
    expect(box!.width).toBeGreaterThan(1000);
    expect(box!.height).toBeGreaterThan(850);
    expect(await dialog.getByRole('link', { name: 'Open in a new tab' }).getAttribute('href')).toBe('/api/documents/dpa?format=html');
    expect(await frame.getByRole('heading', { name: 'Parties', level: 2 }).count()).toBe(1);
    // The name is literal text: its angle brackets are visible and no <b> element was made of it.
    const orgLine = frame.locator('p', { hasText: 'Organisation:' });
    expect(await orgLine.innerText()).toBe(`Organisation: ${ORG}`);
    expect(await frame.locator('b').count()).toBe(0);
    expect(await frame.locator('strong', { hasText: 'markup' }).count()).toBe(0);
    const body = await frame.locator('body').innerText();
    expect(body).toContain(`Controller: ${ORG},`);
    expect(body).toContain('Processor (operator of this Parley installation): [not provided yet], [not provided yet]; contact [not provided yet]');
    // The generation date in words, not an ISO timestamp.
    expect(body).toMatch(/Generated: \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} [A-Z]{3,4}, from organisation settings version/);
    expect(body).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/);
    // Sandboxed: no permissions at all, and served with a CSP that runs nothing.
    expect(await page.locator('iframe[title="Document preview"]').getAttribute('sandbox')).toBe('');
    await shot(page, '2-dpa-preview');
    await dialog.getByRole('button', { name: 'Close preview' }).click();
    expect(await page.locator('iframe[title="Document preview"]').count()).toBe(0);

    const [download] = await Promise.all([page.waitForEvent('download'), dpaRow.getByRole('link', { name: 'PDF' }).click()]);
    const listed = await server.parley.deps.db.selectFrom('organisations').select('config_version').where('id', '=', admin.orgId).executeTakeFirstOrThrow();
    expect(download.suggestedFilename()).toBe(`parley-dpa-v${listed.config_version}.pdf`);
    const file = await download.path();
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(1000);
  });

  it('enters the processor in the organisation settings: the warning goes, and the DPA names it', async () => {
    await page.getByRole('link', { name: /^Organisation/ }).click();
    const section = page.getByTestId('processor-settings');
    await section.waitFor();
    expect(await section.getByTestId('processor-gaps').innerText()).toContain('Still missing: its legal name, its postal address and its data protection contact.');
    await section.getByLabel('Legal name of the processor').fill('Rechenzentrum Nord GmbH');
    await section.getByLabel('Postal address of the processor').fill('Am Hafen 1\n20457 Hamburg');
    await section.getByLabel('Data protection contact of the processor').fill('dpa@rz-nord.example');
    await section.getByRole('button', { name: 'Save processor details' }).click();
    await section.getByTestId('processor-saved').waitFor();
    expect(await section.getByTestId('processor-gaps').count()).toBe(0);
    await shot(page, '2b-processor');

    await page.getByRole('link', { name: /^Documents/ }).click();
    await documents().waitFor();
    expect(await page.getByTestId('processor-missing').count()).toBe(0);
    await documents().locator('tbody tr').filter({ hasText: 'Data processing agreement' }).getByRole('button', { name: 'View' }).click();
    const frame = page.frameLocator('iframe[title="Document preview"]');
    await frame.getByRole('heading', { name: 'Parties', level: 2 }).waitFor();
    expect(await frame.locator('body').innerText()).toContain(
      'Processor (operator of this Parley installation): Rechenzentrum Nord GmbH, Am Hafen 1, 20457 Hamburg; contact dpa@rz-nord.example',
    );
    // Escape closes the dialog, as any dialog.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('iframe[title="Document preview"]').count()).toBe(0);
  });

  it('approves the DPIA; after a retention change it needs review, said in words, and is approved again', async () => {
    const badge = () => dpiaSection().locator('.badge');
    expect(await badge().innerText()).toBe('Not approved yet');
    await dpiaSection().getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => badge().innerText()).toBe('Approved');
    expect(await dpiaSection().getByRole('button', { name: 'Approve' }).count()).toBe(0);
    const first = await server.parley.deps.db.selectFrom('dpia_reviews').selectAll().where('org_id', '=', admin.orgId).executeTakeFirstOrThrow();
    expect(first).toMatchObject({ state: 'approved', approved_by: dpo.userId });
    expect(await dpiaSection().innerText()).toContain(`Last approved ${shownAs(first.approved_at!)} for ${await stampInWords()}.`);
    await shot(page, '3-dpia-approved');

    // The admin keeps recordings longer: the assessment rests on that, so it goes back to review.
    const changed = await admin.client.patch(`/api/call-types/${callTypeId}`, { retention: { recordingsDays: 180 } });
    expect(changed.status, changed.raw).toBe(200);
    await page.reload();
    await dpiaSection().waitFor();
    expect(await badge().innerText()).toBe('Needs review');
    const warning = dpiaSection().getByRole('alert').filter({ hasText: 'Settings the DPIA rests on changed' });
    expect(await warning.innerText()).toContain('Changed since the approval: how long recordings are kept.');
    expect(await warning.innerText()).not.toContain('call_type.');
    // The page names the call type's new version.
    const changedWords = await stampInWords();
    expect(changedWords).toContain('“Anlageberatung” version 2');
    expect(await page.getByTestId('documents-stamp').innerText()).toContain(changedWords);
    await shot(page, '3b-dpia-needs-review');

    await dpiaSection().getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => badge().innerText()).toBe('Approved');
    expect(await dpiaSection().getByRole('alert').count()).toBe(0);
    const again = await server.parley.deps.db.selectFrom('dpia_reviews').selectAll().where('org_id', '=', admin.orgId).executeTakeFirstOrThrow();
    expect(again.approved_config).toContain(`${callTypeId} v2`);
    expect(await dpiaSection().innerText()).toContain(`for ${changedWords}.`);
    const audit = await server.parley.deps.db.selectFrom('audit_events').select('type').where('org_id', '=', admin.orgId).where('type', '=', 'documents.dpia_approved').execute();
    expect(audit).toHaveLength(2);
  });

  it('a sub-processor outside the EEA is refused without a transfer tool (the reason shown), and listed with one', async () => {
    await page.getByText('No sub-processors declared.').waitFor();
    const form = subProcessorForm();
    await form.getByLabel('Company name').fill('Cloudy Transcripts Inc.');
    await form.getByLabel('Purpose').fill('Server hosting of call recordings');
    await form.getByLabel('Location').fill('Virginia');
    await form.getByLabel('Country').fill('us');
    expect(await form.getByLabel('Transfer tool').inputValue()).toBe('none');
    await form.getByRole('button', { name: 'Add sub-processor' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The sub-processor was not saved' });
    await refused.waitFor();
    expect(await refused.innerText()).toContain('A sub-processor outside the EEA (US) needs a transfer tool');
    expect(await page.getByText('No sub-processors declared.').count()).toBe(1);
    // What was typed stays, so only the tool needs choosing.
    expect(await form.getByLabel('Company name').inputValue()).toBe('Cloudy Transcripts Inc.');
    await shot(page, '4-sub-processor-refused');

    await form.getByLabel('Transfer tool').selectOption({ label: 'Standard contractual clauses + transfer impact assessment (Art. 46)' });
    await form.getByRole('button', { name: 'Add sub-processor' }).click();
    await subProcessors().waitFor();
    expect(await refused.count()).toBe(0);
    const row = subProcessors().locator('tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.locator('td').nth(0).innerText()).toBe('Cloudy Transcripts Inc.\nServer hosting of call recordings');
    expect(await row.locator('td').nth(1).innerText()).toBe('Virginia (US, outside the EEA)');
    expect(await row.locator('td').nth(2).innerText()).toBe('Standard contractual clauses + transfer impact assessment (Art. 46)');
    expect(await form.getByLabel('Company name').inputValue()).toBe('');
    const stored = await server.parley.deps.db.selectFrom('sub_processors').selectAll().where('org_id', '=', admin.orgId).execute();
    expect(stored).toEqual([expect.objectContaining({ name: 'Cloudy Transcripts Inc.', country: 'US', in_eea: 0, transfer_tool: 'sccs_tia' })]);
    await shot(page, '5-sub-processor-added');
  });

  it('adds a webhook endpoint for scheduled calls: the secret is shown once, and not after a reload', async () => {
    await page.getByRole('link', { name: /^Webhooks/ }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    await page.getByText('No webhook endpoints yet.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add an endpoint' }).click();
    const form = page.getByRole('region', { name: 'Add a webhook endpoint' });
    await form.getByLabel('Address').fill(`http://127.0.0.1:${receiverPort}/hook`);
    await form.getByLabel('Description').fill('Test receiver');
    // The rights events are preselected for a new endpoint; this one wants scheduled calls only.
    for (const label of ["A customer's data was erased", "Processing of a customer's data was restricted", 'A restriction was lifted', "A customer's data was rectified"]) {
      const box = form.getByLabel(new RegExp(`^${label.replace(/[()]/g, '\\$&')} \\(`));
      expect(await box.isChecked(), label).toBe(true);
      await box.uncheck();
    }
    expect(await form.getByRole('button', { name: 'Add endpoint' }).isDisabled()).toBe(true);
    await form.getByLabel('A call was scheduled (call.scheduled)').check();
    await form.getByRole('button', { name: 'Add endpoint' }).click();

    const shown = page.getByTestId('webhook-secret');
    await shown.waitFor();
    expect(await shown.innerText()).toContain('Copy the signing secret now: it cannot be shown again.');
    secret = await page.getByTestId('webhook-secret-value').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(await shown.getByRole('button', { name: 'Copy' }).count()).toBe(1);
    const row = endpoints().locator('tbody tr').first();
    expect(await row.innerText()).toContain(`http://127.0.0.1:${receiverPort}/hook`);
    expect(await row.innerText()).toContain('A call was scheduled');
    expect(await row.locator('.badge').innerText()).toBe('Enabled');
    const stored = await server.parley.deps.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', admin.orgId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.events).toBe('["call.scheduled"]');
    expect(stored[0]!.secret_sealed).not.toContain(secret);
    await shot(page, '6-webhook-secret');

    await page.reload();
    await endpoints().waitFor();
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    expect(await page.getByTestId('webhook-secret-value').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await endpoints().locator('tbody tr').count()).toBe(1);
  });

  it('a scheduled call is delivered, signed with that secret, and listed as delivered', async () => {
    const before = received.length;
    const call = await admin.client.post('/api/calls', {
      callTypeId,
      agentId: agent.userId,
      startsAt: new Date(server.clock.now().getTime() + 2 * DAY).toISOString(),
      durationMinutes: 30,
      customer: { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' },
      locale: 'en',
    });
    expect(call.status, call.raw).toBe(201);
    await server.parley.jobs.runDue();
    await expect.poll(() => received.length).toBe(before + 1);
    const hit = received[before]!;
    expect(hit.method).toBe('POST');
    expect(hit.url).toBe('/hook');
    expect(hit.headers['parley-event']).toBe('call.scheduled');
    const verdict = verifyWebhookSignature({
      secret,
      body: hit.body,
      timestamp: hit.headers['parley-timestamp'] as string | undefined,
      signature: hit.headers['parley-signature'] as string | undefined,
      now: server.clock.now(),
    });
    expect(verdict).toEqual({ ok: true });
    // Another secret does not verify it: the check is real.
    expect(verifyWebhookSignature({ secret: `${secret}x`, body: hit.body, timestamp: hit.headers['parley-timestamp'] as string, signature: hit.headers['parley-signature'] as string, now: server.clock.now() })).toEqual({ ok: false, reason: 'bad_signature' });
    const body = JSON.parse(hit.body) as { type: string; organisationId: string; data: { callId: string; callTypeId: string; subjectId: string } };
    expect(body).toMatchObject({ type: 'call.scheduled', organisationId: admin.orgId, data: { callId: call.body.id, callTypeId } });
    // Ids only: no name or address of the customer.
    expect(hit.body).not.toMatch(/Karla|example\.test/);

    const row = endpoints().locator('tbody tr').first();
    await row.getByRole('button', { name: 'Deliveries' }).click();
    const deliveries = page.getByRole('table', { name: 'Recent deliveries' });
    await deliveries.waitFor();
    const delivery = deliveries.locator('tbody tr');
    expect(await delivery.count()).toBe(1);
    const stored = await server.parley.deps.db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', admin.orgId).executeTakeFirstOrThrow();
    expect(stored.id).toBe(hit.headers['parley-webhook-id']);
    const cells = await delivery.locator('td').allInnerTexts();
    expect(cells[0]).toBe(`A call was scheduled\n${stored.id}`);
    expect(cells[1]).toBe(shownAs(stored.created_at));
    expect(cells[2]).toBe('Delivered');
    expect(cells[3]).toBe('1');
    expect(cells[4]).toBe('HTTP 204');
    expect(cells[5]).toBe('—');
    expect(await delivery.locator('.badge-status-active').innerText()).toBe('Delivered');
    await shot(page, '7-delivered');
  });

  it('an http address on another host is refused with a clear message, and nothing is added', async () => {
    await page.getByRole('button', { name: 'Add an endpoint' }).click();
    const form = page.getByRole('region', { name: 'Add a webhook endpoint' });
    await form.getByLabel('Address').fill('http://example.com/hook');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const refused = form.getByRole('alert').filter({ hasText: 'The endpoint was not added' });
    await refused.waitFor();
    const reason = 'Webhooks are sent over https only (plain http is allowed to localhost, 127.0.0.1 and ::1 for a receiver on this machine).';
    // The summary may lead in with the field it concerns ("Check the address: webhooks are…"); the reason is the same.
    expect((await refused.innerText()).toLowerCase()).toContain(reason.toLowerCase());
    // Beside the field too, and the field marked invalid.
    expect(await form.locator('.field-error').first().innerText()).toBe(reason);
    expect(await form.getByLabel('Address').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Address').inputValue()).toBe('http://example.com/hook');
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    expect(await endpoints().locator('tbody > tr').filter({ hasText: 'example.com' }).count()).toBe(0);
    const stored = await server.parley.deps.db.selectFrom('webhook_endpoints').select('url').where('org_id', '=', admin.orgId).execute();
    expect(stored.map((s) => s.url)).toEqual([`http://127.0.0.1:${receiverPort}/hook`]);
    await shot(page, '8-http-refused');
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    expect(watch.requests.length).toBeGreaterThan(10);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.expectedErrors).toHaveLength(2);
    expect(watch.cspViolations).toEqual([]);
    // The receiver was never asked by the browser: deliveries come from the server alone.
    expect(watch.requests.some((r) => r.includes(`:${receiverPort}/`))).toBe(false);
  });
});
