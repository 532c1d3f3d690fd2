import { z } from 'zod';
import { SESSION_COOKIE } from '../../accounts/sessions.ts';
import type { RouteModule } from '../../http/app.ts';
import { principalOf } from '../../http/auth.ts';
import { errorBodySchema } from '../../http/errors.ts';
import { idSchema } from '../../shared/ids.ts';
import { callAttendanceSchema, getCallAttendance } from './attendance.ts';
import type { CallHub } from './call-hub.ts';
import type { PresenceEntry } from './live-call.ts';
import { callPresenceSchema, livePresence } from './presence.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };

/**
 * `GET /api/calls/signal`: the call's signalling WebSocket. Public at the HTTP level: the first message (`join`)
 * authenticates, with the customer's join link or the agent's session cookie sent with the upgrade request.
 * `GET /api/calls/:callId/attendance`: who was in the call and when (admin, dpo, and the hosting agent).
 * `GET /api/calls/presence`: who is in the live calls right now (lobby, in the call), for the calls list.
 */
export function signallingRoutes(
  hub: CallHub,
  /** Who is in the organisation's live calls: this hub's (one node), or every node's (cluster mode). */
  presenceOf: (orgId: string) => Promise<ReadonlyMap<string, readonly PresenceEntry[]>> = async (orgId) => hub.presence(orgId),
): RouteModule {
  return (app, deps) => {
    app.get('/api/calls/signal', { websocket: true, config: { access: 'public' }, schema: { hide: true } }, (socket, request) => {
      const origin = request.headers.origin;
      hub.accept(socket, { sessionCookie: request.cookies[SESSION_COOKIE], origin: typeof origin === 'string' ? origin : undefined });
    });

    app.get(
      '/api/calls/presence',
      {
        config: { access: { roles: ['admin', 'dpo', 'agent'] } },
        schema: {
          tags: ['calls'],
          summary: 'Who is in the live calls now: waiting in the lobby, in the call, reconnecting (agents: their own calls)',
          response: { 200: callPresenceSchema, ...errors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const own = p.role === 'agent' && p.kind === 'session' ? p.userId : undefined;
        return livePresence(deps.db, await presenceOf(p.orgId), p.orgId, own);
      },
    );

    app.get(
      '/api/calls/:callId/attendance',
      {
        config: { access: { roles: ['admin', 'dpo', 'agent'] } },
        schema: {
          tags: ['calls'],
          summary: 'Who joined and left a call, and when (agents: their own calls)',
          params: z.strictObject({ callId: idSchema('call') }),
          response: { 200: callAttendanceSchema, ...errors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const own = p.role === 'agent' && p.kind === 'session' ? p.userId : undefined;
        return getCallAttendance(deps.db, p.orgId, request.params.callId, own);
      },
    );
  };
}
