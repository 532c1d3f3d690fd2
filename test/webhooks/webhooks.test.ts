import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/jobs/job-runner.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { emitWebhook } from '../../src/webhooks/emit-webhook.ts';
import { signWebhook, verifyWebhookSignature } from '../../src/webhooks/signature.ts';
import { dialects } from '../support/dialects.ts';
import { createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { receiveRequest } from '../../src/subject-rights/requests.ts';

/** A receiver as an organisation would run one: it checks each delivery with the secret it was given. */
interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly verified: boolean;
}
class Receiver {
  readonly received: Received[] = [];
  /** Statuses to answer with, in order; 200 once they run out. */
  answers: number[] = [];
  secret = '';
  now: () => Date = () => new Date();
  #server: Server;
  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const check = verifyWebhookSignature({
          secret: this.secret,
          body,
          timestamp: req.headers['parley-timestamp'] as string | undefined,
          signature: req.headers['parley-signature'] as string | undefined,
          now: this.now(),
        });
        this.received.push({ headers: req.headers, body, verified: check.ok });
        res.statusCode = this.answers.shift() ?? 200;
        res.end('ok');
      });
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const CUSTOMER_NAME = 'Wilhelmina Webhookova';
const CUSTOMER_EMAIL = 'wilhelmina.webhookova@example.test';

for (const d of dialects) {
  describe.skipIf(!d.available)(`signed webhooks (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let receiver: Receiver;
    let url: string;
    let webhookId: string;
    let callTypeId: string;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'Hook Bank AG');
      receiver = new Receiver();
      receiver.now = () => t.clock.now();
      url = await receiver.start();
      const created = await admin.client.post('/api/webhooks', {
        url,
        description: 'CRM sync',
        events: ['call.scheduled', 'call.cancelled', 'subject.restricted', 'subject.erased', 'rights_request.completed'],
      });
      expect(created.status, created.raw).toBe(201);
      receiver.secret = created.body.secret;
      webhookId = created.body.webhook.id;
      const ct = await admin.client.post('/api/call-types', { name: 'Advice', purposes: [{ purpose: 'call_delivery', basis: 'contract' }] });
      callTypeId = ct.body.id;
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });
    beforeEach(() => {
      receiver.received.length = 0;
      receiver.answers = [];
    });

    const scheduleCall = () =>
      admin.client.post('/api/calls', {
        callTypeId,
        startsAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString(),
        durationMinutes: 30,
        customer: { displayName: CUSTOMER_NAME, email: CUSTOMER_EMAIL },
      });
    /** A request as the customer would make it, verified (the code step is not what this tests). */
    const openRequest = async (type: 'erasure' | 'restriction', subjectId: string) => {
      const r = await receiveRequest(t.parley.deps, admin.orgId as OrgId, { type, email: CUSTOMER_EMAIL, details: `Please, ${CUSTOMER_NAME}`, locale: 'en' });
      await t.parley.deps.db.updateTable('rights_requests').set({ status: 'open', subject_id: subjectId, verified_at: t.clock.now().toISOString() }).where('id', '=', r.requestId).execute();
      return r.requestId;
    };
    const deliveries = async () => (await admin.client.get(`/api/webhooks/${webhookId}/deliveries`)).body.deliveries;

    it('gives the secret once: 32 random bytes, never in GET', async () => {
      expect(receiver.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const list = await admin.client.get('/api/webhooks');
      expect(list.status).toBe(200);
      expect(list.body.webhooks).toHaveLength(1);
      expect(list.body.webhooks[0]).toMatchObject({ id: webhookId, url, enabled: true, description: 'CRM sync' });
      expect(list.raw).not.toContain(receiver.secret);
      const row = await t.parley.deps.db.selectFrom('webhook_endpoints').select('secret_sealed').where('id', '=', webhookId).executeTakeFirstOrThrow();
      expect(row.secret_sealed).not.toContain(receiver.secret);
    });

    it('accepts https and loopback http, refuses plain http elsewhere, credentials and overlong addresses (400)', async () => {
      const post = (u: string) => admin.client.post('/api/webhooks', { url: u, events: ['call.ended'] });
      const refused = await post('http://example.com/hook');
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/https only/);
      expect((await post('https://user:pw@example.com/hook')).body.error.message).toMatch(/user name or password/);
      expect((await post(`https://example.com/${'a'.repeat(2000)}`)).status).toBe(400);
      expect((await post('ftp://example.com/hook')).status).toBe(400);
      expect((await admin.client.post('/api/webhooks', { url: 'https://crm.example.com/hook', events: ['not.an.event'] })).status).toBe(400);
      for (const ok of ['https://crm.example.com/parley', 'http://127.0.0.1:9/hook', 'http://localhost:9/x', 'http://[::1]:9/x']) {
        const res = await post(ok);
        expect(res.status, `${ok}: ${res.raw}`).toBe(201);
        // Not part of what the rest of this suite receives.
        expect((await admin.client.delete(`/api/webhooks/${res.body.webhook.id}`)).status).toBe(200);
      }
    });

    it('refuses an address on a private, local or reserved network (SSRF), and says how to reach a local receiver', async () => {
      const post = (u: string) => admin.client.post('/api/webhooks', { url: u, events: ['call.ended'] });
      for (const internal of [
        'https://169.254.169.254/latest/meta-data',
        'https://10.0.0.5/hook',
        'https://192.168.1.20/hook',
        'https://127.0.0.2/hook',
        'https://[fd00::1]/hook',
        'https://[::ffff:10.1.2.3]/hook',
        'https://0.0.0.0/hook',
      ]) {
        const res = await post(internal);
        expect(res.status, internal).toBe(400);
        expect(res.body.error.message, internal).toMatch(/public addresses only/);
        expect(res.body.error.details).toMatchObject([{ path: ['url'] }]);
      }
      expect((await admin.client.get('/api/webhooks')).body.webhooks.map((w: { url: string }) => w.url)).not.toContain('https://10.0.0.5/hook');
    });

    it('does not deliver to a literal internal address registered before the rule: the attempt is recorded as blocked', async () => {
      const created = await admin.client.post('/api/webhooks', { url: 'https://crm.example.com/hook', events: ['call.ended'] });
      expect(created.status, created.raw).toBe(201);
      const id = created.body.webhook.id;
      await t.parley.deps.db.updateTable('webhook_endpoints').set({ url: 'https://169.254.169.254/latest' }).where('id', '=', id).execute();
      const test = await admin.client.post(`/api/webhooks/${id}/test`);
      expect(test.status, test.raw).toBeLessThan(300);
      await t.parley.jobs.runDue();
      const deliveries = await admin.client.get(`/api/webhooks/${id}/deliveries`);
      expect(deliveries.body.deliveries[0]).toMatchObject({ lastError: 'blocked_address', lastStatus: null });
      expect((await admin.client.delete(`/api/webhooks/${id}`)).status).toBe(200);
    });

    it('delivers a scheduled call signed, retries after a 500 with backoff, and then marks it delivered', async () => {
      receiver.answers = [500];
      const call = await scheduleCall();
      expect(call.status, call.raw).toBe(201);
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(1);
      let [first] = await deliveries();
      expect(first).toMatchObject({ eventType: 'call.scheduled', status: 'pending', attempts: 1, lastStatus: 500, lastError: 'http_500' });
      expect(first.nextAttemptAt).not.toBeNull();
      expect(first).not.toHaveProperty('payload');

      // Not yet due: nothing is sent again.
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(1);
      t.clock.advance(backoffMs(1) + 1000);
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(2);
      [first] = await deliveries();
      expect(first).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200, lastError: null, nextAttemptAt: null });
      expect(first.attemptLog.map((a: { status: number }) => a.status)).toEqual([500, 200]);

      for (const r of receiver.received) {
        expect(r.verified).toBe(true);
        expect(r.headers['parley-event']).toBe('call.scheduled');
        expect(r.headers['parley-webhook-id']).toBe(first.id);
        expect(r.headers['parley-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
        expect(r.headers['content-type']).toBe('application/json');
      }
      // The same body each time; a fresh timestamp and signature per attempt.
      expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body);
      expect(receiver.received[0]!.headers['parley-timestamp']).not.toBe(receiver.received[1]!.headers['parley-timestamp']);
      const body = JSON.parse(receiver.received[1]!.body);
      const subjectId = call.body.participants.find((p: { kind: string }) => p.kind === 'customer').subjectId;
      expect(body).toMatchObject({ type: 'call.scheduled', organisationId: admin.orgId, data: { callId: call.body.id, callTypeId, subjectId } });
      expect(body.id).toMatch(/^whe_/);
    });

    it('passes a restriction and an erasure from the rights-request API on, with ids and counts but no name or email (G21)', async () => {
      const call = await scheduleCall();
      const subjectId = call.body.participants.find((p: { kind: string }) => p.kind === 'customer').subjectId;
      const restriction = await openRequest('restriction', subjectId);
      expect((await admin.client.post(`/api/rights-requests/${restriction}/restrict`, {})).status).toBe(200);
      await t.parley.jobs.runDue();
      const restricted = receiver.received.map((r) => JSON.parse(r.body));
      expect(restricted.find((b) => b.type === 'subject.restricted')?.data).toEqual({ subjectId, requestId: restriction });
      expect(restricted.find((b) => b.type === 'rights_request.completed')?.data).toEqual({ requestId: restriction, requestType: 'restriction', action: 'restricted', subjectId });
      // Lift it again, so the erasure can go ahead (lift is not subscribed: nothing sent for it).
      const lift = await admin.client.post(`/api/rights-requests/${restriction}/lift-restriction`, { noticeText: 'We lift the restriction.' });
      expect(lift.status, lift.raw).toBe(200);

      const erasure = await openRequest('erasure', subjectId);
      const erased = await admin.client.post(`/api/rights-requests/${erasure}/erase`, {});
      expect(erased.status, erased.raw).toBe(200);
      await t.parley.jobs.runDue();
      const bodies = receiver.received.map((r) => JSON.parse(r.body));
      const subjectErased = bodies.find((b) => b.type === 'subject.erased');
      expect(subjectErased.data.subjectId).toBe(subjectId);
      expect(subjectErased.data.requestId).toBe(erasure);
      expect(subjectErased.data.erased).toEqual(expect.arrayContaining([expect.objectContaining({ category: 'participants', count: expect.any(Number) })]));
      expect(bodies.map((b) => b.type)).not.toContain('subject.restriction_lifted');
      expect(receiver.received.every((r) => r.verified)).toBe(true);

      const stored = await t.parley.deps.db.selectFrom('webhook_deliveries').select('payload').where('org_id', '=', admin.orgId).execute();
      for (const text of [...receiver.received.map((r) => r.body), ...stored.map((s) => s.payload)]) {
        expect(text).not.toContain(CUSTOMER_NAME);
        expect(text).not.toContain(CUSTOMER_EMAIL);
        expect(text).not.toContain('Webhookova');
      }
    });

    it('sends nothing for a change that rolls back', async () => {
      const before = (await deliveries()).length;
      await expect(
        t.parley.deps.db.transaction().execute(async (tx) => {
          const n = await emitWebhook(tx, t.parley.deps, admin.orgId as OrgId, { type: 'call.cancelled', data: { callId: 'call_0000000000000000000000000' } });
          expect(n).toBe(1);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(0);
      expect(await deliveries()).toHaveLength(before);
    });

    it('sends only subscribed events, to enabled endpoints, and a test event on demand', async () => {
      const patched = await admin.client.patch(`/api/webhooks/${webhookId}`, { enabled: false });
      expect(patched.body.enabled).toBe(false);
      await scheduleCall();
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(0);
      await admin.client.patch(`/api/webhooks/${webhookId}`, { enabled: true, events: ['subject.erased'] });
      await scheduleCall();
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(0);

      const test = await admin.client.post(`/api/webhooks/${webhookId}/test`);
      expect(test.status, test.raw).toBe(202);
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.verified).toBe(true);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'webhook.test', data: { webhookId } });
      const events = (await admin.client.get('/api/audit-events?limit=500')).body.events.map((e: { type: string }) => e.type);
      expect(events).toEqual(expect.arrayContaining(['webhook.created', 'webhook.updated', 'webhook.test_sent']));
    });

    it('signs with the new secret after a rotation; the old one no longer verifies', async () => {
      const old = receiver.secret;
      const rotated = await admin.client.post(`/api/webhooks/${webhookId}/rotate-secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).not.toBe(old);
      receiver.secret = old;
      await admin.client.post(`/api/webhooks/${webhookId}/test`);
      await t.parley.jobs.runDue();
      expect(receiver.received[0]!.verified).toBe(false);
      const r = receiver.received[0]!;
      const check = verifyWebhookSignature({ secret: rotated.body.secret, body: r.body, timestamp: r.headers['parley-timestamp'] as string, signature: r.headers['parley-signature'] as string, now: t.clock.now() });
      expect(check.ok).toBe(true);
      receiver.secret = rotated.body.secret;
    });

    it('gives up after the last attempt and marks the delivery failed', async () => {
      receiver.answers = Array.from({ length: 20 }, () => 503);
      await admin.client.post(`/api/webhooks/${webhookId}/test`);
      for (let attempt = 1; attempt <= 8; attempt++) {
        await t.parley.jobs.runDue();
        t.clock.advance(backoffMs(attempt) + 1000);
      }
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(8);
      const [latest] = await deliveries();
      expect(latest).toMatchObject({ status: 'failed', attempts: 8, lastStatus: 503, nextAttemptAt: null });
      expect(latest.attemptLog).toHaveLength(8);
    });

    it('deletes an endpoint with its deliveries', async () => {
      await admin.client.post(`/api/webhooks/${webhookId}/test`);
      expect((await admin.client.delete(`/api/webhooks/${webhookId}`)).status).toBe(200);
      expect((await admin.client.get('/api/webhooks')).body.webhooks).toEqual([]);
      expect((await admin.client.get(`/api/webhooks/${webhookId}/deliveries`)).status).toBe(404);
      await t.parley.jobs.runDue();
      expect(receiver.received).toHaveLength(0);
    });
    it('deletes deliveries 30 days after they were queued', async () => {
      const again = await admin.client.post('/api/webhooks', { url, events: ['call.scheduled'] });
      receiver.secret = again.body.secret;
      await scheduleCall();
      await admin.client.post(`/api/webhooks/${again.body.webhook.id}/test`);
      await t.parley.jobs.runDue();
      expect(receiver.received.filter((r) => r.verified)).toHaveLength(2);
      const count = async () => (await t.parley.deps.db.selectFrom('webhook_deliveries').select('id').where('org_id', '=', admin.orgId).execute()).length;
      expect(await count()).toBe(2);
      t.clock.advance(29 * 86_400_000);
      await t.parley.jobs.runDue();
      expect(await count()).toBe(2);
      t.clock.advance(2 * 86_400_000);
      await t.parley.jobs.runDue();
      expect(await count()).toBe(0);
      const pending = await t.parley.deps.db.selectFrom('jobs').select('id').where('kind', '=', 'webhook.prune').where('state', '=', 'pending').execute();
      expect(pending).toHaveLength(0);
    });

  });
}

describe('verifyWebhookSignature (what receivers run)', () => {
  const secret = 'whsec_test';
  const body = JSON.stringify({ id: 'whe_x', type: 'webhook.test', data: {} });
  const now = new Date('2026-03-01T12:00:00Z');
  const ts = Math.floor(now.getTime() / 1000);

  it('accepts the untouched body and refuses a tampered one, a wrong secret, an old timestamp and missing headers', () => {
    const signature = signWebhook(secret, ts, body);
    expect(verifyWebhookSignature({ secret, body, timestamp: String(ts), signature, now })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret, body: body.replace('webhook.test', 'subject.erased'), timestamp: String(ts), signature, now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhookSignature({ secret: 'whsec_other', body, timestamp: String(ts), signature, now }).ok).toBe(false);
    // The timestamp is signed: moving it forward breaks the signature; leaving it makes the request too old.
    expect(verifyWebhookSignature({ secret, body, timestamp: String(ts + 1), signature, now }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: String(ts), signature, now: new Date(now.getTime() + 301_000) })).toEqual({ ok: false, reason: 'too_old' });
    expect(verifyWebhookSignature({ secret, body, timestamp: undefined, signature, now })).toEqual({ ok: false, reason: 'missing_header' });
    expect(verifyWebhookSignature({ secret, body, timestamp: 'soon', signature, now })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });
});
