import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { AuditEventType } from './event-types.ts';

const auditEventSchema = z.object({
  id: z.string(),
  seq: z.number(),
  // A string, not the closed list: an event type added on the server must not break the log's display.
  type: z.string(),
  actor: z.object({ type: z.string(), id: z.nullable(z.string()) }),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

const pageSchema = z.object({ events: z.array(auditEventSchema), nextBeforeSeq: z.nullable(z.number()) });
export type AuditPage = z.infer<typeof pageSchema>;

export interface AuditFilter {
  readonly type?: AuditEventType | undefined;
  readonly actorId?: string | undefined;
  /** ISO-8601 UTC. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export const PAGE_SIZE = 50;

export const listAuditEvents = (api: ApiClient, filter: AuditFilter, beforeSeq?: number) =>
  api.get('/api/audit-events', pageSchema, { ...filter, beforeSeq, limit: PAGE_SIZE });

const verifySchema = z.object({
  ok: z.boolean(),
  events: z.number(),
  firstBreak: z.nullable(z.string()),
  firstBrokenSeq: z.nullable(z.number()),
});
export type ChainReport = z.infer<typeof verifySchema>;

export const verifyAuditChain = (api: ApiClient) => api.post('/api/audit-events/verify', verifySchema);
