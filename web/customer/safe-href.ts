/**
 * A link from the server (the organisation's privacy policy, a contact address in the notice) as an `href`, or
 * null: only web and mail links are followed, so a mistyped or hostile `javascript:` URL set in the console can
 * never run on the customer's page.
 */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:' ? url.href : null;
  } catch {
    return null;
  }
}
