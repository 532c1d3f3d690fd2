import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrgWithAdmin, startTestParley, TEST_PASSWORD, type TestParley } from '../support/harness.ts';

/** Logs hold ids, never names, emails, passwords, tokens or IP addresses (G24, STYLE 12). */
describe('logs', () => {
  let t: TestParley;
  beforeAll(async () => {
    t = await startTestParley('sqlite');
  });
  afterAll(async () => t?.close());

  it('carry no personal data through a user creation, a login and a failed login', async () => {
    const admin = await createOrgWithAdmin(t);
    const email = 'Greta.Customer-Adviser@bank.example';
    const name = 'Greta Gründlich';
    const created = await admin.client.post('/api/users', { email, displayName: name, role: 'agent' });
    expect(created.status).toBe(201);
    const token = new URL(created.body.setupLink.url).hash.slice('#token='.length);
    const c = t.client();
    expect((await c.post('/api/setup/complete', { token, password: TEST_PASSWORD })).status).toBe(200);
    await t.client().post('/api/auth/login', { email, password: 'definitely wrong' });
    const ok = await t.client().post('/api/auth/login', { email, password: TEST_PASSWORD });
    expect(ok.status).toBe(200);
    await t.client().request('GET', `/api/users/${created.body.user.id}?email=${encodeURIComponent(email)}`, undefined, {
      headers: { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'Greta-Browser' },
    });

    const text = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(5); // the logs were really captured
    expect(text).toContain('"route":"/api/auth/login"');
    for (const needle of [email, email.toLowerCase(), 'Greta', 'Gründlich', TEST_PASSWORD, 'definitely wrong', token, '127.0.0.1', '203.0.113.7', admin.email, 'psl_', 'pss_']) {
      expect(text, `log contains ${needle}`).not.toContain(needle);
    }
  });
});
