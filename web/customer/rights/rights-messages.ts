/**
 * Every word of the public request pages, in English and German: plain, for a customer, not a lawyer. The server's
 * error messages are English only, so the pages never show them: each error code the API answers with has its own
 * words here (`errors`), in the page's language.
 */
export type RightsLocale = 'en' | 'de';
export type RequestKind = 'access' | 'erasure' | 'restriction' | 'objection' | 'rectification';
export type RequestStatusKind = 'unverified' | 'open' | 'completed' | 'refused' | 'withdrawn' | 'expired';

export interface RightsMessages {
  readonly languageName: string;
  readonly languageSwitchLabel: string;
  documentTitle(org: string | null): string;
  readonly loading: string;
  title(org: string): string;
  readonly lead: string;
  readonly chooseLegend: string;
  readonly kinds: Readonly<Record<RequestKind, readonly [string, string]>>;
  readonly email: string;
  readonly emailHint: string;
  readonly details: string;
  readonly detailsOptional: string;
  readonly detailsHintRectification: string;
  readonly detailsHintObjection: string;
  readonly detailsHintOther: string;
  readonly submit: string;
  readonly sending: string;
  readonly whatNext: string;
  readonly statusTitle: string;
  readonly statusLabel: string;
  readonly status: Readonly<Record<RequestStatusKind, string>>;
  due(date: string, extended: boolean): string;
  readonly confirmTitle: string;
  sent(minutes: string): string;
  readonly confirmLead: string;
  readonly code: string;
  readonly codeHint: string;
  readonly confirm: string;
  readonly checking: string;
  readonly newCode: string;
  newCodeSent(minutes: string): string;
  noMail(dpo: string): string;
  readonly confirmed: string;
  locked(dpo: string): string;
  readonly downloadTitle: string;
  exportReady(until: string): string;
  readonly whyCode: string;
  readonly stepSend: string;
  readonly sendCode: string;
  readonly sendAgain: string;
  downloadCodeSent(minutes: string): string;
  readonly stepEnter: string;
  readonly showDownload: string;
  readonly downloadReadyTitle: string;
  readonly downloadLink: string;
  linkValidUntil(time: string, minutes: string): string;
  readonly linkExpired: string;
  whatsInside(summaryFile: string): string;
  readonly privacy: string;
  readonly dpo: string;
  readonly footer: string;
  readonly notFound: string;
  minutes(n: number): string;
  readonly errors: {
    readonly emailInvalid: string;
    readonly detailsRequiredRectification: string;
    readonly detailsRequiredObjection: string;
    detailsTooLong(max: number): string;
    readonly codeFormat: string;
    codeWrong(attemptsLeft: number): string;
    readonly codeExpired: string;
    readonly noExport: string;
    readonly exportGone: string;
    rateLimited(minutes: number | null): string;
    readonly network: string;
    readonly expiredForm: string;
    readonly notFound: string;
    other(dpo: string | null): string;
  };
}

const en: RightsMessages = {
  languageName: 'English',
  languageSwitchLabel: 'Language',
  documentTitle: (org) => (org ? `Your data protection rights — ${org}` : 'Your data protection rights'),
  loading: 'Loading…',
  title: (org) => `Your data protection rights at ${org}`,
  lead: 'Choose what you would like us to do. We answer within one month. It is free.',
  chooseLegend: 'What would you like us to do?',
  kinds: {
    access: ['Get a copy of your data', 'We send you everything we hold about you: calls, chat, consents and recordings, in a file you can download.'],
    erasure: ['Erase your data', 'We delete what we hold about you. If the law makes us keep something for a while, we tell you what, why and until when.'],
    restriction: ['Pause the use of your data', 'We keep your data but do not use it (no playback, no export, no statistics) until the matter is settled.'],
    objection: ['Object to a use of your data', 'Tell us which use you object to and why. We stop unless we have compelling reasons, which we will explain.'],
    rectification: ['Correct your data', 'Tell us what is wrong and what is right.'],
  },
  email: 'Your email address',
  emailHint: 'Use the address we wrote to you at. We send a code to it to check that it is yours; we ask for no ID documents.',
  details: 'What should we know?',
  detailsOptional: 'What should we know? (optional)',
  detailsHintRectification: 'What is wrong, and what is right?',
  detailsHintObjection: 'Which use do you object to, and why?',
  detailsHintOther: 'Anything that helps us find your data, for example the date of a call.',
  submit: 'Send the request',
  sending: 'Sending…',
  whatNext: 'Next, we send a code to your email address. You enter it on the next page to confirm that the address is yours.',
  statusTitle: 'Your request',
  statusLabel: 'Where it stands',
  status: {
    unverified: 'Waiting for you to confirm your email address.',
    open: 'We are working on it.',
    completed: 'Done. We sent you an email about it.',
    refused: 'We could not do it. We sent you an email with the reasons and your right to complain.',
    withdrawn: 'Withdrawn.',
    expired: 'Expired.',
  },
  due: (date, extended) => (extended ? `We extended the deadline to ${date}; the email told you why.` : `We answer by ${date}.`),
  confirmTitle: 'Confirm your email address',
  sent: (minutes) => `We sent a code to the address you gave. It is valid for ${minutes}.`,
  confirmLead: 'Enter the code from the email to confirm that the address is yours. Only then do we start on your request.',
  code: 'Code from the email',
  codeHint: 'Six digits.',
  confirm: 'Confirm',
  checking: 'Checking…',
  newCode: 'Send me a new code',
  newCodeSent: (minutes) => `We sent a new code. It is valid for ${minutes}; earlier codes no longer work.`,
  noMail: (dpo) =>
    `No email after a few minutes? Check your spam folder, then ask for a new code. If still nothing arrives, write to our data protection officer: ${dpo}.`,
  confirmed: 'Thank you: your email address is confirmed.',
  locked: (dpo) => `Too many wrong codes: this request is locked. Please contact our data protection officer: ${dpo}.`,
  downloadTitle: 'Download your data',
  exportReady: (until) => `Your data is ready. You can download it until ${until}.`,
  whyCode:
    'To protect your data, we check once more that it is you: we send a code to the email address of your request, and only with that code can the file be downloaded.',
  stepSend: '1. Ask for the code',
  sendCode: 'Send me a code',
  sendAgain: 'Send me a new code',
  downloadCodeSent: (minutes) => `We sent a code to the email address of your request. It is valid for ${minutes}; earlier codes no longer work.`,
  stepEnter: '2. Enter the code',
  showDownload: 'Download',
  downloadReadyTitle: 'Your download is ready',
  downloadLink: 'Download your data (ZIP file)',
  linkValidUntil: (time, minutes) => `The link works until ${time} (${minutes}). After that, ask for a new code.`,
  linkExpired: 'The download link has expired. Ask for a new code to download your data again.',
  whatsInside: (file) =>
    `Open the file “${file}” in the ZIP first: it explains everything in plain words. The same data is in data.json, in a machine-readable format, and recordings of you are in the folder “recordings”.`,
  privacy: 'Privacy policy',
  dpo: 'Data protection officer',
  footer: 'This page uses no tracking and asks no other website for anything. It stores one security cookie only when you send something.',
  notFound: 'This page does not exist. Check the link.',
  minutes: (n) => (n === 1 ? '1 minute' : `${n} minutes`),
  errors: {
    emailInvalid: 'Enter your email address, for example name@example.com.',
    detailsRequiredRectification: 'Tell us what is wrong and what is right.',
    detailsRequiredObjection: 'Tell us which use you object to, and why.',
    detailsTooLong: (max) => `Please use at most ${max} characters.`,
    codeFormat: 'Enter the six-digit code from the email.',
    codeWrong: (left) => `That code is not right. ${left === 1 ? '1 more wrong attempt locks' : `${left} more wrong attempts lock`} the request.`,
    codeExpired: 'This code has expired or was already used. Ask for a new one below.',
    noExport: 'There is nothing to download for this request yet.',
    exportGone: 'This copy of your data is no longer available. You can make a new request.',
    rateLimited: (minutes) => (minutes ? `Too many attempts. Please try again in ${minutes === 1 ? '1 minute' : `${minutes} minutes`}.` : 'Too many attempts. Please try again later.'),
    network: 'We could not be reached. Check your internet connection and try again.',
    expiredForm: 'This page was open for a long time. Reload it and try again.',
    notFound: 'We could not find this request. Check the link in your email.',
    other: (dpo) => `Something went wrong on our side. Please try again later${dpo ? `, or write to our data protection officer: ${dpo}` : ''}.`,
  },
};

const de: RightsMessages = {
  languageName: 'Deutsch',
  languageSwitchLabel: 'Sprache',
  documentTitle: (org) => (org ? `Ihre Datenschutzrechte — ${org}` : 'Ihre Datenschutzrechte'),
  loading: 'Wird geladen…',
  title: (org) => `Ihre Datenschutzrechte bei ${org}`,
  lead: 'Wählen Sie, was wir tun sollen. Wir antworten innerhalb eines Monats. Es ist kostenlos.',
  chooseLegend: 'Was sollen wir tun?',
  kinds: {
    access: ['Kopie Ihrer Daten erhalten', 'Wir schicken Ihnen alles, was wir über Sie gespeichert haben: Gespräche, Chat, Einwilligungen und Aufzeichnungen, als Datei zum Herunterladen.'],
    erasure: ['Ihre Daten löschen', 'Wir löschen, was wir über Sie gespeichert haben. Müssen wir etwas gesetzlich noch aufbewahren, sagen wir Ihnen was, warum und bis wann.'],
    restriction: ['Nutzung Ihrer Daten aussetzen', 'Wir behalten Ihre Daten, nutzen sie aber nicht (kein Abspielen, kein Export, keine Statistik), bis die Sache geklärt ist.'],
    objection: ['Einer Nutzung widersprechen', 'Sagen Sie uns, welcher Nutzung Sie widersprechen und warum. Wir hören auf, außer wir haben zwingende Gründe, die wir Ihnen erklären.'],
    rectification: ['Ihre Daten berichtigen', 'Sagen Sie uns, was falsch ist und was richtig ist.'],
  },
  email: 'Ihre E-Mail-Adresse',
  emailHint: 'Nehmen Sie die Adresse, an die wir Ihnen geschrieben haben. Wir senden einen Code dorthin, um zu prüfen, dass sie Ihnen gehört; Ausweiskopien brauchen wir nicht.',
  details: 'Was sollten wir wissen?',
  detailsOptional: 'Was sollten wir wissen? (freiwillig)',
  detailsHintRectification: 'Was ist falsch, und was ist richtig?',
  detailsHintObjection: 'Welcher Nutzung widersprechen Sie, und warum?',
  detailsHintOther: 'Alles, was uns hilft, Ihre Daten zu finden, zum Beispiel das Datum eines Gesprächs.',
  submit: 'Anfrage senden',
  sending: 'Wird gesendet…',
  whatNext: 'Danach senden wir einen Code an Ihre E-Mail-Adresse. Sie geben ihn auf der nächsten Seite ein, um zu bestätigen, dass die Adresse Ihnen gehört.',
  statusTitle: 'Ihre Anfrage',
  statusLabel: 'Stand',
  status: {
    unverified: 'Wartet darauf, dass Sie Ihre E-Mail-Adresse bestätigen.',
    open: 'Wir bearbeiten sie.',
    completed: 'Erledigt. Wir haben Ihnen eine E-Mail dazu geschickt.',
    refused: 'Wir konnten ihr nicht nachkommen. Die Gründe und Ihr Beschwerderecht stehen in unserer E-Mail.',
    withdrawn: 'Zurückgezogen.',
    expired: 'Abgelaufen.',
  },
  due: (date, extended) => (extended ? `Wir haben die Frist bis zum ${date} verlängert; die Gründe stehen in unserer E-Mail.` : `Wir antworten bis zum ${date}.`),
  confirmTitle: 'Bestätigen Sie Ihre E-Mail-Adresse',
  sent: (minutes) => `Wir haben einen Code an die angegebene Adresse geschickt. Er gilt ${minutes}.`,
  confirmLead: 'Geben Sie den Code aus der E-Mail ein, um zu bestätigen, dass die Adresse Ihnen gehört. Erst dann beginnen wir mit Ihrer Anfrage.',
  code: 'Code aus der E-Mail',
  codeHint: 'Sechs Ziffern.',
  confirm: 'Bestätigen',
  checking: 'Wird geprüft…',
  newCode: 'Neuen Code senden',
  newCodeSent: (minutes) => `Wir haben einen neuen Code geschickt. Er gilt ${minutes}; frühere Codes gelten nicht mehr.`,
  noMail: (dpo) =>
    `Nach ein paar Minuten keine E-Mail? Sehen Sie im Spam-Ordner nach und fordern Sie dann einen neuen Code an. Kommt weiterhin nichts an, schreiben Sie unserer/unserem Datenschutzbeauftragten: ${dpo}.`,
  confirmed: 'Danke: Ihre E-Mail-Adresse ist bestätigt.',
  locked: (dpo) => `Zu viele falsche Codes: Diese Anfrage ist gesperrt. Bitte wenden Sie sich an unsere/n Datenschutzbeauftragte/n: ${dpo}.`,
  downloadTitle: 'Ihre Daten herunterladen',
  exportReady: (until) => `Ihre Daten sind bereit. Sie können sie bis zum ${until} herunterladen.`,
  whyCode:
    'Zum Schutz Ihrer Daten prüfen wir noch einmal, dass Sie es sind: Wir senden einen Code an die E-Mail-Adresse Ihrer Anfrage, und nur mit diesem Code lässt sich die Datei herunterladen.',
  stepSend: '1. Code anfordern',
  sendCode: 'Code senden',
  sendAgain: 'Neuen Code senden',
  downloadCodeSent: (minutes) => `Wir haben einen Code an die E-Mail-Adresse Ihrer Anfrage geschickt. Er gilt ${minutes}; frühere Codes gelten nicht mehr.`,
  stepEnter: '2. Code eingeben',
  showDownload: 'Herunterladen',
  downloadReadyTitle: 'Ihr Download ist bereit',
  downloadLink: 'Ihre Daten herunterladen (ZIP-Datei)',
  linkValidUntil: (time, minutes) => `Der Link gilt bis ${time} Uhr (${minutes}). Danach fordern Sie einen neuen Code an.`,
  linkExpired: 'Der Download-Link ist abgelaufen. Fordern Sie einen neuen Code an, um Ihre Daten noch einmal herunterzuladen.',
  whatsInside: (file) =>
    `Öffnen Sie in der ZIP-Datei zuerst „${file}“: Dort ist alles in einfachen Worten erklärt. Dieselben Daten stehen maschinenlesbar in data.json, Aufzeichnungen von Ihnen im Ordner „recordings“.`,
  privacy: 'Datenschutzerklärung',
  dpo: 'Datenschutzbeauftragte/r',
  footer: 'Diese Seite verwendet kein Tracking und ruft nichts von anderen Websites ab. Sie speichert nur dann ein Sicherheits-Cookie, wenn Sie etwas senden.',
  notFound: 'Diese Seite gibt es nicht. Bitte prüfen Sie den Link.',
  minutes: (n) => (n === 1 ? '1 Minute' : `${n} Minuten`),
  errors: {
    emailInvalid: 'Geben Sie Ihre E-Mail-Adresse ein, zum Beispiel name@beispiel.de.',
    detailsRequiredRectification: 'Schreiben Sie uns, was falsch ist und was richtig ist.',
    detailsRequiredObjection: 'Schreiben Sie uns, welcher Nutzung Sie widersprechen und warum.',
    detailsTooLong: (max) => `Bitte schreiben Sie höchstens ${max} Zeichen.`,
    codeFormat: 'Geben Sie den sechsstelligen Code aus der E-Mail ein.',
    codeWrong: (left) => `Dieser Code stimmt nicht. ${left === 1 ? 'Noch ein falscher Versuch sperrt' : `Noch ${left} falsche Versuche sperren`} die Anfrage.`,
    codeExpired: 'Dieser Code ist abgelaufen oder wurde schon verwendet. Fordern Sie unten einen neuen an.',
    noExport: 'Für diese Anfrage gibt es noch nichts zum Herunterladen.',
    exportGone: 'Diese Kopie Ihrer Daten ist nicht mehr verfügbar. Sie können eine neue Anfrage stellen.',
    rateLimited: (minutes) => (minutes ? `Zu viele Versuche. Bitte versuchen Sie es in ${minutes === 1 ? 'einer Minute' : `${minutes} Minuten`} erneut.` : 'Zu viele Versuche. Bitte versuchen Sie es später erneut.'),
    network: 'Wir sind gerade nicht erreichbar. Prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.',
    expiredForm: 'Diese Seite war lange geöffnet. Laden Sie sie neu und versuchen Sie es erneut.',
    notFound: 'Diese Anfrage haben wir nicht gefunden. Prüfen Sie den Link in Ihrer E-Mail.',
    other: (dpo) => `Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es später erneut${dpo ? ` oder schreiben Sie unserer/unserem Datenschutzbeauftragten: ${dpo}` : ''}.`,
  },
};

export const rightsMessages: Readonly<Record<RightsLocale, RightsMessages>> = { en, de };
export const rightsLocales: readonly RightsLocale[] = ['en', 'de'];
