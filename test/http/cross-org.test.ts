import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMediaLink } from '../../src/recording/media-links.ts';
import type { UserId } from '../../src/shared/ids.ts';
import { dialects } from '../support/dialects.ts';
import { insertRecording, insertTrack } from '../support/recording-fixtures.ts';
import { addUser, createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

/**
 * STYLE 11: every endpoint, called with another organisation's credentials, answers 404 for the first
 * organisation's objects — and list endpoints never show them. The test walks the app's route table, so a
 * new route without an entry below fails here until someone decides how to call it.
 */

// A valid body for each write that takes an id: validation must pass so the ownership check is what answers.
const bodies: Record<string, unknown> = {
  'PATCH /api/users/:userId': { displayName: 'Renamed' },
  'POST /api/users/:userId/setup-link': {},
  'POST /api/users/:userId/totp-reset': {},
  'POST /api/users/:userId/training': { course: 'GDPR basics', completedOn: '2026-01-15' },
  'DELETE /api/api-tokens/:tokenId': undefined,
  'GET /api/users/:userId': undefined,
  'GET /api/users/:userId/training': undefined,
  'GET /api/call-types/:callTypeId': undefined,
  'PATCH /api/call-types/:callTypeId': { name: 'Renamed' },
  'POST /api/call-types/:callTypeId/archive': {},
  'GET /api/call-types/:callTypeId/notice': undefined,
  'GET /api/notices/:noticeId': undefined,
  'PATCH /api/notices/:noticeId': { texts: { en: { recipients: 'Someone else' } } },
  'POST /api/notices/:noticeId/publish': {},
  'GET /api/calls/:callId': undefined,
  'PATCH /api/calls/:callId': { durationMinutes: 45 },
  'POST /api/calls/:callId/guests': { displayName: 'Someone else', email: 'someone.else@example.test' },
  'POST /api/calls/:callId/cancel': {},
  'GET /api/calls/:callId/attendance': undefined,
  'GET /api/outbox/:mailId': undefined,
  'POST /api/outbox/:mailId/retry': {},
  'GET /api/subjects/:subjectId/consents': undefined,
  'GET /api/recordings/:recordingId': undefined,
  'POST /api/recordings/:recordingId/tracks/:trackId/links': { purpose: 'play' },
  'GET /api/recording-media/:token': undefined,
  'GET /api/recording-keys/:keyId/sealed': undefined,
  'GET /api/e2ee-tracks/:trackId': undefined,
  'PUT /api/e2ee-tracks/:trackId/envelope': { v: 1, keyId: 'rkey_0000000000000000000000000', epk: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) } },
  'PUT /api/e2ee-tracks/:trackId/chunks/:index': undefined,
  'DELETE /api/recordings/:recordingId': undefined,
  'POST /api/recordings/:recordingId/retention-extension': { reference: 'BaFin WA 12-345', years: 7 },
  'POST /api/legal-holds/:holdId/release': {},
  'GET /api/rights-requests/:requestId': undefined,
  'POST /api/rights-requests/:requestId/export': {},
  'POST /api/rights-requests/:requestId/erase': {},
  'GET /api/rights-requests/:requestId/erasure-preview': undefined,
  'POST /api/rights-requests/:requestId/restrict': {},
  'POST /api/rights-requests/:requestId/lift-restriction': { noticeText: 'We lift the restriction.' },
  'POST /api/rights-requests/:requestId/complete': { note: 'Done.' },
  'POST /api/rights-requests/:requestId/extend': { months: 1, reasons: 'Busy.' },
  'POST /api/rights-requests/:requestId/refuse': { reasons: 'No.' },
  'PATCH /api/webhooks/:webhookId': { description: 'Taken over' },
  'DELETE /api/webhooks/:webhookId': undefined,
  'POST /api/webhooks/:webhookId/rotate-secret': {},
  'POST /api/webhooks/:webhookId/test': {},
  'GET /api/webhooks/:webhookId/deliveries': undefined,
  'PATCH /api/sub-processors/:subProcessorId': { name: 'Taken over' },
  'DELETE /api/sub-processors/:subProcessorId': undefined,
  'GET /api/breaches/:breachId': undefined,
  'PATCH /api/breaches/:breachId': { measures: 'Taken over' },
  'POST /api/breaches/:breachId/updates': { text: 'Taken over' },
};

/** Routes whose 404 carries a more specific code than NOT_FOUND. */
const notFoundCodes: Record<string, string> = {
  // A recording link of another organisation is as unknown as a forged one.
  'GET /api/recording-media/:token': 'LINK_INVALID',
};

for (const d of dialects) {
  describe.skipIf(!d.available)(`cross-organisation isolation (${d.name})`, () => {
    let t: TestParley;
    let a: SignedIn;
    let b: SignedIn;
    let ids: Record<string, string>;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      a = await createOrgWithAdmin(t, 'Org A Bank');
      b = await createOrgWithAdmin(t, 'Org B Clinic');
      const agentA = await addUser(t, a, 'agent');
      const token = await a.client.post('/api/api-tokens', { name: 'crm', role: 'agent' });
      await a.client.post(`/api/users/${agentA.userId}/training`, { course: 'GDPR', completedOn: '2026-01-01' });
      const callType = await a.client.post('/api/call-types', { name: 'Org A mortgage advice', purposes: [{ purpose: 'call_delivery', basis: 'contract' }] });
      const notice = await a.client.post('/api/notices', { texts: { en: { recipients: 'Org A processors' } } });
      const call = await a.client.post('/api/calls', {
        callTypeId: callType.body.id,
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        durationMinutes: 30,
        customer: { displayName: 'Org A Customer', email: 'customer-of-a@example.test' },
      });
      await t.parley.jobs.runDue();
      const mail = await t.parley.deps.db.selectFrom('mail_outbox').select('id').where('org_id', '=', a.orgId).executeTakeFirstOrThrow();
      const participants = call.body.participants as { id: string; kind: string; subjectId: string | null }[];
      const customer = participants.find((p) => p.kind === 'customer')!;
      const fixtureCall = {
        callId: call.body.id,
        agentParticipantId: participants.find((p) => p.kind === 'agent')!.id,
        customerParticipantId: customer.id,
        subjectId: customer.subjectId!,
      };
      const recordingId = await insertRecording(t.parley.deps, a.orgId, call.body.id);
      const track = await insertTrack(t.parley.deps, a.orgId, recordingId, fixtureCall, Buffer.from('Org A recording'));
      // A valid link of organisation A's admin: organisation B must not be able to tell it from a forged one.
      const mediaToken = signMediaLink(t.parley.deps.keys, {
        trackId: track.trackId,
        orgId: a.orgId,
        userId: a.userId as UserId,
        purpose: 'play',
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      const rightsRequest = await t.client().post(`/api/public/organisations/${a.orgId}/rights-requests`, { type: 'access', email: 'customer-of-a@example.test' });
      expect(rightsRequest.status, rightsRequest.raw).toBe(202);
      const hold = await a.client.post('/api/legal-holds', {
        scope: 'call',
        targetId: call.body.id,
        reference: 'Org A case 1',
        reason: 'Litigation',
        endsOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      });
      expect(hold.status, hold.raw).toBe(201);
      const webhook = await a.client.post('/api/webhooks', { url: 'https://crm.org-a.example/parley-hooks', description: 'Org A CRM', events: ['call.scheduled'] });
      expect(webhook.status, webhook.raw).toBe(201);
      const breach = await a.client.post('/api/breaches', {
        awareAt: new Date(Date.now() - 3_600_000).toISOString(),
        types: ['confidentiality'],
        dataCategories: 'Org A customer emails',
        subjectCategories: 'Org A customers',
        consequences: 'Phishing',
        measures: 'Org A measures',
        contactPoint: 'Org A DPO',
      });
      expect(breach.status, breach.raw).toBe(201);
      // Organisation A's recording key (E2EE calls), stored as the DPO's browser would send it.
      const keyId = 'rkey_' + 'a'.repeat(25);
      await t.parley.deps.db
        .insertInto('recording_keys')
        .values({ id: keyId, org_id: a.orgId, public_jwk: '{}', fingerprint: 'x', sealed_private: '{}', created_by: null, created_at: new Date().toISOString(), retired_at: null })
        .execute();
      const subProcessor = await a.client.post('/api/sub-processors', { name: 'Org A Hosting', purpose: 'Hosting', location: 'Berlin', country: 'DE' });
      expect(subProcessor.status, subProcessor.raw).toBe(201);
      ids = {
        subProcessorId: subProcessor.body.id,
        breachId: breach.body.id,
        webhookId: webhook.body.webhook.id,
        holdId: hold.body.id,
        requestId: rightsRequest.body.requestId,
        userId: agentA.userId,
        tokenId: token.body.apiToken.id,
        callTypeId: callType.body.id,
        noticeId: notice.body.id,
        callId: call.body.id,
        mailId: mail.id,
        subjectId: call.body.participants.find((p: { kind: string }) => p.kind === 'customer').subjectId,
        recordingId,
        trackId: track.trackId,
        token: mediaToken,
        keyId,
        index: '0',
      };
    });
    afterAll(async () => t?.close());

    it('answers 404 to another organisation for every endpoint that takes an id', async () => {
      // Public routes with a parameter (the customer's join link) are authorised by the link itself, not by an
      // organisation's credentials; test/join covers them.
      // A generated document is named by its kind, not an id: each organisation gets its own (tested below).
      const withParams = t.parley.app.routeTable.filter((r) => r.url.includes(':') && r.access !== 'public' && r.url !== '/api/documents/:kind');
      expect(withParams.length).toBeGreaterThan(5);
      for (const route of withParams) {
        const key = `${route.method} ${route.url}`;
        expect(Object.keys(bodies), `add a body for ${key} to this test`).toContain(key);
        const url = route.url.replace(/:(\w+)/g, (_, name: string) => {
          const id = ids[name];
          if (!id) throw new Error(`no foreign id for :${name} (${key}); add one to this test`);
          return id;
        });
        const res = await b.client.request(route.method as 'GET', url, bodies[key]);
        expect(res.status, `${key} as another organisation: ${res.raw}`).toBe(404);
        expect(res.body.error.code).toBe(notFoundCodes[key] ?? 'NOT_FOUND');
      }
      // And nothing changed for organisation A.
      const user = await a.client.get(`/api/users/${ids.userId}`);
      expect(user.body.displayName).toBe('Test agent');
      expect((await a.client.get('/api/api-tokens')).body.apiTokens[0].revokedAt).toBeNull();
      const callType = await a.client.get(`/api/call-types/${ids.callTypeId}`);
      expect(callType.body).toMatchObject({ name: 'Org A mortgage advice', version: 1, archivedAt: null });
      expect((await a.client.get(`/api/calls/${ids.callId}`)).body).toMatchObject({ status: 'scheduled', durationMinutes: 30 });
      const notice = await a.client.get(`/api/notices/${ids.noticeId}`);
      expect(notice.body).toMatchObject({ status: 'draft', texts: { en: { recipients: 'Org A processors' } } });
      const [webhook] = (await a.client.get('/api/webhooks')).body.webhooks;
      expect(webhook).toMatchObject({ id: ids.webhookId, description: 'Org A CRM', secretRotatedAt: null });
      expect((await a.client.get(`/api/breaches/${ids.breachId}`)).body).toMatchObject({ measures: 'Org A measures', updates: [] });
      expect((await a.client.get('/api/sub-processors')).body.subProcessors).toMatchObject([{ id: ids.subProcessorId, name: 'Org A Hosting' }]);
    });

    it('generates each document from the caller\'s organisation only', async () => {
      for (const kind of ['dpa', 'dpia', 'ropa', 'sub-processors', 'policy-snippet']) {
        for (const format of ['html', 'md']) {
          const res = await b.client.get(`/api/documents/${kind}?format=${format}`);
          expect(res.status, `${kind} ${format}: ${res.raw}`).toBe(200);
          expect(res.raw).toContain('Org B Clinic');
          for (const s of ['Org A Bank', 'Org A mortgage advice', 'Org A Hosting', a.orgId, ids.callTypeId!]) expect(res.raw, `${kind} leaks ${s}`).not.toContain(s);
        }
      }
    });

    it('binds an access-export download link to its organisation: the same export id under another organisation is unknown (404)', async () => {
      const { insertRequest } = await import('../subject-rights/seed-subjects.ts');
      const { createAccessExport } = await import('../../src/subject-rights/access-export.ts');
      const { exportDownloadToken } = await import('../../src/subject-rights/codes.ts');
      const deps = t.parley.deps;
      const requestId = await insertRequest(deps, a.orgId, ids.subjectId!);
      const { exportId } = await createAccessExport(deps, a.orgId, requestId, ids.subjectId!);
      const get = (orgId: string) =>
        t.parley.app.inject({ method: 'GET', url: `/api/public/exports/${exportId}?token=${encodeURIComponent(exportDownloadToken(deps, orgId, exportId).token)}` });
      const foreign = await get(b.orgId);
      expect(foreign.statusCode).toBe(404);
      expect(JSON.parse(foreign.body).error.code).toBe('EXPORT_LINK_INVALID');
      expect((await get(a.orgId)).statusCode).toBe(200);
    });

    it('never lists another organisation\'s objects', async () => {
      const lists = t.parley.app.routeTable.filter((r) => r.method === 'GET' && r.url.startsWith('/api/') && !r.url.includes(':'));
      const secretsOfA = [
        a.orgId,
        a.userId,
        // Every id but the chunk index (a number, not an object of organisation A).
        ...Object.entries(ids).filter(([name]) => name !== 'index').map(([, id]) => id),
        a.email,
        'Org A Bank',
        'Org A mortgage advice',
        'Org A processors',
        'Org A Customer',
        'customer-of-a@example.test',
        'crm.org-a.example',
        'Org A Hosting',
        'Org A customer emails',
      ];
      for (const route of lists) {
        const res = await b.client.get(route.url);
        expect(res.status, route.url).toBeLessThan(500);
        for (const s of secretsOfA) expect(res.raw, `${route.url} leaks ${s}`).not.toContain(s);
      }
    });

    it('does not let another organisation\'s API token in', async () => {
      const created = await b.client.post('/api/api-tokens', { name: 'b-admin', role: 'admin' });
      const apiB = t.client();
      apiB.bearer = created.body.token;
      expect((await apiB.get(`/api/users/${ids.userId}`)).status).toBe(404);
      expect((await apiB.request('DELETE', `/api/api-tokens/${ids.tokenId}`)).status).toBe(404);
      expect((await apiB.get(`/api/recordings/${ids.recordingId}`)).status).toBe(404);
      expect((await apiB.post(`/api/recordings/${ids.recordingId}/tracks/${ids.trackId}/links`, { purpose: 'download' })).status).toBe(404);
      expect((await apiB.delete(`/api/recordings/${ids.recordingId}`)).status).toBe(404);
      expect((await apiB.post(`/api/legal-holds/${ids.holdId}/release`)).status).toBe(404);
      // Nor can a hold be placed on another organisation's call, subject or recording.
      const endsOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      for (const [scope, targetId] of [['call', ids.callId], ['subject', ids.subjectId], ['recording', ids.recordingId]]) {
        const res = await apiB.post('/api/legal-holds', { scope, targetId, reference: 'B', reason: 'B', endsOn });
        expect(res.status, `${scope}: ${res.raw}`).toBe(404);
      }
      // Organisation A's recording and hold are untouched.
      expect((await a.client.get('/api/legal-holds?active=true')).body.legalHolds.map((h: { id: string }) => h.id)).toContain(ids.holdId);
      expect((await a.client.get(`/api/recordings/${ids.recordingId}`)).status).toBe(200);
      const users = await apiB.get('/api/users');
      expect(users.raw).not.toContain(ids.userId);
    });
  });
}
