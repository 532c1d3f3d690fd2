import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';
import { roleSchema, type Role } from '../../roles.ts';

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: roleSchema,
  status: z.enum(['invited', 'active', 'disabled']),
  totpEnabled: z.boolean(),
  lastTrainingOn: z.nullable(z.string()),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

/**
 * How a set-up link reached its person: mailed (`smtp`), or kept in the outbox because this installation sends no
 * mail (`outbox`) — only then does `url` carry the link, for the admin to pass on.
 */
const setupLinkSchema = z.object({
  sentTo: z.string(),
  transport: z.enum(['smtp', 'outbox']),
  expiresAt: z.string(),
  url: z.nullable(z.string()),
});
export type SetupLink = z.infer<typeof setupLinkSchema>;

const trainingSchema = z.object({
  id: z.string(),
  userId: z.string(),
  course: z.string(),
  completedOn: z.string(),
  /** The last day the training counts. */
  validUntil: z.string(),
  recordedBy: z.string(),
  createdAt: z.string(),
});
export type TrainingAttestation = z.infer<typeof trainingSchema>;

const userPath = (userId: string) => `/api/users/${encodeURIComponent(userId)}`;

export const listUsers = async (api: ApiClient) => (await api.get('/api/users', z.object({ users: z.array(userSchema) }))).users;

export const inviteUser = (api: ApiClient, input: { email: string; displayName: string; role: Role }) =>
  api.post('/api/users', z.object({ user: userSchema, setupLink: setupLinkSchema }), input);

export const updateUser = (api: ApiClient, userId: string, input: { displayName?: string; role?: Role; disabled?: boolean }) =>
  api.patch(userPath(userId), userSchema, input);

export const issueSetupLink = (api: ApiClient, userId: string) => api.post(`${userPath(userId)}/setup-link`, setupLinkSchema);

export const resetTotp = (api: ApiClient, userId: string) => api.post(`${userPath(userId)}/totp-reset`, userSchema);

export const listTraining = async (api: ApiClient, userId: string) =>
  (await api.get(`${userPath(userId)}/training`, z.object({ attestations: z.array(trainingSchema) }))).attestations;

export const recordTraining = (api: ApiClient, userId: string, input: { course: string; completedOn: string }) =>
  api.post(`${userPath(userId)}/training`, z.extend(trainingSchema, { warning: z.nullable(z.string()) }), input);
