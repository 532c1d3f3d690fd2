import { z } from 'zod';

/**
 * The tool that makes a transfer outside the EEA lawful (Art. 45–46 GDPR, G53): an adequacy decision for the
 * country, or standard contractual clauses together with a transfer impact assessment. `none` only inside the EEA.
 */
export const transferTools = ['adequacy_decision', 'sccs_tia', 'none'] as const;
export type TransferTool = (typeof transferTools)[number];

/** EU member states plus Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2). */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL',
  'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
]);

export const isEeaCountry = (country: string): boolean => EEA_COUNTRIES.has(country.toUpperCase());

const text = (max: number, empty: string) => z.string().trim().min(1, empty).max(max);

const fields = {
  name: text(200, 'Enter the company name.'),
  purpose: text(500, 'Say what the sub-processor does for the calls.'),
  /** Where the data is processed, in words (a city, a data centre, "EU regions"). */
  location: text(200, 'Say where the data is processed.'),
  /** Decides whether the entry is inside the EEA: the EEA flag is derived from it, never typed in. */
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'Use the two-letter country code (ISO 3166-1), e.g. DE or US.')
    .transform((v) => v.toUpperCase()),
  transferTool: z.enum(transferTools),
};

export const createSubProcessorSchema = z.strictObject({ ...fields, transferTool: fields.transferTool.default('none') });
export type CreateSubProcessorInput = z.infer<typeof createSubProcessorSchema>;

export const updateSubProcessorSchema = z
  .strictObject(fields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');
export type UpdateSubProcessorInput = z.infer<typeof updateSubProcessorSchema>;

export const subProcessorSchema = z.object({
  id: z.string(),
  name: z.string(),
  purpose: z.string(),
  location: z.string(),
  country: z.string(),
  inEea: z.boolean(),
  transferTool: z.enum(transferTools),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SubProcessorView = z.infer<typeof subProcessorSchema>;
