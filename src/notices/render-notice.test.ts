import { describe, expect, it } from 'vitest';
import type { CallTypeView } from '../call-types/call-type.schema.ts';
import { retentionPresets } from '../call-types/retention-presets.ts';
import type { OrganisationView } from '../organisations/organisation.schema.ts';
import { emptyNoticeTexts } from './get-notice.ts';
import { hashNoticeTexts } from './hash-notice-texts.ts';
import { noticeMessages } from './messages.ts';
import { buildNotice } from './render-notice.ts';

const organisation: OrganisationView = {
  id: 'org_0000000000000000000000000',
  legalName: 'Praxis Dr. Beispiel',
  address: 'Ring 2, Köln',
  contactEmail: 'praxis@example.test',
  dpoName: 'Dana Schutz',
  dpoEmail: 'dpo@example.test',
  dpoPhone: null,
  supervisoryAuthority: 'LDI NRW',
  residencyRegion: 'EEA',
  residencySafeguard: null,
  playbackRoles: ['dpo'],
  privacyPolicyUrl: null,
  configVersion: 3,
  missingFields: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const callType: CallTypeView = {
  id: 'ct_0000000000000000000000000',
  name: 'Intake',
  purposes: [{ purpose: 'call_delivery', basis: 'contract', legitimateInterest: null }],
  recordingMode: 'off',
  recordingLegalReference: null,
  chatKept: false,
  e2eeRequired: false,
  lobbyEnabled: true,
  biometricFeatures: [],
  dpiaReference: null,
  staffRecordingBasis: null,
  staffRecordingInterest: null,
  retention: { ...retentionPresets.short },
  version: 1,
  archivedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const texts = emptyNoticeTexts();
texts.en.recipients = 'Parley Hosting GmbH, our processor.';
texts.en.transfers = 'None.';
const notice = { id: 'ntc_0000000000000000000000000', version: 4, status: 'draft' as const, texts, contentHash: null };

describe('buildNotice', () => {
  it('writes retention days as days, with years beside long periods, and 0 as deletion at the end of the call', () => {
    const days = noticeMessages.en.retention.days;
    expect([0, 1, 30, 364, 365, 1826, 2557].map(days)).toEqual([
      'deleted when the call ends',
      '1 day',
      '30 days',
      '364 days',
      '365 days (about 1 year)',
      '1826 days (about 5 years)',
      '2557 days (about 7 years)',
    ]);
    expect(noticeMessages.de.retention.days(2557)).toBe('2557 Tage (etwa 7 Jahre)');
  });

  it('lists every gap of the rendered locale and marks a draft as such', () => {
    const n = buildNotice({ organisation: { ...organisation, dpoEmail: '' }, callType, notice, locale: 'de' });
    expect(n.missing).toEqual(['organisation.dpoEmail', 'texts.de.recipients', 'texts.de.transfers']);
    expect(n.notice.contentHash).toBe(hashNoticeTexts(texts));
    expect(n.footer).toMatch(/^Entwurf der Datenschutzhinweise, Version 4/);
    expect(buildNotice({ organisation, callType, notice, locale: 'en' }).missing).toEqual([]);
  });

  it('links the organisation\'s public rights page from the rights section, in every locale', () => {
    for (const locale of ['en', 'de'] as const) {
      const rights = buildNotice({ organisation, callType, notice, locale }).sections.find((s) => s.key === 'rights');
      expect(rights?.links).toEqual([{ href: `/rights/${organisation.id}?locale=${locale}`, label: noticeMessages[locale].rights.linkLabel }]);
      expect(rights?.paragraphs[0]).toMatch(locale === 'de' ? /Seite zu Ihren Datenschutzrechten/ : /rights page/);
    }
  });

  it('keeps the content hash of a published version: the link is Parley\'s wording, the hash covers only the controller\'s texts', () => {
    // Recorded before the rights-page link was added: consents given under published versions still point at them.
    expect(hashNoticeTexts(texts)).toBe('0b2c1061efae66b8af1d8481851f4034a24f97fe1268c38011b5bd8e8089974b');
    const published = { ...notice, status: 'published' as const, contentHash: hashNoticeTexts(texts) };
    expect(buildNotice({ organisation, callType, notice: published, locale: 'de' }).notice.contentHash).toBe(hashNoticeTexts(texts));
  });

  it('names biometric features and the DPIA only when the call type uses them (G6)', () => {
    expect(buildNotice({ organisation, callType, notice, locale: 'en' }).sections.some((s) => s.key === 'biometrics')).toBe(false);
    const withFaces = { ...callType, biometricFeatures: ['face_recognition' as const], dpiaReference: 'DPIA-1' };
    const section = buildNotice({ organisation, callType: withFaces, notice, locale: 'en' }).sections.find((s) => s.key === 'biometrics');
    expect(section?.paragraphs[0]).toContain('face recognition');
    expect(section?.paragraphs[0]).toContain('impact assessment');
  });

  it('has the same headings in every locale, and no English left in the German catalogue', () => {
    expect(Object.keys(noticeMessages.de.headings)).toEqual(Object.keys(noticeMessages.en.headings));
    const n = buildNotice({ organisation, callType, notice: { ...notice, texts: { ...texts, de: texts.en } }, locale: 'de' });
    const fixed = [n.title, n.intro, ...n.sections.filter((s) => s.key !== 'recipients' && s.key !== 'transfers').flatMap((s) => [s.heading, ...s.paragraphs, ...s.items])];
    expect(fixed.join(' ')).not.toMatch(/\b(the|and|you|your|days)\b/);
  });
});
