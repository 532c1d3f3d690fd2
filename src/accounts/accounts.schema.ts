import { z } from 'zod';
import { passwordSchema } from './passwords.ts';
import { roleSchema } from './roles.ts';

const email = z
  .email('Enter a valid email address.')
  .max(320)
  .transform((v) => v.trim().toLowerCase());
const displayName = z
  .string()
  .trim()
  .min(1, 'Enter a name.')
  .max(200, 'Use at most 200 characters for the name.')
  // A name goes into mail headers (To:) and one-line lists: no line breaks or other control characters.
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'Write the name on one line, without line breaks or tabs.');

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: roleSchema,
  status: z.enum(['invited', 'active', 'disabled']),
  totpEnabled: z.boolean(),
  lastTrainingOn: z.string().nullable(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof userSchema>;

export const createUserSchema = z.strictObject({ email, displayName, role: roleSchema });
export const updateUserSchema = z
  .strictObject({ displayName, role: roleSchema, disabled: z.boolean() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');

/**
 * How a set-up link reached its person: mailed (`transport: 'smtp'`, no `url`), or — when this installation has no
 * mail server and keeps mail in the outbox — handed to the admin as `url` to pass on.
 */
export const setupLinkSchema = z.object({
  sentTo: z.string(),
  transport: z.enum(['smtp', 'outbox']),
  expiresAt: z.string(),
  url: z.string().nullable(),
});

export const loginSchema = z.strictObject({ email, password: z.string().min(1, 'Enter your password.').max(200) });
export const stageSchema = z.object({ stage: z.enum(['totp', 'totp_enrolment', 'active']) });

export const setupTokenInputSchema = z.strictObject({ token: z.string().min(10).max(200) });
export const setupCompleteSchema = z.strictObject({
  token: z.string().min(10).max(200),
  password: passwordSchema,
  email: email.optional(),
  displayName: displayName.optional(),
});
export const setupInfoSchema = z.object({
  kind: z.enum(['first_admin', 'user']),
  organisationName: z.string(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
});

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const createApiTokenSchema = z.strictObject({
  name: z.string().trim().min(1, 'Name the token, e.g. after the system that uses it.').max(100, 'Use at most 100 characters for the name.'),
  role: roleSchema,
});

const isoDate = z.iso.date('Use a date like 2026-11-29.');
export const trainingSchema = z.object({
  id: z.string(),
  userId: z.string(),
  course: z.string(),
  completedOn: z.string(),
  /** The last day the training counts (completedOn + PARLEY_TRAINING_VALID_DAYS). */
  validUntil: z.string(),
  recordedBy: z.string(),
  createdAt: z.string(),
});
/** A new attestation, with a warning in words when its date is already past its validity (it then grants nothing). */
export const attestedTrainingSchema = trainingSchema.extend({ warning: z.string().nullable() });
export const attestTrainingSchema = z.strictObject({
  course: z.string().trim().min(1, 'Name the course.').max(200, 'Use at most 200 characters for the course.'),
  completedOn: isoDate,
});

/** The recovery codes, shown this once (at TOTP enrolment, or when made again). */
export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) });
export const enrolmentConfirmedSchema = stageSchema.extend(recoveryCodesSchema.shape);
export const recoverySignInSchema = stageSchema.extend({ recoveryCodesLeft: z.number().int() });
