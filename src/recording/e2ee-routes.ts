import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { MAX_E2EE_CHUNK_BYTES, type E2eeUploadService } from './e2ee-uploads.ts';
import {
  createRecordingKey,
  createRecordingKeyBodySchema,
  fetchSealedRecordingKey,
  listRecordingKeys,
  recordingKeyViewSchema,
  sealedPrivateKeySchema,
} from './recording-keys.ts';
import { trackEnvelopeSchema } from './recording.schema.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const trackParams = z.strictObject({ trackId: z.string().regex(/^trk_[0-9a-z]{25}$/, 'expected a track id') });

/** The organisation's recording keys for E2EE calls (docs/e2ee.md, "Recording"). */
export const recordingKeyRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/recording-keys',
    {
      config: { access: { roles: ['admin', 'dpo'] } },
      schema: {
        tags: ['recordings'],
        summary: "The organisation's recording keys for E2EE calls, newest (active) first",
        response: { 200: z.object({ keys: z.array(recordingKeyViewSchema) }), ...errors },
      },
    },
    async (request) => ({ keys: await listRecordingKeys(deps, principalOf(request).orgId) }),
  );

  app.post(
    '/api/recording-keys',
    {
      config: { access: { roles: ['dpo'] } },
      schema: {
        tags: ['recordings'],
        summary:
          'A new recording key made in the DPO\'s browser: the public key and the private key sealed under a passphrase the server never sees. It becomes the active key; older keys stay for older recordings.',
        body: createRecordingKeyBodySchema,
        response: { 201: z.object({ key: recordingKeyViewSchema }), ...errors },
      },
    },
    async (request, reply) => reply.code(201).send({ key: await createRecordingKey(deps, principalOf(request), request.body) }),
  );

  app.get(
    '/api/recording-keys/:keyId/sealed',
    {
      config: { access: { roles: ['admin', 'dpo', 'agent'] } },
      schema: {
        tags: ['recordings'],
        summary: 'The sealed private recording key, to unlock in the browser with its passphrase. Playback roles with a recent GDPR training only; audited.',
        params: z.strictObject({ keyId: z.string().regex(/^rkey_[0-9a-z]{25}$/, 'expected a recording key id') }),
        response: { 200: z.object({ id: z.string(), sealed: sealedPrivateKeySchema }), ...errors },
      },
    },
    async (request) => fetchSealedRecordingKey(deps, principalOf(request), request.params.keyId),
  );
};

/**
 * The chunked, resumable upload of E2EE tracks from the recording agent's browser. Live state (which tracks are
 * open) is the server instance's, so these routes get the registry built in main.ts.
 */
export function e2eeUploadRoutes(uploads: E2eeUploadService): RouteModule {
  return (app) => {
    // A console session of the organisation; whether it is the recording agent's is the registry's check.
    const AGENT = 'session' as const;
    const caller = (request: Parameters<typeof principalOf>[0]) => {
      const p = principalOf(request);
      return { orgId: p.orgId, userId: p.kind === 'session' ? p.userId : null };
    };

    app.get(
      '/api/e2ee-tracks/:trackId',
      {
        config: { access: AGENT },
        schema: {
          tags: ['recordings'],
          summary: 'Where an E2EE track upload stands: the next chunk index expected (to resume after a network failure)',
          params: trackParams,
          response: { 200: z.object({ trackId: z.string(), nextIndex: z.number().int(), state: z.enum(['open', 'ended']) }), ...errors },
        },
      },
      async (request) => uploads.status(caller(request), request.params.trackId),
    );

    app.put(
      '/api/e2ee-tracks/:trackId/envelope',
      {
        config: { access: AGENT },
        schema: {
          tags: ['recordings'],
          summary: "An E2EE track's envelope (recording key id and the ephemeral public key), before its first chunk",
          params: trackParams,
          body: trackEnvelopeSchema,
          response: { 204: z.null(), ...errors, 409: errorBodySchema, 410: errorBodySchema },
        },
      },
      async (request, reply) => {
        await uploads.setEnvelope(caller(request), request.params.trackId, request.body);
        return reply.code(204).send(null);
      },
    );

    // Chunks are raw ciphertext; this parser is scoped to this plugin, the rest of the API stays JSON-only.
    void app.register(async (plugin) => {
      const scope = plugin.withTypeProvider<ZodTypeProvider>();
      scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_E2EE_CHUNK_BYTES + 1 }, (_request, body, done) =>
        done(null, body),
      );
      scope.put(
        '/api/e2ee-tracks/:trackId/chunks/:index',
        {
          config: { access: AGENT },
          bodyLimit: MAX_E2EE_CHUNK_BYTES + 1,
          schema: {
            tags: ['recordings'],
            summary:
              'One chunk of an E2EE track (application/octet-stream ciphertext, at most 4 MiB), in order from 0; `last=1` on the final one. A retried chunk is accepted again; out of order → 409 with details.expected.',
            params: trackParams.extend({ index: z.coerce.number().int().min(0).max(10_000_000) }),
            querystring: z.strictObject({ last: z.enum(['0', '1']).default('0') }),
            response: { 204: z.null(), ...errors, 409: errorBodySchema, 410: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema },
          },
        },
        async (request, reply) => {
          const body = Buffer.isBuffer(request.body) ? request.body : null;
          await uploads.putChunk(caller(request), request.params.trackId, request.params.index, request.query.last === '1', body);
          return reply.code(204).send(null);
        },
      );
    });
  };
}
