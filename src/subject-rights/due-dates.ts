import { AppError } from '../shared/app-error.ts';
import { addMonthsClamped } from '../shared/dates.ts';

/**
 * Art. 12(3) deadlines (G29). A request is answered within one month of receipt: the same day of the next month,
 * or that month's last day when it has no such day (31 January → 28/29 February). Days are the organisation's
 * (PARLEY_TIME_ZONE), not UTC's: a request received at 00:30 on 1 April in Berlin (still 31 March in UTC) counts
 * from 1 April and is due at the end of 1 May, Berlin time.
 *
 * An extension adds up to two further months, counted by the same rule from the original due date (the earlier of
 * the readings of "two further months", so the requester never waits longer than the text allows), and is possible
 * only with reasons, told to the requester before the original due date passes, and only once.
 */
export interface LocalDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
}

export const MAX_EXTENSION_MONTHS = 2;

const partsCache = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: Date, timeZone: string) {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The calendar day an instant falls on in a time zone. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = wallClock(instant, timeZone);
  return { year, month, day };
}

/** `months` calendar months later, clamped to the target month's last day. */
export function addMonthsToDate(date: LocalDate, months: number): LocalDate {
  const d = addMonthsClamped(new Date(Date.UTC(date.year, date.month - 1, date.day)), months);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Offset of the zone from UTC at an instant, in ms (Berlin summer: +2 h). */
function offsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant local midnight starts a day in a zone (a DST change at midnight shifts it; twice-checked). */
function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const naive = Date.UTC(date.year, date.month - 1, date.day);
  let guess = naive - offsetMs(new Date(naive), timeZone);
  guess = naive - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

/** The last millisecond of a day in a zone. */
export function endOfLocalDay(date: LocalDate, timeZone: string): Date {
  const next = addDaysToDate(date, 1);
  return new Date(startOfLocalDay(next, timeZone).getTime() - 1);
}

function addDaysToDate(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function formatLocalDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** The Art. 12(3) due date of a request received at `receivedAt`: `dueOn` the day, `dueAt` the end of it. */
export function dueDate(receivedAt: Date, timeZone: string): { dueOn: string; dueAt: string } {
  const due = addMonthsToDate(localDateOf(receivedAt, timeZone), 1);
  return { dueOn: formatLocalDate(due), dueAt: endOfLocalDay(due, timeZone).toISOString() };
}

/**
 * The new due date when extending by `months` (1 or 2); refuses (409) after the original due date, a second
 * extension, or missing reasons (400).
 */
export function extendedDueDate(input: {
  now: Date;
  originalDueAt: string;
  alreadyExtended: boolean;
  months: number;
  reasons: string;
  timeZone: string;
}): { dueOn: string; dueAt: string } {
  if (!Number.isInteger(input.months) || input.months < 1 || input.months > MAX_EXTENSION_MONTHS) {
    throw new AppError('VALIDATION_FAILED', `An extension is one or two months (Art. 12(3)).`);
  }
  if (input.reasons.trim().length === 0) {
    throw new AppError('VALIDATION_FAILED', 'An extension needs reasons; they are sent to the requester.');
  }
  if (input.alreadyExtended) throw new AppError('CONFLICT', 'This request has already been extended.');
  if (input.now.getTime() > new Date(input.originalDueAt).getTime()) {
    throw new AppError('CONFLICT', 'The original due date has passed: the deadline can no longer be extended (Art. 12(3)).');
  }
  const originalDay = localDateOf(new Date(input.originalDueAt), input.timeZone);
  const due = addMonthsToDate(originalDay, input.months);
  return { dueOn: formatLocalDate(due), dueAt: endOfLocalDay(due, input.timeZone).toISOString() };
}
