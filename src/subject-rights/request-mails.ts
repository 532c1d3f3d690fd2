import type { MailContent } from '../mail/mail.schema.ts';
import { CONSENT_PROOF_REFERENCE, LEGAL_OBLIGATION_FALLBACK_REFERENCE, REQUEST_RECORD_REFERENCE } from './erasure-references.ts';

/**
 * The mails to a person who made a rights request, in English and German (the language they used on the request
 * page). Plain text, nothing loaded from anywhere; they carry no data about the person beyond what the mail is
 * about, and links only to the request's own status page (a fresh code is asked for there, G31) and to the
 * organisation's rights page. A one-time code is only ever in a body, never in a subject: subjects show in the
 * outbox list, notification previews and mail-server logs (issue 12, finding 6).
 */
export type RequestLocale = 'en' | 'de';
export type RequestType = 'access' | 'erasure' | 'restriction' | 'objection' | 'rectification';

export interface OrgFacts {
  readonly legalName: string;
  readonly dpoEmail: string;
  readonly supervisoryAuthority: string;
}

/** What a mail names of the organisation: its facts and its public rights page (`/rights/<orgId>`), which every mail links. */
export interface MailOrg extends OrgFacts {
  readonly rightsPageUrl: string;
}

/**
 * What requests.ts says when the organisation has named no supervisory authority. It is English; a German mail
 * says it in German instead (issue 12, finding 13).
 */
export const UNNAMED_AUTHORITY_EN = 'the data protection authority where you live or work';
const UNNAMED_AUTHORITY_DE = 'die Datenschutzaufsichtsbehörde an Ihrem Wohn- oder Arbeitsort';

function authority(locale: RequestLocale, org: OrgFacts): string {
  if (org.supervisoryAuthority.trim() === '' || org.supervisoryAuthority === UNNAMED_AUTHORITY_EN) {
    return locale === 'de' ? UNNAMED_AUTHORITY_DE : UNNAMED_AUTHORITY_EN;
  }
  return org.supervisoryAuthority;
}

const typeName: Record<RequestLocale, Record<RequestType, string>> = {
  en: { access: 'access to your data', erasure: 'erasure of your data', restriction: 'restriction of processing', objection: 'objection to processing', rectification: 'correction of your data' },
  de: { access: 'Auskunft über Ihre Daten', erasure: 'Löschung Ihrer Daten', restriction: 'Einschränkung der Verarbeitung', objection: 'Widerspruch gegen die Verarbeitung', rectification: 'Berichtigung Ihrer Daten' },
};

function day(iso: string, locale: RequestLocale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(new Date(iso));
}

/** A page of the rights pages, opened in the language of the mail (the pages read `?locale=`). */
const inLocale = (url: string, locale: RequestLocale) => `${url}?locale=${locale}`;

function footer(locale: RequestLocale, org: MailOrg): string[] {
  return locale === 'de'
    ? ['', `${org.legalName} — Datenschutzbeauftragte/r: ${org.dpoEmail}`, `Ihre Datenschutzrechte und Anfragen: ${inLocale(org.rightsPageUrl, locale)}`]
    : ['', `${org.legalName} — data protection officer: ${org.dpoEmail}`, `Your data protection rights and requests: ${inLocale(org.rightsPageUrl, locale)}`];
}

export function codeMail(input: { locale: RequestLocale; code: string; org: Pick<MailOrg, 'legalName' | 'rightsPageUrl'>; requestUrl: string; ttlMinutes: number }): MailContent {
  const { locale, code, org, ttlMinutes } = input;
  const requestUrl = inLocale(input.requestUrl, locale);
  if (locale === 'de') {
    return {
      subject: `Ihr Bestätigungscode für Ihre Datenschutzanfrage — ${org.legalName}`,
      text: [
        `Ihr Code für Ihre Datenschutzanfrage bei ${org.legalName}: ${code}`,
        '',
        `Er gilt ${ttlMinutes} Minuten und nur einmal. Geben Sie ihn auf dieser Seite ein: ${requestUrl}`,
        '',
        'Wenn Sie keine Anfrage gestellt haben, können Sie diese Nachricht ignorieren; ohne den Code geschieht nichts.',
        '',
        `Ihre Datenschutzrechte und Anfragen: ${inLocale(org.rightsPageUrl, locale)}`,
      ].join('\n'),
    };
  }
  return {
    subject: `Your confirmation code for your data protection request — ${org.legalName}`,
    text: [
      `Your code for your data protection request to ${org.legalName}: ${code}`,
      '',
      `It is valid for ${ttlMinutes} minutes and once only. Enter it on this page: ${requestUrl}`,
      '',
      'If you did not make a request, you can ignore this message; nothing happens without the code.',
      '',
      `Your data protection rights and requests: ${inLocale(org.rightsPageUrl, locale)}`,
    ].join('\n'),
  };
}

/**
 * The access export is ready. It says exactly what the request page will ask (issue 12, finding 9): the download
 * needs a fresh one-time code, which this mail deliberately does not contain — the page sends it to the same
 * address on request (POST …/code), and entering it there gives a download link (POST …/export-token) that works
 * for `linkValidMinutes`. Whoever sees only this mail cannot download the data.
 */
export function exportReadyMail(input: {
  locale: RequestLocale;
  org: MailOrg;
  requestUrl: string;
  expiresAt: string;
  timeZone: string;
  codeValidMinutes: number;
  linkValidMinutes: number;
}): MailContent {
  const { locale, org, codeValidMinutes, linkValidMinutes } = input;
  const requestUrl = inLocale(input.requestUrl, locale);
  const until = day(input.expiresAt, locale, input.timeZone);
  if (locale === 'de') {
    return {
      subject: `Ihre Daten sind bereit — ${org.legalName}`,
      text: [
        'Die Auskunft zu Ihren Daten (Art. 15 DSGVO) ist fertig.',
        `Sie können sie bis zum ${until} herunterladen. So geht es:`,
        '',
        `1. Öffnen Sie die Seite Ihrer Anfrage: ${requestUrl}`,
        `2. Fordern Sie dort einen Einmalcode an. Wir senden ihn in einer eigenen E-Mail an diese Adresse; er gilt ${codeValidMinutes} Minuten.`,
        `3. Geben Sie den Code auf der Seite ein. Danach erhalten Sie den Link zum Herunterladen; er gilt ${linkValidMinutes} Minuten.`,
        '',
        'Diese E-Mail enthält absichtlich keinen Code: Wer nur diese E-Mail sieht, kann Ihre Daten nicht herunterladen.',
        'Kommt der Code nicht an, sehen Sie im Spam-Ordner nach oder fordern Sie auf der Seite einen neuen an.',
        ...footer(locale, org),
      ].join('\n'),
    };
  }
  return {
    subject: `Your data is ready — ${org.legalName}`,
    text: [
      'The copy of your data you asked for (Art. 15 GDPR) is ready.',
      `You can download it until ${until}. This is how:`,
      '',
      `1. Open your request's page: ${requestUrl}`,
      `2. Ask there for a one-time code. We send it to this email address in a separate email; it is valid for ${codeValidMinutes} minutes.`,
      `3. Enter the code on the page. You then get the download link, valid for ${linkValidMinutes} minutes.`,
      '',
      'This email deliberately contains no code: whoever sees only this email cannot download your data.',
      'If the code does not arrive, look in your spam folder or ask for a new one on the page.',
      ...footer(locale, org),
    ].join('\n'),
  };
}

export type KeptReason = 'legal_hold' | 'legal_obligation' | 'consent_proof';

export interface ErasureMailReport {
  readonly erased: readonly { category: string; count: number }[];
  readonly kept: readonly { category: string; reason: KeptReason; reference: string; until: string }[];
}

const keptReason: Record<RequestLocale, Record<KeptReason, string>> = {
  en: { legal_hold: 'a legal hold', legal_obligation: 'a legal obligation to keep it', consent_proof: 'proof of your consent decisions' },
  de: { legal_hold: 'eine rechtliche Aufbewahrungsanordnung', legal_obligation: 'eine gesetzliche Aufbewahrungspflicht', consent_proof: 'den Nachweis Ihrer Einwilligungsentscheidungen' },
};

/**
 * Parley's own references for the exceptions, in German (the report stores the English text; a legal hold's
 * reference is the court's or authority's own and stays as written).
 */
const germanReference: Readonly<Record<string, string>> = {
  [REQUEST_RECORD_REFERENCE]: 'Art. 5(2) und Art. 12 DSGVO: Nachweis Ihrer Anfrage und ihrer Beantwortung',
  [CONSENT_PROOF_REFERENCE]: 'Art. 7(1) DSGVO: Nachweis einer erteilten oder widerrufenen Einwilligung',
  [LEGAL_OBLIGATION_FALLBACK_REFERENCE]: 'gesetzliche Pflicht zur Aufzeichnung',
};
const reference = (locale: RequestLocale, text: string) => (locale === 'de' ? (germanReference[text] ?? text) : text);

/** What each category of the erasure report means, in the requester's words. */
const categoryNames: Record<RequestLocale, Record<string, string>> = {
  en: {
    subject: 'your customer record',
    subjectContact: 'your name and email address',
    participants: 'your participation in calls',
    calls: 'calls you took part in',
    attendance: 'when you joined and left calls',
    chatMessages: 'chat messages you sent',
    chatMentions: 'your name or address in other people\'s chat messages (replaced)',
    consentRecords: 'consent decisions',
    recordings: 'recordings you appear in',
    recordingTracks: 'recordings of you (audio and video)',
    exports: 'copies of your data made for you',
    mails: 'emails to you or about you',
    rightsRequests: 'your data protection requests',
  },
  de: {
    subject: 'Ihr Kundendatensatz',
    subjectContact: 'Ihr Name und Ihre E-Mail-Adresse',
    participants: 'Ihre Teilnahme an Gesprächen',
    calls: 'Gespräche, an denen Sie teilgenommen haben',
    attendance: 'wann Sie Gesprächen beigetreten sind und sie verlassen haben',
    chatMessages: 'von Ihnen gesendete Chatnachrichten',
    chatMentions: 'Ihr Name oder Ihre Adresse in Chatnachrichten anderer (ersetzt)',
    consentRecords: 'Einwilligungsentscheidungen',
    recordings: 'Aufzeichnungen, in denen Sie vorkommen',
    recordingTracks: 'Aufzeichnungen von Ihnen (Ton und Bild)',
    exports: 'für Sie erstellte Kopien Ihrer Daten',
    mails: 'E-Mails an Sie oder über Sie',
    rightsRequests: 'Ihre Datenschutzanfragen',
  },
};
/** Every category the erasure report can name (the test of every mail kind checks each has words in both languages). */
export const erasureMailCategories = Object.keys(categoryNames.en);
const categoryName = (locale: RequestLocale, category: string) =>
  categoryNames[locale][category] ?? (locale === 'de' ? 'weitere Daten über Sie' : 'other data about you');

export function erasureMail(input: { locale: RequestLocale; org: MailOrg; report: ErasureMailReport; timeZone: string }): MailContent {
  const { locale, org, report } = input;
  const de = locale === 'de';
  const erased = report.erased.filter((e) => e.count > 0).map((e) => `- ${categoryName(locale, e.category)}: ${e.count}`);
  // One line per kind of kept item and exception, with how many items it keeps.
  const groups = new Map<string, { category: string; reason: KeptReason; reference: string; until: string; count: number }>();
  for (const k of report.kept) {
    const key = JSON.stringify([k.category, k.reason, k.reference, k.until.slice(0, 10)]);
    const g = groups.get(key) ?? { category: k.category, reason: k.reason, reference: k.reference, until: k.until, count: 0 };
    g.count += 1;
    groups.set(key, g);
  }
  const kept = [...groups.values()].map(
    (k) =>
      `- ${categoryName(locale, k.category)}${k.count > 1 ? ` (${k.count})` : ''}: ${keptReason[locale][k.reason]} (${reference(locale, k.reference)}), ${de ? 'bis zum' : 'until'} ${day(k.until, locale, input.timeZone)}`,
  );
  return {
    subject: de ? `Ihre Daten wurden gelöscht — ${org.legalName}` : `Your data was erased — ${org.legalName}`,
    text: [
      de ? 'Wir haben Ihre Daten gelöscht (Art. 17 DSGVO).' : 'We have erased your data (Art. 17 GDPR).',
      '',
      de ? 'Gelöscht:' : 'Erased:',
      ...(erased.length > 0 ? erased : [de ? '- (es waren keine Daten gespeichert)' : '- (nothing was stored)']),
      ...(kept.length > 0
        ? [
            '',
            de ? 'Aufbewahrt, weil wir dazu verpflichtet sind — danach wird es gelöscht:' : 'Kept because we must keep it — it is erased afterwards:',
            ...kept,
          ]
        : []),
      '',
      de ? `Sie können sich bei der Aufsichtsbehörde beschweren: ${authority(locale, org)}.` : `You may complain to the supervisory authority: ${authority(locale, org)}.`,
      ...footer(locale, org),
    ].join('\n'),
  };
}

export function restrictedMail(input: { locale: RequestLocale; org: MailOrg }): MailContent {
  const { locale, org } = input;
  return locale === 'de'
    ? {
        subject: `Verarbeitung eingeschränkt — ${org.legalName}`,
        text: [
          'Wir haben die Verarbeitung Ihrer Daten eingeschränkt (Art. 18 DSGVO): Sie bleiben gespeichert, werden aber nicht abgespielt, exportiert oder ausgewertet.',
          'Bevor wir die Einschränkung aufheben, teilen wir es Ihnen mit.',
          ...footer(locale, org),
        ].join('\n'),
      }
    : {
        subject: `Processing restricted — ${org.legalName}`,
        text: [
          'We have restricted the processing of your data (Art. 18 GDPR): it stays stored but is not played back, exported or analysed.',
          'We will tell you before we lift the restriction.',
          ...footer(locale, org),
        ].join('\n'),
      };
}

export function restrictionLiftedMail(input: { locale: RequestLocale; org: MailOrg; noticeText: string }): MailContent {
  const { locale, org } = input;
  return {
    subject: locale === 'de' ? `Einschränkung wird aufgehoben — ${org.legalName}` : `Restriction lifted — ${org.legalName}`,
    text: [
      locale === 'de'
        ? 'Wir heben die Einschränkung der Verarbeitung Ihrer Daten auf (Art. 18(3) DSGVO):'
        : 'We are lifting the restriction of processing of your data (Art. 18(3) GDPR):',
      '',
      input.noticeText,
      '',
      locale === 'de'
        ? `Sie können sich bei der Aufsichtsbehörde beschweren: ${authority(locale, org)}.`
        : `You may complain to the supervisory authority: ${authority(locale, org)}.`,
      ...footer(locale, org),
    ].join('\n'),
  };
}

export function completedMail(input: { locale: RequestLocale; org: MailOrg; type: RequestType; note: string }): MailContent {
  const { locale, org, type } = input;
  return {
    subject: locale === 'de' ? `Ihre Anfrage ist erledigt — ${org.legalName}` : `Your request is done — ${org.legalName}`,
    text: [
      locale === 'de' ? `Wir haben Ihre Anfrage (${typeName.de[type]}) bearbeitet:` : `We have handled your request (${typeName.en[type]}):`,
      '',
      input.note,
      ...footer(locale, org),
    ].join('\n'),
  };
}

export function extensionMail(input: {
  locale: RequestLocale;
  org: MailOrg;
  type: RequestType;
  reasons: string;
  dueAt: string;
  timeZone: string;
}): MailContent {
  const { locale, org, type } = input;
  const due = day(input.dueAt, locale, input.timeZone);
  return locale === 'de'
    ? {
        subject: `Ihre Anfrage braucht länger — ${org.legalName}`,
        text: [
          `Wir verlängern die Frist für Ihre Anfrage (${typeName.de[type]}) nach Art. 12(3) DSGVO bis zum ${due}.`,
          '',
          'Gründe:',
          input.reasons,
          '',
          `Sie können sich bei der Aufsichtsbehörde beschweren: ${authority(locale, org)}.`,
          ...footer(locale, org),
        ].join('\n'),
      }
    : {
        subject: `Your request needs more time — ${org.legalName}`,
        text: [
          `We are extending the deadline for your request (${typeName.en[type]}) under Art. 12(3) GDPR to ${due}.`,
          '',
          'Reasons:',
          input.reasons,
          '',
          `You may complain to the supervisory authority: ${authority(locale, org)}.`,
          ...footer(locale, org),
        ].join('\n'),
      };
}

/** G30: a refusal states its reasons and the right to complain to a supervisory authority and to go to court. */
export function refusalMail(input: { locale: RequestLocale; org: MailOrg; type: RequestType; reasons: string }): MailContent {
  const { locale, org, type } = input;
  return locale === 'de'
    ? {
        subject: `Ihre Anfrage — Entscheidung von ${org.legalName}`,
        text: [
          `Wir können Ihrer Anfrage (${typeName.de[type]}) nicht nachkommen.`,
          '',
          'Gründe:',
          input.reasons,
          '',
          `Sie haben das Recht, sich bei einer Aufsichtsbehörde zu beschweren (Art. 77 DSGVO), zum Beispiel bei: ${authority(locale, org)}, und einen gerichtlichen Rechtsbehelf einzulegen (Art. 79 DSGVO).`,
          ...footer(locale, org),
        ].join('\n'),
      }
    : {
        subject: `Your request — decision of ${org.legalName}`,
        text: [
          `We cannot act on your request (${typeName.en[type]}).`,
          '',
          'Reasons:',
          input.reasons,
          '',
          `You have the right to lodge a complaint with a supervisory authority (Art. 77 GDPR), for example: ${authority(locale, org)}, and to seek a judicial remedy (Art. 79 GDPR).`,
          ...footer(locale, org),
        ].join('\n'),
      };
}
