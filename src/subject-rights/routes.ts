import { createHmac, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { AppError } from '../shared/app-error.ts';
import type { Clock } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import {
  completeWithNote,
  emailHash,
  eraseForRequest,
  extendRequest,
  getRequest,
  issueExportToken,
  liftRestrictionForRequest,
  listRequests,
  produceExport,
  publicStatus,
  receiveRequest,
  refuseRequest,
  requestOrg,
  restrictForRequest,
  rightsPage,
  sendNewCode,
  verifyRequest,
} from './requests.ts';
import {
  codeInputSchema,
  completeInputSchema,
  exportTokenSchema,
  extendInputSchema,
  liftRestrictionInputSchema,
  listQuerySchema,
  newCodeInputSchema,
  orgParamsSchema,
  publicRequestAcceptedSchema,
  publicRequestInputSchema,
  publicRequestStatusSchema,
  refuseInputSchema,
  requestDetailSchema,
  requestParamsSchema,
  requestSummarySchema,
  rightsPageSchema,
} from './requests.schema.ts';
import { previewErasureForRequest } from './erasure.ts';
import { eraseInputSchema, erasurePreviewSchema } from './erasure.schema.ts';

/**
 * Sliding-window counters keyed by keyed hashes of the client address and of the requester's email: no full IP
 * address is stored anywhere (G24). On a single node they are kept in memory (lost on restart, which only resets the
 * windows; bounded: past MAX_KEYS the oldest keys are dropped); in a cluster in Redis, so that every node counts the
 * same hits (a sorted set of hit times per key, expiring with its window).
 */
class HashedRateLimiter {
  readonly #hits = new Map<string, number[]>();
  static readonly MAX_KEYS = 50_000;
  constructor(
    private readonly clock: Clock,
    private readonly key: Buffer,
    private readonly redis: Redis | null,
  ) {}

  /** Counts a hit for each key; refuses (429) when any of them is over `max` within `windowMs`. */
  async take(reply: FastifyReply, bucket: string, values: readonly string[], max: number, windowMs: number, message: string): Promise<void> {
    const now = this.clock.now().getTime();
    const keys = values.map((v) => createHmac('sha256', this.key).update(`${bucket}:${v}`).digest('base64url'));
    const windows = this.redis ? await this.#redisWindows(keys, now, windowMs) : keys.map((k) => this.#memoryWindow(k, now, windowMs));
    let retryAfterMs = 0;
    for (const w of windows) if (w.count >= max) retryAfterMs = Math.max(retryAfterMs, w.oldest + windowMs - now);
    if (retryAfterMs > 0) {
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      reply.header('retry-after', String(seconds));
      throw new AppError('RATE_LIMITED', `${message} Try again in ${Math.ceil(seconds / 60)} minutes.`, { details: { retryAfterSeconds: seconds } });
    }
    if (this.redis) {
      const tx = this.redis.multi();
      for (const k of keys) tx.zadd(`parley:rl-rights:${k}`, now, `${now}:${randomUUID()}`).pexpire(`parley:rl-rights:${k}`, windowMs);
      await tx.exec();
      return;
    }
    for (const k of keys) this.#hits.get(k)!.push(now);
    if (this.#hits.size > HashedRateLimiter.MAX_KEYS) {
      for (const k of [...this.#hits.keys()].slice(0, this.#hits.size - HashedRateLimiter.MAX_KEYS)) this.#hits.delete(k);
    }
  }

  #memoryWindow(k: string, now: number, windowMs: number): { count: number; oldest: number } {
    const recent = (this.#hits.get(k) ?? []).filter((t) => t > now - windowMs);
    this.#hits.set(k, recent);
    return { count: recent.length, oldest: recent[0] ?? now };
  }

  async #redisWindows(keys: readonly string[], now: number, windowMs: number): Promise<{ count: number; oldest: number }[]> {
    const tx = this.redis!.multi();
    for (const k of keys) tx.zremrangebyscore(`parley:rl-rights:${k}`, '-inf', now - windowMs).zcard(`parley:rl-rights:${k}`).zrange(`parley:rl-rights:${k}`, '0', '0', 'WITHSCORES');
    const results = (await tx.exec()) ?? [];
    return keys.map((_, i) => {
      const count = Number(results[i * 3 + 1]?.[1] ?? 0);
      const first = results[i * 3 + 2]?.[1] as string[] | undefined;
      return { count, oldest: first && first.length === 2 ? Number(first[1]) : now };
    });
  }
}

/** New requests: per client address and per email, in an hour. */
export const NEW_REQUESTS_PER_HOUR = 5;
/** New codes: per client address and per request, in an hour. */
export const NEW_CODES_PER_HOUR = 5;
/** Code checks (verify, download): per client address, in an hour; each request also locks after 5 wrong codes. */
export const CODE_CHECKS_PER_HOUR = 30;
const HOUR = 3_600_000;

const publicErrors = { 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 410: errorBodySchema, 423: errorBodySchema, 429: errorBodySchema };
const consoleErrors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 423: errorBodySchema };
const DPO = { roles: ['dpo', 'admin'] } as const;

/**
 * `/api/public/…`: the request page and the requester's status page (no account; a one-time code to the address
 * given proves it is theirs, G31). `/api/rights-requests…`: the DPO's queue and actions (dpo, admin).
 */
export const rightsRequestRoutes: RouteModule = (app, deps) => {
  const limiter = new HashedRateLimiter(deps.clock, deps.keys.deriveKey('rights-rate-limit'), deps.redis);

  app.get(
    '/api/public/organisations/:orgId/rights-page',
    {
      config: { access: 'public' },
      schema: { tags: ['rights requests'], summary: 'What the public request page shows about the controller (G28)', params: orgParamsSchema, response: { 200: rightsPageSchema, ...publicErrors } },
    },
    async (request) => rightsPage(deps, request.params.orgId),
  );

  app.post(
    '/api/public/organisations/:orgId/rights-requests',
    {
      config: { access: 'public' },
      schema: {
        tags: ['rights requests'],
        summary: 'Make a request (access, erasure, restriction, objection, rectification); a code goes to the address given',
        description: 'The answer is the same whether or not the address is on file; only the request id differs.',
        params: orgParamsSchema,
        body: publicRequestInputSchema,
        response: { 202: publicRequestAcceptedSchema, ...publicErrors },
      },
    },
    async (request, reply) => {
      await limiter.take(reply, 'new', [`ip:${request.ip}`, `email:${emailHash(deps, request.body.email)}`], NEW_REQUESTS_PER_HOUR, HOUR, 'Too many requests from here or for this address.');
      const accepted = await receiveRequest(deps, request.params.orgId as OrgId, request.body);
      return reply.code(202).send(accepted);
    },
  );

  app.get(
    '/api/public/rights-requests/:requestId',
    {
      config: { access: 'public' },
      schema: { tags: ['rights requests'], summary: 'Where a request stands (no personal data)', params: requestParamsSchema, response: { 200: publicRequestStatusSchema, ...publicErrors } },
    },
    async (request) => publicStatus(deps, request.params.requestId),
  );

  app.post(
    '/api/public/rights-requests/:requestId/code',
    {
      config: { access: 'public' },
      schema: {
        tags: ['rights requests'],
        summary: 'Send a new one-time code to the request\'s address (valid 15 minutes, replaces the earlier one)',
        params: requestParamsSchema,
        body: newCodeInputSchema,
        response: { 202: z.object({ codeValidMinutes: z.number().int() }), ...publicErrors },
      },
    },
    async (request, reply) => {
      const { emailHash: hash } = await requestOrg(deps, request.params.requestId);
      await limiter.take(reply, 'code', [`ip:${request.ip}`, `email:${hash}`], NEW_CODES_PER_HOUR, HOUR, 'Too many codes were asked for.');
      return reply.code(202).send(await sendNewCode(deps, request.params.requestId, request.body.locale));
    },
  );

  app.post(
    '/api/public/rights-requests/:requestId/verify',
    {
      config: { access: 'public' },
      schema: {
        tags: ['rights requests'],
        summary: 'Confirm the address with the one-time code: 400 wrong, 410 expired, 423 locked after 5 wrong codes',
        params: requestParamsSchema,
        body: codeInputSchema,
        response: { 200: publicRequestStatusSchema, ...publicErrors },
      },
    },
    async (request, reply) => {
      await limiter.take(reply, 'check', [`ip:${request.ip}`], CODE_CHECKS_PER_HOUR, HOUR, 'Too many codes were tried from here.');
      return verifyRequest(deps, request.params.requestId, request.body.code);
    },
  );

  app.post(
    '/api/public/rights-requests/:requestId/export-token',
    {
      config: { access: 'public' },
      schema: {
        tags: ['rights requests'],
        summary: 'With a fresh one-time code: a 15-minute link to download the access export',
        params: requestParamsSchema,
        body: codeInputSchema,
        response: { 200: exportTokenSchema, ...publicErrors },
      },
    },
    async (request, reply) => {
      await limiter.take(reply, 'check', [`ip:${request.ip}`], CODE_CHECKS_PER_HOUR, HOUR, 'Too many codes were tried from here.');
      return issueExportToken(deps, request.params.requestId, request.body.code);
    },
  );

  // ---- The DPO's queue ----

  app.get(
    '/api/rights-requests',
    {
      config: { access: DPO },
      schema: {
        tags: ['rights requests'],
        summary: 'The organisation\'s rights requests, most urgent first (by the extended due date where there is one)',
        querystring: listQuerySchema,
        response: { 200: z.object({ requests: z.array(requestSummarySchema) }), ...consoleErrors },
      },
    },
    async (request) => listRequests(deps, principalOf(request).orgId, request.query),
  );

  app.get(
    '/api/rights-requests/:requestId',
    {
      config: { access: DPO },
      schema: { tags: ['rights requests'], summary: 'One request with the requester\'s address and details', params: requestParamsSchema, response: { 200: requestDetailSchema, ...consoleErrors } },
    },
    async (request) => getRequest(deps, principalOf(request).orgId, request.params.requestId),
  );

  const action = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    run: (orgId: OrgId, actor: ReturnType<typeof actorOf>, requestId: string, body: z.infer<B>) => Promise<unknown>,
  ) =>
    app.post(
      `/api/rights-requests/:requestId/${path}`,
      {
        config: { access: DPO },
        schema: { tags: ['rights requests'], summary, params: requestParamsSchema, body, response: { 200: requestDetailSchema, ...consoleErrors } },
      },
      async (request) => {
        const p = principalOf(request);
        return run(p.orgId, actorOf(p), request.params.requestId, request.body as z.infer<B>) as Promise<z.infer<typeof requestDetailSchema>>;
      },
    );

  const empty = z.strictObject({});
  action('export', 'Access: produce the export and mail the requester a link to their status page', empty, (o, a, id) => produceExport(deps, o, a, id));
  action(
    'erase',
    'Erasure: erase what is not held by an exception and mail the requester the report; with `preview`, only if it still does what that preview showed',
    eraseInputSchema,
    (o, a, id, b) => eraseForRequest(deps, o, a, id, { preview: b.preview }),
  );

  // Before the erasure: what it would delete and keep, and why (issue 12, finding 11). Changes nothing.
  app.get(
    '/api/rights-requests/:requestId/erasure-preview',
    {
      config: { access: DPO },
      schema: {
        tags: ['rights requests'],
        summary: 'What erasing now would delete and what it would keep (with the exception, its reference and end); nothing is changed',
        params: requestParamsSchema,
        response: { 200: erasurePreviewSchema, ...consoleErrors },
      },
    },
    async (request) => previewErasureForRequest(deps, principalOf(request).orgId, request.params.requestId),
  );
  action('restrict', 'Restriction: restrict processing of everything about the subject', empty, (o, a, id) => restrictForRequest(deps, o, a, id));
  action('lift-restriction', 'Lift the restriction, mailing the requester the notice first (Art. 18(3))', liftRestrictionInputSchema, (o, a, id, b) =>
    liftRestrictionForRequest(deps, o, a, id, b.noticeText),
  );
  action('complete', 'Objection or rectification: close with a note that is mailed to the requester', completeInputSchema, (o, a, id, b) => completeWithNote(deps, o, a, id, b.note));
  action('extend', 'Extend the deadline by up to two months, with reasons mailed to the requester; only before the due date', extendInputSchema, (o, a, id, b) =>
    extendRequest(deps, o, a, id, b),
  );
  action('refuse', 'Refuse with reasons; the mail states them and the right to complain (G30)', refuseInputSchema, (o, a, id, b) => refuseRequest(deps, o, a, id, b.reasons));
};
