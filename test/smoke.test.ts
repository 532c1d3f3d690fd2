import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from './support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type TestParley } from './support/harness.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`smoke (${d.name})`, () => {
    let t: TestParley;
    beforeAll(async () => {
      t = await startTestParley(d.name);
    });
    afterAll(async () => t?.close());
    it('an admin signs in with TOTP and invites an agent', async () => {
      const admin = await createOrgWithAdmin(t);
      const me = await admin.client.get('/api/me');
      expect(me.status).toBe(200);
      const agent = await addUser(t, admin, 'agent');
      expect((await agent.client.get('/api/organisation')).status).toBe(200);
      expect((await agent.client.get('/api/users')).status).toBe(403);
    });
  });
}
