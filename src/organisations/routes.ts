import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { organisationSchema, updateOrganisationSchema } from './organisation.schema.ts';
import { getOrganisation, updateOrganisation } from './organisations.ts';
import { getProcessor, updateProcessor } from './processor.ts';
import { processorViewSchema, updateProcessorSchema } from './processor.schema.ts';

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

  // The processor as this organisation's documents name it (issue 12, finding 17): compliance staff keep the DPA
  // accurate; agents have no use for it.
  app.get(
    '/api/organisation/processor',
    {
      config: { access: { roles: ['admin', 'dpo'] } },
      schema: {
        tags: ['organisation'],
        summary: "Who runs this installation (the processor), as the organisation's DPA and records of processing name it",
        response: { 200: processorViewSchema, ...errors },
      },
    },
    async (request) => getProcessor(deps, deps.db, principalOf(request).orgId),
  );

  app.patch(
    '/api/organisation/processor',
    {
      config: { access: { roles: ['admin', 'dpo'] } },
      schema: {
        tags: ['organisation'],
        summary: "Set the processor's name, address or contact for this organisation's documents (empty or null: the installation's setting)",
        body: updateProcessorSchema,
        response: { 200: processorViewSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return updateProcessor(deps, p.orgId, actorOf(p), request.body);
    },
  );
};
