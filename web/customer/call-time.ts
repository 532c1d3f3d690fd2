/**
 * When the call is, said the way a person says it: "today at 15:00", "tomorrow at 10:00", "on Friday, 5 December at
 * 10:00" — in the organisation's time zone (the one the invitation uses) and reckoned from the server's clock, not the
 * device's. The words around it live in messages.ts; this only finds the day and formats date and time.
 */

export type CallDay = { readonly kind: 'today' | 'tomorrow' } | { readonly kind: 'date'; readonly date: string };

/** "10:00" (24-hour clock in both languages), and the zone's short name when the reader lives in another time zone. */
export interface ClockTime {
  readonly hm: string;
  readonly zone: string | null;
}

export interface CallTime {
  readonly day: CallDay;
  readonly time: ClockTime;
}

const tags = { en: 'en-GB', de: 'de-DE' } as const;

/** The calendar day of an instant in a time zone, as a count of days (for differences between days). */
function dayNumber(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day')) / 86_400_000;
}

export function clockTime(instant: Date, timeZone: string, locale: 'en' | 'de', readerTimeZone: string): ClockTime {
  const sameZone = sameOffsetRules(timeZone, readerTimeZone);
  const parts = new Intl.DateTimeFormat(tags[locale], {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(sameZone ? {} : { timeZoneName: 'short' }),
  }).formatToParts(instant);
  const hm = `${parts.find((p) => p.type === 'hour')?.value ?? ''}:${parts.find((p) => p.type === 'minute')?.value ?? ''}`;
  return { hm, zone: parts.find((p) => p.type === 'timeZoneName')?.value ?? null };
}

/** Two zone names for the same clock (Europe/Berlin and Europe/Paris): no need to name the zone. */
function sameOffsetRules(a: string, b: string): boolean {
  if (a === b) return true;
  // Compared on two dates half a year apart, so summer time counts.
  const year = new Date().getUTCFullYear();
  return [Date.UTC(year, 0, 15), Date.UTC(year, 6, 15)].every((t) => offsetOf(new Date(t), a) === offsetOf(new Date(t), b));
}

function offsetOf(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/** The call's day relative to now (today, tomorrow, or its date) and its time, in the organisation's time zone. */
export function callTime(options: {
  readonly startsAt: Date;
  readonly now: Date;
  readonly timeZone: string;
  readonly locale: 'en' | 'de';
  readonly readerTimeZone: string;
}): CallTime {
  const { startsAt, now, timeZone, locale } = options;
  const days = dayNumber(startsAt, timeZone) - dayNumber(now, timeZone);
  const time = clockTime(startsAt, timeZone, locale, options.readerTimeZone);
  if (days === 0) return { day: { kind: 'today' }, time };
  if (days === 1) return { day: { kind: 'tomorrow' }, time };
  const parts = new Intl.DateTimeFormat(tags[locale], { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).formatToParts(startsAt);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const sameYear = get('year') === new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric' }).format(now);
  // "Friday, 5 December" / "Freitag, 5. Dezember", the year only when it is not this one.
  const date = locale === 'de' ? `${get('weekday')}, ${get('day')}. ${get('month')}` : `${get('weekday')}, ${get('day')} ${get('month')}`;
  return { day: { kind: 'date', date: sameYear ? date : `${date} ${get('year')}` }, time };
}
