import { z } from 'zod';
import { localeSchema, supportedLocales } from '../notices/notice.schema.ts';
import { dpiaStateSchema } from './dpia-review.ts';

/** The generated documents (issue 7): each from the live configuration, as HTML, Markdown or PDF. */
export const documentKinds = ['dpa', 'dpia', 'ropa', 'sub-processors', 'policy-snippet'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export const documentTitles: Readonly<Record<DocumentKind, string>> = {
  dpa: 'Data processing agreement (Art. 28 GDPR)',
  dpia: 'Data protection impact assessment (Art. 35 GDPR)',
  ropa: 'Records of processing activities (Art. 30 GDPR)',
  'sub-processors': 'Sub-processors',
  'policy-snippet': 'Privacy-policy snippet: video calls',
};

export const documentFormats = ['html', 'md', 'pdf'] as const;
export type DocumentFormat = (typeof documentFormats)[number];

export const documentParamsSchema = z.strictObject({
  kind: z.enum(documentKinds, { error: `Choose one of the documents: ${documentKinds.join(', ')}.` }),
});

export const documentQuerySchema = z.strictObject({
  format: z.enum(documentFormats, { error: 'Choose a format: html, md or pdf.' }).default('html'),
  /** Only the privacy-policy snippet is written in every supported locale; the others are in English. */
  locale: localeSchema.default('en'),
});

const stampSchema = z.object({
  configVersion: z.number().int(),
  callTypes: z.array(z.object({ id: z.string(), name: z.string(), version: z.number().int() })),
  label: z.string(),
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
});
