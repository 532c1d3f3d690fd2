import { createHmac, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type RawServerDefault } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from '../deps.ts';
import type { Logger } from '../logging/logger.ts';
import { AppError } from '../shared/app-error.ts';
import { createAuthHook } from './auth.ts';
import { handleError } from './errors.ts';
import type { Access } from './principal.ts';

export type ParleyApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger, ZodTypeProvider>;

/** A capability's routes: each capability exports one of these, and main.ts lists them. */
export type RouteModule = (app: ParleyApp, deps: Deps) => void | Promise<void>;

export interface HttpAppOptions {
  readonly routes: readonly RouteModule[];
  /** Built console (Vite output). Absent in API-only tests. */
  readonly webRoot?: string | undefined;
}

export const CSRF_HEADER = 'x-csrf-token';

/** The registered routes and their access rules: tests walk it to call every endpoint (STYLE 11). */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: readonly RouteEntry[];
  }
}

export async function buildHttpApp(deps: Deps, options: HttpAppOptions): Promise<ParleyApp> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'http' }),
    // Fastify's own request lines carry the raw URL and client address; Parley logs its own (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.http.bodyLimitBytes,
    trustProxy: typeof deps.config.http.trustProxy === 'boolean' ? deps.config.http.trustProxy : [...deps.config.http.trustProxy],
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Query strings of more than one value for a key are refused by the schemas rather than guessed at.
    // Join tokens are ~70 characters; 300 leaves room while refusing absurd paths with Parley's own 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
    // Errors the router raises before any route runs (a malformed or overlong URL) get Parley's error shape too,
    // without echoing the path.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);

  // Every /api route must say who may call it; forgetting is a start-up failure, not an open door.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    const access = route.config?.access;
    if (route.url.startsWith('/api/') && access === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no access rule`);
    }
    if (access !== undefined) routeTable.push({ method: String(route.method), url: route.url, access });
  });

  // Request ids go back to the caller so a user can quote one; logs carry the id, method, route pattern
  // (never the raw URL: it may hold a token) and status — no IP address, no names (G24).
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: deps.config.secureCookies ? { maxAge: 31_536_000 } : false,
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('permissions-policy', 'camera=(self), microphone=(self), display-capture=(self), geolocation=(), interest-cohort=()');
  });
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.config.secureCookies, signed: false },
    getToken: (req) => {
      const v = req.headers[CSRF_HEADER];
      return typeof v === 'string' ? v : undefined;
    },
  });
  // Counted per keyed hash of the client address, never the address itself (G24); in a cluster, in the Redis every
  // node shares, so that a limit holds whichever node a request reaches.
  const rateKey = deps.keys.deriveKey('http-rate-limit');
  await app.register(fastifyRateLimit, {
    global: false,
    keyGenerator: (request) => createHmac('sha256', rateKey).update(request.ip).digest('base64url'),
    ...(deps.redis ? { redis: deps.redis, nameSpace: 'parley:rl-http:' } : {}),
  });
  // WebSocket routes (call signalling). Frames above 64 kB are refused by the signalling layer with an error
  // message first; this hard cap (where ws closes with 1009 on its own) only bounds what one frame may buffer.
  await app.register(fastifyWebsocket, { options: { maxPayload: 2 * 1024 * 1024 } });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Parley API', version: '1', description: 'Self-hosted video calls with GDPR compliance built in.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
          apiToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRequest', createAuthHook(deps));

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  for (const register of options.routes) await register(app, deps);

  const webRoot = options.webRoot;
  const hasWeb = webRoot !== undefined && existsSync(path.join(webRoot, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: false, wildcard: false, cacheControl: false });
    // Hashed assets can be cached for good; the HTML shell must not be.
    app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
      const file = (request.params as { '*': string })['*'];
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.sendFile(path.join('assets', file));
    });
  }

  // The customer's join page (`/j/<token>`) and the public rights-request pages (`/rights/…`) are their own small
  // bundle, without the console; any other page is the console. Neither shell may be cached: the join page's address holds the person's link.
  const hasJoinPage = hasWeb && existsSync(path.join(webRoot, 'join.html'));
  app.setNotFoundHandler(async (request, reply) => {
    const isPage = request.method === 'GET' && !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
    if (isPage && hasWeb) {
      // The public rights-request pages (`/rights/…`) are part of the customer bundle too (G28).
      const customer = request.url.startsWith('/j/') || request.url.startsWith('/rights/');
      const shell = customer && hasJoinPage ? 'join.html' : 'index.html';
      reply.header('cache-control', 'no-store');
      return reply.type('text/html; charset=utf-8').sendFile(shell);
    }
    throw new AppError('NOT_FOUND', request.url.startsWith('/api/') ? 'No such API endpoint.' : 'Page not found.');
  });

  return app;
}
