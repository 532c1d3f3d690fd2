import { z } from 'zod';

/** Least privilege (G46): agents host calls; `dpo` runs compliance; `admin` runs users and settings. */
export const roles = ['admin', 'dpo', 'agent'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/** Roles whose accounts must use TOTP two-factor authentication (G46). */
export const rolesRequiringTotp: ReadonlySet<Role> = new Set(['admin', 'dpo']);

export type SessionStage = 'totp' | 'totp_enrolment' | 'active';
