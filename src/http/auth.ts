import type { FastifyReply, FastifyRequest } from 'fastify';
import { resolveApiToken, API_TOKEN_PREFIX } from '../accounts/api-tokens.ts';
import { resolveSession, SESSION_COOKIE } from '../accounts/sessions.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { Access, Principal } from './principal.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function sessionCookieOptions(deps: Pick<Deps, 'config'>, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: deps.config.secureCookies,
    ...(expires ? { expires } : {}),
  };
}

async function identify(deps: Deps, request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match?.[1]?.startsWith(`${API_TOKEN_PREFIX}_`)) {
      throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <API token>".');
    }
    const token = await resolveApiToken(deps.db, deps.clock, match[1]);
    if (!token) throw new AppError('UNAUTHENTICATED', 'This API token is unknown or was revoked.');
    return { kind: 'api_token', ...token };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const session = await resolveSession(deps.db, deps.clock, cookie);
  if (!session) return null;
  const now = deps.clock.now();
  if (now.getTime() - new Date(session.lastSeenAt).getTime() > 60_000) {
    await deps.db.updateTable('user_sessions').set({ last_seen_at: iso(now) }).where('id', '=', session.sessionId).execute();
  }
  return { kind: 'session', ...session };
}

/**
 * One gate for every route, run before the body is parsed: who is calling, whether the route lets them in,
 * and CSRF for cookie-authenticated writes (API-token calls carry no ambient credential, so need none).
 */
export function createAuthHook(deps: Deps) {
  return async function authHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    request.principal = null;
    const access: Access | undefined = request.routeOptions.config.access;
    if (access === undefined) return; // static files and the not-found handler
    if (access === 'metrics') return; // its own bearer token, checked by the route (src/metrics/routes.ts)
    const principal = await identify(deps, request);
    request.principal = principal;

    if (access !== 'public' && !principal) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    if (UNSAFE.has(request.method) && principal?.kind !== 'api_token') {
      await new Promise<void>((resolve, reject) => {
        request.server.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve()));
      });
    }
    if (access === 'public' || !principal) return;
    if (access === 'session') {
      if (principal.kind !== 'session') throw new AppError('FORBIDDEN', 'This needs a console session, not an API token.');
      return;
    }
    if (principal.kind === 'session' && principal.stage !== 'active') {
      throw principal.stage === 'totp'
        ? new AppError('TOTP_REQUIRED', 'Enter the code from your authenticator app to finish signing in.')
        : new AppError('TOTP_ENROLMENT_REQUIRED', 'Set up two-factor authentication to continue.');
    }
    if (!access.roles.includes(principal.role)) throw new AppError('FORBIDDEN', 'Your role does not allow this.');
  };
}

/** The caller of a route whose access is a role list: present and active by the time a handler runs. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return request.principal;
}
