import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { RouteModule } from '../http/app.ts';
import { AppError } from '../shared/app-error.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics`: this node's figures in Prometheus's text format, for a scraper that sends the bearer token of
 * PARLEY_METRICS_TOKEN (compared in constant time). Without that setting the route answers 404: metrics are off.
 * Not in the OpenAPI document (it is for the operator's monitoring, not for organisations' integrations).
 */
export function metricsRoutes(registry: Registry): RouteModule {
  return (app, deps) => {
    const token = deps.config.metrics.token;
    app.get('/metrics', { config: { access: 'metrics' }, schema: { hide: true } }, async (request, reply) => {
      if (!token) throw new AppError('METRICS_OFF', 'Metrics are off on this node: set PARLEY_METRICS_TOKEN to turn them on.');
      const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
      if (!match || !timingSafeEqual(digest(match[1]!), digest(token))) {
        reply.header('www-authenticate', 'Bearer realm="parley-metrics"');
        throw new AppError('METRICS_TOKEN_INVALID', 'Send the metrics token (PARLEY_METRICS_TOKEN) as "Authorization: Bearer <token>".');
      }
      reply.header('cache-control', 'no-store');
      reply.type(registry.contentType);
      return registry.metrics();
    });
  };
}
