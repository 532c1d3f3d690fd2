import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { organisationSchema, updateOrganisationSchema } from './organisation.schema.ts';
import { getOrganisation, updateOrganisation } from './organisations.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };

export const organisationRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/organisation',
    {
      config: { access: { roles: ['admin', 'dpo', 'agent'] } },
      schema: { tags: ['organisation'], summary: 'The caller\'s organisation (the controller)', response: { 200: organisationSchema, ...errors } },
    },
    async (request) => getOrganisation(deps.db, principalOf(request).orgId),
  );

  app.patch(
    '/api/organisation',
    {
      config: { access: { roles: ['admin', 'dpo'] } },
      schema: { tags: ['organisation'], body: updateOrganisationSchema, response: { 200: organisationSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return updateOrganisation(deps, p.orgId, actorOf(p), request.body);
    },
  );
};
