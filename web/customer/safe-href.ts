/**
 * A link from the server (the organisation's privacy policy, a contact address in the notice) as an `href`, or
 * null: only web and mail links are followed, so a mistyped or hostile `javascript:` URL set in the console can
 * never run on the customer's page. A path on this site (`/rights/<orgId>`, the rights page the notice links) is
 * kept only when it stays on `origin`: `//host` and `/\host` are other sites to a browser, not paths.
 */
export function safeHref(href: string, origin: string = pageOrigin()): string | null {
  try {
    const sitePath = href.startsWith('/');
    const url = sitePath ? new URL(href, origin) : new URL(href);
    if (sitePath) return url.origin === origin ? url.pathname + url.search + url.hash : null;
    return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:' ? url.href : null;
  } catch {
    return null;
  }
}

/** The page's origin; read through globalThis so this file also type-checks (and is unit-tested) outside the DOM. */
const pageOrigin = (): string => (globalThis as unknown as { location: { origin: string } }).location.origin;
