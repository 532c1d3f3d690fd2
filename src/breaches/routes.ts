import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf, type Principal } from '../http/principal.ts';
import { addBreachUpdate } from './add-breach-update.ts';
import { addBreachUpdateBodySchema, breachParamsSchema, breachSchema, editBreachBodySchema, recordBreachBodySchema } from './breach.schema.ts';
import { editBreach } from './edit-breach.ts';
import { getBreach, listBreaches } from './list-breaches.ts';
import { recordBreach } from './record-breach.ts';

/** The breach register is the DPO's and the administrator's (G49): agents neither see nor record breaches. */
const REGISTRARS = { roles: ['admin', 'dpo'] } as const;
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };

const byId = (p: Principal) => (p.kind === 'session' ? p.userId : p.tokenId);

export const breachRoutes: RouteModule = (app, deps) => {
  app.post(
    '/api/breaches',
    {
      config: { access: REGISTRARS },
      schema: {
        tags: ['breaches'],
        summary: 'Record a personal-data breach: awareness starts the 72 h clock to notify the supervisory authority (audited)',
        body: recordBreachBodySchema,
        response: { 201: breachSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await recordBreach(deps, p.orgId, actorOf(p), byId(p), request.body));
    },
  );

  app.get(
    '/api/breaches',
    {
      config: { access: REGISTRARS },
      schema: {
        tags: ['breaches'],
        summary: "The organisation's breach register, the most recent first, each with its 72 h clock",
        response: { 200: z.object({ breaches: z.array(breachSchema) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { breaches: await listBreaches(deps.db, deps.keys, p.orgId, deps.clock.now()) };
    },
  );

  app.get(
    '/api/breaches/:breachId',
    {
      config: { access: REGISTRARS },
      schema: {
        tags: ['breaches'],
        summary: 'One breach with its clock and follow-up updates',
        params: breachParamsSchema,
        response: { 200: breachSchema, ...errors },
      },
    },
    async (request) => getBreach(deps.db, deps.keys, principalOf(request).orgId, request.params.breachId, deps.clock.now()),
  );

  app.patch(
    '/api/breaches/:breachId',
    {
      config: { access: REGISTRARS },
      schema: {
        tags: ['breaches'],
        summary: 'Edit a breach record (decision, notification, communication to data subjects…); every rule is checked again (audited)',
        params: breachParamsSchema,
        body: editBreachBodySchema,
        response: { 200: breachSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return editBreach(deps, p.orgId, actorOf(p), request.params.breachId, request.body);
    },
  );

  app.post(
    '/api/breaches/:breachId/updates',
    {
      config: { access: REGISTRARS },
      schema: {
        tags: ['breaches'],
        summary: 'Append a follow-up update to a breach (append-only, audited)',
        params: breachParamsSchema,
        body: addBreachUpdateBodySchema,
        response: { 201: breachSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await addBreachUpdate(deps, p.orgId, actorOf(p), byId(p), request.params.breachId, request.body.text));
    },
  );
};
