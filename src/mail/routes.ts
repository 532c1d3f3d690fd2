import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { idSchema } from '../shared/ids.ts';
import { mailDetailSchema, mailSummarySchema } from './mail.schema.ts';
import { listOutbox, readMail, retryMail } from './outbox.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };
const params = z.strictObject({ mailId: idSchema('mail') });

export const mailRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/outbox',
    {
      config: { access: { roles: ['admin', 'dpo'] } },
      schema: {
        tags: ['mail'],
        summary: 'Mail Parley sent or holds, newest first (without PARLEY_SMTP_URL, mail is kept here and not sent)',
        querystring: z.strictObject({
          status: z.enum(['queued', 'sent', 'kept', 'failed']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ transport: z.enum(['smtp', 'outbox']), messages: z.array(mailSummarySchema) }), ...errors },
      },
    },
    async (request) => ({
      transport: deps.config.mail.smtpUrl ? ('smtp' as const) : ('outbox' as const),
      messages: await listOutbox(deps.db, deps, principalOf(request).orgId, request.query),
    }),
  );

  app.get(
    '/api/outbox/:mailId',
    {
      config: { access: { roles: ['admin', 'dpo'] } },
      schema: { tags: ['mail'], summary: 'One message with its content (the reading is audited)', params, response: { 200: mailDetailSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return readMail(deps, p.orgId, actorOf(p), request.params.mailId);
    },
  );

  app.post(
    '/api/outbox/:mailId/retry',
    {
      config: { access: { roles: ['admin'] } },
      schema: { tags: ['mail'], summary: 'Send a failed message again', params, response: { 200: mailSummarySchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return retryMail(deps, p.orgId, actorOf(p), request.params.mailId);
    },
  );
};
