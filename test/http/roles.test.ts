import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/accounts/roles.ts';
import { dialects } from '../support/dialects.ts';
import { insertRecording, insertTrack } from '../support/recording-fixtures.ts';
import { MIN_SEAL_ITERATIONS } from '../../src/recording/recording-keys.ts';
import { createRecordingKeyPair } from '../../web/customer/call/e2ee/recording-crypto.ts';
import { addUser, createOrgWithAdmin, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';

/**
 * The permission matrix (G46, least privilege). Each row is an endpoint with a valid request, and the roles
 * allowed to make it; every other role must get 403. A route missing from the matrix fails the test.
 */
type Row = {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  allowed: Role[];
  /**
   * What a role outside `allowed` gets: 403 FORBIDDEN, 404 where the object exists but is not theirs to see, or 403
   * with the code given here where the route lets the role in and a rule of the organisation refuses it.
   */
  denied?: Partial<Record<Role, 404 | string>>;
};

for (const d of dialects) {
  describe.skipIf(!d.available)(`role checks (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    const clients = {} as Record<Role, ApiClient>;
    let target: string;
    // Call types and notice versions to act on; each role that may publish gets its own draft, created in the order
    // the roles run below, so each publishes a newer version than the last.
    let callType: string;
    let archivable: string;
    let published: string;
    const drafts = {} as Record<Role, string>;
    let callId: string;
    let subjectId: string;
    let mailId: string;
    let recordingId: string;
    let trackId: string;
    /** Per role that may act: a consent recording to erase, a legal-obligation one to extend, a hold to release. */
    const retention = {} as Record<Role, { erasable: string; legal: string; hold: string }>;
    /** Open (verified) rights requests of each type, one set per role that may act on them. */
    /** Per role that may act: a webhook endpoint to change, test, rotate and finally delete. */
    const hooks = {} as Record<Role, string>;
    /** Per role that may act: a sub-processor to change and finally delete. */
    const subProcessors = {} as Record<Role, string>;
    /** A breach in the register to read, edit and follow up. */
    let breachId: string;
    let recordingKey: Awaited<ReturnType<typeof createRecordingKeyPair>>;
    let recordingKeyId: string;
    const rr = {} as Record<Role, Record<'access' | 'erasure' | 'restriction' | 'objection' | 'extend' | 'refuse', string>>;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t);
      clients.admin = admin.client;
      clients.dpo = (await addUser(t, admin, 'dpo')).client;
      clients.agent = (await addUser(t, admin, 'agent')).client;
      target = (await addUser(t, admin, 'agent')).userId;
      await admin.client.patch('/api/organisation', {
        address: 'Hauptstr. 1, Berlin',
        contactEmail: 'privacy@bank.example',
        dpoName: 'D. Schutz',
        dpoEmail: 'dpo@bank.example',
        supervisoryAuthority: 'BlnBDI',
      });
      const purposes = [{ purpose: 'call_delivery', basis: 'contract' }];
      callType = (await admin.client.post('/api/call-types', { name: 'Advice', purposes })).body.id;
      archivable = (await admin.client.post('/api/call-types', { name: 'Old advice', purposes })).body.id;
      const texts = (n: string) => ({ en: { recipients: `Processor ${n}`, transfers: 'None' }, de: { recipients: `Auftragsverarbeiter ${n}`, transfers: 'Keine' } });
      published = (await admin.client.post('/api/notices', { texts: texts('1') })).body.id;
      expect((await admin.client.post(`/api/notices/${published}/publish`)).status).toBe(200);
      drafts.dpo = (await admin.client.post('/api/notices', { texts: texts('2') })).body.id;
      drafts.admin = (await admin.client.post('/api/notices', { texts: texts('3') })).body.id;
      drafts.agent = drafts.dpo;
      const call = await admin.client.post('/api/calls', {
        callTypeId: callType,
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        durationMinutes: 30,
        customer: { displayName: 'Role Test Customer', email: 'role-test@example.test' },
      });
      callId = call.body.id;
      subjectId = call.body.participants.find((p: { kind: string }) => p.kind === 'customer').subjectId;
      await t.parley.jobs.runDue();
      mailId = (await t.parley.deps.db.selectFrom('mail_outbox').select('id').executeTakeFirstOrThrow()).id;
      // A recording of the admin's call, and a GDPR training for the DPO (playback needs one, G22).
      const participants = call.body.participants as { id: string; kind: string; subjectId: string | null }[];
      const customer = participants.find((p) => p.kind === 'customer')!;
      const fixtureCall = { callId, agentParticipantId: participants.find((p) => p.kind === 'agent')!.id, customerParticipantId: customer.id, subjectId: customer.subjectId! };
      recordingId = await insertRecording(t.parley.deps, admin.orgId, callId);
      trackId = (await insertTrack(t.parley.deps, admin.orgId, recordingId, fixtureCall, Buffer.from('recorded'))).trackId;
      const dpoId = (await t.parley.deps.db.selectFrom('users').select('id').where('org_id', '=', admin.orgId).where('role', '=', 'dpo').executeTakeFirstOrThrow()).id;
      expect((await admin.client.post(`/api/users/${dpoId}/training`, { course: 'GDPR', completedOn: new Date().toISOString().slice(0, 10) })).status).toBe(201);
    });
    afterAll(async () => t?.close());

    beforeAll(async () => {
      const deps = t.parley.deps;
      const endsOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      for (const role of ['dpo', 'admin'] as const) {
        const legal = await insertRecording(deps, admin.orgId, callId, { mode: 'legal_obligation' });
        const hold = await admin.client.post('/api/legal-holds', { scope: 'recording', targetId: legal, reference: `Case ${role}`, reason: 'Litigation', endsOn });
        expect(hold.status, hold.raw).toBe(201);
        retention[role] = { erasable: await insertRecording(deps, admin.orgId, callId), legal, hold: hold.body.id };
      }
      retention.agent = retention.dpo;
    });

    beforeAll(async () => {
      const { receiveRequest } = await import('../../src/subject-rights/requests.ts');
      const open = async (type: 'access' | 'erasure' | 'restriction' | 'objection') => {
        const r = await receiveRequest(t.parley.deps, admin.orgId, { type, email: `rr.${Math.random()}@example.test`, details: 'x', locale: 'en' });
        await t.parley.deps.db.updateTable('rights_requests').set({ status: 'open', verified_at: new Date().toISOString() }).where('id', '=', r.requestId).execute();
        return r.requestId;
      };
      for (const role of ['dpo', 'admin'] as const) {
        rr[role] = { access: await open('access'), erasure: await open('erasure'), restriction: await open('restriction'), objection: await open('objection'), extend: await open('access'), refuse: await open('access') };
      }
      rr.agent = rr.dpo;
    });

    beforeAll(async () => {
      for (const role of ['dpo', 'admin'] as const) {
        const created = await admin.client.post('/api/webhooks', { url: `https://crm.example.com/hooks/${role}`, events: ['subject.erased'] });
        expect(created.status, created.raw).toBe(201);
        hooks[role] = created.body.webhook.id;
      }
      hooks.agent = hooks.dpo;
      for (const role of ['dpo', 'admin'] as const) {
        const created = await admin.client.post('/api/sub-processors', { name: `Hosting ${role}`, purpose: 'Hosting', location: 'Frankfurt', country: 'DE' });
        expect(created.status, created.raw).toBe(201);
        subProcessors[role] = created.body.id;
      }
      subProcessors.agent = subProcessors.dpo;
    });

    beforeAll(async () => {
      const breach = await admin.client.post('/api/breaches', {
        awareAt: new Date(Date.now() - 3_600_000).toISOString(),
        types: ['availability'],
        dataCategories: 'Call metadata',
        subjectCategories: 'Customers',
        consequences: 'None likely',
        measures: 'Restored from backup',
        contactPoint: 'The DPO',
      });
      expect(breach.status, breach.raw).toBe(201);
      breachId = breach.body.id;
      // A recording key for E2EE calls, made as the DPO's browser does (and one more for the matrix to create).
      recordingKey = await createRecordingKeyPair('a passphrase long enough', MIN_SEAL_ITERATIONS);
      const created = await clients.dpo.post('/api/recording-keys', { publicKey: recordingKey.publicKey, sealed: recordingKey.sealed, fingerprint: recordingKey.fingerprint });
      expect(created.status, created.raw).toBe(201);
      recordingKeyId = created.body.key.id;
    });

    const matrix = (role: Role = 'admin'): Row[] => [
      { method: 'GET', url: '/api/organisation', allowed: ['admin', 'dpo', 'agent'] },
      { method: 'PATCH', url: '/api/organisation', body: { address: 'Hauptstr. 1, Berlin' }, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/organisation/processor', allowed: ['admin', 'dpo'] },
      { method: 'PATCH', url: '/api/organisation/processor', body: { name: 'Hosting GmbH' }, allowed: ['admin', 'dpo'] },
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
      { method: 'GET', url: '/api/call-types', allowed: ['admin', 'dpo', 'agent'] },
      { method: 'GET', url: '/api/call-types/retention-presets', allowed: ['admin', 'dpo', 'agent'] },
      { method: 'POST', url: '/api/call-types', body: { name: 'New advice', purposes: [{ purpose: 'call_delivery', basis: 'contract' }] }, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: `/api/call-types/${callType}`, allowed: ['admin', 'dpo', 'agent'] },
      { method: 'PATCH', url: `/api/call-types/${callType}`, body: { lobbyEnabled: false }, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/call-types/${archivable}/archive`, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: `/api/call-types/${callType}/notice?locale=de`, allowed: ['admin', 'dpo', 'agent'] },
      { method: 'GET', url: '/api/notices', allowed: ['admin', 'dpo'] },
      { method: 'POST', url: '/api/notices', body: {}, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: `/api/notices/${published}`, allowed: ['admin', 'dpo'] },
      { method: 'PATCH', url: `/api/notices/${drafts[role]}`, body: { texts: { en: { additionalInformation: `Edited by ${role}` } } }, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/notices/${drafts[role]}/publish`, allowed: ['admin', 'dpo'] },
      {
        method: 'POST',
        url: '/api/calls',
        body: { callTypeId: callType, startsAt: new Date(Date.now() + 86_400_000).toISOString(), durationMinutes: 30, customer: { displayName: 'C', email: 'c@example.test' }, agentId: target },
        allowed: ['admin'], // an agent schedules only their own calls; naming another agent is refused
      },
      { method: 'GET', url: '/api/calls', allowed: ['admin', 'dpo', 'agent'] },
      // Live presence for the calls list: everyone who may read calls (an agent gets their own calls only).
      { method: 'GET', url: '/api/calls/presence', allowed: ['admin', 'dpo', 'agent'] },
      // Hosted by the admin: another agent's call does not exist for an agent (404), as with another organisation's.
      { method: 'GET', url: `/api/calls/${callId}`, allowed: ['admin', 'dpo'], denied: { agent: 404 } },
      { method: 'PATCH', url: `/api/calls/${callId}`, body: { durationMinutes: 40 }, allowed: ['admin'], denied: { agent: 404 } },
      { method: 'GET', url: `/api/calls/${callId}/attendance`, allowed: ['admin', 'dpo'], denied: { agent: 404 } },
      {
        method: 'POST',
        url: `/api/calls/${callId}/guests`,
        body: { displayName: `Guest of ${role}`, email: `guest.${role}.${Math.random()}@example.test` },
        allowed: ['admin'],
        denied: { agent: 404 },
      },
      { method: 'GET', url: `/api/subjects/${subjectId}/consents`, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/outbox', allowed: ['admin', 'dpo'] },
      { method: 'GET', url: `/api/outbox/${mailId}`, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/recordings', allowed: ['admin', 'dpo', 'agent'] },
      // The admin's call: for an agent its recordings do not exist, as with its other data.
      { method: 'GET', url: `/api/recordings/${recordingId}`, allowed: ['admin', 'dpo'], denied: { agent: 404 } },
      {
        method: 'POST',
        url: `/api/recordings/${recordingId}/tracks/${trackId}/links`,
        body: { purpose: 'play' },
        // Playback roles are the organisation's choice (default: the DPO alone, G22).
        allowed: ['dpo'],
        denied: { admin: 'PLAYBACK_ROLE_REQUIRED', agent: 404 },
      },
      { method: 'DELETE', url: `/api/recordings/${retention[role].erasable}`, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/recording-keys', allowed: ['admin', 'dpo'] },
      {
        method: 'POST',
        url: '/api/recording-keys',
        body: { publicKey: recordingKey.publicKey, sealed: recordingKey.sealed, fingerprint: recordingKey.fingerprint },
        allowed: ['dpo'],
      },
      // The sealed private key goes to those who may play recordings (default: the DPO alone, G22).
      {
        method: 'GET',
        url: `/api/recording-keys/${recordingKeyId}/sealed`,
        allowed: ['dpo'],
        denied: { admin: 'PLAYBACK_ROLE_REQUIRED', agent: 'PLAYBACK_ROLE_REQUIRED' },
      },
      {
        method: 'POST',
        url: `/api/recordings/${retention[role].legal}/retention-extension`,
        body: { reference: `BaFin ${role}`, years: 7 },
        allowed: ['admin', 'dpo'],
      },
      { method: 'GET', url: '/api/legal-holds?active=true', allowed: ['admin', 'dpo'] },
      {
        method: 'POST',
        url: '/api/legal-holds',
        body: { scope: 'recording', targetId: recordingId, reference: `Case of ${role}`, reason: 'Audit', endsOn: new Date(Date.now() + 86_400_000 * 10).toISOString().slice(0, 10) },
        allowed: ['admin', 'dpo'],
      },
      { method: 'POST', url: `/api/legal-holds/${retention[role].hold}/release`, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/rights-requests', allowed: ['admin', 'dpo'] },
      { method: 'GET', url: `/api/rights-requests/${rr[role].access}`, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/rights-requests/${rr[role].access}/export`, body: {}, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: `/api/rights-requests/${rr[role].erasure}/erasure-preview`, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/rights-requests/${rr[role].erasure}/erase`, body: {}, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/rights-requests/${rr[role].restriction}/restrict`, body: {}, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/rights-requests/${rr[role].restriction}/lift-restriction`, body: { noticeText: 'We will lift the restriction on 1 June.' }, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/rights-requests/${rr[role].objection}/complete`, body: { note: 'Handled.' }, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/rights-requests/${rr[role].extend}/extend`, body: { months: 2, reasons: 'Complex request.' }, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/rights-requests/${rr[role].refuse}/refuse`, body: { reasons: 'Manifestly unfounded.' }, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/webhooks', allowed: ['admin', 'dpo'] },
      { method: 'POST', url: '/api/webhooks', body: { url: 'https://crm.example.com/hooks/new', events: ['call.ended'] }, allowed: ['admin', 'dpo'] },
      { method: 'PATCH', url: `/api/webhooks/${hooks[role]}`, body: { description: `Changed by ${role}` }, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: `/api/webhooks/${hooks[role]}/deliveries`, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/webhooks/${hooks[role]}/test`, body: {}, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/webhooks/${hooks[role]}/rotate-secret`, body: {}, allowed: ['admin', 'dpo'] },
      { method: 'DELETE', url: `/api/webhooks/${hooks[role]}`, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/breaches', allowed: ['admin', 'dpo'] },
      {
        method: 'POST',
        url: '/api/breaches',
        body: { awareAt: new Date(Date.now() - 60_000).toISOString(), types: ['integrity'], dataCategories: 'd', subjectCategories: 's', consequences: 'c', measures: 'm', contactPoint: 'p' },
        allowed: ['admin', 'dpo'],
      },
      { method: 'GET', url: `/api/breaches/${breachId}`, allowed: ['admin', 'dpo'] },
      { method: 'PATCH', url: `/api/breaches/${breachId}`, body: { measures: `Measures of ${role}` }, allowed: ['admin', 'dpo'] },
      { method: 'POST', url: `/api/breaches/${breachId}/updates`, body: { text: `Follow-up by ${role}` }, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/sub-processors', allowed: ['admin', 'dpo'] },
      { method: 'POST', url: '/api/sub-processors', body: { name: `New ${role}`, purpose: 'Mail', location: 'Paris', country: 'FR' }, allowed: ['admin', 'dpo'] },
      { method: 'PATCH', url: `/api/sub-processors/${subProcessors[role]}`, body: { purpose: `Changed by ${role}` }, allowed: ['admin', 'dpo'] },
      { method: 'DELETE', url: `/api/sub-processors/${subProcessors[role]}`, allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/documents', allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/documents/sub-processors.json', allowed: ['admin', 'dpo'] },
      { method: 'GET', url: '/api/documents/dpa?format=md', allowed: ['admin', 'dpo'] },
      // Only the DPO approves the DPIA (G51).
      { method: 'POST', url: '/api/documents/dpia/approve', allowed: ['dpo'] },
    ];

    it('covers every role-gated route in the matrix', () => {
      const gated = t.parley.app.routeTable.filter((r) => typeof r.access === 'object');
      const placeholders: [string, string][] = [
        [target, ':userId'],
        [callType, ':callTypeId'],
        [archivable, ':callTypeId'],
        [published, ':noticeId'],
        [drafts.admin, ':noticeId'],
        [callId, ':callId'],
        [subjectId, ':subjectId'],
        [mailId, ':mailId'],
        [recordingId, ':recordingId'],
        [trackId, ':trackId'],
        [retention.admin.erasable, ':recordingId'],
        [retention.admin.legal, ':recordingId'],
        [retention.admin.hold, ':holdId'],
        ...Object.values(rr.admin).map((id) => [id, ':requestId'] as [string, string]),
        [hooks.admin, ':webhookId'],
        [breachId, ':breachId'],
        [subProcessors.admin, ':subProcessorId'],
        [recordingKeyId, ':keyId'],
        ['/api/documents/dpa', '/api/documents/:kind'],
      ];
      const rows = matrix().map((r) => `${r.method} ${placeholders.reduce((url, [id, name]) => url.replace(id, name), r.url.split('?')[0]!)}`);
      for (const r of gated) {
        if (r.url === '/api/api-tokens/:tokenId') continue; // covered below with a real token id
        if (r.url === '/api/calls/:callId/cancel' || r.url === '/api/outbox/:mailId/retry') continue; // covered below
        expect(rows, `add ${r.method} ${r.url} to the permission matrix`).toContain(`${r.method} ${r.url}`);
      }
    });

    for (const role of ['agent', 'dpo', 'admin'] as const) {
      it(`lets ${role} do exactly what the matrix allows`, async () => {
        for (const row of matrix(role)) {
          const res = await clients[role].request(row.method, row.url, row.body);
          if (row.allowed.includes(role)) {
            expect(res.status, `${role} ${row.method} ${row.url}: ${res.raw}`).toBeLessThan(300);
          } else if (row.denied?.[role] === 404) {
            expect(res.status, `${role} ${row.method} ${row.url}`).toBe(404);
          } else if (typeof row.denied?.[role] === 'string') {
            expect(res.status, `${role} ${row.method} ${row.url}`).toBe(403);
            expect(res.body.error.code).toBe(row.denied[role]);
          } else {
            expect(res.status, `${role} ${row.method} ${row.url}`).toBe(403);
            expect(res.body.error.code).toBe('FORBIDDEN');
          }
        }
      });
    }

    it('lets an agent cancel their own call but not a dpo, and only an admin send failed mail again', async () => {
      const own = await clients.agent.post('/api/calls', {
        callTypeId: callType,
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        durationMinutes: 30,
        customer: { displayName: 'Own Customer', email: 'own@example.test' },
      });
      expect(own.status, own.raw).toBe(201);
      expect((await clients.dpo.post(`/api/calls/${own.body.id}/cancel`)).status).toBe(403);
      expect((await clients.agent.post(`/api/calls/${callId}/cancel`)).status).toBe(404);
      expect((await clients.agent.post(`/api/calls/${own.body.id}/cancel`)).body.status).toBe('cancelled');
      expect((await clients.agent.post(`/api/outbox/${mailId}/retry`)).status).toBe(403);
      expect((await clients.dpo.post(`/api/outbox/${mailId}/retry`)).status).toBe(403);
      expect((await clients.admin.post(`/api/outbox/${mailId}/retry`)).status).toBe(409); // allowed, but it did not fail
    });

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
      // Recording links need the session of the person they were issued to (G22), whatever the token.
      const link = await clients.dpo.post(`/api/recordings/${recordingId}/tracks/${trackId}/links`, { purpose: 'play' });
      expect(link.status, link.raw).toBe(201);
      expect((await anon.get(link.body.url)).status).toBe(401);
      expect((await anon.get('/api/recording-media/anything')).status).toBe(401);
    });

    it('lets the access-export download in without a session or role: the token in the link is the only authority', async () => {
      const anon = t.client();
      const missing = await anon.get('/api/public/exports/exp_0000000000000000000000000');
      expect(missing.status).toBe(400);
      const forged = await anon.get('/api/public/exports/exp_0000000000000000000000000?token=forged.token');
      expect(forged.status).toBe(404);
      expect(forged.body.error.code).toBe('EXPORT_LINK_INVALID');
      expect(t.parley.app.routeTable.find((r) => r.url === '/api/public/exports/:exportId')?.access).toBe('public');
    });
  });
}
