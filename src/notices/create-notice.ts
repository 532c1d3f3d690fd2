import type { AuditActor } from '../audit/events.ts';
import type { Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import { applyTextsInput } from './apply-texts-input.ts';
import { emptyNoticeTexts, getLatestPublishedNotice, toNoticeView } from './get-notice.ts';
import type { CreateNoticeInput, NoticeView } from './notice.schema.ts';

export const actorRef = (actor: AuditActor): string => (actor.type === 'user' || actor.type === 'api_token' ? actor.id : actor.type);

/**
 * On PostgreSQL, holds the organisation's row until commit so two version numbers are never handed out at once
 * (SQLite has a single writer anyway).
 */
export async function lockNoticeVersions(tx: Tx, dialect: Deps['dialect'], orgId: OrgId): Promise<void> {
  if (dialect === 'postgres') await tx.selectFrom('organisations').select('id').where('id', '=', orgId).forUpdate().execute();
}

/**
 * Starts a new draft with the next version number. It begins as a copy of the latest published version (so an
 * edit is a small change, not a rewrite), with whatever texts the caller sends on top.
 */
export async function createNotice(deps: Deps, orgId: OrgId, actor: AuditActor, input: CreateNoticeInput): Promise<NoticeView> {
  return deps.db.transaction().execute(async (tx) => {
    await lockNoticeVersions(tx, deps.dialect, orgId);
    const latest = await getLatestPublishedNotice(tx, orgId);
    const texts = applyTextsInput(latest?.texts ?? emptyNoticeTexts(), input.texts ?? {});
    const max = await tx
      .selectFrom('privacy_notices')
      .select((eb) => eb.fn.max('version').as('version'))
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    const version = Number(max?.version ?? 0) + 1;
    const now = iso(deps.clock.now());
    const row = {
      id: newId('notice'),
      org_id: orgId,
      version,
      status: 'draft',
      texts: JSON.stringify(texts),
      content_hash: null,
      created_by: actorRef(actor),
      created_at: now,
      updated_at: now,
      published_by: null,
      published_at: null,
    };
    await tx.insertInto('privacy_notices').values(row).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'privacy_notice.created', data: { noticeId: row.id, version } });
    return toNoticeView(row);
  });
}
