import * as z from 'zod/mini';
import { locales, type ConsentPurpose, type Locale } from './messages.ts';

/**
 * The join page's only way to reach the server. The join link's token in the path is the customer's whole
 * authentication (no account, G23). Every answer is checked against a schema, so a changed API fails loudly here
 * instead of rendering `undefined`. The CSRF token is fetched only before the first write: a customer who reads
 * the notice and leaves gets no cookie at all (G57); one who answers gets the one strictly necessary `_csrf` cookie.
 */
export interface JoinApi {
  /** `locale` absent: the server follows the browser's Accept-Language (sent by the browser itself). */
  load(locale: Locale | null): Promise<JoinInfo>;
  recordDecisions(input: DecisionsInput): Promise<ConsentState>;
  withdraw(purpose: ConsentPurpose): Promise<ConsentState>;
}

const purposeSchema = z.enum(['recording', 'chat', 'training_qa', 'analytics']);
const statusSchema = z.nullable(z.enum(['given', 'declined', 'withdrawn']));

const sectionSchema = z.object({
  key: z.string(),
  heading: z.string(),
  paragraphs: z.array(z.string()),
  items: z.array(z.string()),
  links: z.array(z.object({ href: z.string(), label: z.string() })),
});

const joinInfoSchema = z.object({
  locale: z.enum(locales),
  availableLocales: z.array(z.string()),
  now: z.string(),
  call: z.object({
    id: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    joinOpensAt: z.string(),
    timeZone: z.string(),
    callTypeName: z.string(),
    organisationName: z.string(),
    agentName: z.string(),
    lobbyEnabled: z.boolean(),
  }),
  participant: z.object({ displayName: z.string() }),
  privacyPolicyUrl: z.nullable(z.string()),
  notice: z.object({
    title: z.string(),
    intro: z.string(),
    sections: z.array(sectionSchema),
    footer: z.string(),
    notice: z.object({ id: z.string(), version: z.number(), contentHash: z.string() }),
    /** The organisation (controller): its public rights page is `/rights/<id>`. */
    organisation: z.object({ id: z.string() }),
  }),
  consents: z.array(
    z.object({ purpose: purposeSchema, text: z.string(), textHash: z.string(), current: statusSchema, needsDecision: z.boolean() }),
  ),
});
export type JoinInfo = z.infer<typeof joinInfoSchema>;
export type ConsentQuestion = JoinInfo['consents'][number];
export type NoticeSection = JoinInfo['notice']['sections'][number];

const consentStateSchema = z.object({ consents: z.array(z.object({ purpose: purposeSchema, current: statusSchema })) });
export type ConsentState = z.infer<typeof consentStateSchema>;

export interface DecisionsInput {
  readonly locale: Locale;
  /** The content hash of the notice the person read. */
  readonly noticeHash: string;
  readonly decisions: readonly { readonly purpose: ConsentPurpose; readonly given: boolean; readonly textHash: string }[];
}

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.optional(z.string()) }) });

/**
 * A refused or failed request. `message` is the server's own, written for people; codes of our own for what never
 * got an answer from Parley: NETWORK, HTTP_ERROR, UNEXPECTED_RESPONSE.
 */
export class JoinApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(init: { status: number; code: string; message: string; requestId: string | null; cause?: unknown }) {
    super(init.message, { cause: init.cause });
    this.name = 'JoinApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
  }
}

export function createJoinApi(token: string): JoinApi {
  const base = `/api/join/${encodeURIComponent(token)}`;
  let csrfToken: string | null = null;

  async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method === 'POST') {
      csrfToken ??= await fetchCsrf();
      headers['x-csrf-token'] = csrfToken;
      headers['content-type'] = 'application/json';
    }
    try {
      return await fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new JoinApiError({ status: 0, code: 'NETWORK', message: 'Parley could not be reached.', requestId: null, cause });
    }
  }

  async function fetchCsrf(): Promise<string> {
    const res = await send('GET', '/api/auth/csrf');
    if (!res.ok) throw await toError(res);
    return parse(res, z.object({ token: z.string() })).then((b) => b.token);
  }

  async function request<T>(method: 'GET' | 'POST', path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T> {
    let res = await send(method, path, body);
    if (method === 'POST' && res.status === 403) {
      const err = await toError(res);
      if (err.code !== 'CSRF_FAILED') throw err;
      // The cookie can be gone (cleared, or the browser restarted): one fresh token, one more try.
      csrfToken = await fetchCsrf();
      res = await send(method, path, body);
    }
    if (!res.ok) throw await toError(res);
    return parse(res, schema);
  }

  return {
    load: (locale) => request('GET', locale ? `${base}?locale=${locale}` : base, joinInfoSchema),
    recordDecisions: (input) => request('POST', `${base}/consents`, consentStateSchema, input),
    withdraw: (purpose) => request('POST', `${base}/consents/withdraw`, consentStateSchema, { purpose }),
  };
}

async function parse<T>(res: Response, schema: z.ZodMiniType<T>): Promise<T> {
  const parsed = schema.safeParse(await res.json().catch(() => undefined));
  if (parsed.success) return parsed.data;
  throw new JoinApiError({
    status: res.status,
    code: 'UNEXPECTED_RESPONSE',
    message: 'The server sent an answer this page does not understand.',
    requestId: res.headers.get('x-request-id'),
    cause: parsed.error,
  });
}

async function toError(res: Response): Promise<JoinApiError> {
  const requestId = res.headers.get('x-request-id');
  const parsed = errorBodySchema.safeParse(await res.json().catch(() => undefined));
  if (parsed.success) {
    const e = parsed.data.error;
    return new JoinApiError({ status: res.status, code: e.code, message: e.message, requestId: e.requestId ?? requestId });
  }
  // Not Parley's own answer (a proxy's error page, a gateway timeout).
  return new JoinApiError({ status: res.status, code: 'HTTP_ERROR', message: `HTTP ${res.status}`, requestId });
}
