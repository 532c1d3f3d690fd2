import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { internalCodes } from '../support/language-check.ts';

/** Bad input gets a 4xx with a code and a message a person understands — never a 500, never a half-write. */
describe('bad input', () => {
  let t: TestParley;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await startTestParley('sqlite', { PARLEY_BODY_LIMIT_BYTES: '4096' });
    admin = await createOrgWithAdmin(t);
  });
  afterAll(async () => t?.close());

  const expectError = (res: { status: number; body: any }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(10);
    expect(res.body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|node_modules|SqliteError|stack/);
  };

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await admin.client.request('POST', '/api/users', undefined, {
      rawBody: '{"email": "a@b.c", ',
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 400, 'MALFORMED_JSON');
  });

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await admin.client.post('/api/users', { email: 'big@example.test', displayName: 'x'.repeat(10_000), role: 'agent' });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('rejects unknown fields instead of ignoring them (G23-style)', async () => {
    const res = await admin.client.post('/api/users', { email: 'u@example.test', displayName: 'U', role: 'agent', phone: '+49 30 1234' });
    expectError(res, 400, 'VALIDATION_FAILED');
    const org = await admin.client.patch('/api/organisation', { legalName: 'X', shoeSize: 44 });
    expectError(org, 400, 'VALIDATION_FAILED');
    const users = await admin.client.get('/api/users');
    expect(users.body.users.map((u: any) => u.email)).not.toContain('u@example.test');
  });

  it('rejects wrong types and values with a message naming the field', async () => {
    const res = await admin.client.post('/api/users', { email: 'not-an-email', displayName: 42, role: 'superuser' });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details.map((d: any) => d.path.join('.'))).toEqual(expect.arrayContaining(['email', 'displayName', 'role']));
    expectError(await admin.client.post('/api/users', ['an', 'array']), 400, 'VALIDATION_FAILED');
    expectError(await admin.client.post('/api/users', null), 400, 'VALIDATION_FAILED');
    expectError(await admin.client.patch('/api/organisation', {}), 400, 'VALIDATION_FAILED');
    expectError(await admin.client.get('/api/audit-events?limit=abc'), 400, 'VALIDATION_FAILED');
    expectError(await admin.client.get('/api/audit-events?from=yesterday'), 400, 'VALIDATION_FAILED');
    expectError(await admin.client.get('/api/audit-events?type=made.up'), 400, 'VALIDATION_FAILED');
    expectError(await admin.client.get('/api/audit-events?color=red'), 400, 'VALIDATION_FAILED');
  });

  it('says what is wrong in words: fields by name, not by key, and no validator jargon (issue 12, finding 12)', async () => {
    const tooLong = await admin.client.patch('/api/organisation', { address: 'x'.repeat(1001) });
    expectError(tooLong, 400, 'VALIDATION_FAILED');
    expect(tooLong.body.error.message).toBe('Check the address: at most 1,000 characters.');
    expect(tooLong.body.error.details).toEqual([{ in: 'body', path: ['address'], message: 'At most 1,000 characters.' }]);
    const legalName = await admin.client.patch('/api/organisation', { legalName: 'x'.repeat(201) });
    expect(legalName.body.error.message).toBe('Check the legal name: at most 200 characters.');

    // A nested field, a missing one and a schema's own message, in one answer: each named in words.
    const call = await admin.client.post('/api/calls', { startsAt: new Date().toISOString(), durationMinutes: 2, customer: { displayName: 'Zoë', email: 'zoe@' } });
    expectError(call, 400, 'VALIDATION_FAILED');
    const byPath = Object.fromEntries(call.body.error.details.map((d: any) => [d.path.join('.'), d.message]));
    expect(byPath).toEqual({ callTypeId: 'Required.', durationMinutes: 'At least 5 minutes.', 'customer.email': 'Enter a valid email address.' });
    expect(call.body.error.message).toBe("Check 3 fields: the call type (required), the length (at least 5 minutes) and the customer's email address (enter a valid email address).");

    // Nothing a programmer would write: no keys, no "expected string", no <= signs, no snake_case.
    for (const res of [tooLong, call]) {
      const text = [res.body.error.message, ...res.body.error.details.map((d: any) => d.message)].join('\n');
      expect(internalCodes(text), text).toEqual([]);
      expect(text).not.toMatch(/Too big|Too small|Invalid input|expected string|received|<=|>=/);
    }
  });

  it('rejects malformed ids with 400 and well-formed unknown ids with 404', async () => {
    expectError(await admin.client.get('/api/users/12345'), 400, 'VALIDATION_FAILED');
    expectError(await admin.client.get(`/api/users/${"usr_" + "0".repeat(25)}`), 404, 'NOT_FOUND');
    expectError(await admin.client.get(`/api/users/${"org_" + "0".repeat(25)}`), 400, 'VALIDATION_FAILED');
  });

  it('rejects bodies that are not JSON with 415', async () => {
    const res = await admin.client.request('POST', '/api/users', undefined, {
      rawBody: 'email=a@b.c',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a training date in the future and a non-EEA region without a safeguard (G52)', async () => {
    const future = await admin.client.post(`/api/users/${admin.userId}/training`, { course: 'GDPR', completedOn: '2999-01-01' });
    expectError(future, 400, 'VALIDATION_FAILED');
    const region = await admin.client.patch('/api/organisation', { residencyRegion: 'US' });
    expectError(region, 400, 'VALIDATION_FAILED');
    expect((await admin.client.get('/api/organisation')).body.residencyRegion).toBe('EEA');
    const ok = await admin.client.patch('/api/organisation', { residencyRegion: 'CH', residencySafeguard: 'Adequacy decision 2000/518/EC' });
    expect(ok.status).toBe(200);
  });

  it('never answers 500 to junk sent to any route', async () => {
    const junk = ['{"a":1}', '"text"', '123', 'null', '[]', '{"email":{"$gt":""}}', '{'.repeat(50), '\u0000'];
    for (const route of t.parley.app.routeTable) {
      const url = route.url.replace(/:(\w+)/g, 'x%00y');
      for (const rawBody of route.method === 'GET' ? [undefined] : junk) {
        const res = await admin.client.request(route.method as 'POST', `${url}?junk=%ff%fe`, undefined, {
          ...(rawBody !== undefined ? { rawBody } : {}),
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status, `${route.method} ${route.url} with ${rawBody}: ${res.raw}`).toBeLessThan(500);
      }
    }
  });

  it('answers unknown API paths with a JSON 404', async () => {
    expectError(await admin.client.get('/api/nope'), 404, 'NOT_FOUND');
  });
});

describe('HTTP basics', () => {
  let t: TestParley;
  beforeAll(async () => {
    t = await startTestParley('sqlite');
  });
  afterAll(async () => t?.close());

  it('serves liveness, readiness and the OpenAPI document', async () => {
    const c = t.client();
    expect((await c.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await c.get('/readyz')).body).toEqual({ status: 'ready' });
    const doc = await c.get('/api/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    for (const p of ['/api/auth/login', '/api/users', '/api/users/{userId}', '/api/organisation', '/api/audit-events']) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
    // Inputs are documented with their constraints (zod → JSON Schema).
    const body = doc.body.paths['/api/users'].post.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(expect.arrayContaining(['email', 'displayName', 'role']));
  });

  it('sends a strict CSP with no third-party origin, and a request id', async () => {
    const res = await t.client().get('/healthz');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
