import { z } from 'zod';

/** No CR or LF in anything that becomes a header (subject, names, addresses): no header injection. */
const headerSafe = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !/[\r\n\u0000]/.test(v), 'must not contain line breaks');

/** The sealed content of one message, validated when read back. */
export const mailContentSchema = z.strictObject({
  toName: headerSafe(200).optional(),
  subject: headerSafe(300).min(1),
  text: z.string().max(200_000),
  html: z.string().max(400_000).optional(),
  attachments: z
    .array(z.strictObject({ filename: headerSafe(200).min(1), contentType: headerSafe(100).min(1), content: z.string().max(500_000) }))
    .max(5)
    .default([]),
});
export type MailContent = z.input<typeof mailContentSchema>;

export const mailSummarySchema = z.object({
  id: z.string(),
  kind: z.string(),
  to: z.string(),
  subject: z.string(),
  status: z.enum(['queued', 'sent', 'kept', 'failed']),
  transport: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export const mailDetailSchema = mailSummarySchema.extend({
  toName: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), content: z.string() })),
});
