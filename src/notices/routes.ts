import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { idSchema } from '../shared/ids.ts';
import { createNotice } from './create-notice.ts';
import { getNotice } from './get-notice.ts';
import { listNotices } from './list-notices.ts';
import { negotiateLocale } from './negotiate-locale.ts';
import { createNoticeSchema, noticePreviewQuerySchema, noticeSchema, renderedNoticeSchema, updateNoticeSchema } from './notice.schema.ts';
import { publishNotice } from './publish-notice.ts';
import { renderNotice } from './render-notice.ts';
import { updateNotice } from './update-notice.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };
const params = z.strictObject({ noticeId: idSchema('notice') });
/** Notices are the compliance side's; agents see what their customers will see, through the preview. */
const MANAGE = { roles: ['admin', 'dpo'] } as const;
const PREVIEW = { roles: ['admin', 'dpo', 'agent'] } as const;

export const noticeRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/notices',
    {
      config: { access: MANAGE },
      schema: { tags: ['notices'], summary: 'Every version of the privacy notice, newest first', response: { 200: z.object({ notices: z.array(noticeSchema) }), ...errors } },
    },
    async (request) => ({ notices: await listNotices(deps.db, principalOf(request).orgId) }),
  );

  app.post(
    '/api/notices',
    {
      config: { access: MANAGE },
      schema: {
        tags: ['notices'],
        summary: 'Start a new draft version (a copy of the latest published one, with the texts sent on top)',
        body: createNoticeSchema,
        response: { 201: noticeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await createNotice(deps, p.orgId, actorOf(p), request.body));
    },
  );

  app.get(
    '/api/notices/:noticeId',
    { config: { access: MANAGE }, schema: { tags: ['notices'], params, response: { 200: noticeSchema, ...errors } } },
    async (request) => getNotice(deps.db, principalOf(request).orgId, request.params.noticeId),
  );

  app.patch(
    '/api/notices/:noticeId',
    {
      config: { access: MANAGE },
      schema: { tags: ['notices'], summary: 'Edit a draft\'s texts (published versions are immutable)', params, body: updateNoticeSchema, response: { 200: noticeSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return updateNotice(deps, p.orgId, actorOf(p), request.params.noticeId, request.body);
    },
  );

  app.post(
    '/api/notices/:noticeId/publish',
    {
      config: { access: MANAGE },
      schema: {
        tags: ['notices'],
        summary: 'Publish a draft: customers are shown it from now on, and it can never change',
        params,
        response: { 200: noticeSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return publishNotice(deps, p.orgId, actorOf(p), request.params.noticeId);
    },
  );

  app.get(
    '/api/call-types/:callTypeId/notice',
    {
      config: { access: PREVIEW },
      schema: {
        tags: ['notices'],
        summary: 'The privacy notice customers of this call type see, in the negotiated locale (Accept-Language, or ?locale=)',
        params: z.strictObject({ callTypeId: idSchema('callType') }),
        querystring: noticePreviewQuerySchema,
        response: { 200: renderedNoticeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const locale = negotiateLocale({ requested: request.query.locale, acceptLanguage: request.headers['accept-language'] });
      const notice = await renderNotice(deps.db, {
        orgId: principalOf(request).orgId,
        callTypeId: request.params.callTypeId,
        locale,
        noticeId: request.query.noticeId,
      });
      reply.header('content-language', locale).header('vary', 'Accept-Language');
      return notice;
    },
  );
};
