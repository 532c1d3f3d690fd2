import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

// Issue 12, finding 17: the console's "Upcoming calls" lists scheduled calls still to come and nothing else; cancelled
// calls are asked for on their own. The list API's `status` and `endsAfter` are what it asks with.

const HOUR = 3_600_000;

for (const d of dialects) {
  describe.skipIf(!d.available)(`the calls list by status and end (${d.name})`, () => {
    let t: TestParley;
    let agent: SignedIn;
    let callTypeId = '';

    beforeAll(async () => {
      t = await startTestParley(d.name);
      const admin = await createOrgWithAdmin(t);
      agent = await addUser(t, admin, 'agent');
      await publishNotice(admin);
      const ct = await admin.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }] });
      expect(ct.status, ct.raw).toBe(201);
      callTypeId = ct.body.id;
    });
    afterAll(async () => t?.close());

    const schedule = async (inHours: number, name: string) => {
      const res = await agent.client.post('/api/calls', {
        callTypeId,
        startsAt: new Date(t.clock.now().getTime() + inHours * HOUR).toISOString(),
        durationMinutes: 30,
        customer: { displayName: name, email: `${name.toLowerCase()}@example.test` },
      });
      expect(res.status, res.raw).toBe(201);
      return res.body.id as string;
    };
    const ids = async (query: string) => ((await agent.client.get(`/api/calls?${query}`)).body.calls as { id: string }[]).map((c) => c.id);

    it('lists a cancelled call only when cancelled calls are asked for, and a call over only when its end is', async () => {
      const kept = await schedule(1, 'Anna');
      const cancelled = await schedule(2, 'Bert');
      const later = await schedule(30, 'Carla');
      expect((await agent.client.post(`/api/calls/${cancelled}/cancel`, {})).status).toBe(200);

      const now = t.clock.now().getTime();
      const openSince = new Date(now - 2 * HOUR).toISOString();
      expect(await ids(`status=scheduled&endsAfter=${encodeURIComponent(openSince)}`)).toEqual([kept, later]);
      expect(await ids(`status=cancelled&endsAfter=${encodeURIComponent(openSince)}`)).toEqual([cancelled]);

      // A day later the first call is over: no longer among the calls still to come.
      const dayLater = new Date(now + 24 * HOUR - 2 * HOUR).toISOString();
      expect(await ids(`status=scheduled&endsAfter=${encodeURIComponent(dayLater)}`)).toEqual([later]);

      const bad = await agent.client.get('/api/calls?endsAfter=soon');
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^Check the earliest end time: enter a date and time/);
    });
  });
}
