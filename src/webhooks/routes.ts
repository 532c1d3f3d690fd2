import { z } from 'zod';
import { principalOf } from '../http/auth.ts';
import type { RouteModule } from '../http/app.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { idSchema } from '../shared/ids.ts';
import { listDeliveries } from './deliveries.ts';
import { createWebhook, deleteWebhook, listWebhooks, rotateWebhookSecret, sendTestEvent, updateWebhook } from './endpoints.ts';
import { createWebhookSchema, deliverySchema, updateWebhookSchema, webhookSchema } from './webhook.schema.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };
/** Webhooks carry what happens to customers' data to other systems: the organisation's admins and DPO decide. */
const ADMIN_OR_DPO = { roles: ['admin', 'dpo'] } as const;
const params = z.strictObject({ webhookId: idSchema('webhook') });
const tags = ['webhooks'];

export const webhookRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/webhooks',
    { config: { access: ADMIN_OR_DPO }, schema: { tags, summary: 'Registered webhook endpoints (never their secrets)', response: { 200: z.object({ webhooks: z.array(webhookSchema) }), ...errors } } },
    async (request) => ({ webhooks: await listWebhooks(deps.db, principalOf(request).orgId) }),
  );

  app.post(
    '/api/webhooks',
    {
      config: { access: ADMIN_OR_DPO },
      schema: {
        tags,
        summary: 'Register an endpoint; its signing secret is in this answer only',
        body: createWebhookSchema,
        response: { 201: z.object({ secret: z.string(), webhook: webhookSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await createWebhook(deps, p.orgId, actorOf(p), request.body));
    },
  );

  app.patch(
    '/api/webhooks/:webhookId',
    { config: { access: ADMIN_OR_DPO }, schema: { tags, summary: 'Change the events, description or enabled state', params, body: updateWebhookSchema, response: { 200: webhookSchema, ...errors } } },
    async (request) => {
      const p = principalOf(request);
      return updateWebhook(deps, p.orgId, actorOf(p), request.params.webhookId, request.body);
    },
  );

  app.delete(
    '/api/webhooks/:webhookId',
    { config: { access: ADMIN_OR_DPO }, schema: { tags, summary: 'Delete an endpoint and its deliveries', params, response: { 200: webhookSchema, ...errors } } },
    async (request) => {
      const p = principalOf(request);
      return deleteWebhook(deps, p.orgId, actorOf(p), request.params.webhookId);
    },
  );

  app.post(
    '/api/webhooks/:webhookId/rotate-secret',
    {
      config: { access: ADMIN_OR_DPO },
      schema: { tags, summary: 'Replace the signing secret; the new one is in this answer only', params, response: { 200: z.object({ secret: z.string(), webhook: webhookSchema }), ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return rotateWebhookSecret(deps, p.orgId, actorOf(p), request.params.webhookId);
    },
  );

  app.post(
    '/api/webhooks/:webhookId/test',
    { config: { access: ADMIN_OR_DPO }, schema: { tags, summary: 'Send a webhook.test event to this endpoint', params, response: { 202: z.object({ deliveryId: z.string() }), ...errors } } },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(202).send(await sendTestEvent(deps, p.orgId, actorOf(p), request.params.webhookId));
    },
  );

  app.get(
    '/api/webhooks/:webhookId/deliveries',
    {
      config: { access: ADMIN_OR_DPO },
      schema: {
        tags,
        summary: "An endpoint's recent deliveries: status, attempts, last HTTP status, next retry (no bodies)",
        params,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ deliveries: z.array(deliverySchema) }), ...errors },
      },
    },
    async (request) => ({
      deliveries: await listDeliveries(deps.db, deps.clock, principalOf(request).orgId, request.params.webhookId, request.query.limit),
    }),
  );
};
