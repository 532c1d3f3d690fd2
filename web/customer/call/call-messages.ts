import type { CaptureState } from './protocol.ts';

/** What an end-to-end encrypted call says about itself: exactly what is protected and what is not. */
export interface E2eeMessages {
  readonly title: string;
  readonly safetyCode: string;
  readonly waitingForOthers: string;
  readonly compare: string;
  readonly protectedText: string;
  readonly notProtectedText: string;
  /** Shown when this browser cannot take part (no Encoded Transforms). */
  readonly unsupported: string;
}

/** The words of the call screen, shared by the customer's page (English, German) and the console (English). */
export interface CallMessages {
  /** The language of these words, sent with `join` so the server's recording notice matches the page. */
  readonly locale: 'en' | 'de';
  readonly join: string;
  readonly connecting: string;
  readonly waiting: (agent: string) => string;
  readonly reconnecting: string;
  readonly connection: (state: string) => string;
  readonly connectionStates: Readonly<Record<string, string>>;
  readonly you: string;
  readonly screenOf: (name: string) => string;
  readonly noCamera: string;
  readonly mutedBadge: string;
  readonly mute: string;
  readonly unmute: string;
  readonly cameraOff: string;
  readonly cameraOn: string;
  readonly shareScreen: string;
  readonly stopSharing: string;
  readonly leave: string;
  readonly chat: string;
  readonly chatLabel: string;
  readonly send: string;
  readonly noMessages: string;
  readonly ended: string;
  readonly left: string;
  readonly declined: string;
  readonly failed: string;
  /**
   * The end screen's own words (issue 12, finding 13): the server writes its reasons in English only, so the
   * customer's page says them from here. `endedBy`: who ended it (the host's name); `endReasons`: why the page could
   * not (re)join, by the server's error code.
   */
  readonly endedBy: (host: string) => string;
  readonly endReasons: { readonly over: string; readonly cancelled: string; readonly refused: string; readonly lost: string };
  readonly closePage: string;
  /** The link to the organisation's public rights page on the end screen, and what it offers. */
  readonly rightsLink: (organisation: string) => string;
  readonly rightsHint: string;
  readonly mediaProblem: string;
  readonly negotiationProblem: string;
  /** The media connection through the TURN relay failed (refused credentials, relay unreachable). */
  readonly relayProblem: string;
  /** The call's media server process stopped and the call was moved to another one (MEDIA_MOVED). */
  readonly mediaMoved: string;
  readonly e2ee: E2eeMessages;
  readonly controls: string;
  readonly participants: string;
  readonly recording: RecordingMessages;
}

/** The recording indicator, the customer's prompt and withdraw button, and the capture state shown on each tile. */
export interface RecordingMessages {
  /** The red badge shown to everyone while recording runs. */
  readonly badge: string;
  /** The viewer's own state, in words, beside the badge. */
  readonly you: Readonly<Record<CaptureState, string>>;
  /** Another participant's state, short, on their tile (the agent sees these). */
  readonly state: Readonly<Record<CaptureState, string>>;
  readonly consentTitle: string;
  readonly acknowledgeTitle: string;
  /** Said in the prompt: nothing of the customer is recorded while it is open. */
  readonly untilAnswered: string;
  /** Said in the consent prompt: "no" does not end the call. */
  readonly noKeepsCall: string;
  readonly canWithdraw: string;
  readonly legalReference: (reference: string) => string;
  readonly acknowledgeOrLeave: string;
  readonly consentYes: string;
  readonly consentNo: string;
  readonly acknowledge: string;
  readonly leaveCall: string;
  readonly withdraw: string;
}

export const callMessagesEn: CallMessages = {
  locale: 'en',
  join: 'Join the call',
  connecting: 'Connecting to the call…',
  waiting: (agent) => `Waiting for ${agent} to let you in.`,
  reconnecting: 'Reconnecting…',
  connection: (state) => `Connection: ${state}`,
  connectionStates: { none: 'not started', new: 'starting', connecting: 'connecting', connected: 'good', disconnected: 'interrupted', failed: 'failed', closed: 'closed' },
  you: 'You',
  screenOf: (name) => `${name}'s screen`,
  noCamera: 'Camera off',
  mutedBadge: 'muted',
  mute: 'Mute',
  unmute: 'Unmute',
  cameraOff: 'Turn camera off',
  cameraOn: 'Turn camera on',
  shareScreen: 'Share screen',
  stopSharing: 'Stop sharing',
  leave: 'Leave',
  chat: 'Chat',
  chatLabel: 'Message',
  send: 'Send',
  noMessages: 'No messages yet.',
  ended: 'The call has ended.',
  left: 'You left the call.',
  declined: 'You were not let into the call.',
  failed: 'The call could not continue.',
  endedBy: (host) => `${host} ended the call.`,
  endReasons: {
    over: 'This call is over. If you need another appointment, contact the person who invited you.',
    cancelled: 'This call was cancelled. If you still need the appointment, contact the person who invited you.',
    refused: 'This page could not join the call. If the call is open in another window, continue there; otherwise open the link from your invitation again.',
    lost: 'The connection to the call was lost. Open the link from your invitation again to rejoin.',
  },
  closePage: 'You can close this page now.',
  rightsLink: (organisation) => `Your data protection rights at ${organisation}`,
  rightsHint: 'Ask for a copy of your data, have it erased, and more.',
  mediaProblem: 'Your camera or microphone could not be used. You can still see, hear and chat.',
  negotiationProblem: 'The picture or sound could not be set up. Leave and join again if it does not come back.',
  relayProblem: 'Could not connect to the media relay (TURN), so picture and sound cannot get through. Check your network or ask the organiser; Parley keeps trying.',
  mediaMoved: 'The server process carrying this call\'s picture and sound stopped. The call was moved to another one and you were reconnected; nothing else changed.',
  e2ee: {
    title: 'End-to-end encrypted',
    safetyCode: 'Safety code',
    waitingForOthers: 'The safety code appears when someone else joins.',
    compare: 'Compare this code with the others, for example by reading it aloud: if it is the same for everyone, nobody in between — not even our server — can see or hear the call.',
    protectedText: 'End-to-end encrypted: your audio, video and screen share. They are encrypted in your browser with keys the server never has.',
    notProtectedText: 'Not end-to-end encrypted: chat messages. The server also sees who joined and when, and how much data flowed.',
    unsupported: 'This call is end-to-end encrypted, and this browser cannot encrypt video calls. Open the link in a current Chrome, Edge or another Chromium-based browser.',
  },
  controls: 'Call controls',
  participants: 'Participants',
  recording: {
    badge: 'Recording',
    you: {
      captured: 'You are being recorded.',
      asked: 'You are not being recorded until you answer.',
      declined: 'You are not being recorded (you declined).',
      withdrawn: 'You withdrew: you are no longer recorded.',
      'not-recorded': 'You are not being recorded.',
    },
    state: {
      captured: 'recorded',
      asked: 'asked, not recorded yet',
      declined: 'declined, not recorded',
      withdrawn: 'withdrew, not recorded',
      'not-recorded': 'not recorded',
    },
    consentTitle: 'Do you agree to this call being recorded?',
    acknowledgeTitle: 'This call is recorded',
    untilAnswered: 'Until you answer, nothing of you is recorded: not your picture, your voice or your screen.',
    noKeepsCall: 'If you say no, the call goes on and you are not recorded.',
    canWithdraw: 'If you say yes, you can stop the recording of you at any time with “Stop recording me”.',
    legalReference: (reference) => `Required by: ${reference}`,
    acknowledgeOrLeave: 'If you do not want to be recorded, you can leave the call.',
    consentYes: 'Yes, record me',
    consentNo: "No, don't record me",
    acknowledge: 'I understand',
    leaveCall: 'Leave the call',
    withdraw: 'Stop recording me',
  },
};

export const callMessagesDe: CallMessages = {
  locale: 'de',
  join: 'Am Gespräch teilnehmen',
  connecting: 'Verbindung zum Gespräch wird hergestellt…',
  waiting: (agent) => `Bitte warten Sie, bis ${agent} Sie hereinlässt.`,
  reconnecting: 'Verbindung wird wiederhergestellt…',
  connection: (state) => `Verbindung: ${state}`,
  connectionStates: { none: 'nicht gestartet', new: 'startet', connecting: 'wird aufgebaut', connected: 'gut', disconnected: 'unterbrochen', failed: 'fehlgeschlagen', closed: 'geschlossen' },
  you: 'Sie',
  screenOf: (name) => `Bildschirm von ${name}`,
  noCamera: 'Kamera aus',
  mutedBadge: 'stumm',
  mute: 'Stummschalten',
  unmute: 'Stummschaltung aufheben',
  cameraOff: 'Kamera ausschalten',
  cameraOn: 'Kamera einschalten',
  shareScreen: 'Bildschirm teilen',
  stopSharing: 'Teilen beenden',
  leave: 'Verlassen',
  chat: 'Chat',
  chatLabel: 'Nachricht',
  send: 'Senden',
  noMessages: 'Noch keine Nachrichten.',
  ended: 'Das Gespräch ist beendet.',
  left: 'Sie haben das Gespräch verlassen.',
  declined: 'Sie wurden nicht in das Gespräch gelassen.',
  failed: 'Das Gespräch konnte nicht fortgesetzt werden.',
  endedBy: (host) => `${host} hat das Gespräch beendet.`,
  endReasons: {
    over: 'Dieses Gespräch ist vorbei. Für einen neuen Termin wenden Sie sich an die Person, die Sie eingeladen hat.',
    cancelled: 'Dieses Gespräch wurde abgesagt. Wenn Sie den Termin noch brauchen, wenden Sie sich an die Person, die Sie eingeladen hat.',
    refused: 'Diese Seite konnte dem Gespräch nicht beitreten. Ist das Gespräch in einem anderen Fenster geöffnet, machen Sie dort weiter; sonst öffnen Sie den Link aus Ihrer Einladung erneut.',
    lost: 'Die Verbindung zum Gespräch ist abgebrochen. Öffnen Sie den Link aus Ihrer Einladung erneut, um wieder teilzunehmen.',
  },
  closePage: 'Sie können diese Seite jetzt schließen.',
  rightsLink: (organisation) => `Ihre Datenschutzrechte bei ${organisation}`,
  rightsHint: 'Eine Kopie Ihrer Daten anfordern, sie löschen lassen und mehr.',
  mediaProblem: 'Kamera oder Mikrofon konnten nicht verwendet werden. Sie können trotzdem sehen, hören und schreiben.',
  negotiationProblem: 'Bild oder Ton konnten nicht eingerichtet werden. Verlassen Sie das Gespräch und treten Sie erneut bei, falls es so bleibt.',
  relayProblem: 'Keine Verbindung zum Medien-Relay (TURN) möglich, daher kommen Bild und Ton nicht durch. Prüfen Sie Ihr Netzwerk oder wenden Sie sich an den Veranstalter; Parley versucht es weiter.',
  mediaMoved: 'Der Serverprozess, der Bild und Ton dieses Gesprächs übertrug, wurde beendet. Das Gespräch wurde auf einen anderen verlegt und Sie wurden neu verbunden; sonst hat sich nichts geändert.',
  e2ee: {
    title: 'Ende-zu-Ende-verschlüsselt',
    safetyCode: 'Sicherheitscode',
    waitingForOthers: 'Der Sicherheitscode erscheint, sobald jemand anderes beitritt.',
    compare: 'Vergleichen Sie diesen Code mit den anderen, zum Beispiel durch Vorlesen: Ist er bei allen gleich, kann niemand dazwischen – auch nicht unser Server – das Gespräch sehen oder hören.',
    protectedText: 'Ende-zu-Ende-verschlüsselt: Ihr Ton, Ihr Bild und Ihre Bildschirmfreigabe. Sie werden in Ihrem Browser mit Schlüsseln verschlüsselt, die der Server nie erhält.',
    notProtectedText: 'Nicht Ende-zu-Ende-verschlüsselt: Chatnachrichten. Der Server sieht außerdem, wer wann teilgenommen hat und wie viele Daten flossen.',
    unsupported: 'Dieses Gespräch ist Ende-zu-Ende-verschlüsselt, und dieser Browser kann Videogespräche nicht verschlüsseln. Öffnen Sie den Link in einem aktuellen Chrome, Edge oder einem anderen Chromium-basierten Browser.',
  },
  controls: 'Gesprächssteuerung',
  participants: 'Teilnehmende',
  recording: {
    badge: 'Aufnahme',
    you: {
      captured: 'Sie werden aufgezeichnet.',
      asked: 'Bis Sie antworten, werden Sie nicht aufgezeichnet.',
      declined: 'Sie werden nicht aufgezeichnet (Sie haben abgelehnt).',
      withdrawn: 'Sie haben widerrufen: Sie werden nicht mehr aufgezeichnet.',
      'not-recorded': 'Sie werden nicht aufgezeichnet.',
    },
    state: {
      captured: 'wird aufgezeichnet',
      asked: 'gefragt, noch nicht aufgezeichnet',
      declined: 'abgelehnt, nicht aufgezeichnet',
      withdrawn: 'widerrufen, nicht aufgezeichnet',
      'not-recorded': 'nicht aufgezeichnet',
    },
    consentTitle: 'Sind Sie einverstanden, dass dieses Gespräch aufgezeichnet wird?',
    acknowledgeTitle: 'Dieses Gespräch wird aufgezeichnet',
    untilAnswered: 'Bis Sie antworten, wird nichts von Ihnen aufgezeichnet: weder Ihr Bild noch Ihre Stimme noch Ihr Bildschirm.',
    noKeepsCall: 'Wenn Sie ablehnen, geht das Gespräch weiter und Sie werden nicht aufgezeichnet.',
    canWithdraw: 'Wenn Sie zustimmen, können Sie die Aufzeichnung von Ihnen jederzeit mit „Aufzeichnung von mir beenden“ stoppen.',
    legalReference: (reference) => `Vorgeschrieben durch: ${reference}`,
    acknowledgeOrLeave: 'Wenn Sie nicht aufgezeichnet werden möchten, können Sie das Gespräch verlassen.',
    consentYes: 'Ja, mich aufzeichnen',
    consentNo: 'Nein, mich nicht aufzeichnen',
    acknowledge: 'Verstanden',
    leaveCall: 'Gespräch verlassen',
    withdraw: 'Aufzeichnung von mir beenden',
  },
};
