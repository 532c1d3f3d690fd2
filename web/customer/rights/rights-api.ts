import * as z from 'zod/mini';

/**
 * The public request pages' only way to reach the server (same-origin, no third parties). The CSRF token is
 * fetched only before the first write, so a visitor who only reads gets no cookie (G57).
 *
 * A refused request becomes a RightsApiError carrying the API's error `code` and `details` (attempts left, seconds
 * to wait, the fields that failed): the pages say it in their own words (rights-messages.ts), never in the
 * server's English. NETWORK: Parley could not be reached; OTHER: an answer that was not Parley's error format.
 */
export class RightsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly details: unknown,
  ) {
    super(code);
    this.name = 'RightsApiError';
  }

  /** Whole minutes to wait after a 429 (from the answer's details or Retry-After), or null when not said. */
  get retryAfterMinutes(): number | null {
    const seconds = (this.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds / 60) : null;
  }

  /** Wrong codes still allowed before the request locks (CODE_WRONG), or null. */
  get attemptsLeft(): number | null {
    const left = (this.details as { attemptsLeft?: unknown } | undefined)?.attemptsLeft;
    return typeof left === 'number' ? left : null;
  }

  /** The body fields a 400 VALIDATION_FAILED names (`email`, `details`, `code`). */
  get fields(): string[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.flatMap((d: unknown) => {
      const path = (d as { path?: unknown }).path;
      return Array.isArray(path) && typeof path[0] === 'string' ? [path[0]] : [];
    });
  }
}

const pageSchema = z.object({
  orgId: z.string(),
  legalName: z.string(),
  dpoEmail: z.string(),
  privacyPolicyUrl: z.nullable(z.string()),
  supervisoryAuthority: z.string(),
  codeValidMinutes: z.number(),
  pageUrl: z.string(),
});
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
  exportExpiresAt: z.nullable(z.string()),
  exportSummaryFile: z.nullable(z.string()),
  codeValidMinutes: z.number(),
  exportLinkMinutes: z.number(),
});
export type RequestStatusInfo = z.infer<typeof statusSchema>;
const errorSchema = z.object({ error: z.object({ code: z.string(), details: z.optional(z.unknown()) }) });

let csrf: string | null = null;

async function call<T>(method: 'GET' | 'POST', path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let res: Response;
  try {
    if (method === 'POST') {
      if (!csrf) {
        const token = await fetch('/api/auth/csrf', { credentials: 'same-origin', cache: 'no-store' });
        csrf = ((await token.json()) as { token: string }).token;
      }
      headers['x-csrf-token'] = csrf;
      headers['content-type'] = 'application/json';
    }
    res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new RightsApiError(0, 'NETWORK', undefined);
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    // A refused form token is fetched again on the next write.
    if (res.status === 403) csrf = null;
    const parsed = z.safeParse(errorSchema, json);
    const retry = Number(res.headers.get('retry-after'));
    const details = parsed.success ? parsed.data.error.details : undefined;
    throw new RightsApiError(res.status, parsed.success ? parsed.data.error.code : 'OTHER', details ?? (retry > 0 ? { retryAfterSeconds: retry } : undefined));
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) throw new RightsApiError(res.status, 'OTHER', undefined);
  return parsed.data;
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
