import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';
import { roleSchema, type Role } from '../../roles.ts';

const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const listApiTokens = async (api: ApiClient) =>
  (await api.get('/api/api-tokens', z.object({ apiTokens: z.array(apiTokenSchema) }))).apiTokens;

export const createApiToken = (api: ApiClient, input: { name: string; role: Role }) =>
  api.post('/api/api-tokens', z.object({ token: z.string(), apiToken: apiTokenSchema }), input);

export const revokeApiToken = (api: ApiClient, tokenId: string) => api.delete(`/api/api-tokens/${encodeURIComponent(tokenId)}`, apiTokenSchema);
