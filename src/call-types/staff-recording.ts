import type { CallTypeView } from './call-type.schema.ts';

/**
 * The legitimate interest stated for recording staff when a call type records with the customers' consent and the
 * organisation has not put it in its own words (`staffRecordingInterest` empty). Documents and the information for
 * staff state this wording, so the basis is never left unexplained; the console shows it as what applies unless the
 * organisation writes its own.
 */
export const standardStaffRecordingInterest: Readonly<Record<'en' | 'de', string>> = {
  en: 'keeping evidence of the advice given and of what was agreed in the call, for the customer and for us',
  de: 'Nachweis der erteilten Beratung und des im Gespräch Vereinbarten, für die Kundin oder den Kunden und für uns',
};

/** The interest that applies to recording staff in calls of this type: the one stated, or the standard wording. */
export function staffRecordingInterestOf(ct: Pick<CallTypeView, 'staffRecordingInterest'>, locale: 'en' | 'de'): string {
  return ct.staffRecordingInterest ?? standardStaffRecordingInterest[locale];
}
