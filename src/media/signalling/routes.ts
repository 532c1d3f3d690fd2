import { SESSION_COOKIE } from '../../accounts/sessions.ts';
import type { RouteModule } from '../../http/app.ts';
import type { CallHub } from './call-hub.ts';

/**
 * `GET /api/calls/signal`: the call's signalling WebSocket. Public at the HTTP level: the first message (`join`)
 * authenticates, with the customer's join link or the agent's session cookie sent with the upgrade request.
 */
export function signallingRoutes(hub: CallHub): RouteModule {
  return (app) => {
    app.get('/api/calls/signal', { websocket: true, config: { access: 'public' }, schema: { hide: true } }, (socket, request) => {
      const origin = request.headers.origin;
      hub.accept(socket, { sessionCookie: request.cookies[SESSION_COOKIE], origin: typeof origin === 'string' ? origin : undefined });
    });
  };
}
