import { createHash } from 'node:crypto';
import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';

/**
 * Restriction of processing (Art. 18, G20) of everything about one subject. While `subjects.restricted_at` is set:
 * playback and download of their tracks answer 423 (recording/playback.ts), an access export is refused with 423
 * (access-export.ts, export-routes.ts), and the retention purge leaves their data alone. The data stays stored.
 * Lifting needs the notice the subject is sent (Art. 18(3)); the audit log keeps its hash, never its text.
 */

export async function isSubjectRestricted(db: DbOrTx, orgId: OrgId, subjectId: string | null): Promise<boolean> {
  if (subjectId === null) return false;
  const row = await db.selectFrom('subjects').select('restricted_at').where('org_id', '=', orgId).where('id', '=', subjectId).executeTakeFirst();
  return row?.restricted_at != null;
}

/** Restricts the subject; already restricted → nothing changes (the first request stays the one on record). */
export async function restrictSubject(
  deps: Deps,
  orgId: OrgId,
  subjectId: string,
  ctx: { requestId: string; actor: AuditActor },
): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('subjects').select(['id', 'restricted_at']).where('org_id', '=', orgId).where('id', '=', subjectId).executeTakeFirst();
    if (!row) throw notFound('Subject');
    if (row.restricted_at !== null) return;
    await tx
      .updateTable('subjects')
      .set({ restricted_at: iso(deps.clock.now()), restriction_request_id: ctx.requestId })
      .where('org_id', '=', orgId)
      .where('id', '=', subjectId)
      .execute();
    await deps.audit.append(tx, orgId, ctx.actor, { type: 'subject.restricted', data: { subjectId, requestId: ctx.requestId } });
  });
}

/**
 * Lifts a restriction. `noticeText` is what the subject is (or was) told before the lift (Art. 18(3)); it must not
 * be empty. Sending it is the caller's (the request handling's); this records that it was told.
 */
export async function liftRestriction(
  deps: Deps,
  orgId: OrgId,
  subjectId: string,
  ctx: { requestId: string; actor: AuditActor; noticeText: string },
): Promise<void> {
  const notice = ctx.noticeText.trim();
  if (notice === '') {
    throw new AppError('VALIDATION_FAILED', 'Write the notice that tells the person the restriction is being lifted: it cannot be lifted without telling them.', {
      details: { fields: ['noticeText'] },
    });
  }
  const noticeHash = createHash('sha256').update(notice, 'utf8').digest('hex');
  await deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('subjects').select(['id', 'restricted_at']).where('org_id', '=', orgId).where('id', '=', subjectId).executeTakeFirst();
    if (!row) throw notFound('Subject');
    if (row.restricted_at === null) throw new AppError('CONFLICT', 'Processing of this person\'s data is not restricted.');
    await tx
      .updateTable('subjects')
      .set({ restricted_at: null, restriction_request_id: null })
      .where('org_id', '=', orgId)
      .where('id', '=', subjectId)
      .execute();
    await deps.audit.append(tx, orgId, ctx.actor, { type: 'subject.restriction_lifted', data: { subjectId, requestId: ctx.requestId, noticeHash } });
  });
}
