import { describe, expect, it } from 'vitest';
import { safeHref } from '../../web/customer/safe-href.ts';

// The customer pages follow only links that cannot run code or leave for a site nobody chose: web and mail links
// from the server, and paths on Parley's own origin (the rights page the privacy notice links, issue 12 finding 7).
const ORIGIN = 'https://parley.example';

describe('safeHref', () => {
  it('keeps a path on this site, such as the rights page the notice links', () => {
    expect(safeHref('/rights/org_0000000000000000000000000?locale=de', ORIGIN)).toBe('/rights/org_0000000000000000000000000?locale=de');
  });

  it('refuses what a browser would read as another site or as code', () => {
    for (const href of ['//evil.example/rights', '/\\evil.example', 'javascript:alert(1)', 'data:text/html,<b>x</b>', 'not a url']) {
      expect(safeHref(href, ORIGIN), href).toBeNull();
    }
  });

  it('keeps web and mail links as before', () => {
    expect(safeHref('https://bank.example/privacy', ORIGIN)).toBe('https://bank.example/privacy');
    expect(safeHref('mailto:dpo@bank.example', ORIGIN)).toBe('mailto:dpo@bank.example');
  });
});
