import { z } from 'zod';

/**
 * The processor (whoever runs this Parley installation) as an organisation's DPA and records of processing name it
 * (Art. 28(3), 30(2)). The installation's PARLEY_OPERATOR_* settings are the defaults; an organisation's
 * administrator or DPO can enter the details in the console, and those win for that organisation's documents.
 */
export const processorFields = ['name', 'address', 'contactEmail'] as const;
export type ProcessorField = (typeof processorFields)[number];

const details = z.object({ name: z.string().nullable(), address: z.string().nullable(), contactEmail: z.string().nullable() });
export type ProcessorDetails = z.infer<typeof details>;

export const processorViewSchema = z.object({
  /** What the documents state: this organisation's entry, else the installation's setting; null: not provided yet. */
  effective: details,
  /** This organisation's own entries; null where the installation's setting applies. */
  own: details,
  /** The installation's settings (PARLEY_OPERATOR_*); null where not set. */
  installation: details,
  /** Details the documents still lack, in the order the form shows them. */
  missing: z.array(z.enum(processorFields)),
});
export type ProcessorView = z.infer<typeof processorViewSchema>;

/** Empty text means "use the installation's setting" and is stored as null. */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .nullable()
    .transform((v) => (v === '' ? null : v));

export const updateProcessorSchema = z
  .strictObject({
    name: optionalText(200),
    address: optionalText(1000),
    contactEmail: z
      .string()
      .trim()
      .max(320, 'Use at most 320 characters.')
      .refine((v) => v === '' || z.email().safeParse(v).success, 'Enter a valid email address, like privacy@hosting.example.')
      .nullable()
      .transform((v) => (v === '' ? null : v)),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one detail to change.');
export type UpdateProcessorInput = z.infer<typeof updateProcessorSchema>;
