import * as z from 'zod/mini';

/**
 * The public request pages' only way to reach the server (same-origin, no third parties). The CSRF token is
 * fetched only before the first write, so a visitor who only reads gets no cookie (G57).
 */
export class RightsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

const pageSchema = z.object({ orgId: z.string(), legalName: z.string(), dpoEmail: z.string(), privacyPolicyUrl: z.nullable(z.string()), supervisoryAuthority: z.string(), codeValidMinutes: z.number() });
export type RightsPageInfo = z.infer<typeof pageSchema>;
const acceptedSchema = z.object({ requestId: z.string(), status: z.string(), codeValidMinutes: z.number(), statusPage: z.string() });
const statusSchema = z.object({
  requestId: z.string(),
  orgId: z.string(),
  legalName: z.string(),
  dpoEmail: z.string(),
  type: z.enum(['access', 'erasure', 'restriction', 'objection', 'rectification']),
  status: z.enum(['unverified', 'open', 'completed', 'refused', 'withdrawn', 'expired']),
  locked: z.boolean(),
  receivedAt: z.string(),
  dueAt: z.string(),
  extended: z.boolean(),
  exportReady: z.boolean(),
});
export type RequestStatusInfo = z.infer<typeof statusSchema>;

let csrf: string | null = null;

async function call<T>(method: 'GET' | 'POST', path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method === 'POST') {
    if (!csrf) {
      const res = await fetch('/api/auth/csrf', { credentials: 'same-origin', cache: 'no-store' });
      csrf = ((await res.json()) as { token: string }).token;
    }
    headers['x-csrf-token'] = csrf;
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new RightsApiError(0, 'NETWORK', 'Parley could not be reached.', undefined);
  }
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: unknown } } | null;
  if (!res.ok) {
    const retry = res.headers.get('retry-after');
    throw new RightsApiError(res.status, json?.error?.code ?? 'OTHER', json?.error?.message ?? 'Something went wrong.', json?.error?.details ?? (retry ? { retryAfterSeconds: Number(retry) } : undefined));
  }
  return z.parse(schema, json);
}

export const rightsApi = {
  page: (orgId: string) => call('GET', `/api/public/organisations/${encodeURIComponent(orgId)}/rights-page`, pageSchema),
  submit: (orgId: string, body: { type: string; email: string; details: string; locale: string }) =>
    call('POST', `/api/public/organisations/${encodeURIComponent(orgId)}/rights-requests`, acceptedSchema, body),
  status: (id: string) => call('GET', `/api/public/rights-requests/${encodeURIComponent(id)}`, statusSchema),
  newCode: (id: string, locale: string) => call('POST', `/api/public/rights-requests/${encodeURIComponent(id)}/code`, z.object({ codeValidMinutes: z.number() }), { locale }),
  verify: (id: string, code: string) => call('POST', `/api/public/rights-requests/${encodeURIComponent(id)}/verify`, statusSchema, { code }),
  exportToken: (id: string, code: string) =>
    call('POST', `/api/public/rights-requests/${encodeURIComponent(id)}/export-token`, z.object({ exportId: z.string(), url: z.string(), expiresAt: z.string() }), { code }),
};
