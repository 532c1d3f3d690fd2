import { z } from 'zod';
import { passwordSchema } from './passwords.ts';
import { roleSchema } from './roles.ts';

const email = z
  .email('Enter a valid email address.')
  .max(320)
  .transform((v) => v.trim().toLowerCase());
const displayName = z.string().trim().min(1, 'Enter a name.').max(200);

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

export const setupLinkSchema = z.object({ url: z.string(), expiresAt: z.string() });

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
export const createApiTokenSchema = z.strictObject({ name: z.string().trim().min(1).max(100), role: roleSchema });

const isoDate = z.iso.date('Use a date like 2026-11-29.');
export const trainingSchema = z.object({
  id: z.string(),
  userId: z.string(),
  course: z.string(),
  completedOn: z.string(),
  recordedBy: z.string(),
  createdAt: z.string(),
});
export const attestTrainingSchema = z.strictObject({
  course: z.string().trim().min(1, 'Name the course.').max(200),
  completedOn: isoDate,
});
