import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

export const holdScopes = ['subject', 'call', 'recording'] as const;
export type HoldScope = (typeof holdScopes)[number];

const holdSchema = z.object({
  id: z.string(),
  scope: z.enum(holdScopes),
  targetId: z.string(),
  reference: z.string(),
  reason: z.string(),
  endsOn: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  releasedAt: z.nullable(z.string()),
  releasedBy: z.nullable(z.string()),
  active: z.boolean(),
});
export type LegalHold = z.infer<typeof holdSchema>;

export const listLegalHolds = async (api: ApiClient, active: '' | 'true' | 'false') =>
  (await api.get(`/api/legal-holds${active ? `?active=${active}` : ''}`, z.object({ legalHolds: z.array(holdSchema) }))).legalHolds;

export const placeLegalHold = (api: ApiClient, input: { scope: HoldScope; targetId: string; reference: string; reason: string; endsOn: string }) =>
  api.post('/api/legal-holds', holdSchema, input);

export const releaseLegalHold = (api: ApiClient, holdId: string) => api.post(`/api/legal-holds/${encodeURIComponent(holdId)}/release`, holdSchema, {});
