import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';

export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];

/** A name that ends up in mail headers and on screens: no control characters, no angle brackets, 100 at most. */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'Enter a name.')
  .max(100, 'Use at most 100 characters.')
  .refine((v) => !/[\u0000-\u001f\u007f<>"]/.test(v), 'Use letters, spaces and punctuation only (no line breaks, < > or ").');

const emailSchema = z
  .email('Enter a valid email address.')
  .max(254)
  .transform((v) => v.trim().toLowerCase());

/** Only a display name and an email are asked about the customer (G23): nothing else is accepted. */
export const customerInputSchema = z.strictObject({ displayName: displayNameSchema, email: emailSchema });

export const scheduleCallSchema = z.strictObject({
  callTypeId: idSchema('callType'),
  startsAt: z.iso.datetime({ offset: true, message: 'Use an ISO-8601 time such as 2026-12-01T09:00:00+01:00.' }),
  durationMinutes: z.number().int().min(5, 'At least 5 minutes.').max(480, 'At most 8 hours.'),
  customer: customerInputSchema,
  /** Language of the invitation and of the join page by default. */
  locale: z.enum(locales).default('en'),
  /** For API tokens and admins scheduling for someone else: the hosting agent. Default: the caller. */
  agentId: idSchema('user').optional(),
});
export type ScheduleCallInput = z.infer<typeof scheduleCallSchema>;

export const rescheduleCallSchema = z
  .strictObject({
    startsAt: scheduleCallSchema.shape.startsAt,
    durationMinutes: scheduleCallSchema.shape.durationMinutes,
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send a new start time or duration.');

export const participantSchema = z.object({
  id: z.string(),
  kind: z.enum(['agent', 'customer']),
  displayName: z.string(),
  userId: z.string().nullable(),
  subjectId: z.string().nullable(),
  email: z.string().nullable(),
});

export const callSchema = z.object({
  id: z.string(),
  callTypeId: z.string(),
  callTypeName: z.string(),
  callTypeVersion: z.number().int(),
  agentId: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  durationMinutes: z.number().int(),
  locale: z.enum(locales),
  status: z.enum(['scheduled', 'cancelled', 'ended']),
  participants: z.array(participantSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CallView = z.infer<typeof callSchema>;
