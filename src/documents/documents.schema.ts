import { z } from 'zod';
import { localeSchema, supportedLocales } from '../notices/notice.schema.ts';
import { processorFields } from '../organisations/processor.schema.ts';
import { dpiaStateSchema } from './dpia-review.ts';

/**
 * The generated documents (issues 7 and 12): each from the live configuration, as HTML, Markdown or PDF. The
 * privacy-policy snippet (for the organisation's customers) and the information for staff are written in every
 * supported locale; the others, addressed to compliance staff and auditors, in English.
 */
export const documentKinds = ['dpa', 'dpia', 'ropa', 'sub-processors', 'policy-snippet', 'staff-notice'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export const documentTitles: Readonly<Record<DocumentKind, string>> = {
  dpa: 'Data processing agreement (Art. 28 GDPR)',
  dpia: 'Data protection impact assessment (Art. 35 GDPR)',
  ropa: 'Records of processing activities (Art. 30 GDPR)',
  'sub-processors': 'Sub-processors',
  'policy-snippet': 'Privacy-policy snippet: video calls',
  'staff-notice': 'Information for staff: recording of video calls',
};

/** Titles of the documents written in German too (the page title and the PDF's metadata). */
const germanTitles: Readonly<Partial<Record<DocumentKind, string>>> = {
  'policy-snippet': 'Baustein für die Datenschutzerklärung: Videogespräche',
  'staff-notice': 'Information für Beschäftigte: Aufzeichnung von Videogesprächen',
};

/** The kinds written in every supported locale. */
export const localisedKinds: readonly DocumentKind[] = ['policy-snippet', 'staff-notice'];

export function documentTitle(kind: DocumentKind, locale: 'en' | 'de'): string {
  return (locale === 'de' ? germanTitles[kind] : undefined) ?? documentTitles[kind];
}

export const documentFormats = ['html', 'md', 'pdf'] as const;
export type DocumentFormat = (typeof documentFormats)[number];

export const documentParamsSchema = z.strictObject({
  kind: z.enum(documentKinds, { error: 'There is no such document. The documents are listed under Documents in the console.' }),
});

export const documentQuerySchema = z.strictObject({
  format: z.enum(documentFormats, { error: 'Choose a format: html, md or pdf.' }).default('html'),
  /** Only the privacy-policy snippet and the information for staff are written in every supported locale. */
  locale: localeSchema.default('en'),
});

const stampSchema = z.object({
  configVersion: z.number().int(),
  callTypes: z.array(z.object({ id: z.string(), name: z.string(), version: z.number().int() })),
  /** For programs: `org v3; ct_… v1` (also the `x-parley-config-version` header of each document). */
  label: z.string(),
  /** For people: "organisation settings version 3, call type “Beratung” version 1". */
  description: z.string(),
});

export const documentListSchema = z.object({
  documents: z.array(
    z.object({
      kind: z.enum(documentKinds),
      title: z.string(),
      /** Locales it can be generated in. */
      locales: z.array(z.enum(supportedLocales)),
    }),
  ),
  stamp: stampSchema,
  generatedAt: z.string(),
  dpia: dpiaStateSchema,
  /**
   * Processor details the DPA and the records of processing still lack (finding 17): neither the organisation nor
   * the installation's PARLEY_OPERATOR_* settings provide them. The console warns until this is empty.
   */
  processorMissing: z.array(z.enum(processorFields)),
});
