import * as z from 'zod/mini';
import { ApiError } from './api-error.ts';

/**
 * The console's only way to reach the server: same-origin `fetch` with the session cookie, the CSRF header on
 * every write, and every answer checked against a schema so a changed API fails loudly here instead of rendering
 * `undefined`. Built once in main.tsx and handed down through ApiProvider — no module-level state.
 */
export interface ApiClient {
  get<T>(path: string, schema: z.ZodMiniType<T>, query?: QueryParams): Promise<T>;
  post<T>(path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T>;
  patch<T>(path: string, schema: z.ZodMiniType<T>, body: unknown): Promise<T>;
  delete<T>(path: string, schema: z.ZodMiniType<T>): Promise<T>;
  /** Fetches a fresh CSRF token (also sets its `_csrf` cookie). Called at start and after CSRF_FAILED. */
  refreshCsrf(): Promise<void>;
  /**
   * Calls `listener` whenever a request answers 401 UNAUTHENTICATED: the session ended (expired, revoked by an
   * admin, signed out in another tab). Returns the function that removes the listener.
   */
  onSessionLost(listener: () => void): () => void;
}

/** Query parameters; empty strings and undefined are left out (the server rejects `type=`). */
export type QueryParams = Readonly<Record<string, string | number | undefined>>;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const CSRF_HEADER = 'x-csrf-token';
const csrfSchema = z.object({ token: z.string() });
const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.optional(z.string()),
    details: z.optional(z.unknown()),
  }),
});

/** Answers with no body (204). */
export const noContent = z.null();

export function createApiClient(): ApiClient {
  let csrfToken: string | null = null;
  const sessionLostListeners = new Set<() => void>();

  async function send(method: Method, path: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') {
      if (csrfToken === null) await refreshCsrf();
      headers[CSRF_HEADER] = csrfToken ?? '';
    }
    // A body only when there is one: an empty body declared as JSON is refused (MALFORMED_JSON).
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      // `cache` is typed for the browser only; the server's type check also reads this file (through tests).
      const init: RequestInit & { cache?: 'no-store' } = {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      };
      return await fetch(path, init);
    } catch (cause) {
      throw new ApiError({
        status: 0,
        code: 'NETWORK',
        message: 'Parley could not be reached. Check your connection and try again.',
        requestId: null,
        cause,
      });
    }
  }

  async function request<T>(method: Method, path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T> {
    let res = await send(method, path, body);
    if (method !== 'GET' && res.status === 403) {
      const err = await toError(res);
      if (err.code !== 'CSRF_FAILED') throw err;
      // The token cookie can be missing (cleared, expired): fetch a new token and try exactly once more.
      await refreshCsrf();
      res = await send(method, path, body);
    }
    if (!res.ok) {
      const err = await toError(res);
      if (err.code === 'UNAUTHENTICATED') for (const listener of sessionLostListeners) listener();
      throw err;
    }
    const requestId = res.headers.get('x-request-id');
    const payload: unknown = res.status === 204 ? null : await res.json().catch(() => undefined);
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new ApiError({
        status: res.status,
        code: 'UNEXPECTED_RESPONSE',
        message: 'The server sent an answer this page does not understand. Reload the page; if it persists, tell your administrator.',
        requestId,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  async function refreshCsrf(): Promise<void> {
    const res = await send('GET', '/api/auth/csrf', undefined);
    if (!res.ok) throw await toError(res);
    csrfToken = csrfSchema.parse(await res.json()).token;
  }

  return {
    get: (path, schema, query) => request('GET', withQuery(path, query), schema),
    post: (path, schema, body) => request('POST', path, schema, body),
    patch: (path, schema, body) => request('PATCH', path, schema, body),
    delete: (path, schema) => request('DELETE', path, schema),
    refreshCsrf,
    onSessionLost(listener) {
      sessionLostListeners.add(listener);
      return () => sessionLostListeners.delete(listener);
    },
  };
}

async function toError(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('x-request-id');
  const parsed = errorBodySchema.safeParse(await res.json().catch(() => undefined));
  if (parsed.success) {
    const e = parsed.data.error;
    return new ApiError({ status: res.status, code: e.code, message: e.message, requestId: e.requestId ?? requestId, details: e.details });
  }
  // Not Parley's own answer (a proxy's error page, a gateway timeout): say what we know.
  return new ApiError({
    status: res.status,
    code: 'HTTP_ERROR',
    message: `The server answered with an unexpected error (HTTP ${res.status}). Try again in a moment.`,
    requestId,
  });
}

function withQuery(path: string, query: QueryParams | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
