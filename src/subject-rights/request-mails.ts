import type { MailContent } from '../mail/mail.schema.ts';

/**
 * The mails to a person who made a rights request, in English and German (the language they used on the request
 * page). Plain text, nothing loaded from anywhere; they carry no data about the person beyond what the mail is
 * about, and links only to the request's own status page (a fresh code is asked for there, G31).
 */
export type RequestLocale = 'en' | 'de';
export type RequestType = 'access' | 'erasure' | 'restriction' | 'objection' | 'rectification';

export interface OrgFacts {
  readonly legalName: string;
  readonly dpoEmail: string;
  readonly supervisoryAuthority: string;
}

const typeName: Record<RequestLocale, Record<RequestType, string>> = {
  en: { access: 'access to your data', erasure: 'erasure of your data', restriction: 'restriction of processing', objection: 'objection to processing', rectification: 'correction of your data' },
  de: { access: 'Auskunft über Ihre Daten', erasure: 'Löschung Ihrer Daten', restriction: 'Einschränkung der Verarbeitung', objection: 'Widerspruch gegen die Verarbeitung', rectification: 'Berichtigung Ihrer Daten' },
};

function day(iso: string, locale: RequestLocale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(new Date(iso));
}

function footer(locale: RequestLocale, org: OrgFacts): string[] {
  return locale === 'de'
    ? ['', `${org.legalName} — Datenschutzbeauftragte/r: ${org.dpoEmail}`]
    : ['', `${org.legalName} — data protection officer: ${org.dpoEmail}`];
}

export function codeMail(input: { locale: RequestLocale; code: string; orgName: string; requestUrl: string; ttlMinutes: number }): MailContent {
  const { locale, code, orgName, requestUrl, ttlMinutes } = input;
  if (locale === 'de') {
    return {
      subject: `Ihr Bestätigungscode: ${code}`,
      text: [
        `Ihr Code für Ihre Datenschutzanfrage bei ${orgName}: ${code}`,
        '',
        `Er gilt ${ttlMinutes} Minuten und nur einmal. Geben Sie ihn auf dieser Seite ein: ${requestUrl}`,
        '',
        'Wenn Sie keine Anfrage gestellt haben, können Sie diese Nachricht ignorieren; ohne den Code geschieht nichts.',
      ].join('\n'),
    };
  }
  return {
    subject: `Your confirmation code: ${code}`,
    text: [
      `Your code for your data protection request to ${orgName}: ${code}`,
      '',
      `It is valid for ${ttlMinutes} minutes and once only. Enter it on this page: ${requestUrl}`,
      '',
      'If you did not make a request, you can ignore this message; nothing happens without the code.',
    ].join('\n'),
  };
}

export function exportReadyMail(input: { locale: RequestLocale; org: OrgFacts; requestUrl: string; expiresAt: string; timeZone: string }): MailContent {
  const { locale, org, requestUrl } = input;
  const until = day(input.expiresAt, locale, input.timeZone);
  if (locale === 'de') {
    return {
      subject: `Ihre Daten sind bereit — ${org.legalName}`,
      text: [
        'Die Auskunft zu Ihren Daten (Art. 15 DSGVO) ist fertig.',
        `Auf dieser Seite fordern Sie einen neuen Code an und laden die Datei herunter: ${requestUrl}`,
        `Der Download ist bis zum ${until} möglich.`,
        ...footer(locale, org),
      ].join('\n'),
    };
  }
  return {
    subject: `Your data is ready — ${org.legalName}`,
    text: [
      'The copy of your data you asked for (Art. 15 GDPR) is ready.',
      `On this page you ask for a new code and download the file: ${requestUrl}`,
      `You can download it until ${until}.`,
      ...footer(locale, org),
    ].join('\n'),
  };
}

export interface ErasureMailReport {
  readonly erased: readonly { category: string; count: number }[];
  readonly kept: readonly { category: string; reason: 'legal_hold' | 'legal_obligation' | 'consent_proof'; reference: string; until: string }[];
}

const keptReason: Record<RequestLocale, Record<ErasureMailReport['kept'][number]['reason'], string>> = {
  en: { legal_hold: 'a legal hold', legal_obligation: 'a legal obligation to keep it', consent_proof: 'proof of your consent decisions' },
  de: { legal_hold: 'eine rechtliche Aufbewahrungsanordnung', legal_obligation: 'eine gesetzliche Aufbewahrungspflicht', consent_proof: 'den Nachweis Ihrer Einwilligungsentscheidungen' },
};

/** What each category of the erasure report means, in the requester's words. */
const categoryNames: Record<RequestLocale, Record<string, string>> = {
  en: {
    subject: 'your customer record',
    subjectContact: 'your name and email address',
    participants: 'your participation in calls',
    calls: 'calls you took part in',
    attendance: 'when you joined and left calls',
    chatMessages: 'chat messages you sent',
    consentRecords: 'consent decisions',
    recordings: 'recordings you appear in',
    recordingTracks: 'recordings of you (audio and video)',
    exports: 'copies of your data made for you',
    mails: 'emails sent to you',
    rightsRequests: 'your data protection requests',
  },
  de: {
    subject: 'Ihr Kundendatensatz',
    subjectContact: 'Ihr Name und Ihre E-Mail-Adresse',
    participants: 'Ihre Teilnahme an Gesprächen',
    calls: 'Gespräche, an denen Sie teilgenommen haben',
    attendance: 'wann Sie Gesprächen beigetreten sind und sie verlassen haben',
    chatMessages: 'von Ihnen gesendete Chatnachrichten',
    consentRecords: 'Einwilligungsentscheidungen',
    recordings: 'Aufzeichnungen, in denen Sie vorkommen',
    recordingTracks: 'Aufzeichnungen von Ihnen (Ton und Bild)',
    exports: 'für Sie erstellte Kopien Ihrer Daten',
    mails: 'an Sie gesendete E-Mails',
    rightsRequests: 'Ihre Datenschutzanfragen',
  },
};
const categoryName = (locale: RequestLocale, category: string) => categoryNames[locale][category] ?? category;

export function erasureMail(input: { locale: RequestLocale; org: OrgFacts; report: ErasureMailReport; timeZone: string }): MailContent {
  const { locale, org, report } = input;
  const de = locale === 'de';
  const erased = report.erased.filter((e) => e.count > 0).map((e) => `- ${categoryName(locale, e.category)}: ${e.count}`);
  const kept = report.kept.map(
    (k) =>
      `- ${categoryName(locale, k.category)}: ${keptReason[locale][k.reason]} (${k.reference}), ${de ? 'bis' : 'until'} ${day(k.until, locale, input.timeZone)}`,
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
      de
        ? `Sie können sich bei der Aufsichtsbehörde beschweren: ${org.supervisoryAuthority}.`
        : `You may complain to the supervisory authority: ${org.supervisoryAuthority}.`,
      ...footer(locale, org),
    ].join('\n'),
  };
}

export function restrictedMail(input: { locale: RequestLocale; org: OrgFacts }): MailContent {
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

export function restrictionLiftedMail(input: { locale: RequestLocale; org: OrgFacts; noticeText: string }): MailContent {
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
        ? `Sie können sich bei der Aufsichtsbehörde beschweren: ${org.supervisoryAuthority}.`
        : `You may complain to the supervisory authority: ${org.supervisoryAuthority}.`,
      ...footer(locale, org),
    ].join('\n'),
  };
}

export function completedMail(input: { locale: RequestLocale; org: OrgFacts; type: RequestType; note: string }): MailContent {
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
  org: OrgFacts;
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
          `Sie können sich bei der Aufsichtsbehörde beschweren: ${org.supervisoryAuthority}.`,
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
          `You may complain to the supervisory authority: ${org.supervisoryAuthority}.`,
          ...footer(locale, org),
        ].join('\n'),
      };
}

/** G30: a refusal states its reasons and the right to complain to a supervisory authority and to go to court. */
export function refusalMail(input: { locale: RequestLocale; org: OrgFacts; type: RequestType; reasons: string }): MailContent {
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
          `Sie haben das Recht, sich bei einer Aufsichtsbehörde zu beschweren (Art. 77 DSGVO), zum Beispiel bei: ${org.supervisoryAuthority}, und einen gerichtlichen Rechtsbehelf einzulegen (Art. 79 DSGVO).`,
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
          `You have the right to lodge a complaint with a supervisory authority (Art. 77 GDPR), for example: ${org.supervisoryAuthority}, and to seek a judicial remedy (Art. 79 GDPR).`,
          ...footer(locale, org),
        ].join('\n'),
      };
}
