import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';
import { germanTextProblems, internalCodes } from '../support/language-check.ts';

/**
 * Issue 7, item 1 (G38, G39, G42, G51, G53): the DPA, mini-DPIA, records of processing, sub-processor list and
 * privacy-policy snippet are generated from the live configuration, stamped with its version, in HTML, Markdown and PDF.
 */
const PDFTOTEXT = '/usr/bin/pdftotext';
const hasPdftotext = existsSync(PDFTOTEXT);
/** Markup in the organisation's name: must stay text in every format. */
const HOSTILE_NAME = 'Bank <script>alert(1)</script> & **Co** [x](javascript:alert(2))';

const env = {
  PARLEY_OPERATOR_NAME: 'Hosting Müller GmbH',
  PARLEY_OPERATOR_ADDRESS: 'Königstraße 5, 70173 Stuttgart',
  PARLEY_OPERATOR_CONTACT_EMAIL: 'privacy@hosting-mueller.example',
};

const squash = (s: string) => s.replace(/\s+/g, ' ');
/** Markdown without its backslash escapes: the text a reader sees. */
const plain = (md: string) => md.replace(/\\(.)/g, '$1');
/** What a reader sees of a generated Markdown document: no escapes, no bold markers, no emphasis around a paragraph. */
const readable = (md: string) => plain(md).replace(/\*\*/g, '').replace(/^_|_$/gm, '');
/** "17 March 2026 at 14:05 CET": a date in words, never an ISO timestamp. */
const DATE_IN_WORDS = /\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} [A-Z]{3,4}/;

for (const d of dialects) {
  describe.skipIf(!d.available)(`generated documents (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let dpo: ApiClient;
    let agent: ApiClient;
    let callTypeId: string;
    let dir: string;

    const text = async (client: ApiClient, url: string) => {
      const res = await client.get(url);
      expect(res.status, `${url}: ${res.raw}`).toBe(200);
      return res.raw;
    };
    const pdfText = async (url: string): Promise<string> => {
      const res = await t.parley.app.inject({ method: 'GET', url, headers: { cookie: [...admin.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const file = path.join(dir, `doc-${Math.random().toString(36).slice(2)}.pdf`);
      writeFileSync(file, res.rawPayload);
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      return execFileSync(PDFTOTEXT, ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    };

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'parley-docs-'));
      t = await startTestParley(d.name, env);
      admin = await createOrgWithAdmin(t, HOSTILE_NAME);
      dpo = (await addUser(t, admin, 'dpo')).client;
      agent = (await addUser(t, admin, 'agent')).client;
      await publishNotice(admin);
      const created = await admin.client.post('/api/call-types', {
        name: 'Mortgage advice',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'recording', basis: 'consent' },
        ],
        recordingMode: 'consent',
        e2eeRequired: false,
        retention: { callMetadataDays: 90, chatDays: 7, recordingsDays: 60, consentDays: 1095 },
      });
      expect(created.status, created.raw).toBe(201);
      callTypeId = created.body.id;
      const sp = await admin.client.post('/api/sub-processors', { name: 'Hetzner Online GmbH', purpose: 'Server hosting', location: 'Falkenstein', country: 'de' });
      expect(sp.status, sp.raw).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('fills the DPA with every item of Art. 28(3), the operator from config and the date and configuration in words', async () => {
      const list = await admin.client.get('/api/documents');
      expect(list.status, list.raw).toBe(200);
      const stamp: string = list.body.stamp.label;
      expect(stamp).toContain(`${callTypeId} v1`);
      const description: string = list.body.stamp.description;
      expect(description).toBe(`organisation settings version ${list.body.stamp.configVersion}, call types “Mortgage advice” version 1 and “Video consultation” version 1`);
      const dpa = plain(await text(admin.client, '/api/documents/dpa?format=md'));
      for (const heading of [
        'Subject matter and duration',
        'Nature and purpose of the processing',
        'Type of personal data',
        'Categories of data subjects',
        'Documented instructions (Art. 28(3)(a))',
        'Confidentiality (Art. 28(3)(b))',
        'Security of processing (Art. 28(3)(c), Art. 32)',
        'Sub-processors (Art. 28(3)(d)',
        'Assistance with data subject rights (Art. 28(3)(e))',
        'Deletion or return at the end (Art. 28(3)(g))',
        'Information and audits (Art. 28(3)(h))',
      ]) {
        expect(dpa, heading).toContain(heading);
      }
      // The reader is told when and from what, in words: no ISO timestamp, no `org v3; ct_… v1`.
      expect(dpa).toMatch(new RegExp(`\\*\\*Generated:\\*\\* ${DATE_IN_WORDS.source}, from ${description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
      expect(dpa).not.toContain(stamp);
      expect(dpa).not.toMatch(/\d{4}-\d\d-\d\dT\d\d|\bct_[0-9a-z]+|\borg v\d/);
      expect((await admin.client.get('/api/documents/dpa?format=md')).headers['x-parley-config-version']).toBe(stamp);
      // From config and the organisation: operator, controller, call type, retention, sub-processor, measures.
      expect(dpa).toContain('Hosting Müller GmbH');
      expect(dpa).toContain('Königstraße 5, 70173 Stuttgart');
      expect(dpa).toContain('Neue Mainzer Str');
      expect(dpa).toContain('**Mortgage advice** (version 1)');
      expect(dpa).toContain('recordings 60 days');
      expect(dpa).toContain('**Hetzner Online GmbH**: Server hosting. Location: Falkenstein (DE, in the EEA)');
      expect(dpa).toContain('AES-256-GCM');
      expect(dpa).toContain('played back only by the data protection officer');
    });

    it('names the processor as the organisation entered it, the installation\'s settings otherwise, and says what is still missing', async () => {
      const before = await admin.client.get('/api/organisation/processor');
      expect(before.status, before.raw).toBe(200);
      expect(before.body).toEqual({
        effective: { name: env.PARLEY_OPERATOR_NAME, address: env.PARLEY_OPERATOR_ADDRESS, contactEmail: env.PARLEY_OPERATOR_CONTACT_EMAIL },
        own: { name: null, address: null, contactEmail: null },
        installation: { name: env.PARLEY_OPERATOR_NAME, address: env.PARLEY_OPERATOR_ADDRESS, contactEmail: env.PARLEY_OPERATOR_CONTACT_EMAIL },
        missing: [],
      });
      expect((await agent.get('/api/organisation/processor')).status).toBe(403);
      expect((await agent.patch('/api/organisation/processor', { name: 'Mine' })).status).toBe(403);
      const version = (await admin.client.get('/api/organisation')).body.configVersion;

      // The DPO enters the processor the organisation actually contracted with; the contact stays the installation's.
      const bad = await dpo.patch('/api/organisation/processor', { contactEmail: 'not an address' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details).toContainEqual(expect.objectContaining({ path: ['contactEmail'], message: 'Enter a valid email address, like privacy@hosting.example.' }));
      const set = await dpo.patch('/api/organisation/processor', { name: 'Rechenzentrum Nord GmbH', address: 'Am Hafen 1\n20457 Hamburg' });
      expect(set.status, set.raw).toBe(200);
      expect(set.body.effective).toEqual({ name: 'Rechenzentrum Nord GmbH', address: 'Am Hafen 1\n20457 Hamburg', contactEmail: env.PARLEY_OPERATOR_CONTACT_EMAIL });
      const events = await admin.client.get('/api/audit-events?type=organisation.updated');
      expect(events.body.events[0].data).toEqual({ fields: ['operatorAddress', 'operatorName'], configVersion: version + 1 });
      const dpa = plain(await text(admin.client, '/api/documents/dpa?format=md'));
      expect(dpa).toContain('Processor (operator of this Parley installation): Rechenzentrum Nord GmbH, Am Hafen 1, 20457 Hamburg; contact privacy@hosting-mueller.example');
      expect(dpa).not.toContain('Hosting Müller GmbH');
      expect(plain(await text(admin.client, '/api/documents/ropa?format=md'))).toContain('Rechenzentrum Nord GmbH, Am Hafen 1, 20457 Hamburg');

      // Emptied again: the installation's settings apply.
      const back = await admin.client.patch('/api/organisation/processor', { name: '', address: null });
      expect(back.body.effective.name).toBe(env.PARLEY_OPERATOR_NAME);
      expect(back.body.own).toEqual({ name: null, address: null, contactEmail: null });

      // An installation without PARLEY_OPERATOR_*: the DPA names no processor, and the list says what to fill in.
      const bare = await startTestParley(d.name);
      try {
        const org = await createOrgWithAdmin(bare, 'Bare Bank AG');
        const list = await org.client.get('/api/documents');
        expect(list.body.processorMissing).toEqual(['name', 'address', 'contactEmail']);
        expect(plain((await org.client.get('/api/documents/dpa?format=md')).raw)).toContain(
          'Processor (operator of this Parley installation): [not provided yet], [not provided yet]; contact [not provided yet]',
        );
        await org.client.patch('/api/organisation/processor', { name: 'Bare Hosting GmbH', address: 'Weg 2, 10115 Berlin', contactEmail: 'dpa@bare-hosting.example' });
        expect((await org.client.get('/api/documents')).body.processorMissing).toEqual([]);
      } finally {
        await bare.close();
      }
    });

    it('states the basis for recording staff in every document and in the information for staff, in English and German (G7)', async () => {
      const legal = await admin.client.post('/api/call-types', {
        name: 'Wertpapierberatung',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'recording', basis: 'legal_obligation' },
        ],
        recordingMode: 'legal_obligation',
        recordingLegalReference: '§ 83 Abs. 3 WpHG',
        retention: { callMetadataDays: 1826, chatDays: 7, recordingsDays: 1826, consentDays: 365 },
      });
      expect(legal.status, legal.raw).toBe(201);
      const interest = "the controller's legitimate interest (Art. 6(1)(f) GDPR), never on consent: keeping evidence of the advice given and of what was agreed in the call, for the customer and for us";
      const consentLine = `**Mortgage advice**: the staff member hosting the call on ${interest}. Recordings are kept 60 days.`;
      const legalLine = '**Wertpapierberatung**: the staff member hosting the call on the same legal obligation (Art. 6(1)(c) GDPR), never on consent. Recordings are kept 1826 days.';
      const dpa = plain(await text(admin.client, '/api/documents/dpa?format=md'));
      // The DPA no longer claims that everyone is recorded only with consent.
      expect(dpa).not.toContain('recorded only with the consent of each participant');
      expect(dpa).toContain('each customer only with their own consent (whoever declines is not recorded); the staff member hosting the call on');
      for (const kind of ['dpa', 'dpia', 'ropa']) {
        const doc = plain(await text(admin.client, `/api/documents/${kind}?format=md`));
        expect(doc, kind).toContain(consentLine);
        expect(doc, kind).toContain(legalLine);
      }
      const snippetEn = plain(await text(admin.client, '/api/documents/policy-snippet?format=md&locale=en'));
      expect(snippetEn).toContain("Our staff member's part of the call is recorded on our legitimate interest (Art. 6(1)(f) GDPR): keeping evidence of the advice given");
      expect(snippetEn).toContain('These calls are recorded because the law requires it (§ 83 Abs. 3 WpHG), our staff member\'s part as well.');
      const snippetDe = plain(await text(admin.client, '/api/documents/policy-snippet?format=md&locale=de'));
      expect(snippetDe).toContain('Den Gesprächsanteil unserer Mitarbeiterin oder unseres Mitarbeiters zeichnen wir auf Grundlage unseres berechtigten Interesses auf (Art. 6 Abs. 1 lit. f DSGVO): Nachweis der erteilten Beratung');

      // The information for staff: what is recorded of them, why, on which basis, who may play it, how long, their rights.
      const list = await admin.client.get('/api/documents');
      expect(list.body.documents).toContainEqual({ kind: 'staff-notice', title: 'Information for staff: recording of video calls', locales: ['en', 'de'] });
      const staffEn = readable(await text(admin.client, '/api/documents/staff-notice?format=md&locale=en'));
      for (const part of [
        '# Information for staff: recording of video calls',
        '## Which calls are recorded, and on which basis',
        '“Mortgage advice”: recorded when the host starts a recording; each customer is recorded only with their own consent. You are recorded on our legitimate interest (Art. 6(1)(f) GDPR): keeping evidence of the advice given',
        '“Wertpapierberatung”: recorded from the start of the call because the law requires it (§ 83 Abs. 3 WpHG). You are recorded on that legal obligation (Art. 6(1)(c) GDPR).',
        '“Video consultation”: not recorded.',
        '## What is recorded of you',
        'Recording you does not rest on your consent',
        '## Who may play recordings back',
        'Only people with these roles may play back or download recordings: the data protection officer.',
        '## How long recordings are kept',
        '“Mortgage advice”: 60 days.',
        '“Wertpapierberatung”: 1826 days.',
        '## Your rights',
        'you may object on grounds relating to your particular situation (Art. 21 GDPR)',
        'Der Hessische Beauftragte für Datenschutz und Informationsfreiheit',
        'Data protection officer: Dr. Dana Datenschutz, dpo@bank.example.',
      ]) {
        expect(staffEn, part).toContain(part);
      }
      expect(internalCodes(staffEn, [HOSTILE_NAME])).toEqual([]);
      const staffDe = readable(await text(admin.client, '/api/documents/staff-notice?format=md&locale=de'));
      expect(staffDe).toContain('# Information für Beschäftigte: Aufzeichnung von Videogesprächen');
      expect(staffDe).toContain('Sie werden auf Grundlage unseres berechtigten Interesses aufgezeichnet (Art. 6 Abs. 1 lit. f DSGVO): Nachweis der erteilten Beratung');
      expect(staffDe).toContain('Sie werden aufgrund dieser rechtlichen Verpflichtung aufgezeichnet (Art. 6 Abs. 1 lit. c DSGVO).');
      expect(staffDe).toMatch(/Von Parley erzeugt am \d{1,2}\. [A-ZÄÖÜ][a-zä]+ \d{4} um \d{2}:\d{2} [A-Z]{3,4}, Grundlage: Organisationseinstellungen Version \d+, Gesprächsarten „Mortgage advice“ Version 1, „Video consultation“ Version 1 und „Wertpapierberatung“ Version 1\./);
      // German throughout: the only English are the names the organisation gave its call types.
      expect(germanTextProblems(staffDe, [HOSTILE_NAME, 'Mortgage advice', 'Video consultation'])).toEqual([]);
      const html = await admin.client.get('/api/documents/staff-notice?format=html&locale=de');
      expect(html.raw).toContain('<html lang="de">');
      expect(html.raw).toContain('<title>Information für Beschäftigte: Aufzeichnung von Videogesprächen</title>');

      // The organisation's own words for its interest replace the standard wording everywhere.
      const stated = await admin.client.patch(`/api/call-types/${callTypeId}`, { staffRecordingInterest: 'Beweissicherung bei Beschwerden über die Beratung' });
      expect(stated.status, stated.raw).toBe(200);
      expect(plain(await text(admin.client, '/api/documents/dpa?format=md'))).toContain('never on consent: Beweissicherung bei Beschwerden über die Beratung. Recordings are kept 60 days.');
      expect(plain(await text(admin.client, '/api/documents/staff-notice?format=md&locale=de'))).toContain('(Art. 6 Abs. 1 lit. f DSGVO): Beweissicherung bei Beschwerden über die Beratung.');

      // Put things back as the other tests expect them (and approve the DPIA the new call type put to review).
      expect((await admin.client.patch(`/api/call-types/${callTypeId}`, { staffRecordingInterest: null })).status).toBe(200);
      expect((await admin.client.post(`/api/call-types/${legal.body.id}/archive`)).status).toBe(200);
    });

    it('covers Art. 30(1)(a)–(g) and 30(2) in the records of processing, and Art. 35(7)(a)–(d) in the DPIA', async () => {
      const ropa = await text(admin.client, '/api/documents/ropa?format=md');
      for (const item of ['(a) Controller', '(b) Purposes', '(c) Categories of data subjects', '(d) Categories of recipients', '(e) Transfers', '(f) Time limits for erasure', '(g) Technical and organisational']) {
        expect(ropa, item).toContain(item);
      }
      expect(ropa).toContain("Processor's record (Art. 30(2))");
      expect(ropa).toContain('Our IT service provider hosting Parley'); // the published notice's recipients
      expect(ropa).toContain('Dr\\. Dana Datenschutz'.replace('\\', '')); // DPO from the organisation
      const dpia = await text(admin.client, '/api/documents/dpia?format=md');
      for (const item of ['(a) Description of the processing', '(b) Necessity and proportionality', '(c) Risks', '(d) Measures applied']) {
        expect(dpia, item).toContain(item);
      }
      expect(dpia).toContain('Recording is limited to the call types Mortgage advice');
      expect(dpia).toContain('**State:** Not approved yet');
      const subs = await admin.client.get('/api/documents/sub-processors.json');
      expect(subs.body.subProcessors).toEqual([expect.objectContaining({ name: 'Hetzner Online GmbH', country: 'DE', inEea: true, transferTool: 'none' })]);
      expect(await text(admin.client, '/api/documents/sub-processors?format=md')).toContain('Hetzner Online GmbH');
    });

    it('writes the privacy-policy snippet in English and German from the call types', async () => {
      const en = await text(admin.client, '/api/documents/policy-snippet?format=md&locale=en');
      expect(en).toContain('## Video calls');
      expect(en).toContain('Recordings: 60 days.');
      expect(en).toContain('Each participant is recorded only if they consent; whoever declines takes part without being recorded.');
      expect(en).toMatch(new RegExp(`_Generated by Parley on ${DATE_IN_WORDS.source}, from organisation settings version \\d+, call types “Mortgage advice” version \\d+ and “Video consultation” version 1\\._`));
      const de = await text(admin.client, '/api/documents/policy-snippet?format=md&locale=de');
      expect(de).toContain('## Videogespräche');
      expect(de).toContain('Aufzeichnungen: 60 Tage.');
      expect(de).toContain('Ihre Rechte');
      expect(de).toContain('Jede teilnehmende Person wird nur aufgezeichnet, wenn sie einwilligt');
      expect(de).toMatch(/_Von Parley erzeugt am \d{1,2}\. [A-ZÄÖÜ][a-zä]+ \d{4} um \d{2}:\d{2} [A-Z]{3,4}, Grundlage: Organisationseinstellungen Version \d+, Gesprächsarten „Mortgage advice“ Version \d+ und „Video consultation“ Version 1\._/);
      expect((await admin.client.get('/api/documents/dpa?locale=de')).status).toBe(400);
    });

    it('shows a changed retention period in the regenerated DPIA and RoPA, and asks the DPO to review the DPIA again', async () => {
      const approved = await dpo.post('/api/documents/dpia/approve');
      expect(approved.status, approved.raw).toBe(200);
      expect(approved.body.state).toBe('approved');
      const approvedDpia = plain(await text(admin.client, '/api/documents/dpia?format=md'));
      expect(approvedDpia).toMatch(new RegExp(`\\*\\*State:\\*\\* Approved by the data protection officer on ${DATE_IN_WORDS.source} for organisation settings version \\d+, call types “Mortgage advice” version \\d+ and “Video consultation” version 1\\.`));

      // A change that is not about recording, retention, E2EE or biometrics leaves the approval standing.
      expect((await admin.client.patch(`/api/call-types/${callTypeId}`, { name: 'Mortgage advice' })).status).toBe(200);
      expect((await admin.client.patch(`/api/call-types/${callTypeId}`, { lobbyEnabled: false })).status).toBe(200);
      expect((await admin.client.get('/api/documents')).body.dpia.state).toBe('approved');

      const changed = await admin.client.patch(`/api/call-types/${callTypeId}`, { retention: { recordingsDays: 45 } });
      expect(changed.status, changed.raw).toBe(200);
      const dpia = plain(await text(admin.client, '/api/documents/dpia?format=md'));
      const ropa = plain(await text(admin.client, '/api/documents/ropa?format=md'));
      for (const doc of [dpia, ropa]) {
        expect(doc).toContain('recordings 45 days');
        expect(doc).not.toContain('recordings 60 days');
        expect(doc).toContain(`“Mortgage advice” version ${changed.body.version}`);
      }
      // The state says what changed in words, and when the approval was given as a date in words.
      expect(dpia).toMatch(new RegExp(`\\*\\*State:\\*\\* Needs review: settings this assessment rests on changed \\(how long recordings are kept\\) after the data protection officer's approval of ${DATE_IN_WORDS.source}\\.`));
      expect(dpia).not.toContain('call_type.');
      const list = await admin.client.get('/api/documents');
      expect(list.body.dpia).toMatchObject({ state: 'needs_review', reviewReasons: ['call_type.retention.recordingsDays'], reviewReasonTexts: ['how long recordings are kept'] });
      expect(list.body.dpia.approvedConfigText).toMatch(/^organisation settings version \d+, call types “Mortgage advice” version \d+ and “Video consultation” version 1$/);

      // Only the DPO approves; the approval is an audit event stamped with the versions approved.
      expect((await admin.client.post('/api/documents/dpia/approve')).status).toBe(403);
      const again = await dpo.post('/api/documents/dpia/approve');
      expect(again.body).toMatchObject({ state: 'approved', reviewReasons: [] });
      expect(again.body.approvedConfig).toContain(`${callTypeId} v${changed.body.version}`);
      const events = await admin.client.get('/api/audit-events?type=documents.dpia_approved');
      const approvals = (events.body.events as { type: string; data: { callTypes: { callTypeId: string; version: number }[] } }[]).filter(
        (e) => e.type === 'documents.dpia_approved',
      );
      expect(approvals).toHaveLength(2);
      expect(approvals.flatMap((e) => e.data.callTypes)).toContainEqual({ callTypeId, version: changed.body.version });

      // Switching recording off, or E2EE on, also asks for a review.
      const callDelivery = { purpose: 'call_delivery', basis: 'contract' };
      const off = await admin.client.patch(`/api/call-types/${callTypeId}`, { recordingMode: 'off', purposes: [callDelivery] });
      expect(off.status, off.raw).toBe(200);
      expect((await admin.client.get('/api/documents')).body.dpia).toMatchObject({ state: 'needs_review', reviewReasons: ['call_type.recordingMode'], reviewReasonTexts: ['how calls are recorded'] });
      expect((await dpo.post('/api/documents/dpia/approve')).status).toBe(200);
      const e2ee = await admin.client.patch(`/api/call-types/${callTypeId}`, { e2eeRequired: true });
      expect(e2ee.status, e2ee.raw).toBe(200);
      expect((await admin.client.get('/api/documents')).body.dpia).toMatchObject({ state: 'needs_review', reviewReasons: ['call_type.e2eeRequired'] });
      expect(plain(await text(admin.client, '/api/documents/dpia?format=md'))).toContain('End-to-end encryption required for call types: Mortgage advice.');
      // Put the call type back as the other tests expect it.
      expect((await admin.client.patch(`/api/call-types/${callTypeId}`, { e2eeRequired: false })).status).toBe(200);
      const back = await admin.client.patch(`/api/call-types/${callTypeId}`, { recordingMode: 'consent', purposes: [callDelivery, { purpose: 'recording', basis: 'consent' }] });
      expect(back.status, back.raw).toBe(200);
    });

    it.skipIf(!hasPdftotext)('produces PDFs that open, with their headings and German umlauts intact', async () => {
      const dpa = squash(await pdfText('/api/documents/dpa?format=pdf'));
      expect(dpa).toContain('Data processing agreement (Art. 28 GDPR)');
      expect(dpa).toContain('Deletion or return at the end (Art. 28(3)(g))');
      expect(dpa).toContain('Hosting Müller GmbH');
      expect(dpa).toContain('Königstraße 5');
      const dpia = squash(await pdfText('/api/documents/dpia?format=pdf'));
      expect(dpia).toContain('(d) Measures applied to address the risks');
      const ropa = squash(await pdfText('/api/documents/ropa?format=pdf'));
      expect(ropa).toContain("Processor's record (Art. 30(2))");
      expect(squash(await pdfText('/api/documents/sub-processors?format=pdf'))).toContain('Hetzner Online GmbH');
      const de = squash(await pdfText('/api/documents/policy-snippet?format=pdf&locale=de'));
      expect(de).toContain('Videogespräche');
      expect(de).toContain('Speicherdauer');
      expect(de).toContain('Aufsichtsbehörde');
      expect(de).toContain('„Mortgage advice“');
      const staff = squash(await pdfText('/api/documents/staff-notice?format=pdf&locale=de'));
      expect(staff).toContain('Information für Beschäftigte: Aufzeichnung von Videogesprächen');
      expect(staff).toContain('Wer Aufzeichnungen abspielen darf');
    });

    it('refuses a sub-processor outside the EEA without a transfer tool (400) and lists one with SCCs', async () => {
      const refused = await admin.client.post('/api/sub-processors', { name: 'Cloud Inc.', purpose: 'Email delivery', location: 'Virginia', country: 'US' });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/outside the EEA \(US\) needs a transfer tool/);
      const explicitNone = await admin.client.post('/api/sub-processors', { name: 'Cloud Inc.', purpose: 'Email delivery', location: 'Virginia', country: 'US', transferTool: 'none' });
      expect(explicitNone.status).toBe(400);
      const ok = await dpo.post('/api/sub-processors', { name: 'Cloud Inc.', purpose: 'Email delivery', location: 'Virginia', country: 'US', transferTool: 'sccs_tia' });
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body).toMatchObject({ inEea: false, transferTool: 'sccs_tia' });
      // Taking the tool away later is refused as well.
      const patched = await admin.client.patch(`/api/sub-processors/${ok.body.id}`, { transferTool: 'none' });
      expect(patched.status).toBe(400);
      const json = await admin.client.get('/api/documents/sub-processors.json');
      expect(json.body.subProcessors.map((s: { name: string }) => s.name)).toEqual(['Cloud Inc.', 'Hetzner Online GmbH']);
      const ropa = plain(await text(admin.client, '/api/documents/ropa?format=md'));
      expect(ropa).toContain('Sub-processors outside the EEA: Cloud Inc. (US; standard contractual clauses with a transfer impact assessment');
      expect((await admin.client.patch(`/api/sub-processors/${ok.body.id}`, { country: 'fr', transferTool: 'none' })).body).toMatchObject({ country: 'FR', inEea: true });
      expect((await admin.client.delete(`/api/sub-processors/${ok.body.id}`)).status).toBe(200);
      expect((await admin.client.delete(`/api/sub-processors/${ok.body.id}`)).status).toBe(404);
    });

    it('keeps markup in the organisation name as text: escaped in HTML, inert in Markdown and PDF', async () => {
      for (const kind of ['dpa', 'dpia', 'ropa', 'sub-processors', 'policy-snippet', 'staff-notice']) {
        const res = await admin.client.get(`/api/documents/${kind}?format=html`);
        expect(res.status).toBe(200);
        expect(String(res.headers['content-type'])).toContain('text/html');
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.raw, kind).not.toMatch(/<script/i);
        expect(res.raw, kind).not.toContain('javascript:alert(2)"');
        expect(res.raw, kind).not.toMatch(/<a /);
        expect(res.raw, kind).toContain('Bank &lt;script&gt;alert(1)&lt;/script&gt; &amp; **Co**');
        const mdText = await text(admin.client, `/api/documents/${kind}?format=md`);
        expect(mdText, kind).not.toMatch(/(?<!\\)<script/i);
        expect(mdText, kind).toContain('Bank \\<script\\>alert(1)\\</script\\> \\& \\*\\*Co\\*\\* \\[x\\](javascript:alert(2))');
      }
      if (hasPdftotext) {
        // In the PDF the name is printed as it was typed: text, not markup.
        expect(squash(await pdfText('/api/documents/dpa?format=pdf'))).toContain('Bank <script>alert(1)</script> & **Co** [x](javascript:alert(2))');
      }
    });

    it('refuses every document and sub-processor route to agents (403)', async () => {
      const sp = (await admin.client.get('/api/sub-processors')).body.subProcessors[0].id;
      const calls: [string, string, unknown?][] = [
        ['GET', '/api/documents'],
        ['GET', '/api/documents/sub-processors.json'],
        ...['dpa', 'dpia', 'ropa', 'sub-processors', 'policy-snippet', 'staff-notice'].flatMap((k) => ['html', 'md', 'pdf'].map((f) => ['GET', `/api/documents/${k}?format=${f}`] as [string, string])),
        ['POST', '/api/documents/dpia/approve', {}],
        ['GET', '/api/sub-processors'],
        ['POST', '/api/sub-processors', { name: 'X', purpose: 'Y', location: 'Z', country: 'DE' }],
        ['PATCH', `/api/sub-processors/${sp}`, { name: 'Taken over' }],
        ['DELETE', `/api/sub-processors/${sp}`],
      ];
      for (const [method, url, body] of calls) {
        const res = await agent.request(method as 'GET', url, body);
        expect(res.status, `${method} ${url}`).toBe(403);
      }
    });
  });
}
