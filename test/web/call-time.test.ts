import { describe, expect, it } from 'vitest';
import { callTime, clockTime } from '../../web/customer/call-time.ts';
import { messages } from '../../web/customer/messages.ts';
import { germanTextProblems } from '../support/language-check.ts';

/**
 * Issue 12, finding 14: a customer who opens her link a day early is told when the call is, the way a person says
 * it, in her language and the organisation's time zone (reckoned from the server's clock, not her device's).
 */
describe('when the call is, in words', () => {
  const berlin = 'Europe/Berlin';
  // Friday, 5 December 2025, 10:00 in Berlin (CET, UTC+1).
  const friday10 = new Date('2025-12-05T09:00:00Z');
  const sentence = (locale: 'en' | 'de', now: string, readerTimeZone = berlin) => {
    const when = callTime({ startsAt: friday10, now: new Date(now), timeZone: berlin, locale, readerTimeZone });
    return messages[locale].early.title(when.day, when.time);
  };

  it('says "tomorrow" the day before, and "today" on the day, by the calendar of the organisation\'s time zone', () => {
    expect(sentence('en', '2025-12-04T08:00:00Z')).toBe('Your call is tomorrow at 10:00');
    expect(sentence('de', '2025-12-04T08:00:00Z')).toBe('Ihr Gespräch findet morgen um 10:00 Uhr statt');
    // 23:30 UTC on the 4th is already the 5th in Berlin: the call is today there.
    expect(sentence('en', '2025-12-04T23:30:00Z')).toBe('Your call is today at 10:00');
    expect(sentence('de', '2025-12-04T23:30:00Z')).toBe('Ihr Gespräch findet heute um 10:00 Uhr statt');
  });

  it('names the weekday and date further ahead, with the year only when it is another one', () => {
    expect(sentence('en', '2025-12-01T08:00:00Z')).toBe('Your call is on Friday, 5 December at 10:00');
    expect(sentence('de', '2025-12-01T08:00:00Z')).toBe('Ihr Gespräch findet am Freitag, 5. Dezember um 10:00 Uhr statt');
    expect(sentence('en', '2024-12-20T08:00:00Z')).toBe('Your call is on Friday, 5 December 2025 at 10:00');
  });

  it('names the time zone only for a reader who lives in another one', () => {
    expect(sentence('en', '2025-12-04T08:00:00Z', 'Europe/Paris')).toBe('Your call is tomorrow at 10:00');
    expect(sentence('en', '2025-12-04T08:00:00Z', 'America/New_York')).toMatch(/^Your call is tomorrow at 10:00 (CET|GMT\+1)$/);
    expect(sentence('de', '2025-12-04T08:00:00Z', 'America/New_York')).toMatch(/^Ihr Gespräch findet morgen um 10:00 Uhr \((MEZ|GMT\+1)\) statt$/);
  });

  it('the German early-arrival text is German through and through', () => {
    const opens = clockTime(new Date('2025-12-05T08:30:00Z'), berlin, 'de', berlin);
    const text = `${sentence('de', '2025-12-01T08:00:00Z')}. ${messages.de.early.text(opens)} ${messages.de.ready.notYet(opens)}`;
    expect(text).toContain('ab 09:30 Uhr');
    expect(germanTextProblems(text)).toEqual([]);
  });

  it('the words beside "Join the call" say to press it, then wait, in both languages', () => {
    for (const lobby of [true, false]) {
      const de = messages.de.ready.text('Petra Berater', 'Am Gespräch teilnehmen', lobby);
      expect(de).toMatch(/^Klicken Sie auf „Am Gespräch teilnehmen“/);
      expect(germanTextProblems(de)).toEqual([]);
      const en = messages.en.ready.text('Petra Berater', 'Join the call', lobby);
      expect(en).toMatch(/^Press “Join the call”/);
      expect(en).not.toMatch(/do nothing|do not need to do anything/);
    }
  });
});
