import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf, type Principal } from '../http/principal.ts';
import { holdParamsSchema, legalHoldSchema, listHoldsQuerySchema, placeHoldBodySchema } from './legal-hold.schema.ts';
import { listLegalHolds, placeLegalHold, releaseLegalHold } from './legal-holds.ts';

/** Legal holds are the DPO's and the administrator's (G37): agents neither see nor place them. */
const HOLDERS = { roles: ['admin', 'dpo'] } as const;
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };

const byId = (p: Principal) => (p.kind === 'session' ? p.userId : p.tokenId);

export const legalHoldRoutes: RouteModule = (app, deps) => {
  app.post(
    '/api/legal-holds',
    {
      config: { access: HOLDERS },
      schema: {
        tags: ['retention'],
        summary: 'Place a legal hold on a subject, a call or a recording: nothing it covers is deleted until it is released or ends (audited)',
        body: placeHoldBodySchema,
        response: { 201: legalHoldSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await placeLegalHold(deps, p.orgId, actorOf(p), byId(p), request.body));
    },
  );

  app.get(
    '/api/legal-holds',
    {
      config: { access: HOLDERS },
      schema: {
        tags: ['retention'],
        summary: "The organisation's legal holds, newest first (`active=true`: in force today)",
        querystring: listHoldsQuerySchema,
        response: { 200: z.object({ legalHolds: z.array(legalHoldSchema) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const active = request.query.active === undefined ? {} : { active: request.query.active === 'true' };
      return { legalHolds: await listLegalHolds(deps.db, p.orgId, deps.clock.now(), active) };
    },
  );

  app.post(
    '/api/legal-holds/:holdId/release',
    {
      config: { access: HOLDERS },
      schema: {
        tags: ['retention'],
        summary: 'Release a legal hold: what it covered is deleted by the next purge once expired (audited)',
        params: holdParamsSchema,
        response: { 200: legalHoldSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return releaseLegalHold(deps, p.orgId, actorOf(p), byId(p), request.params.holdId);
    },
  );
};
