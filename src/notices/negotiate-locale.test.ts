import { describe, expect, it } from 'vitest';
import { negotiateLocale } from './negotiate-locale.ts';

describe('negotiateLocale', () => {
  it.each([
    ['de-DE,de;q=0.9,en;q=0.8', 'de'],
    ['de-CH', 'de'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR,fr;q=0.9', 'en'],
    ['fr, de;q=0.3', 'de'],
    ['en;q=0.2, de;q=0.8', 'de'],
    ['de;q=0', 'en'],
    ['*', 'en'],
    ['', 'en'],
    ['%%%;;;q=x', 'en'],
  ])('maps Accept-Language %j to %s, falling back to English', (header, expected) => {
    expect(negotiateLocale({ acceptLanguage: header })).toBe(expected);
  });

  it('uses English when the browser sends no Accept-Language at all', () => {
    expect(negotiateLocale({})).toBe('en');
  });

  it('lets an explicit choice override the browser', () => {
    expect(negotiateLocale({ requested: 'en', acceptLanguage: 'de-DE' })).toBe('en');
    expect(negotiateLocale({ requested: 'de', acceptLanguage: 'en' })).toBe('de');
  });
});
