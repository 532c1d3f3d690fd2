/**
 * Every word the customer's join page says, in each language the privacy notices are written in. The notice and
 * the consent texts themselves come from the server (they are versioned and hashed there); this catalogue holds
 * only the page's own wording. Plain and kind: the reader is a customer, not an administrator.
 */
export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (locales as readonly string[]).includes(value);

export type ConsentPurpose = 'recording' | 'chat' | 'training_qa' | 'analytics';
export type ConsentStatus = 'given' | 'declined' | 'withdrawn';
/** Why the camera or microphone could not be opened (device-check.tsx maps the browser's error names). */
export type MediaProblem = 'denied' | 'not_found' | 'in_use' | 'unsupported' | 'other';
/** The link problems the join API names, plus failures that never got an answer from it. */
export type LinkProblem = 'JOIN_LINK_INVALID' | 'JOIN_CALL_CANCELLED' | 'JOIN_LINK_EXPIRED' | 'OTHER';
/** A time of day as call-time.ts finds it: "10:00", and the zone's short name when the reader lives elsewhere. */
export interface TimeOfDay {
  readonly hm: string;
  readonly zone: string | null;
}
/** The call's day as call-time.ts finds it. */
export type DayOfCall = { readonly kind: 'today' | 'tomorrow' } | { readonly kind: 'date'; readonly date: string };

export interface Messages {
  readonly documentTitle: string;
  readonly languageName: string;
  readonly languageSwitchLabel: string;
  readonly loading: string;
  readonly greeting: (name: string) => string;
  readonly callWith: (callType: string, agent: string, organisation: string) => string;
  readonly steps: { readonly label: string; readonly notice: string; readonly consents: string; readonly devices: string; readonly current: string };
  readonly notice: {
    readonly lead: (organisation: string) => string;
    readonly version: (version: number) => string;
    readonly privacyPolicy: (organisation: string) => string;
    /** The link to the organisation's public rights page (copy of one's data, erasure…), in the page footer. */
    readonly rightsPage: (organisation: string) => string;
    readonly acknowledge: string;
    readonly acknowledgeHint: string;
  };
  readonly consents: {
    readonly heading: string;
    readonly lead: string;
    readonly legend: string;
    readonly purpose: Readonly<Record<ConsentPurpose, string>>;
    readonly askedAgain: string;
    readonly continue: string;
    readonly saving: string;
    readonly changed: string;
    readonly readAgain: string;
  };
  readonly choices: {
    readonly heading: string;
    readonly status: Readonly<Record<ConsentStatus | 'none', string>>;
    readonly withdraw: string;
    readonly withdrawing: string;
    readonly withdrawLabel: (purpose: string) => string;
    readonly withdrawn: (purpose: string) => string;
  };
  readonly devices: {
    readonly heading: string;
    readonly asking: string;
    readonly previewLabel: string;
    readonly previewHint: string;
    readonly micLevel: string;
    readonly micHint: string;
    readonly camera: string;
    readonly microphone: string;
    readonly deviceFallback: (kind: 'camera' | 'microphone', n: number) => string;
    readonly problem: Readonly<Record<MediaProblem, { readonly title: string; readonly text: string }>>;
    readonly retry: string;
    readonly ready: string;
  };
  readonly ready: {
    readonly heading: string;
    /** What happens when the person presses the join button (named by `join`): the lobby, or waiting for the agent. */
    readonly text: (agent: string, join: string, lobby: boolean) => string;
    /** Before the join opens: from when, and that the page or the invitation's link brings her back. */
    readonly notYet: (opens: TimeOfDay) => string;
  };
  /** Opened well before the call: when it is, and that she can come back then (and read and check now). */
  readonly early: { readonly title: (day: DayOfCall, time: TimeOfDay) => string; readonly text: (opens: TimeOfDay) => string };
  readonly link: Readonly<Record<LinkProblem, { readonly title: string; readonly text: string; readonly todo: string }>>;
  readonly retry: string;
  readonly reference: string;
  readonly requestFailed: string;
  readonly footer: string;
}

/** "10:00", or "10:00 CET" for a reader in another time zone. */
const timeEn = (t: TimeOfDay) => (t.zone ? `${t.hm} ${t.zone}` : t.hm);
/** "10:00 Uhr", or "10:00 Uhr (MEZ)" for a reader in another time zone. */
const timeDe = (t: TimeOfDay) => (t.zone ? `${t.hm} Uhr (${t.zone})` : `${t.hm} Uhr`);

const en: Messages = {
  documentTitle: 'Join your video call',
  languageName: 'English',
  languageSwitchLabel: 'Language',
  loading: 'Loading your invitation…',
  greeting: (name) => `Hello ${name}`,
  callWith: (callType, agent, organisation) => `${callType} with ${agent}, ${organisation}`,
  steps: { label: 'Steps', notice: 'Privacy notice', consents: 'Your choices', devices: 'Camera and microphone', current: '(current step)' },
  notice: {
    lead: (organisation) =>
      `Before anything else, please read how ${organisation} handles your information in this call. We will not ask for your camera or microphone until you have read it.`,
    version: (version) => `Version ${version}`,
    privacyPolicy: (organisation) => `${organisation}'s full privacy policy`,
    rightsPage: (organisation) => `Your data protection rights at ${organisation}: a copy of your data, erasure and more`,
    acknowledge: 'I have read this notice — continue',
    acknowledgeHint: 'This only confirms that you have read the notice. It is not consent to anything.',
  },
  consents: {
    heading: 'Your choices',
    lead: 'The questions below are optional. Tick a box only if you agree. If you leave a box empty, the call goes ahead all the same.',
    legend: 'Optional consent',
    purpose: { recording: 'Recording', chat: 'Keeping the chat', training_qa: 'Training and quality', analytics: 'Call statistics' },
    askedAgain: 'The privacy notice has changed since you last decided, so we ask again.',
    continue: 'Continue',
    saving: 'Saving your choices…',
    changed: 'The privacy notice or one of the questions changed while this page was open. Please read the new version before you choose.',
    readAgain: 'Show the new version',
  },
  choices: {
    heading: 'What you have decided',
    status: { given: 'You agreed.', declined: 'You said no.', withdrawn: 'You withdrew your consent.', none: 'Not decided.' },
    withdraw: 'Withdraw',
    withdrawing: 'Withdrawing…',
    withdrawLabel: (purpose) => `Withdraw your consent: ${purpose}`,
    withdrawn: (purpose) => `Your consent for “${purpose}” is withdrawn.`,
  },
  devices: {
    heading: 'Check your camera and microphone',
    asking: 'Your browser now asks whether this page may use your camera and microphone. Please allow it.',
    previewLabel: 'Your camera picture',
    previewHint: 'Only you see this preview. Nothing is recorded or sent while you wait.',
    micLevel: 'Microphone level',
    micHint: 'Say something: the bar should move.',
    camera: 'Camera',
    microphone: 'Microphone',
    deviceFallback: (kind, n) => `${kind === 'camera' ? 'Camera' : 'Microphone'} ${n}`,
    problem: {
      denied: {
        title: 'Your camera and microphone are blocked',
        text: 'The browser was told not to let this page use them. Click the camera or lock symbol next to the address bar, allow camera and microphone for this page, then try again.',
      },
      not_found: { title: 'No camera or microphone found', text: 'Connect a camera and a microphone (or a headset), then try again.' },
      in_use: {
        title: 'Your camera or microphone is busy',
        text: 'Another program or browser tab may be using it. Close it, then try again.',
      },
      unsupported: {
        title: 'This browser cannot use a camera here',
        text: 'Open the link from your invitation in a current version of Firefox, Chrome, Edge or Safari. The address must start with https://.',
      },
      other: { title: 'The camera or microphone could not be started', text: 'Try again. If it keeps failing, restart your browser.' },
    },
    retry: 'Try again',
    ready: 'Picture and sound work — I am ready',
  },
  ready: {
    heading: 'You are ready',
    text: (agent, join, lobby) =>
      lobby
        ? `Press “${join}” when you want to start. You then wait a moment on this page until ${agent} lets you in.`
        : `Press “${join}” when you want to start. If ${agent} is not there yet, you wait on this page until they join.`,
    notYet: (opens) => `You can join from ${timeEn(opens)}. Keep this page open and the button appears then, or come back with the link in your invitation.`,
  },
  early: {
    title: (day, time) => `Your call is ${day.kind === 'date' ? `on ${day.date}` : day.kind} at ${timeEn(time)}`,
    text: (opens) =>
      `You can join from ${timeEn(opens)}, 30 minutes before the start. Please come back then with the link in your invitation. You can already read the privacy notice, make your choices and try your camera and microphone now.`,
  },
  link: {
    JOIN_LINK_INVALID: {
      title: 'This link does not work',
      text: 'This link is not valid.',
      todo: 'Check that you opened the whole link from your invitation email. If it still does not work, ask the person who invited you for a new one.',
    },
    JOIN_CALL_CANCELLED: {
      title: 'This call was cancelled',
      text: 'This call was cancelled, so the link no longer works.',
      todo: 'If you still need the appointment, contact the person who invited you.',
    },
    JOIN_LINK_EXPIRED: {
      title: 'This call is over',
      text: 'This call is over, so the link no longer works.',
      todo: 'If you need another appointment, contact the person who invited you.',
    },
    OTHER: {
      title: 'Something went wrong',
      text: 'Your invitation could not be loaded just now.',
      todo: 'Check your internet connection and try again in a moment.',
    },
  },
  retry: 'Try again',
  reference: 'Reference for support:',
  requestFailed: 'That did not work. Reload the page and try again.',
  footer: 'This page uses no tracking and asks no other website for anything. At most it stores one security cookie, which is needed to send your choices safely.',
};

const de: Messages = {
  documentTitle: 'Ihrem Videogespräch beitreten',
  languageName: 'Deutsch',
  languageSwitchLabel: 'Sprache',
  loading: 'Ihre Einladung wird geladen …',
  greeting: (name) => `Guten Tag, ${name}`,
  callWith: (callType, agent, organisation) => `${callType} mit ${agent}, ${organisation}`,
  steps: { label: 'Schritte', notice: 'Datenschutzhinweis', consents: 'Ihre Entscheidungen', devices: 'Kamera und Mikrofon', current: '(aktueller Schritt)' },
  notice: {
    lead: (organisation) =>
      `Bitte lesen Sie zuerst, wie ${organisation} in diesem Gespräch mit Ihren Daten umgeht. Erst danach fragen wir nach Ihrer Kamera und Ihrem Mikrofon.`,
    version: (version) => `Version ${version}`,
    privacyPolicy: (organisation) => `Vollständige Datenschutzerklärung von ${organisation}`,
    rightsPage: (organisation) => `Ihre Datenschutzrechte bei ${organisation}: Kopie Ihrer Daten, Löschung und mehr`,
    acknowledge: 'Ich habe diesen Hinweis gelesen — weiter',
    acknowledgeHint: 'Damit bestätigen Sie nur, dass Sie den Hinweis gelesen haben. Es ist keine Einwilligung.',
  },
  consents: {
    heading: 'Ihre Entscheidungen',
    lead: 'Die folgenden Fragen sind freiwillig. Setzen Sie ein Häkchen nur, wenn Sie einverstanden sind. Lassen Sie ein Kästchen leer, findet das Gespräch trotzdem statt.',
    legend: 'Freiwillige Einwilligung',
    purpose: { recording: 'Aufzeichnung', chat: 'Speichern des Chats', training_qa: 'Schulung und Qualität', analytics: 'Gesprächsstatistiken' },
    askedAgain: 'Der Datenschutzhinweis hat sich seit Ihrer letzten Entscheidung geändert, deshalb fragen wir erneut.',
    continue: 'Weiter',
    saving: 'Ihre Entscheidungen werden gespeichert …',
    changed: 'Der Datenschutzhinweis oder eine der Fragen hat sich geändert, während diese Seite offen war. Bitte lesen Sie die neue Fassung, bevor Sie entscheiden.',
    readAgain: 'Neue Fassung anzeigen',
  },
  choices: {
    heading: 'Was Sie entschieden haben',
    status: {
      given: 'Sie haben eingewilligt.',
      declined: 'Sie haben abgelehnt.',
      withdrawn: 'Sie haben Ihre Einwilligung widerrufen.',
      none: 'Noch nicht entschieden.',
    },
    withdraw: 'Widerrufen',
    withdrawing: 'Wird widerrufen …',
    withdrawLabel: (purpose) => `Einwilligung widerrufen: ${purpose}`,
    withdrawn: (purpose) => `Ihre Einwilligung „${purpose}“ ist widerrufen.`,
  },
  devices: {
    heading: 'Kamera und Mikrofon prüfen',
    asking: 'Ihr Browser fragt jetzt, ob diese Seite Ihre Kamera und Ihr Mikrofon nutzen darf. Bitte erlauben Sie es.',
    previewLabel: 'Ihr Kamerabild',
    previewHint: 'Nur Sie sehen diese Vorschau. Während Sie warten, wird nichts aufgezeichnet oder übertragen.',
    micLevel: 'Mikrofonpegel',
    micHint: 'Sagen Sie etwas: Der Balken sollte sich bewegen.',
    camera: 'Kamera',
    microphone: 'Mikrofon',
    deviceFallback: (kind, n) => `${kind === 'camera' ? 'Kamera' : 'Mikrofon'} ${n}`,
    problem: {
      denied: {
        title: 'Kamera und Mikrofon sind gesperrt',
        text: 'Der Browser darf sie für diese Seite nicht nutzen. Klicken Sie auf das Kamera- oder Schloss-Symbol neben der Adresszeile, erlauben Sie Kamera und Mikrofon für diese Seite und versuchen Sie es erneut.',
      },
      not_found: { title: 'Keine Kamera oder kein Mikrofon gefunden', text: 'Schließen Sie eine Kamera und ein Mikrofon (oder ein Headset) an und versuchen Sie es erneut.' },
      in_use: {
        title: 'Kamera oder Mikrofon ist belegt',
        text: 'Vielleicht nutzt ein anderes Programm oder ein anderer Browser-Tab sie gerade. Schließen Sie es und versuchen Sie es erneut.',
      },
      unsupported: {
        title: 'Dieser Browser kann hier keine Kamera nutzen',
        text: 'Öffnen Sie den Link aus Ihrer Einladung in einer aktuellen Version von Firefox, Chrome, Edge oder Safari. Die Adresse muss mit https:// beginnen.',
      },
      other: { title: 'Kamera oder Mikrofon konnte nicht gestartet werden', text: 'Versuchen Sie es erneut. Wenn es weiterhin nicht klappt, starten Sie Ihren Browser neu.' },
    },
    retry: 'Erneut versuchen',
    ready: 'Bild und Ton funktionieren — ich bin bereit',
  },
  ready: {
    heading: 'Sie sind bereit',
    text: (agent, join, lobby) =>
      lobby
        ? `Klicken Sie auf „${join}“, wenn Sie beginnen möchten. Sie warten dann kurz auf dieser Seite, bis ${agent} Sie hereinlässt.`
        : `Klicken Sie auf „${join}“, wenn Sie beginnen möchten. Ist ${agent} noch nicht da, warten Sie auf dieser Seite, bis ${agent} dazukommt.`,
    notYet: (opens) =>
      `Sie können ab ${timeDe(opens)} beitreten. Lassen Sie diese Seite geöffnet, dann erscheint die Schaltfläche von selbst, oder kommen Sie über den Link in Ihrer Einladung wieder.`,
  },
  early: {
    title: (day, time) =>
      `Ihr Gespräch findet ${day.kind === 'date' ? `am ${day.date}` : day.kind === 'today' ? 'heute' : 'morgen'} um ${timeDe(time)} statt`,
    text: (opens) =>
      `Sie können ab ${timeDe(opens)} beitreten, 30 Minuten vor Beginn. Bitte kommen Sie dann über den Link in Ihrer Einladung wieder. Den Datenschutzhinweis lesen, Ihre Entscheidungen treffen und Kamera und Mikrofon ausprobieren können Sie schon jetzt.`,
  },
  link: {
    JOIN_LINK_INVALID: {
      title: 'Dieser Link funktioniert nicht',
      text: 'Dieser Link ist ungültig.',
      todo: 'Prüfen Sie, ob Sie den vollständigen Link aus Ihrer Einladungs-E-Mail geöffnet haben. Wenn es weiterhin nicht klappt, bitten Sie die Person, die Sie eingeladen hat, um einen neuen Link.',
    },
    JOIN_CALL_CANCELLED: {
      title: 'Dieses Gespräch wurde abgesagt',
      text: 'Dieses Gespräch wurde abgesagt, deshalb funktioniert der Link nicht mehr.',
      todo: 'Wenn Sie den Termin weiterhin brauchen, wenden Sie sich an die Person, die Sie eingeladen hat.',
    },
    JOIN_LINK_EXPIRED: {
      title: 'Dieses Gespräch ist vorbei',
      text: 'Dieses Gespräch ist vorbei, deshalb funktioniert der Link nicht mehr.',
      todo: 'Wenn Sie einen neuen Termin brauchen, wenden Sie sich an die Person, die Sie eingeladen hat.',
    },
    OTHER: {
      title: 'Etwas ist schiefgelaufen',
      text: 'Ihre Einladung konnte gerade nicht geladen werden.',
      todo: 'Prüfen Sie Ihre Internetverbindung und versuchen Sie es gleich noch einmal.',
    },
  },
  retry: 'Erneut versuchen',
  reference: 'Referenz für den Support:',
  requestFailed: 'Das hat nicht geklappt. Laden Sie die Seite neu und versuchen Sie es erneut.',
  footer: 'Diese Seite verwendet kein Tracking und ruft nichts von anderen Websites ab. Sie speichert höchstens ein Sicherheits-Cookie, das nötig ist, um Ihre Entscheidungen sicher zu senden.',
};

export const messages: Readonly<Record<Locale, Messages>> = { en, de };

/** The language chosen on the page (`?locale=`), or null to let the server follow the browser's Accept-Language. */
export function requestedLocale(search: string): Locale | null {
  const requested = new URLSearchParams(search).get('locale');
  return isLocale(requested) ? requested : null;
}

/**
 * The page's language when the server could not say (a link problem answers before any locale is negotiated):
 * the browser's first language we have, else English — the same rule the server applies to Accept-Language.
 */
export function browserLocale(browserLanguages: readonly string[]): Locale {
  for (const tag of browserLanguages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return 'en';
}
