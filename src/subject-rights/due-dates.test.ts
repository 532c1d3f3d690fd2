import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/app-error.ts';
import { dueDate, extendedDueDate } from './due-dates.ts';

const UTC = 'UTC';
const BERLIN = 'Europe/Berlin';
const dueOn = (receivedUtc: string, tz = UTC) => dueDate(new Date(receivedUtc), tz).dueOn;

describe('Art. 12(3) due dates (G29)', () => {
  it('is the same day of the next month, or that month\'s last day when it has none', () => {
    expect(dueOn('2026-01-31T10:00:00Z')).toBe('2026-02-28');
    expect(dueOn('2026-04-30T10:00:00Z')).toBe('2026-05-30');
    expect(dueOn('2026-03-31T10:00:00Z')).toBe('2026-04-30');
    expect(dueOn('2026-12-31T10:00:00Z')).toBe('2027-01-31');
    expect(dueOn('2026-01-15T10:00:00Z')).toBe('2026-02-15');
    expect(dueOn('2026-05-31T10:00:00Z')).toBe('2026-06-30');
    expect(dueOn('2026-08-31T10:00:00Z')).toBe('2026-09-30');
    expect(dueOn('2026-02-28T10:00:00Z')).toBe('2026-03-28');
  });

  it('follows leap years: 2028 and 2000 have 29 February, 2100 does not', () => {
    expect(dueOn('2028-01-31T10:00:00Z')).toBe('2028-02-29');
    expect(dueOn('2028-01-29T10:00:00Z')).toBe('2028-02-29');
    expect(dueOn('2028-02-29T10:00:00Z')).toBe('2028-03-29');
    expect(dueOn('2100-01-31T10:00:00Z')).toBe('2100-02-28');
    expect(dueOn('2100-01-29T10:00:00Z')).toBe('2100-02-28');
    expect(dueOn('2000-01-31T10:00:00Z')).toBe('2000-02-29');
    expect(dueOn('2000-01-30T10:00:00Z')).toBe('2000-02-29');
  });

  it('is due at the end of the due day in the organisation\'s time zone', () => {
    expect(dueDate(new Date('2026-01-15T10:00:00Z'), UTC).dueAt).toBe('2026-02-15T23:59:59.999Z');
    // Berlin is UTC+1 in winter, UTC+2 in summer: the day ends an hour or two earlier in UTC.
    expect(dueDate(new Date('2026-01-15T10:00:00Z'), BERLIN).dueAt).toBe('2026-02-15T22:59:59.999Z');
    expect(dueDate(new Date('2026-06-15T10:00:00Z'), BERLIN).dueAt).toBe('2026-07-15T21:59:59.999Z');
    // Received in winter time, due in summer time (DST starts 29 March 2026).
    expect(dueDate(new Date('2026-03-15T10:00:00Z'), BERLIN).dueAt).toBe('2026-04-15T21:59:59.999Z');
  });

  it('counts from the organisation\'s day when a late-evening receipt is already the next day there', () => {
    // 23:30 UTC on 31 January is 00:30 on 1 February in Berlin: received 1 February, due 1 March.
    expect(dueOn('2026-01-31T23:30:00Z', BERLIN)).toBe('2026-03-01');
    expect(dueOn('2026-01-31T23:30:00Z', UTC)).toBe('2026-02-28');
    // 22:30 UTC on 30 April is 00:30 on 1 May in Berlin (summer time).
    expect(dueOn('2026-04-30T22:30:00Z', BERLIN)).toBe('2026-06-01');
    // 21:30 UTC on 31 March: 23:30 in Berlin, still 31 March → 30 April.
    expect(dueOn('2026-03-31T21:30:00Z', BERLIN)).toBe('2026-04-30');
    // And the other way round: 23:30 on 31 Dec in New York is already 1 January in UTC.
    expect(dueOn('2027-01-01T04:30:00Z', 'America/New_York')).toBe('2027-01-31');
  });
});

describe('Art. 12(3) extensions', () => {
  const base = { alreadyExtended: false, reasons: 'Many requests at once', timeZone: BERLIN };
  const original = dueDate(new Date('2026-01-31T10:00:00Z'), BERLIN).dueAt; // end of 28 February 2026

  it('adds up to two months to the original due date by the same rule', () => {
    const now = new Date('2026-02-10T10:00:00Z');
    expect(extendedDueDate({ ...base, now, originalDueAt: original, months: 2 }).dueOn).toBe('2026-04-28');
    expect(extendedDueDate({ ...base, now, originalDueAt: original, months: 1 }).dueOn).toBe('2026-03-28');
    const fromMarch31 = dueDate(new Date('2026-02-28T10:00:00Z'), BERLIN).dueAt; // 28 March
    expect(extendedDueDate({ ...base, now, originalDueAt: fromMarch31, months: 2 }).dueAt).toBe('2026-05-28T21:59:59.999Z');
  });

  it('is possible until the end of the original due day and refused (409) after it', () => {
    const lastMoment = new Date(new Date(original).getTime());
    expect(() => extendedDueDate({ ...base, now: lastMoment, originalDueAt: original, months: 2 })).not.toThrow();
    const late = new Date(new Date(original).getTime() + 1);
    try {
      extendedDueDate({ ...base, now: late, originalDueAt: original, months: 2 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(409);
    }
  });

  it('needs reasons, one or two months, and happens once', () => {
    const now = new Date('2026-02-10T10:00:00Z');
    expect(() => extendedDueDate({ ...base, now, originalDueAt: original, months: 2, reasons: '  ' })).toThrow(/reasons/);
    expect(() => extendedDueDate({ ...base, now, originalDueAt: original, months: 3 })).toThrow(/two months/);
    expect(() => extendedDueDate({ ...base, now, originalDueAt: original, months: 0 })).toThrow(/two months/);
    expect(() => extendedDueDate({ ...base, now, originalDueAt: original, months: 1, alreadyExtended: true })).toThrow(/already/);
  });
});
