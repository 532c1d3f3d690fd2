import type { Role, SessionStage } from '../accounts/roles.ts';
import type { AuditActor } from '../audit/events.ts';
import type { ApiTokenId, OrgId, SessionId, UserId } from '../shared/ids.ts';

/** Who is calling: a console user through a session cookie, or a server through an API token. */
export type Principal =
  | {
      readonly kind: 'session';
      readonly orgId: OrgId;
      readonly userId: UserId;
      readonly role: Role;
      readonly sessionId: SessionId;
      readonly stage: SessionStage;
    }
  | { readonly kind: 'api_token'; readonly orgId: OrgId; readonly tokenId: ApiTokenId; readonly role: Role };

/**
 * What a route lets in. Every /api route declares one (the app refuses to register a route without):
 * - `public`: anyone (login, set-up links, health);
 * - `session`: any console session, including one still waiting for its TOTP step;
 * - a list of roles: an active session or API token with one of them;
 * - `metrics`: the operator's scraper (`GET /metrics`), which the route checks itself against PARLEY_METRICS_TOKEN;
 *   no session or API token is looked at.
 */
export type Access = 'public' | 'session' | 'metrics' | { readonly roles: readonly Role[] };

export function actorOf(p: Principal): AuditActor {
  return p.kind === 'session' ? { type: 'user', id: p.userId } : { type: 'api_token', id: p.tokenId };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}
