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

const texts = {
  en: {
    consent: (f: RecordingTextFacts) =>
      `${f.organisationName} would like to record this call. If you agree, your picture, your voice and anything you ` +
      `show on your screen are recorded from now on — anything you say or show becomes part of the recording, ` +
      `including confidential information and information about your health, finances or other sensitive matters. ` +
      `The recording is encrypted and kept for ${f.recordingsDays} days, then deleted. Only authorised staff can play it, ` +
      `and every playback is logged. You can withdraw your consent at any time with the "Stop recording me" button: ` +
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
    consentScript:
      'Say this aloud: "This call is now being recorded, and you agreed to that. You can withdraw your consent at any ' +
      'time with the Stop recording me button — we then stop recording you straight away and delete what was recorded of you."',
    legalScript: (f: RecordingTextFacts) =>
      `Say this aloud: "This call is recorded because the law requires it (${f.legalReference ?? 'legal obligation'}). ` +
      'If you do not want to be recorded, we can end the video call and find another way to help you."',
  },
  de: {
    consent: (f: RecordingTextFacts) =>
      `${f.organisationName} möchte dieses Gespräch aufzeichnen. Wenn Sie einwilligen, werden ab jetzt Ihr Bild, Ihre ` +
      `Stimme und alles, was Sie auf Ihrem Bildschirm zeigen, aufgezeichnet — alles, was Sie sagen oder zeigen, wird ` +
      `Teil der Aufzeichnung, auch vertrauliche Informationen und Angaben zu Gesundheit, Finanzen oder anderen ` +
      `sensiblen Themen. Die Aufzeichnung wird verschlüsselt ${f.recordingsDays} Tage aufbewahrt und dann gelöscht. ` +
      `Nur berechtigte Mitarbeitende können sie abspielen, jede Wiedergabe wird protokolliert. Sie können Ihre ` +
      `Einwilligung jederzeit mit der Schaltfläche „Aufzeichnung von mir beenden" widerrufen: Die Aufzeichnung von ` +
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
    consentScript:
      'Sagen Sie laut: „Dieses Gespräch wird jetzt aufgezeichnet, Sie haben eingewilligt. Sie können Ihre Einwilligung ' +
      'jederzeit mit der Schaltfläche Aufzeichnung von mir beenden widerrufen — wir hören dann sofort auf, Sie aufzuzeichnen, ' +
      'und löschen, was von Ihnen aufgezeichnet wurde."',
    legalScript: (f: RecordingTextFacts) =>
      `Sagen Sie laut: „Dieses Gespräch wird aufgezeichnet, weil das Gesetz es verlangt (${f.legalReference ?? 'rechtliche Verpflichtung'}). ` +
      'Wenn Sie nicht aufgezeichnet werden möchten, beenden wir das Videogespräch und finden einen anderen Weg."',
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

/** What the agent says aloud when recording starts (in the agent's console language: English for now). */
export function agentScript(mode: 'consent' | 'legal_obligation', facts: RecordingTextFacts, locale: Locale = 'en'): string {
  return mode === 'consent' ? texts[locale].consentScript : texts[locale].legalScript(facts);
}
