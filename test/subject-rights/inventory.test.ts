import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubjectData } from '../../src/subject-rights/inventory.ts';
import { dialects } from '../support/dialects.ts';
import { mailsAbout, mailsTo, seedWorld, type SeededWorld } from './seed-subjects.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`subject data inventory (${d.name})`, () => {
    let w: SeededWorld;
    beforeAll(async () => {
      w = await seedWorld(d.name);
    });
    afterAll(async () => w?.t.close());

    it('finds exactly what was seeded for a subject: their rows, own tracks and messages, and nothing of the other customer or the agent', async () => {
      const { rita, otto } = w;
      const ritaMails = await mailsAbout(w.deps, w.orgId, rita.subjectId, rita.email);
      // Her invitation, and the agent's confirmation that names her (to the agent's address, queued with her id).
      expect(ritaMails.length).toBeGreaterThan((await mailsTo(w.deps, w.orgId, rita.email)).length);
      const toAgent = await w.deps.db.selectFrom('mail_outbox').select(['id', 'kind']).where('id', 'in', ritaMails).where('to_address', '=', w.agent.email).execute();
      expect(toAgent.map((m) => m.kind)).toEqual(['call.agent_confirmation']);
      const inv = await findSubjectData(w.deps.db, w.orgId, rita.subjectId);
      expect(inv).toEqual({
        subject: expect.objectContaining({ id: rita.subjectId, email: rita.email, displayName: 'Rita Rights', restrictedAt: null }),
        participants: [rita.participantId],
        calls: [rita.call.callId],
        attendance: [rita.attendanceId],
        chatMessages: [rita.chatId],
        consentRecords: [rita.consentId],
        recordingTracks: [rita.trackId],
        recordings: [w.recordingId],
        rightsRequests: [rita.requestId],
        exports: [],
        mails: ritaMails,
      });

      // Otto is in two calls (as a guest in Rita's, and his own), shares the recording, but has only his own items.
      const other = await findSubjectData(w.deps.db, w.orgId, otto.subjectId);
      expect(other.participants).toHaveLength(2);
      expect(other.calls).toEqual([rita.call.callId, w.otherCallId].sort());
      expect(other.recordingTracks).toEqual([otto.trackId]);
      expect(other.chatMessages).toEqual([otto.chatId]);
      expect(other.consentRecords).toEqual([otto.consentId]);
      expect(other.mails).toEqual(await mailsAbout(w.deps, w.orgId, otto.subjectId, otto.email));
      for (const key of ['participants', 'attendance', 'chatMessages', 'consentRecords', 'recordingTracks', 'rightsRequests', 'mails'] as const) {
        for (const id of inv[key]) expect(other[key], `${key} ${id}`).not.toContain(id);
      }
      expect(inv.recordingTracks).not.toContain(w.agentTrackId);
    });

    it('finds nothing for another organisation\'s view of the same subject id, nor for an unknown subject', async () => {
      const { createOrgWithAdmin } = await import('../support/harness.ts');
      const other = await createOrgWithAdmin(w.t, 'Other Org');
      const inv = await findSubjectData(w.deps.db, other.orgId, w.rita.subjectId);
      expect(inv.subject).toBeNull();
      for (const key of ['participants', 'calls', 'attendance', 'chatMessages', 'consentRecords', 'recordingTracks', 'recordings', 'rightsRequests', 'exports', 'mails'] as const) {
        expect(inv[key]).toEqual([]);
      }
      expect((await findSubjectData(w.deps.db, w.orgId, 'subj_0000000000000000000000000')).subject).toBeNull();
    });
  });
}
