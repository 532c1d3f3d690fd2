import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/retention/purge.ts';
import { iso } from '../../src/shared/clock.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';
import { DAY, days, rowsOf, seedCall } from './support.ts';

const YEAR_DAYS = 1826; // 5 years, as the MiFID call type preset

for (const d of dialects) {
  describe.skipIf(!d.available)(`legal holds and legal-obligation recordings (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let agent: SignedIn;
    let agentId: string;
    /** A DPO's API token: it outlives the clock moves below. */
    let dpo: ApiClient;
    const deps = () => t.parley.deps;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'MiFID Bank AG');
      agent = await addUser(t, admin, 'agent');
      agentId = agent.userId;
      dpo = t.client();
      dpo.bearer = (await admin.client.post('/api/api-tokens', { name: 'dpo-tool', role: 'dpo' })).body.token;
    });
    afterAll(async () => t?.close());

    it('places, lists and releases legal holds; refuses unknown targets, past end dates and a second release', async () => {
      const call = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 30) });
      const endsOn = iso(days(deps(), 10)).slice(0, 10);
      const unknown = await dpo.post('/api/legal-holds', { scope: 'call', targetId: 'call_0000000000000000000000000', reference: 'X', reason: 'Y', endsOn });
      expect(unknown.status).toBe(404);
      const mismatch = await dpo.post('/api/legal-holds', { scope: 'subject', targetId: call.callId, reference: 'X', reason: 'Y', endsOn });
      expect(mismatch.status).toBe(400);
      const past = await dpo.post('/api/legal-holds', { scope: 'call', targetId: call.callId, reference: 'X', reason: 'Y', endsOn: iso(days(deps(), -1)).slice(0, 10) });
      expect(past.status).toBe(400);
      const noReference = await dpo.post('/api/legal-holds', { scope: 'call', targetId: call.callId, reference: ' ', reason: 'Y', endsOn });
      expect(noReference.status).toBe(400);
      const placed = await dpo.post('/api/legal-holds', { scope: 'call', targetId: call.callId, reference: 'StA Frankfurt 1 Js 1/26', reason: 'Investigation', endsOn });
      expect(placed.status, placed.raw).toBe(201);
      expect(placed.body).toMatchObject({ scope: 'call', targetId: call.callId, active: true, releasedAt: null });
      expect((await dpo.get('/api/legal-holds?active=true')).body.legalHolds.map((h: { id: string }) => h.id)).toContain(placed.body.id);
      expect((await agent.client.get('/api/legal-holds')).status).toBe(403);
      const released = await dpo.post(`/api/legal-holds/${placed.body.id}/release`);
      expect(released.status).toBe(200);
      expect(released.body.active).toBe(false);
      expect((await dpo.post(`/api/legal-holds/${placed.body.id}/release`)).status).toBe(409);
      expect((await dpo.get('/api/legal-holds?active=false')).body.legalHolds.map((h: { id: string }) => h.id)).toContain(placed.body.id);
      const types = (await deps().db.selectFrom('audit_events').select('type').where('org_id', '=', admin.orgId).execute()).map((e) => e.type);
      expect(types).toContain('legal_hold.placed');
      expect(types).toContain('legal_hold.released');
    });

    it('refuses to delete a legal-obligation recording before its minimum period (409 naming the date), and the purge deletes it at its end unless held', async () => {
      const until = days(deps(), YEAR_DAYS);
      const kept = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 30), recording: until }, { mode: 'legal_obligation', retainUntil: until });
      const held = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 30), recording: until }, { mode: 'legal_obligation', retainUntil: until });

      const early = await dpo.delete(`/api/recordings/${kept.recordingId}`);
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('LEGAL_MINIMUM');
      expect(early.body.error.message).toContain(iso(until).slice(0, 10));

      const hold = await dpo.post('/api/legal-holds', { scope: 'recording', targetId: held.recordingId, reference: 'BaFin case 9', reason: 'Inquiry', endsOn: iso(days(deps(), YEAR_DAYS + 400)).slice(0, 10) });
      expect(hold.status, hold.raw).toBe(201);

      // A year in, the call's metadata has expired, but the recording (and what it needs) stays: legal minimum.
      t.clock.advance(365 * DAY);
      const mid = await purgeExpired(deps(), { dryRun: false });
      expect(await rowsOf(deps(), kept)).toMatchObject({ recordings: 1, tracks: 2, blobs: 2, calls: 1, chat: 0, attendance: 0 });

      // At the end of the period it goes — except the one on hold.
      t.clock.advance((YEAR_DAYS - 365 + 1) * DAY);
      const end = await purgeExpired(deps(), { dryRun: false });
      expect(await rowsOf(deps(), kept)).toMatchObject({ recordings: 0, tracks: 0, blobs: 0, calls: 0, subjects: 0 });
      expect(await rowsOf(deps(), held)).toMatchObject({ recordings: 1, tracks: 2, blobs: 2 });
      // The call's own expired rows that the recording needs were kept as still referenced.
      expect(mid.counts.some((c) => c.table === 'calls' && c.kept.still_referenced >= 2)).toBe(true);
      expect(end.counts.some((c) => c.table === 'recording_tracks' && c.kept.legal_hold === 2)).toBe(true);
      expect((await dpo.delete(`/api/recordings/${held.recordingId}`)).body.error.code).toBe('LEGAL_HOLD');
    });

    it('extends a legal-obligation recording to 7 years only with the authority\'s reference, and never a consent recording', async () => {
      const until = days(deps(), YEAR_DAYS);
      const legal = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 30), recording: until }, { mode: 'legal_obligation', retainUntil: until });
      const consent = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 30) });
      const url = `/api/recordings/${legal.recordingId}/retention-extension`;
      expect((await dpo.post(url, { years: 7 })).status).toBe(400);
      expect((await dpo.post(url, { reference: '', years: 7 })).status).toBe(400);
      expect((await dpo.post(url, { reference: 'BaFin WA 25-1', years: 8 })).status).toBe(400);
      const refused = await dpo.post(`/api/recordings/${consent.recordingId}/retention-extension`, { reference: 'BaFin WA 25-1', years: 7 });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('RETENTION_EXTENSION_REFUSED');

      const ok = await dpo.post(url, { reference: 'BaFin WA 25-1', years: 7 });
      expect(ok.status, ok.raw).toBe(200);
      const rec = await deps().db.selectFrom('recordings').selectAll().where('id', '=', legal.recordingId).executeTakeFirstOrThrow();
      expect(rec.extension_reference).toBe('BaFin WA 25-1');
      expect(new Date(rec.retain_until!).getUTCFullYear()).toBe(new Date(rec.started_at).getUTCFullYear() + 7);
      expect(rec.expires_at).toBe(rec.retain_until);
      const tracks = await deps().db.selectFrom('recording_tracks').select('expires_at').where('recording_id', '=', legal.recordingId).execute();
      for (const tr of tracks) expect(tr.expires_at).toBe(rec.retain_until);

      // Past five years, the extended recording is still there.
      t.clock.advance((YEAR_DAYS + 2) * DAY);
      await purgeExpired(deps(), { dryRun: false });
      expect(await rowsOf(deps(), legal)).toMatchObject({ recordings: 1, tracks: 2, blobs: 2 });
      const audit = await deps().db.selectFrom('audit_events').select('data').where('type', '=', 'recording.retention_extended').execute();
      expect(audit.some((e) => JSON.parse(e.data).recordingId === legal.recordingId)).toBe(true);
    });

    it('erases a consent recording on request (tracks crypto-shredded), but not while it is restricted (423)', async () => {
      const call = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 30) });
      await deps().db.updateTable('recordings').set({ restricted_at: iso(deps().clock.now()) }).where('id', '=', call.recordingId).execute();
      expect((await dpo.delete(`/api/recordings/${call.recordingId}`)).status).toBe(423);
      await deps().db.updateTable('recordings').set({ restricted_at: null }).where('id', '=', call.recordingId).execute();
      const res = await dpo.delete(`/api/recordings/${call.recordingId}`);
      expect(res.status, res.raw).toBe(200);
      expect(res.body.erasedTracks).toBe(2);
      expect(await rowsOf(deps(), call)).toMatchObject({ tracks: 2, blobs: 0 });
      const keys = await deps().db.selectFrom('recording_tracks').select('wrapped_key').where('recording_id', '=', call.recordingId).execute();
      expect(keys.every((k) => k.wrapped_key === null)).toBe(true);
      // The next purge takes the rows away.
      await purgeExpired(deps(), { dryRun: false });
      expect(await rowsOf(deps(), call)).toMatchObject({ recordings: 0, tracks: 0 });
    });
  });
}
