import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf, type Principal } from '../http/principal.ts';
import { AppError } from '../shared/app-error.ts';
import { idSchema, type UserId } from '../shared/ids.ts';
import { addGuest, cancelCall, getCall, listCalls, rescheduleCall, scheduleCall } from './calls.ts';
import { callSchema, customerInputSchema, rescheduleCallSchema, scheduleCallSchema } from './scheduling.schema.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };
const SCHEDULERS = { roles: ['admin', 'agent'] } as const;
const READERS = { roles: ['admin', 'dpo', 'agent'] } as const;
const params = z.strictObject({ callId: idSchema('call') });

/** Agents see and change their own calls only; admins (and dpo, reading) the whole organisation's. */
function ownAgent(p: Principal): UserId | undefined {
  return p.role === 'agent' && p.kind === 'session' ? p.userId : undefined;
}

export const schedulingRoutes: RouteModule = (app, deps) => {
  app.post(
    '/api/calls',
    {
      config: { access: SCHEDULERS },
      schema: {
        tags: ['calls'],
        summary: 'Schedule a call for a customer (name and email only) and send the invitation',
        body: scheduleCallSchema,
        response: { 201: callSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { agentId, ...input } = request.body;
      let host: UserId;
      if (p.kind === 'api_token') {
        if (!agentId) throw new AppError('VALIDATION_FAILED', 'Name the hosting agent (agentId) when scheduling with an API token.', { details: [{ path: ['agentId'], message: 'Required for API tokens.' }] });
        host = agentId;
      } else if (p.role === 'agent') {
        if (agentId && agentId !== p.userId) throw new AppError('FORBIDDEN', 'Agents schedule their own calls.');
        host = p.userId;
      } else {
        host = agentId ?? p.userId;
      }
      return reply.code(201).send(await scheduleCall(deps, p.orgId, actorOf(p), host, input));
    },
  );

  app.get(
    '/api/calls',
    {
      config: { access: READERS },
      schema: {
        tags: ['calls'],
        summary:
          'Calls by start time (agents see their own). `status=scheduled&endsAfter=<now - 2 h>` gives the upcoming calls whose links still work; `status=cancelled` the cancelled ones',
        querystring: z.strictObject({
          /** Calls starting at or after this instant. */
          from: z.iso.datetime({ offset: true }).optional(),
          /** Calls starting before this instant. */
          to: z.iso.datetime({ offset: true }).optional(),
          /** Calls whose scheduled end is after this instant (a call still running, or still to come, is not "past"). */
          endsAfter: z.iso.datetime({ offset: true }).optional(),
          status: z.enum(['scheduled', 'cancelled', 'ended']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ calls: z.array(callSchema) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      return {
        calls: await listCalls(deps.db, p.orgId, {
          agentId: ownAgent(p),
          from: q.from ? new Date(q.from).toISOString() : undefined,
          to: q.to ? new Date(q.to).toISOString() : undefined,
          endsAfter: q.endsAfter ? new Date(q.endsAfter).toISOString() : undefined,
          status: q.status,
          limit: q.limit,
        }),
      };
    },
  );

  const visibleCall = async (p: Principal, callId: string) => {
    const call = await getCall(deps.db, p.orgId, callId);
    const own = ownAgent(p);
    if (own && call.agentId !== own) throw new AppError('NOT_FOUND', 'Call not found.');
    return call;
  };

  app.get(
    '/api/calls/:callId',
    { config: { access: READERS }, schema: { tags: ['calls'], params, response: { 200: callSchema, ...errors } } },
    async (request) => visibleCall(principalOf(request), request.params.callId),
  );

  app.patch(
    '/api/calls/:callId',
    {
      config: { access: SCHEDULERS },
      schema: { tags: ['calls'], summary: 'Move a call; the customer is told', params, body: rescheduleCallSchema, response: { 200: callSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      await visibleCall(p, request.params.callId);
      return rescheduleCall(deps, p.orgId, actorOf(p), request.params.callId, request.body);
    },
  );

  app.post(
    '/api/calls/:callId/guests',
    {
      config: { access: SCHEDULERS },
      schema: {
        tags: ['calls'],
        summary: 'Invite another customer to a scheduled call (name and email only); they get their own link by mail',
        params,
        body: customerInputSchema,
        response: { 201: callSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await visibleCall(p, request.params.callId);
      return reply.code(201).send(await addGuest(deps, p.orgId, actorOf(p), request.params.callId, request.body));
    },
  );

  app.post(
    '/api/calls/:callId/cancel',
    {
      config: { access: SCHEDULERS },
      schema: { tags: ['calls'], summary: 'Cancel a call; the customer is told and the link stops working', params, response: { 200: callSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      await visibleCall(p, request.params.callId);
      return cancelCall(deps, p.orgId, actorOf(p), request.params.callId);
    },
  );
};
