import { z } from 'zod';
import { pingDatabase } from '../db/database.ts';
import { AppError } from '../shared/app-error.ts';
import type { RouteModule } from './app.ts';

export const healthRoutes: RouteModule = (app, deps) => {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'Readiness: the database answers and the node is not draining', response: { 200: z.object({ status: z.literal('ready') }) } },
    },
    async () => {
      // A draining node (cluster, after SIGTERM) keeps serving what it holds but should get nothing new.
      if (deps.lifecycle.draining) throw new AppError('NOT_READY', 'This node is draining: it finishes its calls and takes no new ones.');
      try {
        await pingDatabase(deps.db);
      } catch (cause) {
        throw new AppError('NOT_READY', 'The database is not reachable.', { cause });
      }
      return { status: 'ready' as const };
    },
  );
};
