import { describe, expect, it } from 'vitest';
import { setupMail } from '../../src/accounts/staff-mails.ts';
import { mailKinds, type MailKind } from '../../src/mail/mail-kinds.ts';
import type { MailContent } from '../../src/mail/mail.schema.ts';
import { callMail, type CallMailFacts } from '../../src/scheduling/call-mails.ts';
import { CONSENT_PROOF_REFERENCE, LEGAL_OBLIGATION_FALLBACK_REFERENCE, REQUEST_RECORD_REFERENCE } from '../../src/subject-rights/erasure-references.ts';
import {
  codeMail,
  completedMail,
  erasureMail,
  erasureMailCategories,
  exportReadyMail,
  extensionMail,
  refusalMail,
  restrictedMail,
  restrictionLiftedMail,
  UNNAMED_AUTHORITY_EN,
  type MailOrg,
  type RequestLocale,
} from '../../src/subject-rights/request-mails.ts';
import { germanTextProblems } from '../support/language-check.ts';

/**
 * Every mail a customer can receive, rendered in both languages from the builders the flows use (issue 12, findings
 * 6, 7, 9, 13 and 18): German ones have no English sentence and no internal code, every one links the
 * organisation's rights page, no subject carries a code or a link, and the .ics keeps the start to the second.
 * The list of kinds comes from the server's closed list: a new customer mail kind fails here until it is rendered.
 */

const RIGHTS = 'https://parley.example/rights/org_0123456789abcdefghijklmno';
const REQUEST = 'https://parley.example/rights/requests/req_0123456789abcdefghijklmno';
const JOIN = 'https://parley.example/j/secret-join-token';
const CODE = '482913';
const ORG_NAME = 'Musterbank AG';
const CALL_TYPE = 'Anlageberatung';
const CUSTOMER = 'Zoë Müller';
const AGENT = 'Anna Agentin';

const org = (supervisoryAuthority = 'Der Hessische Beauftragte für Datenschutz und Informationsfreiheit'): MailOrg => ({
  legalName: ORG_NAME,
  dpoEmail: 'dpo@bank.example',
  supervisoryAuthority,
  rightsPageUrl: RIGHTS,
});

function callFacts(locale: RequestLocale, startsAt = new Date('2026-03-02T09:00:30Z')): CallMailFacts {
  return {
    callId: 'call_0123456789abcdefghijklmno',
    sequence: 1,
    startsAt,
    durationMinutes: 45,
    locale,
    organisation: { legalName: ORG_NAME, contactEmail: 'datenschutz@bank.example', privacyPolicyUrl: 'https://bank.example/datenschutz' },
    callType: {
      name: CALL_TYPE,
      // Every basis, so every sentence of the short notice and the right to object is rendered.
      purposes: [
        { purpose: 'call_delivery', basis: 'contract', legitimateInterest: null },
        { purpose: 'recording', basis: 'consent', legitimateInterest: null },
        { purpose: 'training_qa', basis: 'legitimate_interest', legitimateInterest: 'Schulung' },
        { purpose: 'analytics', basis: 'legal_obligation', legitimateInterest: null },
      ],
      recordingMode: 'consent',
      retention: { callMetadataDays: 90, chatDays: 30, recordingsDays: 30, consentDays: 1095 },
    },
    agentName: AGENT,
    customerName: CUSTOMER,
    joinUrl: JOIN,
    rightsPageUrl: RIGHTS,
    domain: 'parley.example',
    timeZone: 'Europe/Berlin',
  };
}

const erasureReport = {
  erased: erasureMailCategories.map((category) => ({ category, count: 2 })),
  kept: [
    { category: 'consentRecords', reason: 'consent_proof' as const, reference: CONSENT_PROOF_REFERENCE, until: '2029-03-02T09:00:00.000Z' },
    { category: 'consentRecords', reason: 'consent_proof' as const, reference: CONSENT_PROOF_REFERENCE, until: '2029-03-02T10:00:00.000Z' },
    { category: 'rightsRequests', reason: 'legal_obligation' as const, reference: REQUEST_RECORD_REFERENCE, until: '2029-03-02T09:00:00.000Z' },
    { category: 'recordingTracks', reason: 'legal_obligation' as const, reference: LEGAL_OBLIGATION_FALLBACK_REFERENCE, until: '2031-03-02T09:00:00.000Z' },
    { category: 'recordings', reason: 'legal_hold' as const, reference: 'LG Frankfurt 2-01 O 4711/26', until: '2099-12-31' },
  ],
};

/** Every customer mail kind, as the flows build it (the note, reasons and notice are the DPO's own words). */
function customerMails(locale: RequestLocale, authority?: string): Record<string, MailContent> {
  const de = locale === 'de';
  const o = org(authority);
  const words = de ? 'Wir haben Ihren Namen in unseren Unterlagen berichtigt.' : 'We have corrected your name in our records.';
  return {
    'call.invitation': callMail('invitation', callFacts(locale)),
    'call.rescheduled': callMail('rescheduled', callFacts(locale)),
    'call.cancelled': callMail('cancelled', callFacts(locale)),
    'rights_request.code': codeMail({ locale, code: CODE, org: o, requestUrl: REQUEST, ttlMinutes: 15 }),
    'rights_request.export_ready': exportReadyMail({ locale, org: o, requestUrl: REQUEST, expiresAt: '2026-03-09T09:00:00Z', timeZone: 'Europe/Berlin', codeValidMinutes: 15, linkValidMinutes: 15 }),
    'rights_request.erased': erasureMail({ locale, org: o, report: erasureReport, timeZone: 'Europe/Berlin' }),
    'rights_request.restricted': restrictedMail({ locale, org: o }),
    'rights_request.restriction_lifted': restrictionLiftedMail({ locale, org: o, noticeText: words }),
    'rights_request.completed': completedMail({ locale, org: o, type: 'rectification', note: words }),
    'rights_request.extended': extensionMail({ locale, org: o, type: 'erasure', reasons: words, dueAt: '2026-05-02T21:59:59.999Z', timeZone: 'Europe/Berlin' }),
    'rights_request.refused': refusalMail({ locale, org: o, type: 'access', reasons: words }),
  };
}

const customerKinds = (Object.keys(mailKinds) as MailKind[]).filter((k) => mailKinds[k].to === 'customer').sort();

describe('every mail a customer receives', () => {
  it('is rendered here for each customer kind the server knows', () => {
    expect(Object.keys(customerMails('de')).sort()).toEqual(customerKinds);
  });

  for (const authority of [undefined, UNNAMED_AUTHORITY_EN]) {
    it(`reads as German in German, subject and body, with no English sentence or internal code${authority ? ' (no supervisory authority named)' : ''}`, () => {
      for (const [kind, mail] of Object.entries(customerMails('de', authority))) {
        const problems = germanTextProblems(`${mail.subject}\n${mail.text}`, [ORG_NAME, CALL_TYPE, CUSTOMER, AGENT, 'LG Frankfurt 2-01 O 4711/26']);
        expect(problems, `${kind}: ${mail.subject}`).toEqual([]);
      }
    });
  }

  it('links the organisation\'s rights page, opening in the language of the mail', () => {
    for (const locale of ['de', 'en'] as const) {
      for (const [kind, mail] of Object.entries(customerMails(locale))) expect(mail.text, `${locale} ${kind}`).toContain(`${RIGHTS}?locale=${locale}`);
    }
    expect(customerMails('de')['rights_request.export_ready']!.text).toContain(`${REQUEST}?locale=de`);
  });

  it('never carries a one-time code or a link in its subject (staff mails included); the code mail has it in the body', () => {
    const staff = (['invitation', 'new_link'] as const).map((kind) =>
      setupMail({ kind, toName: AGENT, role: 'agent', organisationName: ORG_NAME, senderName: null, url: 'https://parley.example/setup#token=secret', expiresAt: new Date(), timeZone: 'Europe/Berlin' }),
    );
    const all = [...Object.values(customerMails('de')), ...Object.values(customerMails('en')), ...staff, callMail('agent_confirmation', callFacts('de'))];
    for (const mail of all) {
      expect(mail.subject).not.toContain(CODE);
      expect(mail.subject).not.toMatch(/\d{6}|https?:\/\/|token/);
    }
    expect(customerMails('de')['rights_request.code']!.text).toContain(CODE);
    expect(customerMails('de')['rights_request.code']!.subject).toBe(`Ihr Bestätigungscode für Ihre Datenschutzanfrage — ${ORG_NAME}`);
    expect(customerMails('en')['rights_request.code']!.subject).toBe(`Your confirmation code for your data protection request — ${ORG_NAME}`);
  });

  it('says in the "export ready" mail how the download works — a code sent on the page, then a link — and holds no code itself', () => {
    const de = customerMails('de')['rights_request.export_ready']!.text;
    expect(de).toContain(REQUEST);
    expect(de).toMatch(/Fordern Sie dort einen Einmalcode an\. Wir senden ihn in einer eigenen E-Mail an diese Adresse; er gilt 15 Minuten\./);
    expect(de).toMatch(/Geben Sie den Code auf der Seite ein\. Danach erhalten Sie den Link zum Herunterladen; er gilt 15 Minuten\./);
    expect(de).toContain('bis zum 9. März 2026');
    expect(de).not.toMatch(/\b\d{6}\b/);
    const en = customerMails('en')['rights_request.export_ready']!.text;
    expect(en).toMatch(/Ask there for a one-time code\. We send it to this email address in a separate email; it is valid for 15 minutes\./);
    expect(en).toContain('deliberately contains no code');
  });

  it('names the kept items of an erasure in the reader\'s language, one line per exception with its count', () => {
    const de = customerMails('de')['rights_request.erased']!.text;
    expect(de).toContain('- Einwilligungsentscheidungen (2): den Nachweis Ihrer Einwilligungsentscheidungen (Art. 7(1) DSGVO: Nachweis einer erteilten oder widerrufenen Einwilligung), bis zum 2. März 2029');
    expect(de).toContain('(LG Frankfurt 2-01 O 4711/26), bis zum 31. Dezember 2099');
    expect(de).not.toContain('GDPR');
    const en = customerMails('en')['rights_request.erased']!.text;
    expect(en).toContain(`(${CONSENT_PROOF_REFERENCE})`);
  });

  it('puts the start time into the .ics to the second (10:00:30 stays 10:00:30)', () => {
    for (const kind of ['invitation', 'rescheduled', 'agent_confirmation'] as const) {
      const ics = callMail(kind, callFacts('de', new Date('2026-03-02T10:00:30Z'))).attachments![0]!.content;
      expect(ics, kind).toMatch(/^DTSTART:20260302T100030Z\r?$/m);
      expect(ics, kind).toMatch(/^DURATION:PT45M\r?$/m);
    }
  });
});
