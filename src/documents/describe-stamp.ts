import type { ConfigStamp } from './document-sources.ts';

/**
 * Configuration stamps and dates as people read them (issue 12): the documents, the console and the DPIA approval
 * say "organisation settings version 3, call type “Beratung” version 1" and "17 March 2026 at 14:05 CET", never
 * `org v3; ct_… v1` or an ISO timestamp.
 */

type Locale = 'en' | 'de';

/** "“A” version 1, “B” version 2 and “C” version 1" — the last two joined by the locale's "and". */
function listInWords(items: readonly string[], locale: Locale): string {
  const and = locale === 'de' ? ' und ' : ' and ';
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')}${and}${items[items.length - 1]}`;
}

/**
 * The stamp in words (issue 12): "organisation settings version 3, call types “Beratung” version 1 and “Video
 * consultation” version 2", for the documents, the console and the DPIA approval. Call types by name.
 */
export function describeStamp(stamp: Pick<ConfigStamp, 'configVersion' | 'callTypes'>, locale: Locale = 'en'): string {
  const cts = [...stamp.callTypes].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  if (locale === 'de') {
    const items = cts.map((c) => `„${c.name}“ Version ${c.version}`);
    const types = cts.length === 0 ? 'ohne Gesprächsarten' : `${cts.length === 1 ? 'Gesprächsart' : 'Gesprächsarten'} ${listInWords(items, locale)}`;
    return `Organisationseinstellungen Version ${stamp.configVersion}, ${types}`;
  }
  const items = cts.map((c) => `“${c.name}” version ${c.version}`);
  const types = cts.length === 0 ? 'no call types' : `${cts.length === 1 ? 'call type' : 'call types'} ${listInWords(items, locale)}`;
  return `organisation settings version ${stamp.configVersion}, ${types}`;
}

/** An instant as a reader says it: "17 March 2026 at 14:05 CET" / "17. März 2026 um 14:05 MEZ", in the installation's zone. */
export function formatInstant(isoInstant: string, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone,
  }).format(new Date(isoInstant));
}
