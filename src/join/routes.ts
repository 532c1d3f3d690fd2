import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { errorBodySchema } from '../http/errors.ts';
import { negotiateLocale } from '../notices/negotiate-locale.ts';
import { localeSchema } from '../notices/notice.schema.ts';
import { consentStateSchema, joinInfoSchema, recordDecisionsSchema, withdrawSchema } from './join.schema.ts';
import { joinInfo, recordDecisions, withdrawConsent } from './join-call.ts';

const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 410: errorBodySchema };
// The token is checked (signature, call state) by the use case, which answers which case it is; the schema only
// bounds its size.
const params = z.strictObject({ token: z.string().min(1).max(300) });

/**
 * The customer's side, authenticated by the join link alone (no account, G23). The link is in the path; logs
 * carry only the route pattern, never the path itself.
 */
export const joinRoutes: RouteModule = (app, deps) => {
  const rateLimit = { max: 120, timeWindow: '1 minute' };
  // Every answer here is about one person (their name, their call, their consents) and is in the language they asked
  // for: no browser or proxy may keep it, and any cache that ignores no-store must still not hand one language's
  // answer to another (G24). Set before the handler runs, so refusals (410, 404) carry them too.
  const personal = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    reply.header('vary', 'Accept-Language');
  };

  app.get(
    '/api/join/:token',
    {
      config: { access: 'public', rateLimit },
      onRequest: personal,
      schema: {
        tags: ['join'],
        summary: 'What the join page shows: the call, the privacy notice and the consent questions',
        params,
        querystring: z.strictObject({ locale: localeSchema.optional() }),
        response: { 200: joinInfoSchema, ...errors },
      },
    },
    async (request) => {
      const locale = negotiateLocale({ requested: request.query.locale, acceptLanguage: request.headers['accept-language'] });
      return joinInfo(deps, request.params.token, locale);
    },
  );

  app.post(
    '/api/join/:token/consents',
    {
      config: { access: 'public', rateLimit },
      onRequest: personal,
      schema: {
        tags: ['join'],
        summary: 'Record the customer\'s decision on each consent question (declining all is fine)',
        params,
        body: recordDecisionsSchema,
        response: { 200: consentStateSchema, ...errors },
      },
    },
    async (request) => recordDecisions(deps, request.params.token, request.body),
  );

  app.post(
    '/api/join/:token/consents/withdraw',
    {
      config: { access: 'public', rateLimit },
      onRequest: personal,
      schema: {
        tags: ['join'],
        summary: 'Withdraw a consent in one request (G12)',
        params,
        body: withdrawSchema,
        response: { 200: consentStateSchema, ...errors },
      },
    },
    async (request) => withdrawConsent(deps, request.params.token, request.body.purpose, 'join_page'),
  );
};
