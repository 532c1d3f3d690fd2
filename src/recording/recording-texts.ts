import { sha256 } from '../consent/consent-texts.ts';
import type { Locale } from '../notices/notice.schema.ts';

/**
 * What participants read and the agent says when a recording starts. The prompt's text is the recording notice
 * (G18): what is recorded — including screen shares and anything said or shown, confidential or special-category
 * information too — why, for how long, and the person's choices. Its SHA-256 goes into the consent ledger or the
 * acknowledgement event, so what was shown can be proven (G11).
 */
export interface RecordingTextFacts {
  readonly organisationName: string;
  readonly recordingsDays: number;
  /** The law that requires the recording (legal-obligation mode). */
  readonly legalReference: string | null;
}

/**
 * The labels of the buttons on the customer's recording prompt, exactly as the customer's page shows them
 * (web/customer/call/call-messages.ts; test/web/recording-script-labels.test.ts keeps the two the same): the agent's
 * script names them, so what the agent says matches what the customer sees.
 */
export const buttonLabels = {
  en: { consentYes: 'Yes, record me', consentNo: "No, don't record me", acknowledge: 'I understand', withdraw: 'Stop recording me', leaveCall: 'Leave the call' },
  de: { consentYes: 'Ja, mich aufzeichnen', consentNo: 'Nein, mich nicht aufzeichnen', acknowledge: 'Verstanden', withdraw: 'Aufzeichnung von mir beenden', leaveCall: 'Gespräch verlassen' },
} as const satisfies Record<Locale, Record<string, string>>;

const texts = {
  en: {
    consent: (f: RecordingTextFacts) =>
      `${f.organisationName} would like to record this call. If you agree, your picture, your voice and anything you ` +
      `show on your screen are recorded from now on — anything you say or show becomes part of the recording, ` +
      `including confidential information and information about your health, finances or other sensitive matters. ` +
      `The recording is encrypted and kept for ${f.recordingsDays} days, then deleted. Only authorised staff can play it, ` +
      `and every playback is logged. You can withdraw your consent at any time with the "${buttonLabels.en.withdraw}" button: ` +
      `recording of you then stops at once and what was recorded of you is deleted. If you say no, the call goes on ` +
      `and you are not recorded.`,
    acknowledge: (f: RecordingTextFacts) =>
      `This call is recorded because the law requires it (${f.legalReference ?? 'legal obligation'}). Your picture, ` +
      `your voice and anything you show on your screen are recorded — anything you say or show becomes part of the ` +
      `recording, including confidential information and information about your health, finances or other ` +
      `sensitive matters. The recording is encrypted and kept for ${f.recordingsDays} days as the law requires, then ` +
      `deleted. Only authorised staff can play it, and every playback is logged. The recording cannot be switched ` +
      `off for this kind of call: if you do not want to be recorded, leave the call — ${f.organisationName} can then ` +
      `not provide this service by video call, and you can ask for another way.`,
  },
  de: {
    consent: (f: RecordingTextFacts) =>
      `${f.organisationName} möchte dieses Gespräch aufzeichnen. Wenn Sie einwilligen, werden ab jetzt Ihr Bild, Ihre ` +
      `Stimme und alles, was Sie auf Ihrem Bildschirm zeigen, aufgezeichnet — alles, was Sie sagen oder zeigen, wird ` +
      `Teil der Aufzeichnung, auch vertrauliche Informationen und Angaben zu Gesundheit, Finanzen oder anderen ` +
      `sensiblen Themen. Die Aufzeichnung wird verschlüsselt ${f.recordingsDays} Tage aufbewahrt und dann gelöscht. ` +
      `Nur berechtigte Mitarbeitende können sie abspielen, jede Wiedergabe wird protokolliert. Sie können Ihre ` +
      `Einwilligung jederzeit mit der Schaltfläche „${buttonLabels.de.withdraw}" widerrufen: Die Aufzeichnung von ` +
      `Ihnen endet dann sofort, und was von Ihnen aufgezeichnet wurde, wird gelöscht. Wenn Sie ablehnen, geht das ` +
      `Gespräch weiter und Sie werden nicht aufgezeichnet.`,
    acknowledge: (f: RecordingTextFacts) =>
      `Dieses Gespräch wird aufgezeichnet, weil das Gesetz es verlangt (${f.legalReference ?? 'rechtliche Verpflichtung'}). ` +
      `Ihr Bild, Ihre Stimme und alles, was Sie auf Ihrem Bildschirm zeigen, werden aufgezeichnet — alles, was Sie ` +
      `sagen oder zeigen, wird Teil der Aufzeichnung, auch vertrauliche Informationen und Angaben zu Gesundheit, ` +
      `Finanzen oder anderen sensiblen Themen. Die Aufzeichnung wird verschlüsselt ${f.recordingsDays} Tage aufbewahrt, ` +
      `wie das Gesetz es verlangt, und dann gelöscht. Nur berechtigte Mitarbeitende können sie abspielen, jede ` +
      `Wiedergabe wird protokolliert. Die Aufzeichnung lässt sich bei dieser Gesprächsart nicht abschalten: Wenn Sie ` +
      `nicht aufgezeichnet werden möchten, verlassen Sie das Gespräch — ${f.organisationName} kann diese Leistung ` +
      `dann nicht per Videogespräch erbringen, und Sie können nach einem anderen Weg fragen.`,
  },
} as const;

export interface RecordingPromptText {
  readonly kind: 'consent' | 'acknowledge';
  readonly text: string;
  readonly textHash: string;
}

export function recordingPrompt(mode: 'consent' | 'legal_obligation', facts: RecordingTextFacts, locale: Locale): RecordingPromptText {
  const text = mode === 'consent' ? texts[locale].consent(facts) : texts[locale].acknowledge(facts);
  return { kind: mode === 'consent' ? 'consent' : 'acknowledge', text, textHash: sha256(text) };
}

/** A customer's recording state, as far as what the agent says to them depends on it. */
export type ScriptState = 'asked' | 'captured' | 'declined' | 'withdrawn';

const quote = { en: (s: string) => `“${s}”`, de: (s: string) => `„${s}“` } as const;

/**
 * What the agent says aloud to one customer about the recording, in that customer's language, following where that
 * customer actually stands: asked and not answered yet, recorded (consented or acknowledged), declined, or withdrawn.
 * It names the buttons as the customer's screen shows them. Null when there is nothing to say (not recorded at all).
 */
export function customerScript(mode: 'consent' | 'legal_obligation', state: ScriptState, facts: RecordingTextFacts, locale: Locale): string {
  const b = buttonLabels[locale];
  const q = quote[locale];
  const reference = facts.legalReference ?? (locale === 'de' ? 'rechtliche Verpflichtung' : 'legal obligation');
  if (locale === 'de') {
    if (mode === 'legal_obligation') {
      const base = `Dieses Gespräch wird aufgezeichnet, weil das Gesetz es verlangt (${reference}).`;
      return state === 'captured'
        ? `${base} Wenn Sie nicht aufgezeichnet werden möchten, beenden wir das Videogespräch und finden einen anderen Weg.`
        : `${base} Auf Ihrem Bildschirm steht jetzt ein Hinweis dazu: Bitte lesen Sie ihn und wählen Sie ${q(b.acknowledge)}. ` +
            `Wenn Sie nicht aufgezeichnet werden möchten, wählen Sie ${q(b.leaveCall)}; dann finden wir einen anderen Weg.`;
    }
    switch (state) {
      case 'asked':
        return (
          `Ich möchte dieses Gespräch gern aufzeichnen, aber nur, wenn Sie einverstanden sind. Auf Ihrem Bildschirm sehen Sie jetzt die Frage: ` +
          `Wählen Sie ${q(b.consentYes)} oder ${q(b.consentNo)}. Wenn Sie ablehnen, sprechen wir ganz normal weiter, und von Ihnen wird nichts aufgezeichnet.`
        );
      case 'captured':
        return (
          `Dieses Gespräch wird jetzt aufgezeichnet, Sie haben eingewilligt. Sie können Ihre Einwilligung jederzeit mit der Schaltfläche ` +
          `${q(b.withdraw)} widerrufen — dann hören wir sofort auf, Sie aufzuzeichnen, und löschen, was von Ihnen aufgezeichnet wurde.`
        );
      case 'declined':
        return 'Sie haben entschieden, nicht aufgezeichnet zu werden: Von Ihnen wird nichts aufgezeichnet, und unser Gespräch geht ganz normal weiter.';
      case 'withdrawn':
        return 'Sie haben Ihre Einwilligung widerrufen: Wir zeichnen Sie nicht mehr auf und löschen, was von Ihnen aufgezeichnet wurde. Unser Gespräch geht ganz normal weiter.';
    }
  }
  if (mode === 'legal_obligation') {
    const base = `This call is recorded because the law requires it (${reference}).`;
    return state === 'captured'
      ? `${base} If you do not want to be recorded, we can end the video call and find another way to help you.`
      : `${base} Your screen now shows a notice about it: please read it and choose ${q(b.acknowledge)}. ` +
          `If you do not want to be recorded, choose ${q(b.leaveCall)} and we will find another way to help you.`;
  }
  switch (state) {
    case 'asked':
      return (
        `I would like to record this call, but only if you agree. Your screen now shows the question: choose ${q(b.consentYes)} ` +
        `or ${q(b.consentNo)}. If you say no, we simply carry on and nothing of you is recorded.`
      );
    case 'captured':
      return (
        `This call is now being recorded, and you agreed to that. You can withdraw your consent at any time with the ${q(b.withdraw)} ` +
        'button — we then stop recording you straight away and delete what was recorded of you.'
      );
    case 'declined':
      return 'You chose not to be recorded: nothing of you is recorded, and our call simply goes on.';
    case 'withdrawn':
      return 'You withdrew your consent: we no longer record you, and what was recorded of you will be deleted. Our call simply goes on.';
  }
}
