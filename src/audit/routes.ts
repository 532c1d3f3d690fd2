import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { auditEventTypes, type AuditEventType } from './events.ts';
import { listEvents } from './list-events.ts';
import { describeBreak, verifyChain } from './verify-chain.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema };
const ACCESS = { roles: ['admin', 'dpo'] } as const;

const eventSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  type: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  hash: z.string(),
});

export const auditRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/audit-events',
    {
      config: { access: ACCESS },
      schema: {
        tags: ['audit'],
        summary: 'The organisation\'s audit events, newest first',
        querystring: z.preprocess(
          // An empty parameter (`?type=`) means "no filter", as a form with an empty field sends it.
          (q) => (q && typeof q === 'object' ? Object.fromEntries(Object.entries(q).filter(([, v]) => v !== '')) : q),
          z.strictObject({
          type: z.enum(auditEventTypes as [AuditEventType, ...AuditEventType[]]).optional(),
          actorId: z.string().max(40).optional(),
          from: z.iso.datetime({ message: 'Use an ISO-8601 UTC time such as 2026-11-29T00:00:00Z.' }).optional(),
          to: z.iso.datetime({ message: 'Use an ISO-8601 UTC time such as 2026-11-29T00:00:00Z.' }).optional(),
          beforeSeq: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        })),
        response: { 200: z.object({ events: z.array(eventSchema), nextBeforeSeq: z.number().int().nullable() }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      return listEvents(deps.db, principalOf(request).orgId, {
        ...q,
        from: q.from ? new Date(q.from).toISOString() : undefined,
        to: q.to ? new Date(q.to).toISOString() : undefined,
      });
    },
  );

  app.post(
    '/api/audit-events/verify',
    {
      config: { access: ACCESS },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the organisation\'s hash chain and report the first broken row',
        response: {
          200: z.object({ ok: z.boolean(), events: z.number().int(), firstBreak: z.string().nullable(), firstBrokenSeq: z.number().int().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const report = await verifyChain(deps.db, p.orgId);
      await deps.db.transaction().execute((tx) =>
        deps.audit.append(tx, p.orgId, actorOf(p), { type: 'audit.verified', data: { ok: report.ok, events: report.events } }),
      );
      return {
        ok: report.ok,
        events: report.events,
        firstBreak: report.firstBreak ? describeBreak(report.firstBreak) : null,
        firstBrokenSeq: report.firstBreak?.seq ?? null,
      };
    },
  );
};
