import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeyError, unwrapDataKey } from '../../src/keys/data-keys.ts';
import { iso } from '../../src/shared/clock.ts';
import { newId, type OrgId } from '../../src/shared/ids.ts';
import { decryptRange } from '../../src/storage/blob-format.ts';
import { createAccessExport } from '../../src/subject-rights/access-export.ts';
import { eraseSubject, erasedEmail, type ErasureReport } from '../../src/subject-rights/erasure.ts';
import { findSubjectData, inventoryCategories, type SubjectInventory } from '../../src/subject-rights/inventory.ts';
import { decryptTrackOf } from '../recording/support.ts';
import { dialects } from '../support/dialects.ts';
import { insertRecording, insertTrack, knownBytes } from '../support/recording-fixtures.ts';
import { mailsAbout, seedWorld, type SeededWorld } from './seed-subjects.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`erasure of a subject (${d.name})`, () => {
    let w: SeededWorld;
    let before: SubjectInventory;
    let ottoBefore: SubjectInventory;
    let report: ErasureReport;
    let heldRecordingId: string;
    let heldTrackId: string;
    let mifidRecordingId: string;
    let mifidTrackId: string;
    let retainUntil: string;
    let exportBlobKey: string;
    let ritaMails: string[];
    const holdEnds = '2099-12-31';
    /** Rita's track as it was stored, and the key rows that could open it. */
    let copy: { ciphertext: Buffer; wrapped: string; kekVersion: number };

    beforeAll(async () => {
      w = await seedWorld(d.name);
      const { deps, orgId, rita } = w;
      // A recording under a legal hold, and a MiFID recording inside its minimum period, each with a track of Rita.
      heldRecordingId = await insertRecording(deps, orgId, rita.call.callId);
      heldTrackId = (await insertTrack(deps, orgId, heldRecordingId, rita.call, knownBytes(5000, 'held'))).trackId;
      await deps.db
        .insertInto('legal_holds')
        .values({
          id: newId('legalHold'), org_id: orgId, scope: 'recording', target_id: heldRecordingId, reference: 'LG Frankfurt 2-01 O 4711/26',
          reason: 'litigation', ends_on: holdEnds, created_by: w.admin.userId, created_at: iso(new Date()), released_at: null, released_by: null,
        })
        .execute();
      mifidRecordingId = await insertRecording(deps, orgId, rita.call.callId, { mode: 'legal_obligation' });
      retainUntil = iso(new Date(Date.now() + 5 * 365 * 86_400_000));
      await deps.db.updateTable('recordings').set({ retain_until: retainUntil }).where('id', '=', mifidRecordingId).execute();
      mifidTrackId = (await insertTrack(deps, orgId, mifidRecordingId, rita.call, knownBytes(5000, 'mifid'))).trackId;

      const made = await createAccessExport(deps, orgId, rita.requestId, rita.subjectId);
      exportBlobKey = (await deps.db.selectFrom('subject_exports').select('blob_key').where('id', '=', made.exportId).executeTakeFirstOrThrow()).blob_key;
      ritaMails = await mailsAbout(deps, orgId, rita.subjectId, rita.email);

      const row = await deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', rita.trackId).executeTakeFirstOrThrow();
      copy = {
        ciphertext: await deps.blobs.read(row.blob_key, 0, Number(row.ciphertext_bytes) - 1),
        wrapped: row.wrapped_key!,
        kekVersion: Number(row.kek_version),
      };
      before = await findSubjectData(deps.db, orgId, rita.subjectId);
      ottoBefore = await findSubjectData(deps.db, orgId, w.otto.subjectId);
      report = await eraseSubject(deps, orgId, rita.subjectId, { requestId: rita.requestId, actor: { type: 'user', id: w.admin.userId } });
    });
    afterAll(async () => w?.t.close());

    it('crypto-shreds the subject\'s track: a copy of its ciphertext can no longer be decrypted by any key left', async () => {
      const { deps, orgId, rita } = w;
      expect(await deps.db.selectFrom('recording_tracks').select('id').where('id', '=', rita.trackId).executeTakeFirst()).toBeUndefined();
      const row = await deps.db.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).execute();
      expect(row.some((r) => r.wrapped_key === copy.wrapped)).toBe(false);
      // Every data key still in the database fails on the copy; its own wrapped key only ever opened for its own id.
      for (const r of row.filter((x) => x.wrapped_key !== null)) {
        const key = await unwrapDataKey(deps.db, deps.keys, orgId as OrgId, r.id, { kekVersion: Number(r.kek_version), wrapped: r.wrapped_key! });
        const attempt = (async () => {
          for await (const _ of decryptRange(async (s, e) => copy.ciphertext.subarray(s, e + 1), copy.ciphertext.length, key, { requireFinal: true })) void _;
        })();
        await expect(attempt).rejects.toThrow();
      }
      // The wrapped key, had someone kept it too, is bound to the track id and opens for nothing else.
      await expect(unwrapDataKey(deps.db, deps.keys, orgId, newId('track'), { kekVersion: copy.kekVersion, wrapped: copy.wrapped })).rejects.toBeInstanceOf(DataKeyError);
      expect(await deps.blobs.size(`${orgId}/${w.recordingId}/${rita.trackId}.blob`)).toBeNull();
    });

    it('leaves the other participants\' tracks in the same recording decryptable and their data untouched', async () => {
      const otto = await decryptTrackOf(w.deps, w.otto.trackId);
      expect(otto.equals(knownBytes(20_000, 'otto'))).toBe(true);
      expect((await decryptTrackOf(w.deps, w.agentTrackId)).equals(knownBytes(10_000, 'agent'))).toBe(true);
      expect(await findSubjectData(w.deps.db, w.orgId, w.otto.subjectId)).toEqual(ottoBefore);
    });

    it('keeps what an exception covers — a held recording, a MiFID recording, proof of consent, the request — and reports each with its reference and end', () => {
      const kept = (category: string, itemId: string) => report.kept.find((k) => k.category === category && k.itemId === itemId);
      expect(kept('recordingTracks', heldTrackId)).toEqual({ category: 'recordingTracks', itemId: heldTrackId, reason: 'legal_hold', reference: 'LG Frankfurt 2-01 O 4711/26', until: holdEnds });
      expect(kept('recordings', heldRecordingId)).toMatchObject({ reason: 'legal_hold', reference: 'LG Frankfurt 2-01 O 4711/26' });
      expect(kept('recordingTracks', mifidTrackId)).toEqual({ category: 'recordingTracks', itemId: mifidTrackId, reason: 'legal_obligation', reference: 'MiFID II Art. 16(7)', until: retainUntil });
      expect(kept('consentRecords', w.rita.consentId)).toMatchObject({ reason: 'consent_proof' });
      expect(kept('rightsRequests', w.rita.requestId)).toMatchObject({ reason: 'legal_obligation' });
      expect(kept('participants', w.rita.participantId)).toBeDefined();
      expect(kept('recordingTracks', w.rita.trackId)).toBeUndefined();
      expect(report.erased).toEqual(
        expect.arrayContaining([
          { category: 'recordingTracks', count: 1 },
          { category: 'chatMessages', count: 1 },
          { category: 'attendance', count: 1 },
          { category: 'exports', count: 1 },
          { category: 'mails', count: ritaMails.length },
          // The record stays (kept items refer to it) but her name and address go: reported as that, not as "subject".
          { category: 'subjectContact', count: 1 },
        ]),
      );
      expect(report.erased.map((e) => e.category)).not.toContain('subject');
    });

    it('afterwards finds nothing but the reported exceptions; the address and name are gone', async () => {
      const { deps, orgId, rita } = w;
      const after = await findSubjectData(deps.db, orgId, rita.subjectId);
      for (const category of inventoryCategories) {
        const keptIds = report.kept.filter((k) => k.category === category).map((k) => k.itemId).sort();
        expect(after[category], category).toEqual(keptIds);
      }
      expect(after.subject).toMatchObject({ id: rita.subjectId, email: erasedEmail(rita.subjectId), displayName: '[erased]' });
      expect(report.kept.some((k) => k.category === 'subject')).toBe(true);
      expect(before.chatMessages).toContain(rita.chatId);
      expect(await deps.db.selectFrom('call_chat_messages').select('id').where('id', '=', rita.chatId).executeTakeFirst()).toBeUndefined();
      expect(await deps.db.selectFrom('call_chat_messages').select('id').where('id', '=', w.otto.chatId).executeTakeFirst()).toBeDefined();
      // Also the agent's confirmation that named her (to the agent's address).
      expect(await mailsAbout(deps, orgId, rita.subjectId, rita.email)).toEqual([]);
      expect(ritaMails.length).toBeGreaterThanOrEqual(2);
      expect(await deps.blobs.size(exportBlobKey)).toBeNull();
      const participant = await deps.db.selectFrom('participants').select('display_name').where('id', '=', rita.participantId).executeTakeFirstOrThrow();
      // Kept for the legal hold and the MiFID recording (evidence): unchanged.
      expect(participant.display_name).toBe('Rita Rights');
    });

    it('audits one event per erased category with ids and counts only', async () => {
      const events = await w.deps.db.selectFrom('audit_events').select(['type', 'data', 'actor_id']).where('org_id', '=', w.orgId).where('type', 'like', 'subject.data_%').execute();
      const erased = events.filter((e) => e.type === 'subject.data_erased').map((e) => JSON.parse(e.data));
      expect(erased.map((e) => e.category).sort()).toEqual(report.erased.map((e) => e.category).sort());
      for (const e of erased) expect(e.ids).toHaveLength(e.count);
      expect(events.filter((e) => e.type === 'subject.data_kept')).toHaveLength(1);
      for (const e of events) {
        expect(e.data).not.toContain(w.rita.email);
        expect(e.data).not.toContain('Rita');
        expect(e.actor_id).toBe(w.admin.userId);
      }
      const shredded = await w.deps.db.selectFrom('audit_events').select('data').where('type', '=', 'recording.track_erased').execute();
      expect(shredded.map((s) => JSON.parse(s.data))).toContainEqual({ recordingId: w.recordingId, trackId: w.rita.trackId, reason: 'erasure_request' });
    });

    it('erases everything, subject row included, when no exception applies (second run after the holds end is idempotent)', async () => {
      const { deps, orgId, rita } = w;
      await deps.db.updateTable('legal_holds').set({ released_at: iso(new Date()), released_by: w.admin.userId }).where('org_id', '=', orgId).execute();
      await deps.db.updateTable('recordings').set({ retain_until: iso(new Date(Date.now() - 1000)) }).where('id', '=', mifidRecordingId).execute();
      const second = await eraseSubject(deps, orgId, rita.subjectId, { requestId: rita.requestId, actor: { type: 'system' } });
      expect(second.kept.map((k) => k.category).sort()).toEqual(['consentRecords', 'participants', 'calls', 'rightsRequests', 'subject'].sort());
      expect(second.erased).toContainEqual({ category: 'recordingTracks', count: 2 });
      const after = await findSubjectData(deps.db, orgId, rita.subjectId);
      expect(after.recordingTracks).toEqual([]);
      const participant = await deps.db.selectFrom('participants').select('display_name').where('id', '=', rita.participantId).executeTakeFirstOrThrow();
      // Now kept only as the other end of the consent proof: pseudonymised.
      expect(participant.display_name).toBe('[erased]');
    });
  });
}
