import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import stringify from 'safe-stable-stringify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';

const controller = {
  address: 'Neue Mainzer Str. 1\n60311 Frankfurt am Main',
  contactEmail: 'privacy@bank.example',
  dpoName: 'Dr. Dana Schutz',
  dpoEmail: 'dpo@bank.example',
  supervisoryAuthority: 'Der Hessische Beauftragte für Datenschutz und Informationsfreiheit (HBDI)',
};

/** Complete texts for both locales; `tag` makes each version's content different. */
const texts = (tag: string) => ({
  en: {
    recipients: `Parley Hosting GmbH operates the service for us as our processor (${tag}).\n\nIts sub-processor: Example Cloud SE (hosting, Frankfurt).`,
    transfers: 'We do not transfer your data outside the EEA.',
    legitimateInterests: '',
    representative: '',
    additionalInformation: '',
  },
  de: {
    recipients: `Die Parley Hosting GmbH betreibt den Dienst für uns als Auftragsverarbeiter (${tag}).`,
    transfers: 'Wir übermitteln Ihre Daten nicht in Länder außerhalb des EWR.',
    legitimateInterests: '',
    representative: '',
    additionalInformation: '',
  },
});

const sha256 = (value: unknown) => createHash('sha256').update(stringify(value)!).digest('hex');
const section = (notice: any, key: string) => notice.sections.find((s: any) => s.key === key);
const textOf = (notice: any) => JSON.stringify(notice.sections);

for (const d of dialects) {
  describe.skipIf(!d.available)(`privacy notices (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let api: ApiClient;
    let callTypeId: string;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'Musterbank AG');
      api = admin.client;
      callTypeId = (await api.get('/api/call-types')).body.callTypes[0].id;
    });
    afterAll(async () => t?.close());

    /** A fresh organisation (notices are per organisation), optionally with its controller details filled in. */
    async function freshOrg(options: { complete: boolean }) {
      const org = await createOrgWithAdmin(t, 'Beispiel Versicherung AG');
      if (options.complete) expect((await org.client.patch('/api/organisation', controller)).status).toBe(200);
      const ct = (await org.client.get('/api/call-types')).body.callTypes[0].id as string;
      return { ...org, callTypeId: ct };
    }

    async function publishedVersion(client: ApiClient, tag: string) {
      const draft = await client.post('/api/notices', { texts: texts(tag) });
      expect(draft.status, draft.raw).toBe(201);
      const published = await client.post(`/api/notices/${draft.body.id}/publish`);
      expect(published.status, published.raw).toBe(200);
      return published.body;
    }

    it('refuses to publish while the organisation lacks controller details the notice shows (G15)', async () => {
      const draft = await api.post('/api/notices', { texts: texts('a') });
      expect(draft.body).toMatchObject({ version: 1, status: 'draft', contentHash: null, missingFields: [] });
      const res = await api.post(`/api/notices/${draft.body.id}/publish`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toContain('dpoEmail');
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: ['organisation', 'supervisoryAuthority'] }));
      expect((await api.get(`/api/notices/${draft.body.id}`)).body.status).toBe('draft');
      await api.patch('/api/organisation', controller);
    });

    it('refuses to publish while a required text is empty in any locale (G15)', async () => {
      const org = await freshOrg({ complete: true });
      const draft = await org.client.post('/api/notices', { texts: { ...texts('b'), de: { ...texts('b').de, transfers: '  ' } } });
      expect(draft.body.missingFields).toEqual(['de.transfers']);
      const res = await org.client.post(`/api/notices/${draft.body.id}/publish`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('de.transfers');
      expect(res.body.error.details).toEqual([{ in: 'body', path: ['texts', 'de', 'transfers'], message: 'Required before publishing.' }]);

      const empty = await org.client.post('/api/notices', {});
      expect(empty.body.missingFields).toEqual(['en.recipients', 'en.transfers', 'de.recipients', 'de.transfers']);
      expect((await org.client.post(`/api/notices/${empty.body.id}/publish`)).status).toBe(400);
      expect((await org.client.get('/api/notices')).body.notices.every((n: any) => n.status === 'draft')).toBe(true);
    });

    it('publishes a draft with the SHA-256 of its canonical texts, and records the event', async () => {
      const list = (await api.get('/api/notices')).body.notices;
      const draft = list.find((n: any) => n.status === 'draft');
      const res = await api.post(`/api/notices/${draft.id}/publish`);
      expect(res.status, res.raw).toBe(200);
      expect(res.body).toMatchObject({ status: 'published', publishedBy: admin.userId, version: 1 });
      expect(res.body.contentHash).toBe(sha256(texts('a')));
      const events = (await api.get('/api/audit-events?type=privacy_notice.published')).body.events;
      expect(events[0].data).toEqual({ noticeId: draft.id, version: 1, contentHash: res.body.contentHash });
    });

    it('never lets a published version change through the API (G14)', async () => {
      const published = (await api.get('/api/notices')).body.notices.find((n: any) => n.status === 'published');
      const edit = await api.patch(`/api/notices/${published.id}`, { texts: { en: { recipients: 'Changed afterwards' } } });
      expect(edit.status).toBe(409);
      expect((await api.post(`/api/notices/${published.id}/publish`)).status).toBe(409);
      expect((await api.get(`/api/notices/${published.id}`)).body).toEqual(published);
    });

    it('refuses at the database to update or delete a published version, and lets drafts change', async () => {
      const { db } = t.parley.deps;
      const published = (await api.get('/api/notices')).body.notices.find((n: any) => n.status === 'published');
      await expect(db.updateTable('privacy_notices').set({ texts: '{}' }).where('id', '=', published.id).execute()).rejects.toThrow(/immutable/);
      await expect(db.updateTable('privacy_notices').set({ status: 'draft' }).where('id', '=', published.id).execute()).rejects.toThrow(/immutable/);
      await expect(sql`update privacy_notices set content_hash = 'x' where id = ${published.id}`.execute(db)).rejects.toThrow(/immutable/);
      await expect(db.deleteFrom('privacy_notices').where('id', '=', published.id).execute()).rejects.toThrow(/immutable/);
      expect((await api.get(`/api/notices/${published.id}`)).body).toEqual(published);

      const draft = await api.post('/api/notices', {});
      await db.updateTable('privacy_notices').set({ updated_at: new Date().toISOString() }).where('id', '=', draft.body.id).execute();
      await db.deleteFrom('privacy_notices').where('id', '=', draft.body.id).execute();
      expect((await api.get(`/api/notices/${draft.body.id}`)).status).toBe(404);
    });

    it('starts a new draft as a copy of the latest published version, with the next version number', async () => {
      const draft = await api.post('/api/notices', { texts: { de: { additionalInformation: 'Neu' } } });
      expect(draft.status).toBe(201);
      const versions = (await api.get('/api/notices')).body.notices.map((n: any) => n.version);
      expect(draft.body.version).toBe(Math.max(...versions));
      expect(draft.body.texts).toEqual({ ...texts('a'), de: { ...texts('a').de, additionalInformation: 'Neu' } });
    });

    it('records which texts of a draft changed, never the texts themselves', async () => {
      const draft = await api.post('/api/notices', {});
      const secret = 'Sub-processor: Geheim Cloud AG';
      const res = await api.patch(`/api/notices/${draft.body.id}`, { texts: { de: { recipients: secret }, en: { transfers: texts('a').en.transfers } } });
      expect(res.status).toBe(200);
      expect(res.body.texts.de.recipients).toBe(secret);
      const events = await api.get('/api/audit-events?type=privacy_notice.updated');
      expect(events.body.events[0].data).toEqual({ noticeId: draft.body.id, version: draft.body.version, fields: ['de.recipients'] });
      expect(events.raw).not.toContain('Geheim');
    });

    it('keeps the content hash stable for the same texts, and different between versions (G14)', async () => {
      const org = await freshOrg({ complete: true });
      const v1 = await publishedVersion(org.client, 'one');
      // The same content sent with keys in another order hashes the same: the JSON is canonical.
      const reordered = Object.fromEntries(Object.entries(texts('one')).reverse().map(([k, v]) => [k, Object.fromEntries(Object.entries(v).reverse())]));
      expect(sha256(reordered)).toBe(v1.contentHash);
      // Publishing the same content again would ask every customer again for nothing: refused.
      const same = await org.client.post('/api/notices', {});
      const again = await org.client.post(`/api/notices/${same.body.id}/publish`);
      expect(again.status).toBe(409);
      expect(again.body.error.message).toContain('identical');

      const changed = await org.client.patch(`/api/notices/${same.body.id}`, { texts: { en: { additionalInformation: 'Calls run on our own servers.' } } });
      expect(changed.status).toBe(200);
      const v2 = await org.client.post(`/api/notices/${same.body.id}/publish`);
      expect(v2.status).toBe(200);
      expect(v2.body.version).toBe(2);
      expect(v2.body.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(v2.body.contentHash).not.toBe(v1.contentHash);
      expect((await org.client.get(`/api/notices/${v1.id}`)).body.contentHash).toBe(v1.contentHash);

      const rendered = await org.client.get(`/api/call-types/${org.callTypeId}/notice`);
      expect(rendered.body.notice).toEqual({ id: v2.body.id, version: 2, status: 'published', contentHash: v2.body.contentHash });
      expect(rendered.body.footer).toContain(v2.body.contentHash.slice(0, 12));
    });

    it('refuses to publish an older draft once a newer version is out', async () => {
      const org = await freshOrg({ complete: true });
      const older = await org.client.post('/api/notices', { texts: texts('older') });
      await publishedVersion(org.client, 'newer');
      const res = await org.client.post(`/api/notices/${older.body.id}/publish`);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/newer/);
    });

    it('refuses unknown fields and locales in notice texts', async () => {
      const draft = await api.post('/api/notices', {});
      for (const body of [
        { texts: { fr: { recipients: 'x' } } },
        { texts: { en: { retentionDays: '30' } } },
        { texts: { en: { recipients: 'x' } }, status: 'published' },
        { texts: { en: { recipients: 'x'.repeat(5001) } } },
      ]) {
        const res = await api.patch(`/api/notices/${draft.body.id}`, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      expect((await api.post('/api/notices', { version: 7 })).status).toBe(400);
    });

    it('says so when no notice is published yet, and previews a draft marked as a draft', async () => {
      const org = await freshOrg({ complete: false });
      const none = await org.client.get(`/api/call-types/${org.callTypeId}/notice`);
      expect(none.status).toBe(409);
      expect(none.body.error.message).toMatch(/No privacy notice has been published/);

      const draft = await org.client.post('/api/notices', { texts: { en: { recipients: 'Our processor.' } } });
      const preview = await org.client.get(`/api/call-types/${org.callTypeId}/notice?noticeId=${draft.body.id}&locale=en`);
      expect(preview.status, preview.raw).toBe(200);
      expect(preview.body.notice).toMatchObject({ id: draft.body.id, status: 'draft', version: 1 });
      expect(preview.body.footer).toMatch(/^Draft of privacy notice version 1, not yet published/);
      // Every gap is named, for the page and for whoever decides whether it may be shown.
      expect(preview.body.missing).toEqual(
        expect.arrayContaining(['organisation.address', 'organisation.dpoEmail', 'organisation.supervisoryAuthority', 'texts.en.transfers']),
      );
      expect(preview.body.missing).not.toContain('texts.en.recipients');
      expect(section(preview.body, 'dpo').paragraphs[0]).toContain('[not provided yet]');
      // Another organisation's draft is not found.
      const other = await api.get(`/api/call-types/${callTypeId}/notice?noticeId=${draft.body.id}`);
      expect(other.status).toBe(404);
    });

    it('renders retention from the live call type and follows its changes (G16)', async () => {
      const first = await api.get(`/api/call-types/${callTypeId}/notice?locale=en`);
      expect(first.status, first.raw).toBe(200);
      expect(first.body.missing).toEqual([]);
      const retention = section(first.body, 'retention');
      expect(retention.items).toEqual([
        'Call details (who took part, when and for how long): 30 days.',
        'Chat messages: not kept after the call.',
        'Recordings: none: this call is not recorded.',
      ]);

      const changed = await api.patch(`/api/call-types/${callTypeId}`, {
        purposes: [{ purpose: 'call_delivery', basis: 'contract' }, { purpose: 'recording', basis: 'consent' }, { purpose: 'chat', basis: 'consent' }],
        recordingMode: 'consent',
        chatKept: true,
        retention: { callMetadataDays: 45, chatDays: 14, recordingsDays: 60, consentDays: 400 },
      });
      expect(changed.status, changed.raw).toBe(200);
      const second = await api.get(`/api/call-types/${callTypeId}/notice?locale=en`);
      expect(section(second.body, 'retention').items).toEqual([
        'Call details (who took part, when and for how long): 45 days.',
        'Chat messages: 14 days.',
        'Recordings: 60 days.',
        'Records of your consent and its withdrawal: 400 days (about 1 year).',
      ]);
      expect(second.body.callType.version).toBe(first.body.callType.version + 1);
      // Same notice version and hash: the days are not part of the notice's text, they come from the call type.
      expect(second.body.notice).toEqual(first.body.notice);

      const german = await api.get(`/api/call-types/${callTypeId}/notice?locale=de`);
      expect(section(german.body, 'retention').items).toContain('Aufzeichnungen: 60 Tage.');
      expect(section(german.body, 'retention').items).toContain('Chatnachrichten: 14 Tage.');
    });

    it('states the purposes with their bases, the controller and DPO, the rights and the complaint authority (G15, G16)', async () => {
      const res = await api.get(`/api/call-types/${callTypeId}/notice?locale=en`);
      const n = res.body;
      expect(n.sections.map((s: any) => s.key)).toEqual([
        'controller', 'dpo', 'purposes', 'recording', 'provision', 'recipients', 'transfers', 'retention',
        'rights', 'objection', 'withdrawal', 'complaint', 'automatedDecisions',
      ]);
      expect(section(n, 'controller').paragraphs).toEqual(expect.arrayContaining([controller.address, expect.stringContaining('privacy@bank.example')]));
      expect(section(n, 'controller').paragraphs[0]).toContain('Musterbank AG');
      expect(section(n, 'dpo').paragraphs[0]).toContain('Dr. Dana Schutz');
      expect(section(n, 'purposes').items[0]).toMatch(/^Holding the call: .* Legal basis: a contract with you.*\(Art\. 6\(1\)\(b\) GDPR\)\.$/);
      expect(section(n, 'purposes').items[1]).toContain('Legal basis: your consent (Art. 6(1)(a) GDPR)');
      expect(section(n, 'recipients').paragraphs).toEqual([
        'Parley Hosting GmbH operates the service for us as our processor (a).',
        'Its sub-processor: Example Cloud SE (hosting, Frankfurt).',
      ]);
      expect(section(n, 'transfers').paragraphs[0]).toContain('European Economic Area');
      const rights = section(n, 'rights').items.join(' ');
      for (const right of ['Access', 'Rectification', 'Erasure', 'Restriction', 'Objection', 'Portability']) expect(rights).toContain(`${right}:`);
      expect(section(n, 'withdrawal').paragraphs[0]).toContain('withdraw it at any time');
      expect(section(n, 'complaint').paragraphs[0]).toContain(controller.supervisoryAuthority);
      expect(section(n, 'recording').paragraphs[0]).toMatch(/only with your consent.*still take part/);
      expect(n.privacyPolicyUrl).toBeNull();
    });

    it('says when recording is a legal requirement and what refusing means, with the law named (G16, G55)', async () => {
      const mifid = await api.post('/api/call-types', {
        name: 'Wertpapierberatung',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'recording', basis: 'legal_obligation' },
          { purpose: 'analytics', basis: 'legitimate_interest', legitimateInterest: 'Improving call quality.' },
        ],
        recordingMode: 'legal_obligation',
        recordingLegalReference: 'MiFID II Art. 16(7)',
        retention: { callMetadataDays: 90, chatDays: 7, recordingsDays: 1826, consentDays: 365 },
      });
      expect(mifid.status, mifid.raw).toBe(201);
      const en = (await api.get(`/api/call-types/${mifid.body.id}/notice?locale=en`)).body;
      expect(section(en, 'recording').paragraphs[0]).toBe(
        'The law requires us to record this call (MiFID II Art. 16(7)). Recording is therefore not optional: if you do not want to be recorded, we cannot hold this conversation as a video call. Please contact us to find another way.',
      );
      expect(section(en, 'purposes').items[1]).toContain('The law that requires it: MiFID II Art. 16(7).');
      expect(section(en, 'purposes').items[2]).toContain('Our legitimate interest: Improving call quality.');
      expect(section(en, 'objection').paragraphs[0]).toMatch(/^Where we rely on our legitimate interests \(Statistics\), you may object/);
      expect(section(en, 'retention').items).toContain('Recordings: 1826 days (about 5 years).');

      const de = (await api.get(`/api/call-types/${mifid.body.id}/notice?locale=de`)).body;
      expect(de.title).toBe('Datenschutzhinweise');
      expect(de.intro).toContain('„Wertpapierberatung“');
      expect(section(de, 'recording').paragraphs[0]).toMatch(/^Wir sind gesetzlich verpflichtet, dieses Gespräch aufzuzeichnen \(MiFID II Art\. 16\(7\)\)\. Die Aufzeichnung ist daher nicht freiwillig/);
      expect(section(de, 'purposes').items[0]).toContain('Rechtsgrundlage: die Erfüllung eines Vertrags');
      expect(section(de, 'retention').items).toContain('Aufzeichnungen: 1826 Tage (etwa 5 Jahre).');
      expect(section(de, 'recipients').paragraphs[0]).toContain('Auftragsverarbeiter (a)');
      expect(textOf(de)).not.toMatch(/\bthe\b|\bdays\b/);
    });

    it('negotiates the locale from Accept-Language, lets ?locale override it, and refuses an unsupported one', async () => {
      const url = `/api/call-types/${callTypeId}/notice`;
      const ask = (accept: string | null, query = '') =>
        api.request('GET', `${url}${query}`, undefined, accept === null ? {} : { headers: { 'accept-language': accept } });
      const cases: [string | null, string, string][] = [
        ['de-DE,de;q=0.9,en;q=0.8', '', 'de'],
        ['de-AT', '', 'de'],
        ['fr', '', 'en'],
        ['fr-FR, de;q=0.5', '', 'de'],
        ['en-GB', '', 'en'],
        [null, '', 'en'],
        ['de-DE', '?locale=en', 'en'],
        ['en', '?locale=de', 'de'],
        ['de', '?locale=', 'de'],
      ];
      for (const [accept, query, expected] of cases) {
        const res = await ask(accept, query);
        expect(res.status, `${accept} ${query}`).toBe(200);
        expect(res.body.locale, `${accept} ${query}`).toBe(expected);
        expect(res.headers['content-language']).toBe(expected);
        expect(String(res.headers.vary)).toMatch(/accept-language/i);
      }
      const bad = await ask('de', '?locale=fr');
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('locale');
      expect((await ask('de', '?locale=en&extra=1')).status).toBe(400);
    });

    it('links the organisation\'s own privacy policy: https only, and none when cleared', async () => {
      for (const bad of ['http://bank.example/privacy', 'javascript:alert(1)', 'https://localhost/privacy', 'bank.example/privacy']) {
        const res = await api.patch('/api/organisation', { privacyPolicyUrl: bad });
        expect(res.status, bad).toBe(400);
        // The field is named in words for the reader; programs find its key in `details`.
        expect(res.body.error.message).toContain('Check the privacy policy address');
        expect(res.body.error.details[0].path).toEqual(['privacyPolicyUrl']);
      }
      const set = await api.patch('/api/organisation', { privacyPolicyUrl: 'https://bank.example/datenschutz' });
      expect(set.status, set.raw).toBe(200);
      expect(set.body.privacyPolicyUrl).toBe('https://bank.example/datenschutz');
      const events = (await api.get('/api/audit-events?type=organisation.updated')).body.events;
      expect(events[0].data.fields).toEqual(['privacyPolicyUrl']);

      const n = (await api.get(`/api/call-types/${callTypeId}/notice?locale=de`)).body;
      expect(n.privacyPolicyUrl).toBe('https://bank.example/datenschutz');
      expect(section(n, 'privacyPolicy').links).toEqual([{ href: 'https://bank.example/datenschutz', label: 'Zur Datenschutzerklärung' }]);

      const cleared = await api.patch('/api/organisation', { privacyPolicyUrl: '' });
      expect(cleared.body.privacyPolicyUrl).toBeNull();
      expect(section((await api.get(`/api/call-types/${callTypeId}/notice`)).body, 'privacyPolicy')).toBeUndefined();
      await expect(
        t.parley.deps.db.updateTable('organisations').set({ privacy_policy_url: 'http://bank.example' }).where('id', '=', admin.orgId).execute(),
      ).rejects.toThrow(/check|constraint/i);
    });

    it('shows the transfer safeguard when data is stored outside the EEA', async () => {
      await api.patch('/api/organisation', { residencyRegion: 'CH', residencySafeguard: 'Adequacy decision 2000/518/EC' });
      const n = (await api.get(`/api/call-types/${callTypeId}/notice?locale=en`)).body;
      expect(section(n, 'transfers').paragraphs[0]).toBe(
        'Call data, recordings and backups are stored in Switzerland, outside the European Economic Area. The transfer is protected by: Adequacy decision 2000/518/EC',
      );
      await api.patch('/api/organisation', { residencyRegion: 'EEA' });
    });

    it('lets agents preview what their customers see, but not manage notices', async () => {
      const agent = await addUser(t, admin, 'agent');
      expect((await agent.client.get(`/api/call-types/${callTypeId}/notice`)).status).toBe(200);
      expect((await agent.client.get('/api/notices')).status).toBe(403);
      expect((await agent.client.post('/api/notices', {})).status).toBe(403);
    });
  });
}
