/**
 * Every word of an access export a person reads — the manifest's explanations and the summary page — in English
 * and German, the language the person used on the rights page (issue 12, finding 9). Plain words for a customer,
 * not a lawyer; codes stay only where a program reads them (`category`, `right`, `purpose` keys in manifest.json,
 * everything in data.json).
 */
export type ExportLocale = 'en' | 'de';

export interface PurposeWords {
  readonly label: string;
  readonly description: string;
}

export interface ExportTexts {
  /** Name of the summary file in the ZIP: what a person opens first. */
  readonly summaryFile: string;
  readonly dateLocale: string;
  /** What each data category holds, in a sentence (manifest.json `dataCategories[].description`). */
  readonly categories: Readonly<Record<string, string>>;
  /** The same categories, short, as table labels. */
  readonly categoryNames: Readonly<Record<string, string>>;
  readonly rights: Readonly<Record<'access' | 'rectification' | 'erasure' | 'restriction' | 'objection' | 'portability' | 'withdraw_consent', { article: string; description: string }>>;
  readonly purposes: Readonly<Record<string, PurposeWords>>;
  readonly bases: Readonly<Record<string, string>>;
  purposeText(p: { label: string; description: string; basis: string; interest: string | null; legalReference: string | null; callTypes: readonly string[] }): string;
  readonly retention: {
    afterCall(days: string): string;
    chatNotKept: string;
    notRecorded: string;
    legalMinimum(days: string, reference: string | null): string;
    untilWithdrawn(days: string): string;
    consent(days: string): string;
    contact(until: string | null): string;
    mail(days: string): string;
    exports(days: string): string;
    /** Rights requests are kept REQUEST_RETENTION_DAYS (three years, requests.ts) after receipt. */
    readonly requests: string;
    days(n: number): string;
  };
  complaint(authority: string | null): string;
  source(organisation: string): string;
  readonly automatedDecisions: string;
  readonly summary: SummaryTexts;
}

export interface SummaryTexts {
  title(organisation: string): string;
  intro(date: string): string;
  readonly howToRead: readonly string[];
  readonly nothingOnFile: string;
  readonly none: string;
  readonly headings: {
    readonly controller: string;
    readonly contact: string;
    readonly calls: string;
    readonly consents: string;
    readonly chat: string;
    readonly recordings: string;
    readonly requests: string;
    readonly mails: string;
    readonly purposes: string;
    readonly recipients: string;
    readonly transfers: string;
    readonly retention: string;
    readonly rights: string;
    readonly complaint: string;
    readonly source: string;
    readonly automated: string;
  };
  readonly explain: {
    readonly calls: string;
    readonly consents: string;
    readonly chat: string;
    readonly recordings: string;
    readonly requests: string;
    readonly mails: string;
    readonly categories: string;
  };
  readonly controller: { name: string; address: string; contact: string; dpo: string };
  readonly contact: { name: string; email: string; since: string; deletedOn: string; restricted: string };
  readonly columns: {
    readonly when: string;
    readonly callType: string;
    readonly status: string;
    readonly inCall: string;
    readonly call: string;
    readonly question: string;
    readonly decision: string;
    readonly where: string;
    readonly notice: string;
    readonly message: string;
    readonly basis: string;
    readonly length: string;
    readonly file: string;
    readonly request: string;
    readonly answered: string;
    readonly what: string;
    readonly category: string;
    readonly items: string;
    readonly period: string;
  };
  readonly callStatus: Readonly<Record<string, string>>;
  attended(from: string, to: string | null): string;
  readonly notAttended: string;
  readonly decisions: Readonly<Record<'given' | 'declined' | 'withdrawn', string>>;
  readonly methods: Readonly<Record<string, string>>;
  noticeVersion(version: number): string;
  readonly trackBases: Readonly<Record<string, string>>;
  readonly trackSources: Readonly<Record<string, string>>;
  readonly trackStatus: Readonly<Record<string, string>>;
  duration(ms: number | null): string;
  readonly noFile: { readonly e2ee: string; readonly notPlayable: string };
  /** The link to a recording's file in the ZIP. */
  readonly play: string;
  readonly requestTypes: Readonly<Record<string, string>>;
  readonly requestStatus: Readonly<Record<string, string>>;
  readonly mailKinds: Readonly<Record<string, string>>;
  readonly otherMail: string;
  readonly mailStatus: Readonly<Record<string, string>>;
  readonly storage: { eea: string; outside: string };
  /** The sentence on how to use the rights, around a link to the rights page (`link` is its text). */
  useRights(email: string): { readonly before: string; readonly link: string; readonly after: string };
  readonly noticeTextMissing: string;
  footer(date: string): string;
}

const en: ExportTexts = {
  summaryFile: 'summary.html',
  dateLocale: 'en-GB',
  categories: {
    customer_contact: 'Your name and email address, as the organisation entered them to invite you.',
    call_metadata: 'Which calls you were invited to and attended, when, for how long, and which recordings include you.',
    chat: 'Chat messages you sent during calls (kept only where the call type keeps chat).',
    consent_records: 'Your consent decisions: what you were asked, which text and notice version you saw, when you decided.',
    recording: 'Audio and video of you, recorded in calls.',
    rights_requests: 'Your data protection requests and how they were handled.',
    subject_exports: 'Copies of your data made for you, like this one.',
    communications: 'Emails sent to your address (invitations, changes, answers to your requests).',
  },
  categoryNames: {
    customer_contact: 'Your name and email address',
    call_metadata: 'Details of your calls',
    chat: 'Chat messages',
    consent_records: 'Consent decisions',
    recording: 'Recordings',
    rights_requests: 'Your data protection requests',
    subject_exports: 'Copies of your data',
    communications: 'Emails to you',
  },
  rights: {
    access: { article: 'Art. 15 GDPR', description: 'You can ask what data about you is held and get a copy (this export).' },
    rectification: { article: 'Art. 16 GDPR', description: 'You can have wrong data about you corrected and incomplete data completed.' },
    erasure: { article: 'Art. 17 GDPR', description: 'You can have your data erased, unless a law requires it to be kept (you are told which and until when).' },
    restriction: { article: 'Art. 18 GDPR', description: 'You can have processing restricted: the data stays stored but is not used or deleted until the restriction is lifted.' },
    objection: { article: 'Art. 21 GDPR', description: 'You can object to processing based on legitimate interests; it then stops unless there are compelling grounds.' },
    portability: { article: 'Art. 20 GDPR', description: 'You get the data you provided in a machine-readable format (data.json, described by its published JSON Schema) and may pass it on.' },
    withdraw_consent: { article: 'Art. 7(3) GDPR', description: 'You can withdraw any consent at any time, as easily as you gave it; what was done before stays lawful.' },
  },
  purposes: {
    call_delivery: { label: 'Holding the call', description: 'connecting you, passing audio, video, screen sharing and chat between the participants, and noting who took part and when' },
    recording: { label: 'Recording', description: 'storing the audio and video of the call' },
    chat: { label: 'Keeping the chat', description: 'keeping the chat messages after the call has ended' },
    training_qa: { label: 'Training and quality checks', description: 'using recordings to train staff and to check the quality of the service' },
    analytics: { label: 'Statistics', description: 'figures about calls, such as their length and connection quality' },
    consent_proof: { label: 'Proof of consent', description: 'keeping a record of your consent decisions, because the law requires the organisation to be able to prove them' },
    rights_requests: { label: 'Your data protection requests', description: 'handling your requests and keeping a record of how they were handled' },
  },
  bases: {
    consent: 'your consent (Art. 6(1)(a) GDPR)',
    contract: 'a contract with you, or steps you asked for before entering into one (Art. 6(1)(b) GDPR)',
    legal_obligation: 'a legal obligation of the organisation (Art. 6(1)(c) GDPR)',
    legitimate_interest: 'the organisation\'s legitimate interests (Art. 6(1)(f) GDPR)',
  },
  purposeText: (p) =>
    [
      `${p.label}: ${p.description}. Legal basis: ${p.basis}.`,
      p.interest ? `The interest: ${p.interest}` : '',
      p.legalReference ? `The law: ${p.legalReference}.` : '',
      p.callTypes.length > 0 ? `For: ${p.callTypes.join(', ')}.` : '',
    ]
      .filter((s) => s !== '')
      .join(' '),
  retention: {
    afterCall: (days) => `${days} after the call.`,
    chatNotKept: 'Chat is not kept after the call.',
    notRecorded: 'Calls of this kind are not recorded.',
    legalMinimum: (days, reference) => `${days} after the call; kept at least as long as ${reference ?? 'the law'} requires.`,
    untilWithdrawn: (days) => `${days} after the call, unless you withdraw your consent earlier.`,
    consent: (days) => `${days} after your decision, as proof of consent (Art. 7(1) GDPR).`,
    contact: (until) => `Kept as long as the details of your latest call${until ? ` (until ${until})` : ''}.`,
    mail: (days) => `${days} after the email was written.`,
    exports: (days) => `${days} after the copy was made.`,
    requests: 'Three years after each request, as the record of how it was handled.',
    days: (n) => (n === 1 ? '1 day' : `${n} days`),
  },
  complaint: (authority) =>
    `You have the right to lodge a complaint with a supervisory authority (Art. 77 GDPR), in particular ${authority ? authority : 'the one where you live or work'}.`,
  source: (organisation) =>
    `Your name and email address were entered by ${organisation} when it scheduled a call with you; everything else was recorded during those calls or when you made a request.`,
  automatedDecisions: 'No decisions are made about you by automated means, and no profiling takes place (Art. 22 GDPR).',
  summary: {
    title: (organisation) => `Your data at ${organisation}`,
    intro: (date) => `This is the copy of your personal data that you asked for (Art. 15 GDPR), made on ${date}.`,
    howToRead: [
      'This page explains everything in plain words: what is held about you, why, for how long, and what you can do.',
      'The same data is in the file data.json, in a machine-readable format you can pass on to someone else (Art. 20 GDPR); manifest.json describes it.',
      'Recordings of you are in the folder “recordings”: each file plays in a current web browser or a video player such as VLC.',
    ],
    nothingOnFile: 'Nothing is stored about the email address you gave, apart from your request itself.',
    none: 'None.',
    headings: {
      controller: 'Who holds your data',
      contact: 'Your contact details',
      calls: 'Your calls',
      consents: 'Your consent decisions',
      chat: 'Chat messages you sent',
      recordings: 'Recordings of you',
      requests: 'Your data protection requests',
      mails: 'Emails sent to you',
      purposes: 'Why your data is used, and on what legal basis',
      recipients: 'Who receives your data',
      transfers: 'Where your data is stored',
      retention: 'How long your data is kept',
      rights: 'Your rights',
      complaint: 'Complaints',
      source: 'Where your data comes from',
      automated: 'Automated decisions',
    },
    explain: {
      calls: 'Each call you were invited to, what it was for, and when you were in it.',
      consents: 'Each time you were asked for consent, and what you answered. These records are kept to prove your decisions.',
      chat: 'Only your own messages: other people\'s messages are not yours to receive (Art. 15(4) GDPR).',
      recordings: 'Only the recordings of you; other participants are not included (Art. 15(4) GDPR).',
      requests: 'Each request you made on the rights page.',
      mails: 'The emails the organisation sent to your address through this service.',
      categories: 'What is held, by kind:',
    },
    controller: { name: 'Organisation', address: 'Address', contact: 'Privacy contact', dpo: 'Data protection officer' },
    contact: { name: 'Name', email: 'Email address', since: 'Entered on', deletedOn: 'Deleted on (unless a newer call extends it)', restricted: 'Use restricted since' },
    columns: {
      when: 'When',
      callType: 'What for',
      status: 'Status',
      inCall: 'You were in the call',
      call: 'Call',
      question: 'Asked for',
      decision: 'Your answer',
      where: 'Where',
      notice: 'Privacy notice',
      message: 'Message',
      basis: 'Why recorded',
      length: 'Length',
      file: 'File',
      request: 'Request',
      answered: 'Answered',
      what: 'What',
      category: 'Kind of data',
      items: 'Entries',
      period: 'Kept for',
    },
    callStatus: { scheduled: 'scheduled', cancelled: 'cancelled', ended: 'held' },
    attended: (from, to) => (to ? `from ${from} to ${to}` : `from ${from}`),
    notAttended: 'not attended',
    decisions: { given: 'agreed', declined: 'said no', withdrawn: 'withdrew the consent' },
    methods: { join_page: 'on the page before the call', in_call: 'during the call' },
    noticeVersion: (version) => `version ${version}`,
    trackBases: { consent: 'with your consent', legal_obligation: 'required by law', legitimate_interest: 'legitimate interest of the organisation' },
    trackSources: { camera: 'camera and microphone', screen: 'your shared screen' },
    trackStatus: {
      complete: 'complete',
      incomplete: 'cut short by a technical fault',
      failed: 'failed',
      erased: 'erased',
      recording: 'still being recorded',
      finalising: 'being finished',
    },
    duration: (ms) => {
      if (ms === null) return '—';
      const s = Math.round(ms / 1000);
      const m = Math.floor(s / 60);
      return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
    },
    noFile: {
      e2ee: 'Not included: recorded end to end encrypted, so only the organisation\'s data protection officer can decrypt it. Ask them for a copy.',
      notPlayable: 'Not included: there is nothing that can be played.',
    },
    play: 'Play the recording',
    requestTypes: { access: 'Copy of your data', erasure: 'Erasure of your data', restriction: 'Pausing the use of your data', objection: 'Objection to a use of your data', rectification: 'Correction of your data' },
    requestStatus: {
      unverified: 'waiting for you to confirm your email address',
      open: 'being handled',
      completed: 'done',
      refused: 'refused (the email told you why)',
      withdrawn: 'withdrawn',
      expired: 'expired',
    },
    mailKinds: {
      'call.invitation': 'Invitation to a call',
      'call.rescheduled': 'A call was moved',
      'call.cancelled': 'A call was cancelled',
      'call.reminder': 'Reminder of a call',
      'rights_request.code': 'Confirmation code for your request',
      'rights_request.export_ready': 'Your copy of your data is ready',
      'rights_request.erased': 'Your data was erased',
      'rights_request.restricted': 'Use of your data paused',
      'rights_request.restriction_lifted': 'Pause of the use of your data ended',
      'rights_request.completed': 'Your request is done',
      'rights_request.extended': 'Your request needs more time',
      'rights_request.refused': 'Decision on your request',
    },
    otherMail: 'A message about your calls or requests',
    mailStatus: { queued: 'waiting to be sent', sent: 'sent', failed: 'could not be delivered', kept: 'kept in the organisation\'s outbox' },
    storage: { eea: 'Recordings are stored in the European Economic Area.', outside: 'Recordings are stored outside the European Economic Area.' },
    useRights: (email) => ({
      before: 'To use any of these rights, make a request on ',
      link: 'the data protection rights page',
      after: ` or write to ${email}. It is free of charge, and you get an answer within one month.`,
    }),
    noticeTextMissing: 'The organisation has not described this yet; ask its data protection officer.',
    footer: (date) => `Made on ${date}. This page loads nothing from the internet and runs no programs.`,
  },
};

const de: ExportTexts = {
  summaryFile: 'zusammenfassung.html',
  dateLocale: 'de-DE',
  categories: {
    customer_contact: 'Ihr Name und Ihre E-Mail-Adresse, wie die Organisation sie für die Einladung eingetragen hat.',
    call_metadata: 'Zu welchen Gesprächen Sie eingeladen waren und an welchen Sie teilgenommen haben, wann, wie lange, und welche Aufzeichnungen Sie enthalten.',
    chat: 'Chatnachrichten, die Sie in Gesprächen geschrieben haben (nur gespeichert, wo die Gesprächsart den Chat aufbewahrt).',
    consent_records: 'Ihre Einwilligungsentscheidungen: wonach Sie gefragt wurden, welchen Text und welche Version der Datenschutzhinweise Sie gesehen haben, wann Sie entschieden haben.',
    recording: 'Ton und Bild von Ihnen, in Gesprächen aufgezeichnet.',
    rights_requests: 'Ihre Datenschutzanfragen und wie sie bearbeitet wurden.',
    subject_exports: 'Für Sie erstellte Kopien Ihrer Daten, wie diese.',
    communications: 'E-Mails an Ihre Adresse (Einladungen, Änderungen, Antworten auf Ihre Anfragen).',
  },
  categoryNames: {
    customer_contact: 'Ihr Name und Ihre E-Mail-Adresse',
    call_metadata: 'Angaben zu Ihren Gesprächen',
    chat: 'Chatnachrichten',
    consent_records: 'Einwilligungsentscheidungen',
    recording: 'Aufzeichnungen',
    rights_requests: 'Ihre Datenschutzanfragen',
    subject_exports: 'Kopien Ihrer Daten',
    communications: 'E-Mails an Sie',
  },
  rights: {
    access: { article: 'Art. 15 DSGVO', description: 'Sie können erfragen, welche Daten über Sie gespeichert sind, und eine Kopie erhalten (diese Datei).' },
    rectification: { article: 'Art. 16 DSGVO', description: 'Sie können falsche Daten über Sie berichtigen und unvollständige vervollständigen lassen.' },
    erasure: { article: 'Art. 17 DSGVO', description: 'Sie können Ihre Daten löschen lassen, außer ein Gesetz verlangt, sie aufzubewahren (Sie erfahren, welches und bis wann).' },
    restriction: { article: 'Art. 18 DSGVO', description: 'Sie können die Verarbeitung einschränken lassen: Die Daten bleiben gespeichert, werden aber weder genutzt noch gelöscht, bis die Einschränkung aufgehoben wird.' },
    objection: { article: 'Art. 21 DSGVO', description: 'Sie können einer Verarbeitung widersprechen, die auf berechtigten Interessen beruht; sie endet dann, außer es gibt zwingende Gründe.' },
    portability: { article: 'Art. 20 DSGVO', description: 'Sie erhalten die Daten, die Sie bereitgestellt haben, in einem maschinenlesbaren Format (data.json, beschrieben durch ein veröffentlichtes JSON-Schema) und dürfen sie weitergeben.' },
    withdraw_consent: { article: 'Art. 7 Abs. 3 DSGVO', description: 'Sie können jede Einwilligung jederzeit widerrufen, so einfach, wie Sie sie gegeben haben; was vorher geschah, bleibt rechtmäßig.' },
  },
  purposes: {
    call_delivery: { label: 'Durchführung des Gesprächs', description: 'Sie verbinden, Ton, Bild, Bildschirmfreigabe und Chat zwischen den Teilnehmenden übertragen und festhalten, wer wann teilgenommen hat' },
    recording: { label: 'Aufzeichnung', description: 'Ton und Bild des Gesprächs speichern' },
    chat: { label: 'Aufbewahrung des Chats', description: 'die Chatnachrichten nach dem Ende des Gesprächs aufbewahren' },
    training_qa: { label: 'Schulung und Qualitätssicherung', description: 'Aufzeichnungen nutzen, um Mitarbeitende zu schulen und die Qualität des Service zu prüfen' },
    analytics: { label: 'Statistik', description: 'Kennzahlen zu Gesprächen, etwa ihre Dauer und die Verbindungsqualität' },
    consent_proof: { label: 'Nachweis der Einwilligung', description: 'Ihre Einwilligungsentscheidungen festhalten, weil die Organisation sie gesetzlich nachweisen können muss' },
    rights_requests: { label: 'Ihre Datenschutzanfragen', description: 'Ihre Anfragen bearbeiten und festhalten, wie sie bearbeitet wurden' },
  },
  bases: {
    consent: 'Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)',
    contract: 'ein Vertrag mit Ihnen oder vorvertragliche Schritte auf Ihre Anfrage (Art. 6 Abs. 1 lit. b DSGVO)',
    legal_obligation: 'eine rechtliche Verpflichtung der Organisation (Art. 6 Abs. 1 lit. c DSGVO)',
    legitimate_interest: 'berechtigte Interessen der Organisation (Art. 6 Abs. 1 lit. f DSGVO)',
  },
  purposeText: (p) =>
    [
      `${p.label}: ${p.description}. Rechtsgrundlage: ${p.basis}.`,
      p.interest ? `Das Interesse: ${p.interest}` : '',
      p.legalReference ? `Das Gesetz: ${p.legalReference}.` : '',
      p.callTypes.length > 0 ? `Für: ${p.callTypes.join(', ')}.` : '',
    ]
      .filter((s) => s !== '')
      .join(' '),
  retention: {
    afterCall: (days) => `${days} nach dem Gespräch.`,
    chatNotKept: 'Der Chat wird nach dem Gespräch nicht aufbewahrt.',
    notRecorded: 'Gespräche dieser Art werden nicht aufgezeichnet.',
    legalMinimum: (days, reference) => `${days} nach dem Gespräch; mindestens so lange, wie ${reference ?? 'das Gesetz'} es verlangt.`,
    untilWithdrawn: (days) => `${days} nach dem Gespräch, außer Sie widerrufen Ihre Einwilligung früher.`,
    consent: (days) => `${days} nach Ihrer Entscheidung, als Nachweis der Einwilligung (Art. 7 Abs. 1 DSGVO).`,
    contact: (until) => `So lange gespeichert wie die Angaben zu Ihrem letzten Gespräch${until ? ` (bis ${until})` : ''}.`,
    mail: (days) => `${days} nach dem Schreiben der E-Mail.`,
    exports: (days) => `${days} nach dem Erstellen der Kopie.`,
    requests: 'Drei Jahre nach jeder Anfrage, als Nachweis, wie sie bearbeitet wurde.',
    days: (n) => (n === 1 ? '1 Tag' : `${n} Tage`),
  },
  complaint: (authority) =>
    `Sie haben das Recht, sich bei einer Aufsichtsbehörde zu beschweren (Art. 77 DSGVO), insbesondere bei ${authority ? authority : 'der Behörde an Ihrem Wohn- oder Arbeitsort'}.`,
  source: (organisation) =>
    `Ihren Namen und Ihre E-Mail-Adresse hat ${organisation} eingetragen, als ein Gespräch mit Ihnen geplant wurde; alles andere entstand in diesen Gesprächen oder bei Ihren Anfragen.`,
  automatedDecisions: 'Es werden keine Entscheidungen über Sie automatisiert getroffen, und es findet kein Profiling statt (Art. 22 DSGVO).',
  summary: {
    title: (organisation) => `Ihre Daten bei ${organisation}`,
    intro: (date) => `Dies ist die Kopie Ihrer personenbezogenen Daten, die Sie angefordert haben (Art. 15 DSGVO), erstellt am ${date}.`,
    howToRead: [
      'Diese Seite erklärt alles in einfachen Worten: was über Sie gespeichert ist, wozu, wie lange und was Sie tun können.',
      'Dieselben Daten stehen in der Datei data.json, in einem maschinenlesbaren Format, das Sie weitergeben können (Art. 20 DSGVO); manifest.json beschreibt sie.',
      'Aufzeichnungen von Ihnen liegen im Ordner „recordings“: Jede Datei lässt sich in einem aktuellen Webbrowser oder einem Videoprogramm wie VLC abspielen.',
    ],
    nothingOnFile: 'Zu der angegebenen E-Mail-Adresse ist nichts gespeichert außer Ihrer Anfrage selbst.',
    none: 'Keine.',
    headings: {
      controller: 'Wer Ihre Daten speichert',
      contact: 'Ihre Kontaktdaten',
      calls: 'Ihre Gespräche',
      consents: 'Ihre Einwilligungsentscheidungen',
      chat: 'Ihre Chatnachrichten',
      recordings: 'Aufzeichnungen von Ihnen',
      requests: 'Ihre Datenschutzanfragen',
      mails: 'E-Mails an Sie',
      purposes: 'Wozu Ihre Daten genutzt werden und auf welcher Rechtsgrundlage',
      recipients: 'Wer Ihre Daten erhält',
      transfers: 'Wo Ihre Daten gespeichert sind',
      retention: 'Wie lange Ihre Daten aufbewahrt werden',
      rights: 'Ihre Rechte',
      complaint: 'Beschwerden',
      source: 'Woher Ihre Daten stammen',
      automated: 'Automatisierte Entscheidungen',
    },
    explain: {
      calls: 'Jedes Gespräch, zu dem Sie eingeladen waren, wozu es diente und wann Sie dabei waren.',
      consents: 'Jedes Mal, wenn Sie um eine Einwilligung gebeten wurden, und was Sie geantwortet haben. Diese Einträge werden aufbewahrt, um Ihre Entscheidungen nachzuweisen.',
      chat: 'Nur Ihre eigenen Nachrichten: Nachrichten anderer Personen stehen Ihnen nicht zu (Art. 15 Abs. 4 DSGVO).',
      recordings: 'Nur die Aufzeichnungen von Ihnen; andere Teilnehmende sind nicht enthalten (Art. 15 Abs. 4 DSGVO).',
      requests: 'Jede Anfrage, die Sie auf der Seite zu Ihren Datenschutzrechten gestellt haben.',
      mails: 'Die E-Mails, die die Organisation über diesen Dienst an Ihre Adresse geschickt hat.',
      categories: 'Was gespeichert ist, nach Art der Daten:',
    },
    controller: { name: 'Organisation', address: 'Anschrift', contact: 'Kontakt für Datenschutzfragen', dpo: 'Datenschutzbeauftragte/r' },
    contact: { name: 'Name', email: 'E-Mail-Adresse', since: 'Eingetragen am', deletedOn: 'Gelöscht am (außer ein neueres Gespräch verlängert es)', restricted: 'Nutzung eingeschränkt seit' },
    columns: {
      when: 'Wann',
      callType: 'Wozu',
      status: 'Stand',
      inCall: 'Sie waren im Gespräch',
      call: 'Gespräch',
      question: 'Gefragt nach',
      decision: 'Ihre Antwort',
      where: 'Wo',
      notice: 'Datenschutzhinweise',
      message: 'Nachricht',
      basis: 'Warum aufgezeichnet',
      length: 'Dauer',
      file: 'Datei',
      request: 'Anfrage',
      answered: 'Beantwortet',
      what: 'Was',
      category: 'Art der Daten',
      items: 'Einträge',
      period: 'Aufbewahrt für',
    },
    callStatus: { scheduled: 'geplant', cancelled: 'abgesagt', ended: 'stattgefunden' },
    attended: (from, to) => (to ? `von ${from} bis ${to}` : `ab ${from}`),
    notAttended: 'nicht teilgenommen',
    decisions: { given: 'zugestimmt', declined: 'abgelehnt', withdrawn: 'Einwilligung widerrufen' },
    methods: { join_page: 'auf der Seite vor dem Gespräch', in_call: 'während des Gesprächs' },
    noticeVersion: (version) => `Version ${version}`,
    trackBases: { consent: 'mit Ihrer Einwilligung', legal_obligation: 'gesetzlich vorgeschrieben', legitimate_interest: 'berechtigtes Interesse der Organisation' },
    trackSources: { camera: 'Kamera und Mikrofon', screen: 'Ihr geteilter Bildschirm' },
    trackStatus: {
      complete: 'vollständig',
      incomplete: 'durch eine technische Störung verkürzt',
      failed: 'fehlgeschlagen',
      erased: 'gelöscht',
      recording: 'wird noch aufgezeichnet',
      finalising: 'wird abgeschlossen',
    },
    duration: (ms) => {
      if (ms === null) return '—';
      const s = Math.round(ms / 1000);
      const m = Math.floor(s / 60);
      return m > 0 ? `${m} Min. ${s % 60} Sek.` : `${s} Sek.`;
    },
    noFile: {
      e2ee: 'Nicht enthalten: Ende-zu-Ende-verschlüsselt aufgezeichnet, daher kann nur die/der Datenschutzbeauftragte der Organisation sie entschlüsseln. Bitten Sie sie oder ihn um eine Kopie.',
      notPlayable: 'Nicht enthalten: Es gibt nichts, was sich abspielen ließe.',
    },
    play: 'Aufzeichnung abspielen',
    requestTypes: { access: 'Kopie Ihrer Daten', erasure: 'Löschung Ihrer Daten', restriction: 'Aussetzen der Nutzung Ihrer Daten', objection: 'Widerspruch gegen eine Nutzung Ihrer Daten', rectification: 'Berichtigung Ihrer Daten' },
    requestStatus: {
      unverified: 'wartet auf die Bestätigung Ihrer E-Mail-Adresse',
      open: 'in Bearbeitung',
      completed: 'erledigt',
      refused: 'abgelehnt (die Gründe standen in der E-Mail)',
      withdrawn: 'zurückgezogen',
      expired: 'abgelaufen',
    },
    mailKinds: {
      'call.invitation': 'Einladung zu einem Gespräch',
      'call.rescheduled': 'Ein Gespräch wurde verschoben',
      'call.cancelled': 'Ein Gespräch wurde abgesagt',
      'call.reminder': 'Erinnerung an ein Gespräch',
      'rights_request.code': 'Bestätigungscode für Ihre Anfrage',
      'rights_request.export_ready': 'Ihre Datenkopie ist bereit',
      'rights_request.erased': 'Ihre Daten wurden gelöscht',
      'rights_request.restricted': 'Nutzung Ihrer Daten ausgesetzt',
      'rights_request.restriction_lifted': 'Aussetzen der Nutzung Ihrer Daten beendet',
      'rights_request.completed': 'Ihre Anfrage ist erledigt',
      'rights_request.extended': 'Ihre Anfrage braucht länger',
      'rights_request.refused': 'Entscheidung über Ihre Anfrage',
    },
    otherMail: 'Eine Nachricht zu Ihren Gesprächen oder Anfragen',
    mailStatus: { queued: 'wartet auf den Versand', sent: 'gesendet', failed: 'konnte nicht zugestellt werden', kept: 'im Postausgang der Organisation aufbewahrt' },
    storage: { eea: 'Aufzeichnungen werden im Europäischen Wirtschaftsraum gespeichert.', outside: 'Aufzeichnungen werden außerhalb des Europäischen Wirtschaftsraums gespeichert.' },
    useRights: (email) => ({
      before: 'Um eines dieser Rechte zu nutzen, stellen Sie eine Anfrage auf ',
      link: 'der Seite zu Ihren Datenschutzrechten',
      after: ` oder schreiben Sie an ${email}. Das ist kostenlos, und Sie erhalten innerhalb eines Monats eine Antwort.`,
    }),
    noticeTextMissing: 'Die Organisation hat das noch nicht beschrieben; fragen Sie ihre/n Datenschutzbeauftragte/n.',
    footer: (date) => `Erstellt am ${date}. Diese Seite lädt nichts aus dem Internet und führt keine Programme aus.`,
  },
};

export const exportTexts: Readonly<Record<ExportLocale, ExportTexts>> = { en, de };
