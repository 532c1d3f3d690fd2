import * as ics from 'ics';
import type { CallTypeView } from '../call-types/call-type.schema.ts';
import type { MailContent } from '../mail/mail.schema.ts';
import type { Locale } from './scheduling.schema.ts';
import { longDateTime } from '../shared/dates.ts';

/**
 * The mails around a scheduled call: the customer's invitation (a short notice, the link to the full one, the
 * right to object stated on its own, G17, and an .ics), the agent's confirmation, and the reschedule and cancel
 * notices. Plain text: every mail client shows it, and nothing in it loads from anywhere. Every mail to the
 * customer ends with the link to the organisation's rights page; the agent's confirmation names the customer and
 * is queued with her subject id, so her erasure reaches it.
 */
export interface CallMailFacts {
  readonly callId: string;
  readonly sequence: number;
  readonly startsAt: Date;
  readonly durationMinutes: number;
  readonly locale: Locale;
  readonly organisation: { readonly legalName: string; readonly contactEmail: string; readonly privacyPolicyUrl: string | null };
  readonly callType: Pick<CallTypeView, 'name' | 'purposes' | 'recordingMode' | 'retention'>;
  readonly agentName: string;
  readonly customerName: string;
  readonly joinUrl: string;
  /** The organisation's public rights page (`/rights/<orgId>`): every customer mail links it (issue 12, finding 7). */
  readonly rightsPageUrl: string;
  readonly domain: string;
  /** IANA zone the times in the text are shown in (the .ics carries UTC, so calendars convert). */
  readonly timeZone: string;
}

type Kind = 'invitation' | 'rescheduled' | 'cancelled' | 'agent_confirmation';

const basisText: Record<Locale, Record<string, string>> = {
  en: {
    contract: 'to provide the consultation you asked for (contract)',
    consent: 'only with your consent, which you can refuse or withdraw at any time',
    legal_obligation: 'because the law requires it',
    legitimate_interest: 'on our legitimate interest',
  },
  de: {
    contract: 'um das von Ihnen gewünschte Gespräch zu führen (Vertrag)',
    consent: 'nur mit Ihrer Einwilligung, die Sie verweigern oder jederzeit widerrufen können',
    legal_obligation: 'weil das Gesetz es verlangt',
    legitimate_interest: 'auf Grundlage unseres berechtigten Interesses',
  },
};

const purposeText: Record<Locale, Record<string, string>> = {
  en: { call_delivery: 'The video call', recording: 'Recording the call', chat: 'Keeping the chat', training_qa: 'Using recordings for training and quality', analytics: 'Call statistics' },
  de: { call_delivery: 'Das Videogespräch', recording: 'Aufzeichnung des Gesprächs', chat: 'Speichern des Chats', training_qa: 'Nutzung von Aufzeichnungen für Schulung und Qualität', analytics: 'Gesprächsstatistiken' },
};

function when(facts: CallMailFacts): string {
  return longDateTime(facts.startsAt, facts.locale, facts.timeZone);
}

function shortNotice(facts: CallMailFacts): string[] {
  const { organisation: org, callType: ct, locale } = facts;
  const lines = ct.purposes.map((p) => `- ${purposeText[locale][p.purpose]}: ${basisText[locale][p.basis]}.`);
  if (locale === 'de') {
    return [
      'Datenschutz in Kürze',
      `Verantwortlich: ${org.legalName}${org.contactEmail ? ` (${org.contactEmail})` : ''}.`,
      'Wir verarbeiten Ihren Namen, Ihre E-Mail-Adresse und Bild und Ton während des Gesprächs:',
      ...lines,
      ct.recordingMode === 'off' ? 'Das Gespräch wird nicht aufgezeichnet.' : ct.recordingMode === 'legal_obligation' ? 'Das Gespräch wird aufgezeichnet, weil das Gesetz es verlangt.' : 'Aufgezeichnet wird nur, wenn Sie im Gespräch zustimmen.',
      `Gesprächsdaten werden nach ${ct.retention.callMetadataDays} Tagen gelöscht.`,
      `Die vollständigen Datenschutzhinweise sehen Sie über Ihren Link, bevor Kamera oder Mikrofon angefragt werden: ${facts.joinUrl}`,
      ...(org.privacyPolicyUrl ? [`Unsere Datenschutzerklärung: ${org.privacyPolicyUrl}`] : []),
    ];
  }
  return [
    'Privacy in brief',
    `Controller: ${org.legalName}${org.contactEmail ? ` (${org.contactEmail})` : ''}.`,
    'We process your name, your email address and your picture and voice during the call:',
    ...lines,
    ct.recordingMode === 'off' ? 'The call is not recorded.' : ct.recordingMode === 'legal_obligation' ? 'The call is recorded because the law requires it.' : 'It is recorded only if you agree in the call.',
    `Call details are deleted after ${ct.retention.callMetadataDays} days.`,
    `You see the full privacy notice through your link before your camera or microphone is asked for: ${facts.joinUrl}`,
    ...(org.privacyPolicyUrl ? [`Our privacy policy: ${org.privacyPolicyUrl}`] : []),
  ];
}

/**
 * Art. 21(4): the right to object, brought to attention clearly and separately from other information. It names
 * the purposes that rest on legitimate interests; when none does, it says so, so the reader is not left guessing.
 */
function rightToObject(facts: CallMailFacts): string[] {
  const contact = facts.organisation.contactEmail || facts.organisation.legalName;
  const de = facts.locale === 'de';
  const relying = facts.callType.purposes.filter((p) => p.basis === 'legitimate_interest').map((p) => purposeText[facts.locale][p.purpose]);
  if (relying.length === 0) {
    return de
      ? ['Ihr Widerspruchsrecht', `Für dieses Gespräch stützen wir uns nicht auf berechtigte Interessen. Sollte sich das ändern, können Sie jederzeit widersprechen (Art. 21 DSGVO): im Gespräch oder per Nachricht an ${contact}.`]
      : ['Your right to object', `For this call we do not rely on legitimate interests. Should that change, you may object at any time (Art. 21 GDPR): in the call, or by writing to ${contact}.`];
  }
  return de
    ? ['Ihr Widerspruchsrecht', `Sie können jederzeit widersprechen, soweit wir uns auf berechtigte Interessen stützen (${relying.join(', ')}; Art. 21 DSGVO): im Gespräch oder per Nachricht an ${contact}.`]
    : ['Your right to object', `You may object at any time where we rely on legitimate interests (${relying.join(', ')}; Art. 21 GDPR): in the call, or by writing to ${contact}.`];
}

/** Where the customer asks for access, erasure, restriction, objection or correction (Art. 12(2): make it easy). */
function rightsLine(facts: CallMailFacts): string {
  // The page opens in the language of the mail.
  const url = `${facts.rightsPageUrl}?locale=${facts.locale}`;
  return facts.locale === 'de'
    ? `Ihre Datenschutzrechte (Auskunft, Löschung, Einschränkung, Widerspruch, Berichtigung) nehmen Sie hier wahr: ${url}`
    : `To use your data protection rights (access, erasure, restriction, objection, correction), go to: ${url}`;
}

function calendar(facts: CallMailFacts, method: 'REQUEST' | 'CANCEL'): string {
  const start = facts.startsAt;
  const { error, value } = ics.createEvent({
    productId: 'Parley',
    uid: `${facts.callId}@${facts.domain}`,
    sequence: facts.sequence,
    method,
    status: method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    // The instant itself (ms since the epoch), written to the second: a call at 10:00:30 starts at 10:00:30 in the
    // calendar too. The [y, m, d, h, min] form this replaced dropped the seconds (issue 12, finding 18).
    start: start.getTime(),
    startInputType: 'utc',
    startOutputType: 'utc',
    duration: { minutes: facts.durationMinutes },
    title: `${facts.callType.name} — ${facts.organisation.legalName}`,
    description: `${facts.joinUrl}`,
    url: facts.joinUrl,
  });
  if (error || !value) throw new Error(`could not build the calendar entry: ${error?.message ?? 'empty'}`);
  return value;
}

export function callMail(kind: Kind, facts: CallMailFacts): MailContent {
  const de = facts.locale === 'de';
  const org = facts.organisation.legalName;
  const time = when(facts);
  const ctName = facts.callType.name;
  const attach = (method: 'REQUEST' | 'CANCEL') => [{ filename: 'invite.ics', contentType: `text/calendar; method=${method}`, content: calendar(facts, method) }];
  const greeting = de ? `Guten Tag ${facts.customerName},` : `Hello ${facts.customerName},`;
  const notice = [...shortNotice(facts), '', ...rightToObject(facts), '', rightsLine(facts)];

  switch (kind) {
    case 'invitation':
      return {
        toName: facts.customerName,
        subject: de ? `Einladung: ${ctName} mit ${org}` : `Invitation: ${ctName} with ${org}`,
        text: [
          greeting,
          '',
          de ? `${facts.agentName} von ${org} lädt Sie zu einem Videogespräch ein:` : `${facts.agentName} of ${org} invites you to a video call:`,
          `${time} (${facts.durationMinutes} min)`,
          '',
          de ? `Teilnehmen (im Browser, ohne Installation): ${facts.joinUrl}` : `Join (in your browser, nothing to install): ${facts.joinUrl}`,
          '',
          ...notice,
        ].join('\n'),
        attachments: attach('REQUEST'),
      };
    case 'rescheduled':
      return {
        toName: facts.customerName,
        subject: de ? `Neuer Termin: ${ctName} mit ${org}` : `New time: ${ctName} with ${org}`,
        text: [greeting, '', de ? `Ihr Gespräch wurde verschoben auf: ${time}.` : `Your call has moved to: ${time}.`, de ? `Ihr Link bleibt gleich: ${facts.joinUrl}` : `Your link stays the same: ${facts.joinUrl}`, '', ...notice].join('\n'),
        attachments: attach('REQUEST'),
      };
    case 'cancelled':
      return {
        toName: facts.customerName,
        subject: de ? `Abgesagt: ${ctName} mit ${org}` : `Cancelled: ${ctName} with ${org}`,
        text: [
          greeting,
          '',
          de ? `Das Gespräch am ${time} wurde abgesagt. Ihr Link gilt nicht mehr.` : `The call on ${time} was cancelled. Your link no longer works.`,
          '',
          ...rightToObject(facts),
          '',
          rightsLine(facts),
        ].join('\n'),
        attachments: attach('CANCEL'),
      };
    case 'agent_confirmation':
      return {
        toName: facts.agentName,
        subject: de ? `Geplant: ${ctName} mit ${facts.customerName}` : `Scheduled: ${ctName} with ${facts.customerName}`,
        text: [
          de ? `Das Gespräch mit ${facts.customerName} ist geplant: ${time} (${facts.durationMinutes} min).` : `Your call with ${facts.customerName} is scheduled: ${time} (${facts.durationMinutes} min).`,
          de ? 'Die Einladung wurde verschickt. Sie starten das Gespräch in der Parley-Konsole.' : 'The invitation was sent. You start the call from the Parley console.',
        ].join('\n'),
        attachments: attach('REQUEST'),
      };
    default: {
      const never: never = kind;
      return never;
    }
  }
}
