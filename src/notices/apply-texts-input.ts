import { supportedLocales, type NoticeTexts, type NoticeTextsInput } from './notice.schema.ts';

/** Texts after a client's partial change: the fields sent replace, the rest stay. */
export function applyTextsInput(base: NoticeTexts, input: NoticeTextsInput): NoticeTexts {
  return { en: { ...base.en, ...input.en }, de: { ...base.de, ...input.de } };
}

/** `locale.field` for each text that differs: what an audit event records (names only, never the text). */
export function changedTextFields(before: NoticeTexts, after: NoticeTexts): string[] {
  return supportedLocales.flatMap((locale) =>
    (Object.keys(after[locale]) as (keyof NoticeTexts[typeof locale])[])
      .filter((field) => before[locale][field] !== after[locale][field])
      .map((field) => `${locale}.${field}`),
  );
}
