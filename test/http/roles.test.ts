import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/accounts/roles.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';

/**
 * The permission matrix (G46, least privilege). Each row is an endpoint with a valid request, and the roles
 * allowed to make it; every other role must get 403. A route missing from the matrix fails the test.
 */
type Row = { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; body?: unknown; allowed: Role[] };

for (const d of dialects) {
  describe.skipIf(!d.available)(`role checks (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    const clients = {} as Record<Role, ApiClient>;
    let target: string;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t);
      clients.admin = admin.client;
      clients.dpo = (await addUser(t, admin, 'dpo')).client;
      clients.agent = (await addUser(t, admin, 'agent')).client;
      target = (await addUser(t, admin, 'agent')).userId;
    });
    afterAll(async () => t?.close());

    const matrix = (): Row[] => [
      { method: 'GET', url: '/api/organisation', allowed: ['admin', 'dpo', 'agent'] },
      { method: 'PATCH', url: '/api/organisation', body: { address: 'Hauptstr. 1, Berlin' }, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/users', allowed: ['admin', 'dpo'] },
      { method: 'POST', url: '/api/users', body: { email: `x${Math.random()}@example.test`, displayName: 'X', role: 'agent' }, allowed: ['admin'] },
      { method: 'GET', url: `/api/users/${target}`, allowed: ['admin', 'dpo'] },
      { method: 'PATCH', url: `/api/users/${target}`, body: { displayName: 'Y' }, allowed: ['admin'] },
      { method: 'POST', url: `/api/users/${target}/setup-link`, allowed: ['admin'] },
      { method: 'POST', url: `/api/users/${target}/totp-reset`, allowed: ['admin'] },
      { method: 'GET', url: `/api/users/${target}/training`, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/users/${target}/training`, body: { course: 'GDPR', completedOn: '2026-02-01' }, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/api-tokens', allowed: ['admin'] },
      { method: 'POST', url: '/api/api-tokens', body: { name: 'n', role: 'agent' }, allowed: ['admin'] },
      { method: 'GET', url: '/api/audit-events', allowed: ['admin', 'dpo'] },
      { method: 'POST', url: '/api/audit-events/verify', allowed: ['admin', 'dpo'] },
    ];

    it('covers every role-gated route in the matrix', () => {
      const gated = t.parley.app.routeTable.filter((r) => typeof r.access === 'object');
      const rows = matrix().map((r) => `${r.method} ${r.url.replace(target, ':userId')}`);
      for (const r of gated) {
        if (r.url === '/api/api-tokens/:tokenId') continue; // covered below with a real token id
        expect(rows, `add ${r.method} ${r.url} to the permission matrix`).toContain(`${r.method} ${r.url}`);
      }
    });

    for (const role of ['agent', 'dpo', 'admin'] as const) {
      it(`lets ${role} do exactly what the matrix allows`, async () => {
        for (const row of matrix()) {
          const res = await clients[role].request(row.method, row.url, row.body);
          if (row.allowed.includes(role)) {
            expect(res.status, `${role} ${row.method} ${row.url}: ${res.raw}`).toBeLessThan(300);
          } else {
            expect(res.status, `${role} ${row.method} ${row.url}`).toBe(403);
            expect(res.body.error.code).toBe('FORBIDDEN');
          }
        }
      });
    }

    it('revoking an API token is for admins only, and an agent token cannot manage users', async () => {
      const created = await clients.admin.post('/api/api-tokens', { name: 'crm', role: 'agent' });
      const tokenId = created.body.apiToken.id;
      expect((await clients.dpo.delete(`/api/api-tokens/${tokenId}`)).status).toBe(403);
      expect((await clients.agent.delete(`/api/api-tokens/${tokenId}`)).status).toBe(403);
      const api = t.client();
      api.bearer = created.body.token;
      expect((await api.get('/api/organisation')).status).toBe(200);
      expect((await api.get('/api/users')).status).toBe(403);
      expect((await clients.admin.delete(`/api/api-tokens/${tokenId}`)).status).toBe(200);
      const after = await api.get('/api/organisation');
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('UNAUTHENTICATED');
    });

    it('refuses every role-gated route without a session', async () => {
      const anon = t.client();
      for (const row of matrix()) {
        const res = await anon.request(row.method, row.url, row.body, { csrf: false });
        expect(res.status, `${row.method} ${row.url}`).toBe(401);
      }
    });
  });
}
