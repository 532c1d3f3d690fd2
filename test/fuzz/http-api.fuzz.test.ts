import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';
import { scheduleCall, type CallWorld } from '../media/support/call-setup.ts';

// Issue 15, item 2: the HTTP API driven from its own OpenAPI document. Every operation of /api/openapi.json is called
// with parameters, queries and bodies generated from its schemas (valid ones, near misses and junk) and with ids of
// both organisations and of nothing, by every kind of caller: nobody, organisation A's admin, agent and DPO, and
// organisation B's admin. Whatever the request:
// - the answer is never a 5xx;
// - organisation B's caller never gets an object of organisation A (no id of A in any answer to B);
// - a refusal (4xx) changed nothing: every table is as it was, but for the few that record refusals themselves.

const RUNS = Number(process.env.PARLEY_FUZZ_RUNS ?? 600);
const SEED = process.env.PARLEY_FUZZ_SEED ? Number(process.env.PARLEY_FUZZ_SEED) : undefined;

/**
 * Tables a refused request may legitimately write: the audit trail of refusals (failed sign-ins, refused recording
 * access) and the failed-attempt counters behind the lockout (G46: a wrong password or code counts even though it is
 * refused). Anything else a 4xx changes is a defect; more entries here need a reason found by this test.
 */
const WRITTEN_BY_REFUSALS = new Set(['audit_events', 'audit_heads', 'login_throttle']);
/** A failed second factor that reaches the lockout also ends the session it was tried in (src/accounts/totp.ts). */
const ENDS_SESSION_ON_LOCKOUT = new Set(['TOTP_INVALID', 'TOTP_REPLAYED', 'RECOVERY_CODE_INVALID']);

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
};

interface Operation {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly pathParams: string[];
  readonly query: Record<string, JsonSchema>;
  readonly body: JsonSchema | null;
}

const junk: fc.Arbitrary<unknown> = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

/**
 * Values for a JSON schema, mostly valid: ids come from the pool of real ids (both organisations) or look like ids,
 * dates are near now, emails are emails; now and then a value of the wrong kind, so that near misses are sent too.
 */
function arbitraryOf(schema: JsonSchema, ids: readonly string[], depth = 0): fc.Arbitrary<unknown> {
  const valid = validOf(schema, ids, depth);
  return fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: junk });
}

function validOf(schema: JsonSchema, ids: readonly string[], depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => arbitraryOf(s, ids, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'date-time') return fc.integer({ min: -86_400_000, max: 30 * 86_400_000 }).map((ms) => new Date(Date.now() + ms).toISOString());
      if (schema.format === 'date') return fc.integer({ min: -30, max: 400 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10));
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri') return fc.webUrl();
      const idPrefix = schema.pattern ? /^\^([a-z]+)_\[0-9a-z\]\{25\}\$$/.exec(schema.pattern)?.[1] : undefined;
      if (idPrefix) {
        const known = ids.filter((id) => id.startsWith(`${idPrefix}_`));
        return known.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.stringMatching(new RegExp(schema.pattern!)) }) : fc.stringMatching(new RegExp(schema.pattern!));
      }
      if (schema.pattern && schema.pattern.length < 80) {
        try {
          return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 2_000));
        } catch {
          // fall through to a plain string
        }
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 200) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 100_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(arbitraryOf(schema.items ?? {}, ids, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object': {
      if (depth > 3) return fc.constant({});
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) model[k] = arbitraryOf(s, ids, depth + 1);
      return fc.record(model, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    default:
      return junk;
  }
}

function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema: JsonSchema }[]; requestBody?: { content?: Record<string, { schema: JsonSchema }> } }>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const params = op.parameters ?? [];
      out.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, p.schema])),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return out;
}

describe('fuzzing the HTTP API from its OpenAPI document', () => {
  let t: TestParley;
  const callers: Record<string, ApiClient> = {};
  let orgAIds: Set<string>;
  let ids: string[] = [];
  let operations: Operation[] = [];
  const counts = { requests: 0, byStatus: new Map<number, number>(), refusalsChecked: 0 };

  beforeAll(async () => {
    // A high lockout threshold: the fuzzer's wrong codes would otherwise lock its own callers out for the rest of the run.
    t = await startTestParley('sqlite', { PARLEY_LOGIN_MAX_FAILURES: '40' });
    const a: SignedIn = await createOrgWithAdmin(t, 'Musterbank AG');
    const agent = await addUser(t, a, 'agent');
    const dpo = await addUser(t, a, 'dpo');
    const b = await createOrgWithAdmin(t, 'Andere Bank AG');
    await publishNotice(a);
    await publishNotice(b);
    // Objects of each kind in both organisations, so that real ids of both are in the pool.
    const world = { t, admin: a, agent } as unknown as CallWorld;
    const ct = await a.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], lobbyEnabled: true });
    expect(ct.status, ct.raw).toBe(201);
    await scheduleCall(world, ct.body.id);
    const ctB = await b.client.post('/api/call-types', { name: 'Beratung B', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], lobbyEnabled: false });
    expect(ctB.status, ctB.raw).toBe(201);
    callers.nobody = t.client();
    callers.adminA = a.client;
    callers.agentA = agent.client;
    callers.dpoA = dpo.client;
    callers.adminB = b.client;
    const all = await collectIds(t);
    ids = [...all.keys()];
    orgAIds = new Set([...all].filter(([, org]) => org === a.orgId).map(([id]) => id));
    orgAIds.add(a.orgId);
    ids.push(a.orgId, b.orgId);
    // Signing out would leave a caller without a session for the rest of the run (and a 401 for everything after);
    // it is the one operation left out.
    operations = operationsOf((await t.client().get('/api/openapi.json')).body).filter((op) => op.path !== '/api/openapi.json' && op.path !== '/api/auth/logout');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('never answers 5xx, never shows B an object of A, and a refusal changes nothing', async () => {
    const request = fc.record({
      op: fc.constantFrom(...operations),
      caller: fc.constantFrom(...Object.keys(callers)),
      seed: fc.integer(),
    }).chain(({ op, caller }) =>
      fc.record({
        op: fc.constant(op),
        caller: fc.constant(caller),
        path: fc.record(Object.fromEntries(op.pathParams.map((p) => [p, fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) })]))),
        query: fc.record(Object.fromEntries(Object.entries(op.query).map(([k, s]) => [k, arbitraryOf(s, ids)])), { requiredKeys: [] }),
        body: op.body ? fc.oneof({ weight: 5, arbitrary: arbitraryOf(op.body, ids) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }) : fc.constant(undefined),
      }),
    );

    await fc.assert(
      fc.asyncProperty(request, async ({ op, caller, path, query, body }) => {
        let url = op.path.replace(/:([A-Za-z]+)|\{([A-Za-z]+)\}/g, (_, a: string | undefined, b: string | undefined) => encodeURIComponent(String(path[(a ?? b)!] ?? 'x')));
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && typeof v !== 'object') qs.set(k, String(v));
        if ([...qs].length > 0) url += `?${qs}`;
        const before = await digest(t);
        const res = await callers[caller]!.request(op.method, url, op.method === 'GET' || op.method === 'DELETE' ? undefined : (body ?? {}));
        counts.requests++;
        counts.byStatus.set(res.status, (counts.byStatus.get(res.status) ?? 0) + 1);
        if (process.env.PARLEY_FUZZ_TRACE) console.log(`${caller} ${op.method} ${op.path} → ${res.status} ${(res.body as { error?: { code?: string } } | undefined)?.error?.code ?? ''}`);
        const what = `${caller} ${op.method} ${url} ${JSON.stringify(body)?.slice(0, 300)} → ${res.status} ${res.raw.slice(0, 300)}`;
        expect(res.status, what).toBeLessThan(500);
        if (caller === 'adminB' && res.status < 300) {
          const leaked = [...orgAIds].filter((id) => res.raw.includes(id) && !url.includes(id) && !JSON.stringify(body ?? '').includes(id));
          expect(leaked, what).toEqual([]);
        }
        if (res.status >= 400) {
          counts.refusalsChecked++;
          const after = await digest(t);
          const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code ?? '';
          const allowed = (table: string) => WRITTEN_BY_REFUSALS.has(table) || (table === 'user_sessions' && ENDS_SESSION_ON_LOCKOUT.has(code));
          const changed = [...after.keys()].filter((table) => after.get(table) !== before.get(table) && !allowed(table));
          expect(changed, `a refusal changed ${changed.join(', ')}: ${what}`).toEqual([]);
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    const statuses = [...counts.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`HTTP fuzz: ${counts.requests} requests over ${operations.length} operations and ${Object.keys(callers).length} callers; ${counts.refusalsChecked} refusals checked for writes; statuses ${statuses}`);
  }, 600_000);
});

/** Every id of every organisation-scoped row, with its organisation. */
async function collectIds(t: TestParley): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of await tables(t)) {
    const cols = (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(t.parley.deps.db)).rows.map((r) => r.name);
    if (!cols.includes('id') || !cols.includes('org_id')) continue;
    const rows = (await sql<{ id: string; org_id: string }>`select id, org_id from ${sql.table(table)}`.execute(t.parley.deps.db)).rows;
    for (const r of rows) if (typeof r.id === 'string' && /^[a-z]+_[0-9a-z]{25}$/.test(r.id)) out.set(r.id, r.org_id);
  }
  return out;
}

async function tables(t: TestParley): Promise<string[]> {
  return (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(t.parley.deps.db)).rows.map((r) => r.name);
}

/** A hash of each table's whole content (SQLite: small tables, so reading them all is quick). */
async function digest(t: TestParley): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of await tables(t)) {
    const rows = (await sql`select * from ${sql.table(table)} order by rowid`.execute(t.parley.deps.db)).rows;
    out.set(table, createHash('sha256').update(JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))).digest('base64'));
  }
  return out;
}
