import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrapDataKey } from '../../src/keys/data-keys.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { decryptRange } from '../../src/storage/blob-format.ts';
import { findSubjectData } from '../../src/subject-rights/inventory.ts';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { addUser, createOrgWithAdmin, publishNotice, type SignedIn } from '../support/harness.ts';
import { germanTextProblems } from '../support/language-check.ts';
import { encodeWebm, probe } from '../support/media-feed.ts';
import { insertRecording, insertTrack, recordRecordingConsent, type FixtureCall } from '../support/recording-fixtures.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { decryptTrackOf } from '../recording/support.ts';
import { SignalClient } from '../media/support/signal-client.ts';
import { launchChromiumWithFakeMedia, signInToConsole, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';
import { unzip } from '../support/zip.ts';

// Issue 6, "Must show": a customer who was in two calls (one recorded with consent) asks for access on the
// organisation's public page, proves the address with a code from the (real, test) SMTP server, and downloads a
// ZIP whose data.json validates against docs/export-schema.json and whose WebM is their own track only. Then they
// ask for erasure: afterwards the inventory finds nothing but the recorded exceptions, a copy of the recording
// ciphertext saved before can no longer be decrypted (G27), and the other participant's track still plays.
//
// Issue 12 (findings 7, 8, 9, 13): a German customer ends her call and finds the rights page from the end screen;
// every step of the rights page — the choice, the email, the code, a wrong code, the confirmation, the export's
// download — is in German, with no English sentence and no internal code, and the download explains itself.

const KARLA = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const ZOE = { displayName: 'Zoë Kundin', email: 'zoe.kundin@example.test' };
const ORG = 'Musterbank AG';
/** What a German page may name without it being English: the organisation, the people, the brand, addresses. */
const NAMES = [ORG, ZOE.displayName, 'Test agent', 'Parley', 'Dr. Dana Datenschutz'];
const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/parley-rights-${name}.png`, fullPage: true });
const SCHEMA = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../docs/export-schema.json'), 'utf8')) as object;


describe('a customer uses their rights on the public page: access (ZIP) and erasure', () => {
  let smtp: TestSmtp;
  let server: ListeningParley;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let admin: SignedIn;
  let dpo: SignedIn;
  let agent: SignedIn;
  let recorded: FixtureCall;
  let karlaTrack = '';
  let agentTrack = '';
  let karlaCiphertext: Buffer = Buffer.alloc(0);
  let karlaWebm: Buffer = Buffer.alloc(0);

  /** The newest code mailed to `to` (Karla unless said) after `before` messages. */
  async function codeFor(before: number, to = KARLA.email): Promise<string> {
    await server.parley.jobs.runDue();
    const mails = (await smtp.waitFor(before + 1)).slice(before);
    const mail = mails.findLast((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : '') === to);
    const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
    if (!code) throw new Error('no code in the mail');
    return code;
  }

  async function ask(kind: RegExp): Promise<string> {
    await page.goto(`${server.origin}/rights/${admin.orgId}`);
    await page.getByRole('radio', { name: kind }).check();
    await page.getByLabel('Your email address').fill(KARLA.email);
    const before = smtp.messages.length;
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.waitForURL(/\/rights\/requests\/req_/);
    const requestId = /\/rights\/requests\/(req_[0-9a-z]{25})/.exec(page.url())![1]!;
    await page.getByLabel('Code from the email').fill(await codeFor(before));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByTestId('rights-status').innerText()).not.toBe('Waiting for you to confirm your email address.');
    return requestId;
  }

  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await startListeningParley({ env: { PARLEY_SMTP_URL: smtp.url } });
    admin = await createOrgWithAdmin(server, ORG);
    agent = await addUser(server, admin, 'agent');
    dpo = await addUser(server, admin, 'dpo');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', {
      name: 'Beratung mit Aufzeichnung',
      purposes: [
        { purpose: 'call_delivery', basis: 'contract' },
        { purpose: 'recording', basis: 'consent' },
      ],
      recordingMode: 'consent',
      retention: { callMetadataDays: 90, chatDays: 0, recordingsDays: 90, consentDays: 365 },
    });
    expect(ct.status, ct.raw).toBe(201);
    // Two calls with Karla; the first was recorded with her consent (her track and the agent's).
    const calls: FixtureCall[] = [];
    for (const days of [1, 2]) {
      const res = await admin.client.post('/api/calls', {
        callTypeId: ct.body.id,
        agentId: agent.userId,
        startsAt: new Date(Date.now() + days * 86_400_000).toISOString(),
        durationMinutes: 30,
        customer: KARLA,
        locale: 'en',
      });
      expect(res.status, res.raw).toBe(201);
      const ps = res.body.participants as { id: string; kind: string; subjectId: string | null }[];
      calls.push({ callId: res.body.id, agentParticipantId: ps.find((p) => p.kind === 'agent')!.id, customerParticipantId: ps.find((p) => p.kind === 'customer')!.id, subjectId: ps.find((p) => p.kind === 'customer')!.subjectId! });
    }
    recorded = calls[0]!;
    expect(calls[1]!.subjectId).toBe(recorded.subjectId);
    const deps = server.parley.deps;
    await recordRecordingConsent(deps, admin.orgId, recorded, 'given');
    const recordingId = await insertRecording(deps, admin.orgId, recorded.callId, { startedBy: agent.userId });
    karlaWebm = await encodeWebm({ seconds: 2 });
    karlaTrack = (await insertTrack(deps, admin.orgId, recordingId, recorded, karlaWebm, { chunkSize: 65536 })).trackId;
    agentTrack = (await insertTrack(deps, admin.orgId, recordingId, recorded, await encodeWebm({ seconds: 3, width: 160, height: 120 }), { chunkSize: 65536, participant: 'agent' })).trackId;
    const row = await deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', karlaTrack).executeTakeFirstOrThrow();
    karlaCiphertext = await deps.blobs.read(row.blob_key, 0, Number(row.ciphertext_bytes) - 1);
    await server.parley.jobs.runDue(); // invitations out of the way

    // Fake camera and microphone: the German customer joins a real call before she uses her rights.
    browser = await launchChromiumWithFakeMedia();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watch = await watchPage(page, server.origin, { expectedErrors: () => false });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('access: the request is verified by a mailed code, the DPO produces the export, Karla downloads her ZIP', async () => {
    const requestId = await ask(/Get a copy of your data/);
    const produced = await dpo.client.post(`/api/rights-requests/${requestId}/export`);
    expect(produced.status, produced.raw).toBe(200);

    await page.goto(`${server.origin}/rights/requests/${requestId}`);
    const section = page.getByTestId('rights-download');
    // The page says what happens and why a code is needed, before asking for one.
    await section.getByText('we send a code to the email address of your request').waitFor();
    const before = smtp.messages.length;
    await section.getByRole('button', { name: 'Send me a code' }).click();
    await section.getByText('We sent a code to the email address of your request.').waitFor();
    await page.getByLabel('Code from the email').fill(await codeFor(before));
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    const link = page.getByRole('link', { name: /Download your data/ });
    await link.waitFor();
    // Success clears what no longer holds: no "we sent a code" next to the download (finding 9).
    expect(await page.getByText('We sent a code').count()).toBe(0);
    expect(await section.innerText()).toContain('summary.html');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const zipPath = await download.path();
    const files = await unzip(readFileSync(zipPath));

    const names = [...files.keys()].sort();
    expect(names).toContain('summary.html');
    expect(names.filter((n) => n.endsWith('.webm'))).toEqual([expect.stringContaining(karlaTrack)]);
    expect(names).toEqual(expect.arrayContaining(['manifest.json', 'data.json']));
    const data = JSON.parse(files.get('data.json')!.toString('utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(SCHEMA);
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    // Filled from the live configuration: the organisation's supervisory authority, its DPO, its retention.
    const org = (await admin.client.get('/api/organisation')).body;
    expect(org.supervisoryAuthority.length).toBeGreaterThan(0);
    expect(manifest.complaint.supervisoryAuthority).toBe(org.supervisoryAuthority);
    expect(manifest.controller.dataProtectionOfficer.email).toBe(org.dpoEmail);
    expect(manifest.retention).toContainEqual(expect.objectContaining({ category: 'call_metadata', days: 90 }));
    // Her own track, decrypted: exactly what was recorded of her, and it plays; nothing of the agent's.
    const webm = files.get(names.find((n) => n.endsWith('.webm'))!)!;
    expect(webm.equals(karlaWebm)).toBe(true);
    expect((await probe(webm)).decodeErrors).toBe('');
    expect(names.some((n) => n.includes(agentTrack))).toBe(false);
  });

  it('erasure: afterwards nothing of her is found but the recorded exceptions; the saved ciphertext is unreadable; the agent\'s track plays', async () => {
    const requestId = await ask(/Erase your data/);
    const erased = await dpo.client.post(`/api/rights-requests/${requestId}/erase`);
    expect(erased.status, erased.raw).toBe(200);

    const deps = server.parley.deps;
    const inventory = await findSubjectData(deps.db, admin.orgId as OrgId, recorded.subjectId);
    // What is left is only what the law makes Parley keep: the rights requests themselves (Art. 5(2), 12) and the
    // proof of her consent (Art. 7(1)) — each listed in the erasure report with its reference and end date.
    const outcome = JSON.parse((await deps.db.selectFrom('rights_requests').select('outcome').where('id', '=', requestId).executeTakeFirstOrThrow()).outcome!);
    expect(outcome.action).toBe('erased');
    const kept = outcome.report.kept as { itemId: string; reference: string; until: string }[];
    for (const k of kept) expect(k.reference.length * k.until.length, JSON.stringify(k)).toBeGreaterThan(0);
    const keptIds = new Set(kept.map((k) => k.itemId));
    expect(inventory.recordingTracks).toEqual([]);
    expect(inventory.attendance).toEqual([]);
    expect(inventory.chatMessages).toEqual([]);
    expect(inventory.exports).toEqual([]);
    expect(inventory.mails).toEqual([]);
    for (const id of [...inventory.consentRecords, ...inventory.rightsRequests]) expect(keptIds.has(id), id).toBe(true);
    expect(inventory.subject?.email ?? '').not.toContain('karla');

    // The ciphertext saved before the erasure cannot be decrypted with any key the organisation still has (G27).
    const rows = await deps.db.selectFrom('recording_tracks').select(['id', 'wrapped_key', 'kek_version']).where('org_id', '=', admin.orgId).execute();
    expect(rows.find((r) => r.id === karlaTrack)).toBeUndefined();
    for (const r of rows.filter((x) => x.wrapped_key)) {
      const key = await unwrapDataKey(deps.db, deps.keys, admin.orgId as OrgId, r.id, { kekVersion: Number(r.kek_version), wrapped: r.wrapped_key! });
      const attempt = (async () => {
        for await (const piece of decryptRange(async (s, e) => karlaCiphertext.subarray(s, e + 1), karlaCiphertext.length, key, { requireFinal: true })) void piece;
      })();
      await expect(attempt).rejects.toThrow();
    }
    // The other participant's track is untouched and still plays.
    const agentWebm = await decryptTrackOf(deps, agentTrack);
    expect((await probe(agentWebm)).decodeErrors).toBe('');
  });

  it('in German, from the end of her call to her downloaded data: the end screen links the rights page, and no step shows English or an internal code', async () => {
    const de = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'de-DE', acceptDownloads: true });
    try {
      const zoe = await de.newPage();
      zoe.setDefaultTimeout(15_000);
      // The only console errors: the browser's own line for the one wrong code the test types (400).
      const zoeWatch = await watchPage(zoe, server.origin, { expectedErrors: (text, url) => /status of 400/.test(text) && new URL(url).pathname.endsWith('/verify') });
      const germanOn = async (what: string, text: string) => expect(germanTextProblems(text, NAMES), what).toEqual([]);

      const ct = await admin.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], lobbyEnabled: false });
      expect(ct.status, ct.raw).toBe(201);
      const call = await admin.client.post('/api/calls', {
        callTypeId: ct.body.id,
        agentId: agent.userId,
        startsAt: new Date(server.clock.now().getTime() + 5 * 60_000).toISOString(),
        durationMinutes: 30,
        customer: ZOE,
        locale: 'de',
      });
      expect(call.status, call.raw).toBe(201);
      const customer = (call.body.participants as { id: string; kind: string }[]).find((p) => p.kind === 'customer')!;

      // Finding 7: the join page links the rights page (footer) and so does the notice's "Ihre Rechte" section.
      await zoe.goto(`${server.origin}/j/${joinToken(server.parley.deps, customer.id, call.body.id)}?locale=de`);
      const rightsHref = `/rights/${admin.orgId}?locale=de`;
      expect(await zoe.getByTestId('rights-page-link').getAttribute('href')).toBe(rightsHref);
      expect(await zoe.locator('[data-section="rights"] a').getAttribute('href')).toBe(rightsHref);
      await zoe.getByRole('button', { name: 'Ich habe diesen Hinweis gelesen — weiter' }).click();
      await zoe.getByRole('button', { name: 'Bild und Ton funktionieren — ich bin bereit' }).click();
      await zoe.getByRole('button', { name: 'Am Gespräch teilnehmen' }).click();
      await zoe.locator('[data-testid="call"][data-phase="in-call"]').waitFor();

      // The agent (a signalling client with the console session) ends the call for everyone.
      const agentSocket = await SignalClient.connect(`${server.origin.replace('http', 'ws')}/api/calls/signal`, {
        cookie: `parley_session=${agent.client.cookies.get('parley_session')}`,
      });
      try {
        agentSocket.send({ type: 'join', callId: call.body.id, auth: { kind: 'session' } });
        await agentSocket.next('welcome');
        agentSocket.send({ type: 'end' });
        const over = zoe.locator('[data-testid="call-over"][data-phase="ended"]');
        await over.waitFor();
        // Finding 13: the catalogue's words in her language, not the server's "The host ended the call."
        const endScreen = await over.innerText();
        expect(endScreen).toContain('Das Gespräch ist beendet.');
        expect(endScreen).toContain('Test agent hat das Gespräch beendet.');
        await germanOn('end screen', endScreen);
        await shot(zoe, '1-call-ended-de');
      } finally {
        agentSocket.close();
      }

      // Finding 7: from the end screen to the rights page, still in German.
      await zoe.getByTestId('call-over-rights').click();
      await zoe.waitForURL(`${server.origin}${rightsHref}`);
      const form = zoe.getByRole('heading', { name: `Ihre Datenschutzrechte bei ${ORG}` });
      await form.waitFor();
      // Finding 8: the join page's frame (organisation and language switch in the header), a labelled radio group.
      expect(await zoe.getByTestId('rights-organisation').innerText()).toContain(ORG);
      await zoe.getByRole('navigation', { name: 'Sprache' }).getByRole('link', { name: 'English' }).waitFor();
      await zoe.getByRole('group', { name: 'Was sollen wir tun?' }).waitFor();
      await germanOn('request form', await zoe.locator('body').innerText());

      // An empty address: the error is tied to the field, which gets the focus.
      await zoe.getByRole('button', { name: 'Anfrage senden' }).click();
      const email = zoe.getByLabel('Ihre E-Mail-Adresse');
      await zoe.locator('#rights-email-error').waitFor();
      expect(await email.getAttribute('aria-invalid')).toBe('true');
      expect(await email.getAttribute('aria-describedby')).toContain('rights-email-error');
      expect(await zoe.evaluate('document.activeElement.id')).toBe('rights-email');
      // A correction without saying what to correct: the same for the details.
      await zoe.getByRole('radio', { name: 'Ihre Daten berichtigen' }).check();
      await email.fill(ZOE.email);
      await zoe.getByRole('button', { name: 'Anfrage senden' }).click();
      await zoe.locator('#rights-details-error').waitFor();
      expect(await zoe.evaluate('document.activeElement.id')).toBe('rights-details');
      await germanOn('request form with errors', await zoe.locator('body').innerText());
      await shot(zoe, '2-form-errors-de');

      await zoe.getByRole('radio', { name: 'Kopie Ihrer Daten erhalten' }).check();
      let before = smtp.messages.length;
      await zoe.getByRole('button', { name: 'Anfrage senden' }).click();
      await zoe.waitForURL(/\/rights\/requests\/req_[0-9a-z]{25}\?locale=de/);
      const requestId = /\/rights\/requests\/(req_[0-9a-z]{25})/.exec(zoe.url())![1]!;
      await zoe.getByRole('heading', { name: 'Bestätigen Sie Ihre E-Mail-Adresse' }).waitFor();
      const code = await codeFor(before, ZOE.email);
      await germanOn('confirm step', await zoe.locator('body').innerText());

      // A wrong code: said in German, on the field, with the attempts left.
      const codeField = zoe.getByLabel('Code aus der E-Mail');
      await codeField.fill(code === '000000' ? '111111' : '000000');
      await zoe.getByRole('button', { name: 'Bestätigen' }).click();
      await zoe.getByText('Dieser Code stimmt nicht. Noch 4 falsche Versuche sperren die Anfrage.').waitFor();
      expect(await codeField.getAttribute('aria-describedby')).toContain('rights-code-error');
      expect(await zoe.evaluate('document.activeElement.id')).toBe('rights-code');
      await germanOn('wrong code', await zoe.locator('body').innerText());
      await shot(zoe, '3-wrong-code-de');

      await codeField.fill(code);
      await zoe.getByRole('button', { name: 'Bestätigen' }).click();
      await zoe.getByText('Danke: Ihre E-Mail-Adresse ist bestätigt.').waitFor();
      expect(await zoe.getByTestId('rights-status').innerText()).toBe('Wir bearbeiten sie.');
      // The "we sent you a code" of the first visit is gone, from the page and from the address.
      expect(await zoe.getByText('Wir haben einen Code').count()).toBe(0);
      expect(zoe.url()).not.toContain('sent=1');
      await germanOn('confirmed', await zoe.locator('body').innerText());

      // Finding 9: the export's download explains itself, in German, and clears what no longer holds.
      const produced = await dpo.client.post(`/api/rights-requests/${requestId}/export`);
      expect(produced.status, produced.raw).toBe(200);
      await zoe.reload();
      const section = zoe.getByTestId('rights-download');
      await section.getByRole('heading', { name: 'Ihre Daten herunterladen' }).waitFor();
      await germanOn('download page', await zoe.locator('body').innerText());
      before = smtp.messages.length;
      await section.getByRole('button', { name: 'Code senden' }).click();
      await section.getByText('Wir haben einen Code an die E-Mail-Adresse Ihrer Anfrage geschickt.').waitFor();
      await germanOn('download code sent', await zoe.locator('body').innerText());
      await shot(zoe, '4-download-code-sent-de');
      await codeField.fill(await codeFor(before, ZOE.email));
      await section.getByRole('button', { name: 'Herunterladen', exact: true }).click();
      const link = section.getByRole('link', { name: 'Ihre Daten herunterladen (ZIP-Datei)' });
      await link.waitFor();
      expect(await zoe.getByText('Wir haben einen Code').count()).toBe(0);
      expect(await section.innerText()).toContain('zusammenfassung.html');
      await germanOn('download ready', await zoe.locator('body').innerText());
      await shot(zoe, '5-download-ready-de');
      const [download] = await Promise.all([zoe.waitForEvent('download'), link.click()]);
      const files = await unzip(readFileSync(await download.path()));
      expect([...files.keys()]).toContain('zusammenfassung.html');
      expect(JSON.parse(files.get('manifest.json')!.toString('utf8')).language).toBe('de');

      expect(zoeWatch.foreignRequests).toEqual([]);
      expect(zoeWatch.errors).toEqual([]);
      expect(zoeWatch.expectedErrors).toHaveLength(1);
      expect(zoeWatch.cspViolations).toEqual([]);
    } finally {
      await de.close();
    }
  });

  it('the console offers the rights page\'s address to copy for the organisation\'s website', async () => {
    const consoleContext = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB' });
    try {
      const consolePage = await consoleContext.newPage();
      consolePage.setDefaultTimeout(15_000);
      await signInToConsole(consolePage, server, admin);
      await consolePage.goto(`${server.origin}/organisation`);
      const field = consolePage.getByTestId('rights-page-url');
      await field.waitFor();
      expect(await field.inputValue()).toBe(`${server.origin}/rights/${admin.orgId}`);
    } finally {
      await consoleContext.close();
    }
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
