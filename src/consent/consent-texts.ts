import { createHash } from 'node:crypto';
import type { CallTypeView } from '../call-types/call-type.schema.ts';
import type { Locale } from '../notices/notice.schema.ts';

export type ConsentPurpose = 'recording' | 'chat' | 'training_qa' | 'analytics';

export interface ConsentRequest {
  readonly purpose: ConsentPurpose;
  /** The exact text shown next to the (unticked) control; its SHA-256 goes into the ledger (G11). */
  readonly text: string;
  readonly textHash: string;
}

/**
 * One consent text per consent-based purpose of a call type (G9), each naming the controller, the purpose, the
 * data and the right to withdraw (G10). Generated from the live call type, so the retention it states is the
 * one that applies.
 */
const texts: Record<Locale, Record<ConsentPurpose, (org: string, days: number) => string>> = {
  en: {
    recording: (org, days) =>
      `I agree that ${org} records this video call: my picture and voice and anything I show on my screen — including confidential or sensitive information I mention. The recording is kept for ${days} days. I can withdraw my consent at any time during the call with one click; recording of me then stops. If I do not agree, the call goes ahead without recording me.`,
    chat: (org, days) =>
      `I agree that ${org} keeps the chat messages of this call for ${days} days. I can withdraw my consent at any time; my messages are then no longer kept.`,
    training_qa: (org) =>
      `I agree that ${org} uses recordings of this call to train its staff and check the quality of its advice. I can withdraw this consent at any time; recordings of me are then no longer used for it.`,
    analytics: (org) =>
      `I agree that ${org} computes statistics about this call (for example its length and connection quality) linked to my participation. I can withdraw my consent at any time.`,
  },
  de: {
    recording: (org, days) =>
      `Ich willige ein, dass ${org} dieses Videogespräch aufzeichnet: mein Bild und meine Stimme und alles, was ich auf meinem Bildschirm zeige — auch vertrauliche oder sensible Informationen, die ich nenne. Die Aufzeichnung wird ${days} Tage aufbewahrt. Ich kann meine Einwilligung jederzeit im Gespräch mit einem Klick widerrufen; die Aufzeichnung von mir endet dann. Willige ich nicht ein, findet das Gespräch ohne Aufzeichnung von mir statt.`,
    chat: (org, days) =>
      `Ich willige ein, dass ${org} die Chatnachrichten dieses Gesprächs ${days} Tage aufbewahrt. Ich kann meine Einwilligung jederzeit widerrufen; meine Nachrichten werden dann nicht mehr aufbewahrt.`,
    training_qa: (org) =>
      `Ich willige ein, dass ${org} Aufzeichnungen dieses Gesprächs zur Schulung der Mitarbeitenden und zur Qualitätssicherung der Beratung nutzt. Ich kann diese Einwilligung jederzeit widerrufen; Aufzeichnungen von mir werden dann dafür nicht mehr genutzt.`,
    analytics: (org) =>
      `Ich willige ein, dass ${org} Statistiken zu diesem Gespräch (zum Beispiel Dauer und Verbindungsqualität) bezogen auf meine Teilnahme erstellt. Ich kann meine Einwilligung jederzeit widerrufen.`,
  },
};

const daysFor = (ct: CallTypeView, purpose: ConsentPurpose) =>
  purpose === 'chat' ? ct.retention.chatDays : purpose === 'recording' ? ct.retention.recordingsDays : ct.retention.recordingsDays;

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function consentRequests(callType: CallTypeView, organisationName: string, locale: Locale): ConsentRequest[] {
  return callType.purposes
    .filter((p): p is typeof p & { purpose: ConsentPurpose } => p.basis === 'consent' && p.purpose !== 'call_delivery')
    .map((p) => {
      const text = texts[locale][p.purpose](organisationName, daysFor(callType, p.purpose));
      return { purpose: p.purpose, text, textHash: sha256(text) };
    });
}
