import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/app-error.ts';
import { liftRestriction, restrictSubject } from '../../src/subject-rights/restriction.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, type SignedIn } from '../support/harness.ts';
import { insertRequest, seedWorld, type SeededWorld } from './seed-subjects.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`restriction of a subject (${d.name})`, () => {
    let w: SeededWorld;
    let dpo: SignedIn;
    let requestId: string;
    const link = (trackId: string, purpose: 'play' | 'download' = 'play') => dpo.client.post(`/api/recordings/${w.recordingId}/tracks/${trackId}/links`, { purpose });
    const fetchMedia = (url: string) =>
      w.t.parley.app.inject({ method: 'GET', url, headers: { cookie: [...dpo.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });

    beforeAll(async () => {
      w = await seedWorld(d.name);
      dpo = await addUser(w.t, w.admin, 'dpo');
      const trained = await w.admin.client.post(`/api/users/${dpo.userId}/training`, { course: 'GDPR basics', completedOn: new Date().toISOString().slice(0, 10) });
      expect(trained.status, trained.raw).toBe(201);
      requestId = await insertRequest(w.deps, w.orgId, w.rita.subjectId, 'restriction');
    });
    afterAll(async () => w?.t.close());

    it('blocks playback and download of the subject\'s tracks with 423 — also of links issued before — and not of the others\' tracks', async () => {
      const early = await link(w.rita.trackId, 'download');
      expect(early.status, early.raw).toBe(201);
      await restrictSubject(w.deps, w.orgId, w.rita.subjectId, { requestId, actor: { type: 'user', id: w.admin.userId } });
      const subject = await w.deps.db.selectFrom('subjects').select(['restricted_at', 'restriction_request_id']).where('id', '=', w.rita.subjectId).executeTakeFirstOrThrow();
      expect(subject.restricted_at).not.toBeNull();
      expect(subject.restriction_request_id).toBe(requestId);

      for (const purpose of ['play', 'download'] as const) {
        const refused = await link(w.rita.trackId, purpose);
        expect(refused.status).toBe(423);
        expect(refused.body.error.code).toBe('RECORDING_RESTRICTED');
      }
      const late = await fetchMedia(early.body.url);
      expect(late.statusCode).toBe(423);
      // Otto's and the agent's tracks of the same recording still play.
      expect((await link(w.otto.trackId)).status).toBe(201);
      expect((await link(w.agentTrackId)).status).toBe(201);

      const audit = await w.deps.db.selectFrom('audit_events').select(['type', 'data']).where('org_id', '=', w.orgId).where('type', 'in', ['subject.restricted', 'recording.access_refused']).execute();
      expect(audit.filter((e) => e.type === 'subject.restricted').map((e) => JSON.parse(e.data))).toEqual([{ subjectId: w.rita.subjectId, requestId }]);
      expect(audit.filter((e) => e.type === 'recording.access_refused').length).toBeGreaterThanOrEqual(3);
    });

    it('restricting again changes nothing; lifting needs a notice to the subject and records its hash, not its text', async () => {
      const first = (await w.deps.db.selectFrom('subjects').select('restricted_at').where('id', '=', w.rita.subjectId).executeTakeFirstOrThrow()).restricted_at;
      await restrictSubject(w.deps, w.orgId, w.rita.subjectId, { requestId, actor: { type: 'system' } });
      expect((await w.deps.db.selectFrom('subjects').select('restricted_at').where('id', '=', w.rita.subjectId).executeTakeFirstOrThrow()).restricted_at).toBe(first);

      for (const noticeText of ['', '   \n ']) {
        const err = await liftRestriction(w.deps, w.orgId, w.rita.subjectId, { requestId, actor: { type: 'system' }, noticeText }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('VALIDATION_FAILED');
      }
      expect((await link(w.rita.trackId)).status).toBe(423);

      const notice = 'Dear Rita, the restriction of your data ends on 1 March 2026 because the accuracy check is complete.';
      await liftRestriction(w.deps, w.orgId, w.rita.subjectId, { requestId, actor: { type: 'user', id: w.admin.userId }, noticeText: notice });
      expect((await link(w.rita.trackId)).status).toBe(201);
      const lifted = await w.deps.db.selectFrom('audit_events').select('data').where('org_id', '=', w.orgId).where('type', '=', 'subject.restriction_lifted').executeTakeFirstOrThrow();
      expect(JSON.parse(lifted.data)).toEqual({ subjectId: w.rita.subjectId, requestId, noticeHash: createHash('sha256').update(notice).digest('hex') });
      expect(lifted.data).not.toContain('Rita');

      const again = await liftRestriction(w.deps, w.orgId, w.rita.subjectId, { requestId, actor: { type: 'system' }, noticeText: notice }).catch((e: unknown) => e);
      expect((again as AppError).code).toBe('CONFLICT');
    });

    it('answers 404 for a subject of another organisation', async () => {
      const { createOrgWithAdmin } = await import('../support/harness.ts');
      const other = await createOrgWithAdmin(w.t, 'Elsewhere GmbH');
      const err = await restrictSubject(w.deps, other.orgId, w.rita.subjectId, { requestId, actor: { type: 'system' } }).catch((e: unknown) => e);
      expect((err as AppError).status).toBe(404);
    });
  });
}
