import type { BiometricFeature, CallTypePurpose, LawfulBasis } from '../call-types/call-type.schema.ts';
import type { OrganisationView } from '../organisations/organisation.schema.ts';
import type { Locale, SectionKey } from './notice.schema.ts';

/**
 * The fixed wording of a rendered privacy notice, per locale. Everything that varies — names, contacts, purposes,
 * bases, interests, retention days, the recording mode — is passed in from live configuration (G16); nothing
 * here states a number of days or a party by name.
 */
export interface NoticeMessages {
  readonly title: string;
  intro(p: { organisation: string; callType: string }): string;
  readonly headings: Readonly<Record<SectionKey, string>>;
  /** Shown in place of a detail that is still empty (only ever in a preview: such a notice cannot go live). */
  readonly missing: string;
  readonly controller: {
    responsible(organisation: string): string;
    contact(email: string): string;
    readonly representative: string;
  };
  dpo(p: { name: string; email: string; phone: string | null }): string;
  readonly purposes: {
    readonly intro: string;
    readonly labels: Readonly<Record<CallTypePurpose, string>>;
    readonly descriptions: Readonly<Record<CallTypePurpose, string>>;
    readonly bases: Readonly<Record<LawfulBasis, string>>;
    item(p: { label: string; description: string; basis: string }): string;
    interest(text: string): string;
    legalReference(reference: string): string;
  };
  readonly biometrics: {
    readonly features: Readonly<Record<BiometricFeature, string>>;
    text(features: string): string;
  };
  readonly recording: {
    readonly off: string;
    readonly consent: string;
    legalObligation(reference: string): string;
    readonly trainingQa: string;
  };
  readonly provision: readonly string[];
  readonly transfers: {
    readonly regions: Readonly<Record<OrganisationView['residencyRegion'], string>>;
    readonly eea: string;
    outside(p: { region: string; safeguard: string }): string;
  };
  readonly retention: {
    readonly callMetadata: string;
    readonly chat: string;
    readonly recordings: string;
    readonly consent: string;
    readonly intro: string;
    readonly chatNotKept: string;
    readonly notRecorded: string;
    days(n: number): string;
    item(label: string, value: string): string;
  };
  /** `linkLabel`: the link to the organisation's public rights page, where a request is made and followed. */
  readonly rights: { intro(email: string): string; readonly items: readonly string[]; readonly linkLabel: string };
  readonly objection: { relied(p: { purposes: string; email: string }): string; readonly none: string };
  readonly withdrawal: { text(email: string): string; readonly none: string };
  complaint(authority: string): string;
  readonly automatedDecisions: string;
  readonly privacyPolicy: { readonly text: string; readonly linkLabel: string };
  footer(p: { version: number; hash: string; draft: boolean }): string;
}

const approxYears = (n: number) => Math.round(n / 365.25);

const en: NoticeMessages = {
  title: 'Privacy notice',
  intro: (p) =>
    `Before you join “${p.callType}” with ${p.organisation}, this notice tells you how your personal data is used in the call (Art. 13 GDPR).`,
  headings: {
    controller: 'Who is responsible',
    dpo: 'Data protection officer',
    purposes: 'What we use your data for, and on what legal basis',
    biometrics: 'Analysis of face or voice',
    recording: 'Recording',
    provision: 'Do you have to provide your data?',
    recipients: 'Who receives your data',
    transfers: 'Where your data is stored',
    retention: 'How long we keep your data',
    rights: 'Your rights',
    objection: 'Your right to object',
    withdrawal: 'Withdrawing your consent',
    complaint: 'Complaints',
    automatedDecisions: 'Automated decisions',
    additional: 'Further information',
    privacyPolicy: 'Our privacy policy',
  },
  missing: '[not provided yet]',
  controller: {
    responsible: (organisation) => `${organisation} is responsible for your personal data in this call (the controller).`,
    contact: (email) => `For questions about your data, write to ${email}.`,
    representative: 'Our representative in the European Union (Art. 27 GDPR):',
  },
  dpo: (p) => `You can reach our data protection officer, ${p.name}, at ${p.email}${p.phone ? ` or by phone on ${p.phone}` : ''}.`,
  purposes: {
    intro: 'We use your personal data in this call for the following purposes, each on one legal basis:',
    labels: {
      call_delivery: 'Holding the call',
      recording: 'Recording',
      chat: 'Keeping the chat',
      training_qa: 'Training and quality checks',
      analytics: 'Statistics',
    },
    descriptions: {
      call_delivery:
        'connecting you, passing audio, video, screen sharing and chat between the participants, and noting who took part and when.',
      recording: 'the audio and video of the call are stored.',
      chat: 'keeping the chat messages after the call has ended.',
      training_qa: 'using recordings to train our staff and to check the quality of our service.',
      analytics: 'figures about calls, such as their length and connection quality.',
    },
    bases: {
      consent: 'your consent (Art. 6(1)(a) GDPR)',
      contract: 'a contract with you, or steps you asked for before entering into one (Art. 6(1)(b) GDPR)',
      legal_obligation: 'a legal obligation we are subject to (Art. 6(1)(c) GDPR)',
      legitimate_interest: 'our legitimate interests (Art. 6(1)(f) GDPR)',
    },
    item: (p) => `${p.label}: ${p.description} Legal basis: ${p.basis}.`,
    interest: (text) => `Our legitimate interest: ${text}`,
    legalReference: (reference) => `The law that requires it: ${reference}.`,
  },
  biometrics: {
    features: { face_recognition: 'face recognition', voice_recognition: 'voice recognition', emotion_inference: 'emotion recognition' },
    text: (features) =>
      `This call uses the following features, which analyse your face or voice: ${features}. We assessed their risks in a data protection impact assessment (Art. 35 GDPR).`,
  },
  recording: {
    off: 'This call is not recorded.',
    consent:
      'We record this call only with your consent. You decide before recording starts; if you decline, you still take part in the call and only your audio and video are not recorded. You can withdraw your consent at any time during the call, and the recording of you stops at once.',
    legalObligation: (reference) =>
      `The law requires us to record this call (${reference}). Recording is therefore not optional: if you do not want to be recorded, we cannot hold this conversation as a video call. Please contact us to find another way.`,
    trainingQa:
      'Whether we may also use the recording for training and quality checks is asked separately; saying no changes nothing about the call or the recording.',
  },
  provision: [
    'To take part you give a display name, and your audio and, if you turn on your camera, your video are passed to the other participants. Without this the call cannot take place.',
    'Everything we ask your consent for is optional: you can join the call without agreeing to it.',
  ],
  transfers: {
    regions: {
      EEA: 'the European Economic Area (EEA)',
      CH: 'Switzerland',
      UK: 'the United Kingdom',
      US: 'the United States',
      other: 'a country outside the European Economic Area',
    },
    eea: 'Call data, recordings and backups are stored in the European Economic Area (EEA).',
    outside: (p) =>
      `Call data, recordings and backups are stored in ${p.region}, outside the European Economic Area. The transfer is protected by: ${p.safeguard}`,
  },
  retention: {
    callMetadata: 'Call details (who took part, when and for how long)',
    chat: 'Chat messages',
    recordings: 'Recordings',
    consent: 'Records of your consent and its withdrawal',
    intro:
      'We keep your data for the periods below, counted from the end of the call. After that it is deleted, unless the law requires us to keep it longer or it is needed to establish, exercise or defend legal claims.',
    chatNotKept: 'not kept after the call',
    notRecorded: 'none: this call is not recorded',
    days: (n) => {
      if (n === 0) return 'deleted when the call ends';
      const base = n === 1 ? '1 day' : `${n} days`;
      if (n < 365) return base;
      const y = approxYears(n);
      return `${base} (about ${y} ${y === 1 ? 'year' : 'years'})`;
    },
    item: (label, value) => `${label}: ${value}.`,
  },
  rights: {
    intro: (email) =>
      `You have the following rights regarding your personal data. To use them, make a request on our data protection rights page (linked below) or write to ${email}; it is free of charge, and we answer within one month.`,
    items: [
      'Access: you can ask whether we process data about you and receive a copy of it (Art. 15 GDPR).',
      'Rectification: you can have incorrect data corrected (Art. 16 GDPR).',
      'Erasure: you can have your data deleted when there is no longer a reason to keep it (Art. 17 GDPR).',
      'Restriction: you can have the use of your data restricted, for example while its accuracy is checked (Art. 18 GDPR).',
      'Objection: you can object to processing based on our legitimate interests (Art. 21 GDPR, see below).',
      'Portability: you can receive the data you provided in a machine-readable format, or have it sent to another controller (Art. 20 GDPR).',
    ],
    linkLabel: 'Make a request on our data protection rights page',
  },
  objection: {
    relied: (p) =>
      `Where we rely on our legitimate interests (${p.purposes}), you may object at any time on grounds relating to your particular situation. We then stop, unless we can show compelling legitimate grounds that override your interests. You can object in the call or by writing to ${p.email}.`,
    none: 'You may object at any time to processing based on our legitimate interests (Art. 21 GDPR). In this call, none of the purposes above relies on them.',
  },
  withdrawal: {
    text: (email) =>
      `Where we rely on your consent, you can withdraw it at any time, as easily as you gave it: in the call with one click, or by writing to ${email}. Withdrawal does not affect the lawfulness of what was done before it (Art. 7(3) GDPR).`,
    none: 'In this call, none of the purposes above relies on your consent.',
  },
  complaint: (authority) =>
    `You have the right to complain to a data protection supervisory authority, in particular in the EU member state where you live or work or where you think the infringement took place (Art. 77 GDPR). The authority responsible for us is: ${authority}.`,
  automatedDecisions: 'We make no decisions about you based solely on automated processing, including profiling (Art. 22 GDPR).',
  privacyPolicy: { text: 'More about how we handle personal data is in our full privacy policy.', linkLabel: 'Read our privacy policy' },
  footer: (p) =>
    p.draft
      ? `Draft of privacy notice version ${p.version}, not yet published (fingerprint ${p.hash.slice(0, 12)}).`
      : `Privacy notice version ${p.version} (fingerprint ${p.hash.slice(0, 12)}).`,
};

const de: NoticeMessages = {
  title: 'Datenschutzhinweise',
  intro: (p) =>
    `Bevor Sie am Gespräch „${p.callType}“ mit ${p.organisation} teilnehmen, informieren wir Sie hier darüber, wie Ihre personenbezogenen Daten im Gespräch verarbeitet werden (Art. 13 DSGVO).`,
  headings: {
    controller: 'Verantwortlicher',
    dpo: 'Datenschutzbeauftragter',
    purposes: 'Zwecke der Verarbeitung und Rechtsgrundlagen',
    biometrics: 'Auswertung von Gesicht oder Stimme',
    recording: 'Aufzeichnung',
    provision: 'Müssen Sie Ihre Daten bereitstellen?',
    recipients: 'Empfänger Ihrer Daten',
    transfers: 'Speicherort Ihrer Daten',
    retention: 'Speicherdauer',
    rights: 'Ihre Rechte',
    objection: 'Ihr Widerspruchsrecht',
    withdrawal: 'Widerruf Ihrer Einwilligung',
    complaint: 'Beschwerderecht',
    automatedDecisions: 'Automatisierte Entscheidungen',
    additional: 'Weitere Informationen',
    privacyPolicy: 'Unsere Datenschutzerklärung',
  },
  missing: '[noch nicht angegeben]',
  controller: {
    responsible: (organisation) =>
      `Verantwortlich für die Verarbeitung Ihrer personenbezogenen Daten in diesem Gespräch ist ${organisation}.`,
    contact: (email) => `Bei Fragen zu Ihren Daten schreiben Sie uns an ${email}.`,
    representative: 'Unser Vertreter in der Europäischen Union (Art. 27 DSGVO):',
  },
  dpo: (p) =>
    `Unseren Datenschutzbeauftragten (${p.name}) erreichen Sie unter ${p.email}${p.phone ? ` oder telefonisch unter ${p.phone}` : ''}.`,
  purposes: {
    intro: 'Wir verarbeiten Ihre personenbezogenen Daten in diesem Gespräch zu folgenden Zwecken, jeweils auf genau einer Rechtsgrundlage:',
    labels: {
      call_delivery: 'Durchführung des Gesprächs',
      recording: 'Aufzeichnung',
      chat: 'Speicherung des Chats',
      training_qa: 'Schulung und Qualitätssicherung',
      analytics: 'Statistik',
    },
    descriptions: {
      call_delivery:
        'Verbindungsaufbau, Übertragung von Ton, Bild, Bildschirmfreigabe und Chat zwischen den Teilnehmenden sowie die Erfassung, wer wann teilgenommen hat.',
      recording: 'Ton und Bild des Gesprächs werden gespeichert.',
      chat: 'Speicherung der Chatnachrichten über das Ende des Gesprächs hinaus.',
      training_qa: 'Nutzung von Aufzeichnungen zur Schulung unserer Beschäftigten und zur Sicherung der Qualität unserer Leistungen.',
      analytics: 'Auswertung von Kennzahlen der Gespräche, etwa Dauer und Verbindungsqualität.',
    },
    bases: {
      consent: 'Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)',
      contract: 'die Erfüllung eines Vertrags mit Ihnen oder die Durchführung vorvertraglicher Maßnahmen auf Ihre Anfrage (Art. 6 Abs. 1 lit. b DSGVO)',
      legal_obligation: 'die Erfüllung einer rechtlichen Verpflichtung, der wir unterliegen (Art. 6 Abs. 1 lit. c DSGVO)',
      legitimate_interest: 'unsere berechtigten Interessen (Art. 6 Abs. 1 lit. f DSGVO)',
    },
    item: (p) => `${p.label}: ${p.description} Rechtsgrundlage: ${p.basis}.`,
    interest: (text) => `Unser berechtigtes Interesse: ${text}`,
    legalReference: (reference) => `Die gesetzliche Pflicht ergibt sich aus: ${reference}.`,
  },
  biometrics: {
    features: { face_recognition: 'Gesichtserkennung', voice_recognition: 'Stimmerkennung', emotion_inference: 'Emotionserkennung' },
    text: (features) =>
      `In diesem Gespräch werden folgende Funktionen eingesetzt, die Ihr Gesicht oder Ihre Stimme auswerten: ${features}. Ihre Risiken haben wir in einer Datenschutz-Folgenabschätzung bewertet (Art. 35 DSGVO).`,
  },
  recording: {
    off: 'Dieses Gespräch wird nicht aufgezeichnet.',
    consent:
      'Wir zeichnen dieses Gespräch nur mit Ihrer Einwilligung auf. Sie entscheiden, bevor die Aufzeichnung beginnt. Lehnen Sie ab, nehmen Sie trotzdem am Gespräch teil; nur Ihr Ton und Bild werden nicht aufgezeichnet. Sie können Ihre Einwilligung während des Gesprächs jederzeit widerrufen; dann werden Sie sofort nicht mehr aufgezeichnet.',
    legalObligation: (reference) =>
      `Wir sind gesetzlich verpflichtet, dieses Gespräch aufzuzeichnen (${reference}). Die Aufzeichnung ist daher nicht freiwillig: Möchten Sie nicht aufgezeichnet werden, können wir dieses Gespräch nicht als Videogespräch führen. Bitte sprechen Sie uns an, damit wir einen anderen Weg finden.`,
    trainingQa:
      'Ob wir die Aufzeichnung zusätzlich für Schulung und Qualitätssicherung nutzen dürfen, fragen wir Sie gesondert; lehnen Sie ab, ändert das nichts am Gespräch oder an der Aufzeichnung.',
  },
  provision: [
    'Um teilzunehmen, geben Sie einen Anzeigenamen an; Ihr Ton und, wenn Sie Ihre Kamera einschalten, Ihr Bild werden an die anderen Teilnehmenden übertragen. Ohne diese Daten kann das Gespräch nicht stattfinden.',
    'Alles, wofür wir Sie um Ihre Einwilligung bitten, ist freiwillig: Sie können auch ohne Einwilligung am Gespräch teilnehmen.',
  ],
  transfers: {
    regions: {
      EEA: 'dem Europäischen Wirtschaftsraum (EWR)',
      CH: 'der Schweiz',
      UK: 'dem Vereinigten Königreich',
      US: 'den Vereinigten Staaten',
      other: 'einem Land außerhalb des Europäischen Wirtschaftsraums',
    },
    eea: 'Gesprächsdaten, Aufzeichnungen und Sicherungskopien werden im Europäischen Wirtschaftsraum (EWR) gespeichert.',
    outside: (p) =>
      `Gesprächsdaten, Aufzeichnungen und Sicherungskopien werden in ${p.region} gespeichert, also außerhalb des Europäischen Wirtschaftsraums. Die Übermittlung ist abgesichert durch: ${p.safeguard}`,
  },
  retention: {
    callMetadata: 'Gesprächsdaten (wer wann wie lange teilgenommen hat)',
    chat: 'Chatnachrichten',
    recordings: 'Aufzeichnungen',
    consent: 'Nachweise Ihrer Einwilligung und ihres Widerrufs',
    intro:
      'Wir speichern Ihre Daten für die unten genannten Zeiträume, gerechnet ab dem Ende des Gesprächs. Danach werden sie gelöscht, es sei denn, wir sind gesetzlich zu einer längeren Aufbewahrung verpflichtet oder sie werden zur Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen benötigt.',
    chatNotKept: 'werden nach dem Gespräch nicht gespeichert',
    notRecorded: 'keine, dieses Gespräch wird nicht aufgezeichnet',
    days: (n) => {
      if (n === 0) return 'Löschung mit Ende des Gesprächs';
      const base = n === 1 ? '1 Tag' : `${n} Tage`;
      if (n < 365) return base;
      const y = approxYears(n);
      return `${base} (etwa ${y} ${y === 1 ? 'Jahr' : 'Jahre'})`;
    },
    item: (label, value) => `${label}: ${value}.`,
  },
  rights: {
    intro: (email) =>
      `Ihnen stehen hinsichtlich Ihrer personenbezogenen Daten folgende Rechte zu. Um sie auszuüben, stellen Sie eine Anfrage auf unserer Seite zu Ihren Datenschutzrechten (Link unten) oder schreiben Sie an ${email}; das ist für Sie kostenlos, und wir antworten innerhalb eines Monats.`,
    items: [
      'Auskunft: Sie können erfragen, ob wir Daten über Sie verarbeiten, und eine Kopie dieser Daten erhalten (Art. 15 DSGVO).',
      'Berichtigung: Sie können unrichtige Daten berichtigen lassen (Art. 16 DSGVO).',
      'Löschung: Sie können die Löschung Ihrer Daten verlangen, wenn es keinen Grund mehr gibt, sie aufzubewahren (Art. 17 DSGVO).',
      'Einschränkung: Sie können verlangen, dass die Verarbeitung Ihrer Daten eingeschränkt wird, etwa solange ihre Richtigkeit geprüft wird (Art. 18 DSGVO).',
      'Widerspruch: Sie können einer Verarbeitung widersprechen, die auf unseren berechtigten Interessen beruht (Art. 21 DSGVO, siehe unten).',
      'Datenübertragbarkeit: Sie können die von Ihnen bereitgestellten Daten in einem maschinenlesbaren Format erhalten oder an einen anderen Verantwortlichen übermitteln lassen (Art. 20 DSGVO).',
    ],
    linkLabel: 'Anfrage auf unserer Seite zu Ihren Datenschutzrechten stellen',
  },
  objection: {
    relied: (p) =>
      `Soweit wir uns auf berechtigte Interessen stützen (${p.purposes}), können Sie aus Gründen, die sich aus Ihrer besonderen Situation ergeben, jederzeit widersprechen. Wir verarbeiten Ihre Daten dann nicht mehr zu diesen Zwecken, es sei denn, wir können zwingende schutzwürdige Gründe nachweisen, die Ihre Interessen überwiegen. Sie können im Gespräch oder per E-Mail an ${p.email} widersprechen.`,
    none: 'Sie können einer Verarbeitung, die auf unseren berechtigten Interessen beruht, jederzeit widersprechen (Art. 21 DSGVO). In diesem Gespräch stützen wir keinen der oben genannten Zwecke auf berechtigte Interessen.',
  },
  withdrawal: {
    text: (email) =>
      `Soweit die Verarbeitung auf Ihrer Einwilligung beruht, können Sie diese jederzeit widerrufen, und zwar ebenso einfach, wie Sie sie erteilt haben: im Gespräch mit einem Klick oder per E-Mail an ${email}. Die Rechtmäßigkeit der bis zum Widerruf erfolgten Verarbeitung bleibt davon unberührt (Art. 7 Abs. 3 DSGVO).`,
    none: 'In diesem Gespräch beruht keiner der oben genannten Zwecke auf Ihrer Einwilligung.',
  },
  complaint: (authority) =>
    `Sie haben das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren, insbesondere in dem Mitgliedstaat Ihres Aufenthaltsorts, Ihres Arbeitsplatzes oder des Orts des mutmaßlichen Verstoßes (Art. 77 DSGVO). Die für uns zuständige Aufsichtsbehörde ist: ${authority}.`,
  automatedDecisions:
    'Wir treffen keine Entscheidungen über Sie, die ausschließlich auf einer automatisierten Verarbeitung einschließlich Profiling beruhen (Art. 22 DSGVO).',
  privacyPolicy: {
    text: 'Mehr darüber, wie wir mit personenbezogenen Daten umgehen, lesen Sie in unserer vollständigen Datenschutzerklärung.',
    linkLabel: 'Zur Datenschutzerklärung',
  },
  footer: (p) =>
    p.draft
      ? `Entwurf der Datenschutzhinweise, Version ${p.version}, noch nicht veröffentlicht (Prüfsumme ${p.hash.slice(0, 12)}).`
      : `Datenschutzhinweise, Version ${p.version} (Prüfsumme ${p.hash.slice(0, 12)}).`,
};

export const noticeMessages: Readonly<Record<Locale, NoticeMessages>> = { en, de };
