/** The words of the call screen, shared by the customer's page (English, German) and the console (English). */
export interface CallMessages {
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
  readonly mediaProblem: string;
  readonly negotiationProblem: string;
  /** The media connection through the TURN relay failed (refused credentials, relay unreachable). */
  readonly relayProblem: string;
  readonly controls: string;
  readonly participants: string;
}

export const callMessagesEn: CallMessages = {
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
  mediaProblem: 'Your camera or microphone could not be used. You can still see, hear and chat.',
  negotiationProblem: 'The picture or sound could not be set up. Leave and join again if it does not come back.',
  relayProblem: 'Could not connect to the media relay (TURN), so picture and sound cannot get through. Check your network or ask the organiser; Parley keeps trying.',
  controls: 'Call controls',
  participants: 'Participants',
};

export const callMessagesDe: CallMessages = {
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
  mediaProblem: 'Kamera oder Mikrofon konnten nicht verwendet werden. Sie können trotzdem sehen, hören und schreiben.',
  negotiationProblem: 'Bild oder Ton konnten nicht eingerichtet werden. Verlassen Sie das Gespräch und treten Sie erneut bei, falls es so bleibt.',
  relayProblem: 'Keine Verbindung zum Medien-Relay (TURN) möglich, daher kommen Bild und Ton nicht durch. Prüfen Sie Ihr Netzwerk oder wenden Sie sich an den Veranstalter; Parley versucht es weiter.',
  controls: 'Gesprächssteuerung',
  participants: 'Teilnehmende',
};
