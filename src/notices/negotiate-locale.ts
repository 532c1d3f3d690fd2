import Negotiator from 'negotiator';
import { DEFAULT_LOCALE, supportedLocales, type Locale } from './notice.schema.ts';

/**
 * The locale a notice is shown in: an explicit choice (`?locale=`, the page's language switch) wins; otherwise
 * the browser's Accept-Language, matched by language prefix (`de-DE` → `de`, RFC 4647 lookup as done by
 * `negotiator`); otherwise English. An unsupported explicit choice never reaches here: the query schema refuses it.
 */
export function negotiateLocale(input: { requested?: Locale | undefined; acceptLanguage?: string | string[] | undefined }): Locale {
  if (input.requested) return input.requested;
  const header = Array.isArray(input.acceptLanguage) ? input.acceptLanguage.join(',') : input.acceptLanguage;
  // No header at all means "anything" (RFC 9110), which negotiator answers with the first supported locale.
  const best = new Negotiator({ headers: header === undefined ? {} : { 'accept-language': header } }).language(supportedLocales);
  return (supportedLocales as readonly string[]).includes(best ?? '') ? (best as Locale) : DEFAULT_LOCALE;
}
