/**
 * Calendar arithmetic in UTC. Expiries are computed by calendar days and months, not by multiplying
 * milliseconds, so they do not drift across daylight-saving changes or month ends.
 */

/** The same instant `days` calendar days later (UTC). */
export function addDays(from: Date, days: number): Date {
  const d = new Date(from.getTime());
  d.setUTCDate(d.getUTCDate() + days);
  return d;
}

/**
 * `months` calendar months later, Art. 12(3) style (G29): the same day of the month, or the last day of the
 * target month when it has no such day (31 January + 1 month = 28/29 February).
 */
export function addMonthsClamped(from: Date, months: number): Date {
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(from.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(year, month, day, from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()),
  );
}

/** The later of two ISO timestamps. */
export function laterIso(a: string, b: string): string {
  return a > b ? a : b;
}

/**
 * A moment as a person reads it in a mail: weekday, day, month, year, time and the zone's short name
 * ("Thursday, 3 December 2026 at 10:00 CET", "Donnerstag, 3. Dezember 2026 um 10:00 MEZ"), in `timeZone`.
 */
export function longDateTime(at: Date, locale: 'en' | 'de', timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(at);
}
