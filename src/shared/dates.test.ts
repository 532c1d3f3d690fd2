import { describe, expect, it } from 'vitest';
import { addDays, addMonthsClamped } from './dates.ts';

const at = (s: string) => new Date(s);

describe('calendar arithmetic for expiries', () => {
  it('adds calendar days across month ends, leap days and daylight-saving changes', () => {
    expect(addDays(at('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-01T10:00:00.000Z');
    expect(addDays(at('2028-02-28T23:30:00Z'), 1).toISOString()).toBe('2028-02-29T23:30:00.000Z');
    expect(addDays(at('2026-03-28T12:00:00Z'), 2).toISOString()).toBe('2026-03-30T12:00:00.000Z'); // over EU DST start
    expect(addDays(at('2026-12-31T00:00:00Z'), 365).toISOString()).toBe('2027-12-31T00:00:00.000Z');
    expect(addDays(at('2026-05-05T08:00:00Z'), 0).toISOString()).toBe('2026-05-05T08:00:00.000Z');
  });

  it('adds months as Art. 12(3) counts them: same day, or the month\'s last day (G29)', () => {
    expect(addMonthsClamped(at('2026-01-31T09:00:00Z'), 1).toISOString()).toBe('2026-02-28T09:00:00.000Z');
    expect(addMonthsClamped(at('2028-01-31T09:00:00Z'), 1).toISOString()).toBe('2028-02-29T09:00:00.000Z');
    expect(addMonthsClamped(at('2026-03-31T09:00:00Z'), 1).toISOString()).toBe('2026-04-30T09:00:00.000Z');
    expect(addMonthsClamped(at('2026-01-15T09:00:00Z'), 1).toISOString()).toBe('2026-02-15T09:00:00.000Z');
    expect(addMonthsClamped(at('2026-11-30T09:00:00Z'), 3).toISOString()).toBe('2027-02-28T09:00:00.000Z');
    expect(addMonthsClamped(at('2026-12-31T09:00:00Z'), 2).toISOString()).toBe('2027-02-28T09:00:00.000Z');
  });
});
