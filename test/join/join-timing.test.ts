import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOIN_OPENS_MINUTES_BEFORE } from '../../src/join/join-call.ts';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

/**
 * Issue 12, finding 14: a customer who opens her link a day early is told when her call is and from when she can
 * join. The page reckons both from what the join API says: the server's own time (not the device's, which may be
 * wrong), the organisation's time zone, and the moment the join opens.
 */
for (const d of dialects) {
  describe.skipIf(!d.available)(`what the join page needs to say when the call is (${d.name})`, () => {
    let t: TestParley;
    let agent: SignedIn;
    let callTypeId: string;

    beforeAll(async () => {
      t = await startTestParley(d.name, { PARLEY_TIME_ZONE: 'Europe/Vienna' });
      const admin = await createOrgWithAdmin(t, 'Musterbank AG');
      agent = await addUser(t, admin, 'agent');
      await publishNotice(admin);
      const ct = await admin.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }] });
      expect(ct.status, ct.raw).toBe(201);
      callTypeId = ct.body.id;
    });
    afterAll(async () => t?.close());

    it('answers with the server\'s time, the organisation\'s time zone and when the join opens (30 minutes before the start)', async () => {
      const startsAt = new Date(t.clock.now().getTime() + 50 * 3_600_000);
      startsAt.setUTCSeconds(0, 0);
      const res = await agent.client.post('/api/calls', {
        callTypeId,
        startsAt: startsAt.toISOString(),
        durationMinutes: 30,
        customer: { displayName: 'Erika Früh', email: 'erika.frueh@example.test' },
      });
      expect(res.status, res.raw).toBe(201);
      const customer = res.body.participants.find((p: { kind: string }) => p.kind === 'customer');
      // The server's clock now runs a day ahead of this machine's: the answer follows the server.
      t.clock.advance(86_400_000);
      const before = t.clock.now().getTime();
      const info = await t.client().get(`/api/join/${joinToken(t.parley.deps, customer.id, res.body.id)}`);
      expect(info.status, info.raw).toBe(200);
      const now = Date.parse(info.body.now);
      expect(now).toBeGreaterThanOrEqual(before);
      expect(now).toBeLessThanOrEqual(t.clock.now().getTime());
      expect(now - Date.now()).toBeGreaterThan(86_000_000);
      expect(info.body.call.timeZone).toBe('Europe/Vienna');
      expect(JOIN_OPENS_MINUTES_BEFORE).toBe(30);
      expect(Date.parse(info.body.call.startsAt) - Date.parse(info.body.call.joinOpensAt)).toBe(30 * 60_000);
      expect(Date.parse(info.body.call.startsAt)).toBe(startsAt.getTime());
    });
  });
}
