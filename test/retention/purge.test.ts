import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired, type PurgeProgress, type PurgeReport } from '../../src/retention/purge.ts';
import { iso } from '../../src/shared/clock.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { dialects } from '../support/dialects.ts';
import { writeBlob } from '../support/recording-fixtures.ts';
import { addUser, createOrgWithAdmin, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';
import { DAY, days, decryptCopy, inconsistencies, rowsOf, seedCall } from './support.ts';

const gone = { subjects: 0, calls: 0, participants: 0, attendance: 0, chat: 0, quality: 0, consent: 0, mail: 0, recordings: 0, tracks: 0, blobs: 0 };
const whole = { subjects: 1, calls: 1, participants: 2, attendance: 2, chat: 2, quality: 1, consent: 1, mail: 1, recordings: 1, tracks: 2, blobs: 2 };

const deletedIn = (r: PurgeReport, table: string) => r.counts.filter((c) => c.table === table).reduce((n, c) => n + c.deleted, 0);
const keptIn = (r: PurgeReport, table: string, reason: keyof PurgeReport['counts'][number]['kept']) =>
  r.counts.filter((c) => c.table === table).reduce((n, c) => n + c.kept[reason], 0);

for (const d of dialects) {
  describe.skipIf(!d.available)(`retention purge (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let agentId: string;
    /** An admin API token: it outlives the clock moves below (a console session would expire). */
    let api: ApiClient;
    const deps = () => t.parley.deps;
    const purge = (options: { dryRun?: boolean; onProgress?: (p: PurgeProgress) => void; batchSize?: number } = {}) =>
      purgeExpired(deps(), { dryRun: false, ...options });

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'Retention Bank AG');
      agentId = (await addUser(t, admin, 'agent')).userId;
      api = t.client();
      api.bearer = (await admin.client.post('/api/api-tokens', { name: 'retention', role: 'admin' })).body.token;
    });
    afterAll(async () => t?.close());

    it('deletes expired calls whole (rows, keys, blobs) and leaves unexpired ones, with one audit event per deletion and no personal content', async () => {
      // Everything from a clean slate: earlier tests' leftovers are purged first.
      await purge();
      const expired = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) }, { name: 'Erika Expired', withdrawn: true });
      const fresh = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 100) }, { name: 'Fritz Fresh' });
      // Consent proof is kept for its own (longer) period, and keeps the call, participant and subject it names.
      const proof = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1), consent: days(deps(), 100) }, { name: 'Paula Proof' });
      const eventsBefore = await deps().db.selectFrom('audit_events').select(['id']).where('type', '=', 'retention.purged').execute();

      t.clock.advance(2 * DAY);
      const report = await purge({ batchSize: 3 });

      expect(await rowsOf(deps(), expired)).toEqual(gone);
      expect(await rowsOf(deps(), fresh)).toEqual(whole);
      expect(await rowsOf(deps(), proof)).toEqual({ ...gone, subjects: 1, calls: 1, participants: 1, consent: 1 });
      expect(keptIn(report, 'participants', 'still_referenced')).toBe(1);
      expect(keptIn(report, 'calls', 'still_referenced')).toBe(1);
      expect(keptIn(report, 'subjects', 'still_referenced')).toBe(1);
      expect(deletedIn(report, 'consent_records')).toBe(2);
      expect(await inconsistencies(deps(), admin.orgId)).toEqual([]);

      const events = await deps().db.selectFrom('audit_events').select(['type', 'data']).where('org_id', '=', admin.orgId).where('type', '=', 'retention.purged').execute();
      expect(events.length - eventsBefore.length).toBe(report.deleted);
      const purgedIds = events.map((e) => JSON.parse(e.data).itemId);
      expect(new Set(purgedIds).size).toBe(purgedIds.length);
      for (const id of [expired.callId, expired.subjectId, expired.recordingId, ...expired.trackIds, expired.mailId, ...expired.consentIds, ...expired.chatIds]) {
        expect(purgedIds).toContain(id);
      }
      const allData = (await deps().db.selectFrom('audit_events').select('data').where('org_id', '=', admin.orgId).execute()).map((e) => e.data).join('\n');
      for (const secret of [expired.name, expired.email, expired.chatText, proof.name, proof.email, 'Agent Smith']) expect(allData).not.toContain(secret);
      // Key before blob: each expired track's key destruction was audited on its own (G27).
      const erasedEvents = await deps().db.selectFrom('audit_events').select('data').where('type', '=', 'recording.track_erased').execute();
      for (const trackId of expired.trackIds) expect(erasedEvents.some((e) => JSON.parse(e.data).trackId === trackId && JSON.parse(e.data).reason === 'expired')).toBe(true);

      // A second run has nothing left to do.
      const again = await purge();
      expect(again.deleted).toBe(0);
    });

    it('crypto-shreds: a copy of a track\'s ciphertext taken before the purge cannot be decrypted after it (G27)', async () => {
      const call = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      const trackId = call.trackIds[0]!;
      const row = await deps().db.selectFrom('recording_tracks').selectAll().where('id', '=', trackId).executeTakeFirstOrThrow();
      const copy = await deps().blobs.read(row.blob_key, 0, Number(row.ciphertext_bytes) - 1);
      expect((await decryptCopy(deps(), admin.orgId, trackId, { kekVersion: Number(row.kek_version), wrapped: row.wrapped_key! }, copy)).toString()).toContain(call.name);

      t.clock.advance(2 * DAY);
      let keyGoneBeforeBlob = false;
      await purge({
        onProgress: async (p) => {
          if (p.table === 'recording_tracks' && p.phase === 'keys_destroyed') {
            const r = await deps().db.selectFrom('recording_tracks').select('wrapped_key').where('id', '=', trackId).executeTakeFirst();
            keyGoneBeforeBlob = r?.wrapped_key === null && (await deps().blobs.size(row.blob_key)) !== null;
          }
        },
      });
      expect(keyGoneBeforeBlob).toBe(true);
      expect(await deps().blobs.size(row.blob_key)).toBeNull();
      // Nothing in the database can open the copy any more: no row, no wrapped key for the track.
      expect(await deps().db.selectFrom('recording_tracks').select('id').where('id', '=', trackId).executeTakeFirst()).toBeUndefined();
      const anyKey = await deps().db.selectFrom('recording_tracks').select('wrapped_key').where('wrapped_key', 'is not', null).execute();
      for (const k of anyKey) {
        await expect(decryptCopy(deps(), admin.orgId, trackId, { kekVersion: Number(row.kek_version), wrapped: k.wrapped_key! }, copy)).rejects.toThrow();
      }
    });

    it('keeps what a legal hold covers until the hold is released, and deletes it at the next run after', async () => {
      const held = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      const bySubject = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      const byRecording = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      const ends = iso(days(deps(), 30)).slice(0, 10);
      const place = async (scope: string, targetId: string) => {
        const res = await api.post('/api/legal-holds', { scope, targetId, reference: 'LG Frankfurt 2-03 O 123/26', reason: 'Pending litigation', endsOn: ends });
        expect(res.status, res.raw).toBe(201);
        return res.body.id as string;
      };
      const callHold = await place('call', held.callId);
      const subjectHold = await place('subject', bySubject.subjectId);
      const recordingHold = await place('recording', byRecording.recordingId);

      t.clock.advance(2 * DAY);
      const report = await purge();
      expect(await rowsOf(deps(), held)).toEqual(whole);
      // A subject's hold covers the calls they took part in, with their recordings.
      expect(await rowsOf(deps(), bySubject)).toEqual(whole);
      // A recording's hold covers the recording and its tracks; the rest of the call goes, except what the tracks need.
      expect(await rowsOf(deps(), byRecording)).toMatchObject({ recordings: 1, tracks: 2, blobs: 2, chat: 0, attendance: 0, mail: 0, participants: 2, calls: 1, subjects: 1 });
      expect(keptIn(report, 'recording_tracks', 'legal_hold')).toBeGreaterThanOrEqual(6);

      for (const id of [callHold, subjectHold, recordingHold]) expect((await api.post(`/api/legal-holds/${id}/release`)).status).toBe(200);
      await purge();
      for (const c of [held, bySubject, byRecording]) expect(await rowsOf(deps(), c)).toEqual(gone);
      expect(await inconsistencies(deps(), admin.orgId)).toEqual([]);
    });

    it('stops holding once the hold\'s end date has passed', async () => {
      const call = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      const res = await api.post('/api/legal-holds', { scope: 'call', targetId: call.callId, reference: 'Case 7', reason: 'Audit', endsOn: iso(days(deps(), 3)).slice(0, 10) });
      expect(res.status, res.raw).toBe(201);
      t.clock.advance(2 * DAY);
      await purge();
      expect(await rowsOf(deps(), call)).toEqual(whole);
      t.clock.advance(3 * DAY);
      await purge();
      expect(await rowsOf(deps(), call)).toEqual(gone);
    });

    it('keeps what a restriction covers (subject or recording) until it is lifted (G20)', async () => {
      const subject = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      const recording = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      await deps().db.updateTable('subjects').set({ restricted_at: iso(deps().clock.now()) }).where('id', '=', subject.subjectId).execute();
      await deps().db.updateTable('recordings').set({ restricted_at: iso(deps().clock.now()) }).where('id', '=', recording.recordingId).execute();
      t.clock.advance(2 * DAY);
      const report = await purge();
      // The subject's own rows and their participant's stay; the agent's side of the call goes (the call stays, needed).
      expect(await rowsOf(deps(), subject)).toMatchObject({ subjects: 1, consent: 1, mail: 1, quality: 0, recordings: 1, calls: 1, participants: 1 });
      expect(await deps().db.selectFrom('recording_tracks').select('id').where('subject_id', '=', subject.subjectId).execute()).toHaveLength(1);
      expect(await rowsOf(deps(), recording)).toMatchObject({ recordings: 1, tracks: 2, blobs: 2 });
      expect(keptIn(report, 'recordings', 'restriction')).toBe(1);
      expect(keptIn(report, 'subjects', 'restriction')).toBe(1);

      await deps().db.updateTable('subjects').set({ restricted_at: null }).where('id', '=', subject.subjectId).execute();
      await deps().db.updateTable('recordings').set({ restricted_at: null }).where('id', '=', recording.recordingId).execute();
      await purge();
      expect(await rowsOf(deps(), subject)).toEqual(gone);
      expect(await rowsOf(deps(), recording)).toEqual(gone);
    });

    it('a dry run deletes nothing and reports what the real run then does', async () => {
      const a = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) });
      const b = await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1), consent: days(deps(), 50) }, { withdrawn: true });
      t.clock.advance(2 * DAY);
      const auditBefore = (await deps().db.selectFrom('audit_events').select('id').execute()).length;
      const dry = await purge({ dryRun: true, batchSize: 2 });
      expect(dry.deleted).toBeGreaterThan(0);
      expect(await rowsOf(deps(), a)).toEqual(whole);
      expect((await deps().db.selectFrom('audit_events').select('id').execute()).length).toBe(auditBefore);
      const real = await purge({ batchSize: 2 });
      expect(real.counts).toEqual(dry.counts);
      expect(real.orphanBlobs).toBe(dry.orphanBlobs);
      expect(await rowsOf(deps(), a)).toEqual(gone);
      expect(await rowsOf(deps(), b)).toMatchObject({ consent: 2, calls: 1 });
    });

    it('a purge killed anywhere is finished by the next run: no row without its blob, no blob without its row, counts add up', async () => {
      // Where to stop: after the first key destruction, after the first blobs, after a few pages of rows.
      const faults: Array<(p: PurgeProgress, n: number) => boolean> = [
        (p) => p.phase === 'keys_destroyed',
        (p) => p.phase === 'blobs_deleted',
        (_p, n) => n === 5,
        (p) => p.phase === 'orphans_swept',
      ];
      for (const fault of faults) {
        const calls = [];
        for (let i = 0; i < 3; i++) calls.push(await seedCall(deps(), admin.orgId, agentId, { call: days(deps(), 1) }, { tracks: 3 }));
        // An orphan: a blob under the recordings prefix that no row owns (a write whose row never committed).
        await writeBlob(deps(), `${admin.orgId}/recordings/rec_orphan/trk_orphan.pblob`, Buffer.from('unreadable'));
        t.clock.advance(2 * DAY);
        const before = (await deps().db.selectFrom('audit_events').select('id').where('type', '=', 'retention.purged').execute()).length;
        const dry = await purge({ dryRun: true, batchSize: 4 });

        let n = 0;
        await expect(
          purge({
            batchSize: 4,
            onProgress: (p) => {
              n += 1;
              if (fault(p, n)) throw new Error('killed');
            },
          }),
        ).rejects.toThrow('killed');
        const rerun = await purge({ batchSize: 4 });

        for (const c of calls) expect(await rowsOf(deps(), c)).toEqual(gone);
        expect(await inconsistencies(deps(), admin.orgId as OrgId)).toEqual([]);
        const after = (await deps().db.selectFrom('audit_events').select('id').where('type', '=', 'retention.purged').execute()).length;
        // Every deletion, by the killed run or the rerun, has exactly one event: as many as the dry run foresaw.
        expect(after - before).toBe(dry.deleted);
        expect(rerun.deleted).toBeLessThanOrEqual(dry.deleted);
      }
    });
  });
}
