/** Dates and times in the reader's own locale and time zone; the API speaks ISO-8601 UTC. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));
export const formatDateTimeSeconds = (iso: string) => dateTimeSeconds.format(new Date(iso));
/** A calendar date (`2026-11-29`), shown as that same day wherever the reader is. */
export const formatDate = (isoDate: string) => dateOnly.format(new Date(`${isoDate}T00:00:00Z`));

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: easier to copy by hand into an authenticator app. */
export const groupInFours = (text: string) => text.replace(/(.{4})(?=.)/g, '$1 ');

/** Today as `YYYY-MM-DD` in the reader's time zone (a date input's value). */
export function todayIsoDate(now = new Date()): string {
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

/** A `datetime-local` input's value (reader's local time, no zone) as ISO-8601 UTC, or undefined when empty. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const pluralRules = new Intl.PluralRules('en-GB');
const numbers = new Intl.NumberFormat('en-GB');

/**
 * A count with its noun, plural right: `count(1, 'person', 'people')` → "1 person", `count(1200, …)` → "1,200 people".
 * The console is in English; the rules come from Intl.PluralRules all the same, so the forms are chosen, not guessed.
 */
export function count(n: number, one: string, other: string): string {
  return `${numbers.format(n)} ${pluralRules.select(n) === 'one' ? one : other}`;
}
