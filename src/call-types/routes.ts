import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { idSchema } from '../shared/ids.ts';
import { archiveCallType } from './archive-call-type.ts';
import { callTypeSchema, createCallTypeSchema, listCallTypesQuerySchema, retentionSchema, updateCallTypeSchema } from './call-type.schema.ts';
import { createCallType } from './create-call-type.ts';
import { getCallType } from './get-call-type.ts';
import { listCallTypes } from './list-call-types.ts';
import { DEFAULT_RETENTION_PRESET, retentionPresetDescriptions, retentionPresets, type RetentionPresetName } from './retention-presets.ts';
import { updateCallType } from './update-call-type.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };
const params = z.strictObject({ callTypeId: idSchema('callType') });
/** Compliance staff shape call types; agents read them, since they pick one for each call they schedule. */
const MANAGE = { roles: ['admin', 'dpo'] } as const;
const READ = { roles: ['admin', 'dpo', 'agent'] } as const;

const presetSchema = z.object({
  name: z.enum(Object.keys(retentionPresets) as [RetentionPresetName, ...RetentionPresetName[]]),
  description: z.string(),
  retention: retentionSchema,
  isDefault: z.boolean(),
});

export const callTypeRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/call-types',
    {
      config: { access: READ },
      schema: {
        tags: ['call-types'],
        summary: 'The organisation\'s call types (active ones unless `status` says otherwise)',
        querystring: listCallTypesQuerySchema,
        response: { 200: z.object({ callTypes: z.array(callTypeSchema) }), ...errors },
      },
    },
    async (request) => ({ callTypes: await listCallTypes(deps.db, principalOf(request).orgId, request.query) }),
  );

  app.get(
    '/api/call-types/retention-presets',
    {
      config: { access: READ },
      schema: {
        tags: ['call-types'],
        summary: 'The named retention presets, in days per data category; new call types get the default one (G22)',
        response: { 200: z.object({ presets: z.array(presetSchema) }), ...errors },
      },
    },
    async () => ({
      presets: (Object.keys(retentionPresets) as RetentionPresetName[]).map((name) => ({
        name,
        description: retentionPresetDescriptions[name],
        retention: retentionPresets[name],
        isDefault: name === DEFAULT_RETENTION_PRESET,
      })),
    }),
  );

  app.post(
    '/api/call-types',
    {
      config: { access: MANAGE },
      schema: {
        tags: ['call-types'],
        summary: 'Create a call type; fields left out take the privacy-protective defaults',
        body: createCallTypeSchema,
        response: { 201: callTypeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const created = await deps.db.transaction().execute((tx) => createCallType(tx, deps, p.orgId, actorOf(p), request.body));
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api/call-types/:callTypeId',
    { config: { access: READ }, schema: { tags: ['call-types'], params, response: { 200: callTypeSchema, ...errors } } },
    async (request) => getCallType(deps.db, principalOf(request).orgId, request.params.callTypeId),
  );

  app.patch(
    '/api/call-types/:callTypeId',
    {
      config: { access: MANAGE },
      schema: {
        tags: ['call-types'],
        summary: 'Change a call type (only the fields sent; retention per category); bumps its version',
        params,
        body: updateCallTypeSchema,
        response: { 200: callTypeSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return updateCallType(deps, p.orgId, actorOf(p), request.params.callTypeId, request.body);
    },
  );

  app.post(
    '/api/call-types/:callTypeId/archive',
    {
      config: { access: MANAGE },
      schema: {
        tags: ['call-types'],
        summary: 'Take a call type out of use (it is kept: calls refer to it)',
        params,
        response: { 200: callTypeSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return archiveCallType(deps, p.orgId, actorOf(p), request.params.callTypeId);
    },
  );
};
