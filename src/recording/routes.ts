import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { AppError } from '../shared/app-error.ts';
import { issueMediaLink, openMedia, ownAgent } from './playback.ts';
import {
  createLinkBodySchema,
  erasedRecordingSchema,
  listRecordingsQuerySchema,
  mediaLinkSchema,
  mediaParamsSchema,
  recordingDetailSchema,
  recordingParamsSchema,
  recordingViewSchema,
  retentionExtensionBodySchema,
  retentionExtensionSchema,
  trackParamsSchema,
} from './recording.schema.ts';
import { getRecordingDetail, listRecordings } from './recording-views.ts';
import { actorOf } from '../http/principal.ts';
import { eraseRecording } from '../retention/erase-recording.ts';
import { extendRecordingRetention } from '../retention/extend-recording-retention.ts';

const READERS = { roles: ['admin', 'dpo', 'agent'] } as const;
/** Erasure and retention decisions (G36, G56) are the DPO's and the administrator's. */
const RETENTION = { roles: ['admin', 'dpo'] } as const;
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };

export const recordingRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/recordings',
    {
      config: { access: READERS },
      schema: {
        tags: ['recordings'],
        summary: 'Recordings, newest first, with each participant\'s tracks and recording consent (agents see their own calls\')',
        querystring: listRecordingsQuerySchema,
        response: { 200: z.object({ recordings: z.array(recordingViewSchema) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { recordings: await listRecordings(deps.db, p.orgId, { ...request.query, agentId: ownAgent(p) }) };
    },
  );

  app.get(
    '/api/recordings/:recordingId',
    {
      config: { access: READERS },
      schema: {
        tags: ['recordings'],
        summary: 'One recording with its participants, tracks and audit trail (oldest first)',
        params: recordingParamsSchema,
        response: { 200: recordingDetailSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return getRecordingDetail(deps.db, p.orgId, request.params.recordingId, { agentId: ownAgent(p) });
    },
  );

  app.post(
    '/api/recordings/:recordingId/tracks/:trackId/links',
    {
      config: { access: READERS },
      schema: {
        tags: ['recordings'],
        summary:
          'A short-lived link to play or download one track, for the signed-in caller only. Needs a playback role of the organisation and a recent GDPR training; audited.',
        params: trackParamsSchema,
        body: createLinkBodySchema,
        response: { 201: mediaLinkSchema, ...errors, 409: errorBodySchema, 423: errorBodySchema },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await issueMediaLink(deps, p, { ...request.params, purpose: request.body.purpose }));
    },
  );

  app.get(
    '/api/recording-media/:token',
    {
      // A link needs the session of the person it was issued to (G22): no session → 401 before anything else.
      config: { access: 'session' },
      schema: {
        tags: ['recordings'],
        summary:
          'The decrypted WebM of a track behind a link (video/webm; single byte ranges → 206; several ranges → the whole file).',
        params: mediaParamsSchema,
        response: {
          // The body is a stream of video/webm (never serialised); declared for the API description only.
          200: z.any().describe('video/webm: the whole track'),
          206: z.any().describe('video/webm: the requested byte range'),
          ...errors,
          409: errorBodySchema,
          410: errorBodySchema,
          416: errorBodySchema,
          423: errorBodySchema,
          500: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      // Decrypted media and refusals alike must not be kept by a browser or proxy cache.
      reply.header('cache-control', 'no-store');
      const range = request.headers.range;
      const answer = await openMedia(deps, p, request.params.token, typeof range === 'string' ? range : undefined, request.log, { servesBytes: request.method !== 'HEAD' });
      if (answer.kind === 'unsatisfiable') {
        reply.header('content-range', `bytes */${answer.size}`);
        throw new AppError('RANGE_NOT_SATISFIABLE', `The requested byte range lies outside the recording (${answer.size} bytes).`, {
          details: { size: answer.size },
        });
      }
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
  );

  app.delete(
    '/api/recordings/:recordingId',
    {
      config: { access: RETENTION },
      schema: {
        tags: ['recordings'],
        summary:
          'Erase a recording now: every track\'s data key, then its media (crypto-shredding, audited). 423 while restricted, 409 LEGAL_HOLD under a legal hold, 409 LEGAL_MINIMUM for a legal-obligation recording before its minimum period ends',
        params: recordingParamsSchema,
        response: { 200: erasedRecordingSchema, ...errors, 409: errorBodySchema, 423: errorBodySchema },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return eraseRecording(deps, p.orgId, actorOf(p), request.params.recordingId);
    },
  );

  app.post(
    '/api/recordings/:recordingId/retention-extension',
    {
      config: { access: RETENTION },
      schema: {
        tags: ['recordings'],
        summary:
          "Keep a legal-obligation recording longer at an authority's request (G56: up to 7 years from its start), with the authority's reference (audited). Refused for consent recordings",
        params: recordingParamsSchema,
        body: retentionExtensionBodySchema,
        response: { 200: retentionExtensionSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return extendRecordingRetention(deps, p.orgId, actorOf(p), request.params.recordingId, request.body);
    },
  );
};
