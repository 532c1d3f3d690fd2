import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { notFound } from '../shared/app-error.ts';
import { idSchema } from '../shared/ids.ts';
import { subjectConsentHistory } from './consent-ledger.ts';

export const consentRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/subjects/:subjectId/consents',
    {
      config: { access: { roles: ['admin', 'dpo'] } },
      schema: {
        tags: ['consent'],
        summary: 'A customer\'s consent history from the ledger, oldest first',
        params: z.strictObject({ subjectId: idSchema('subject') }),
        response: {
          200: z.object({
            subject: z.object({ id: z.string(), displayName: z.string(), email: z.string() }),
            records: z.array(
              z.object({
                id: z.string(),
                callId: z.string(),
                participantId: z.string(),
                purpose: z.string(),
                action: z.enum(['given', 'declined', 'withdrawn']),
                withdrawsId: z.string().nullable(),
                textHash: z.string(),
                noticeId: z.string(),
                noticeVersion: z.number().int(),
                noticeHash: z.string(),
                locale: z.string(),
                method: z.string(),
                recordedAt: z.string(),
                expiresAt: z.string(),
              }),
            ),
          }),
          401: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const subject = await deps.db
        .selectFrom('subjects')
        .select(['id', 'display_name', 'email'])
        .where('org_id', '=', orgId)
        .where('id', '=', request.params.subjectId)
        .executeTakeFirst();
      if (!subject) throw notFound('Customer');
      return {
        subject: { id: subject.id, displayName: subject.display_name, email: subject.email },
        records: await subjectConsentHistory(deps.db, orgId, subject.id),
      };
    },
  );
};
