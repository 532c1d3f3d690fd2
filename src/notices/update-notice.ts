import type { AuditActor } from '../audit/events.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { NoticeId, OrgId } from '../shared/ids.ts';
import { applyTextsInput, changedTextFields } from './apply-texts-input.ts';
import { toNoticeView } from './get-notice.ts';
import type { NoticeView, UpdateNoticeInput } from './notice.schema.ts';

/** Edits a draft's texts. A published version is immutable (G14), here and at the database. */
export async function updateNotice(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  noticeId: NoticeId,
  input: UpdateNoticeInput,
): Promise<NoticeView> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('privacy_notices').selectAll().where('org_id', '=', orgId).where('id', '=', noticeId).executeTakeFirst();
    if (!row) throw notFound('Privacy notice');
    if (row.status !== 'draft') {
      throw new AppError('CONFLICT', `Version ${row.version} is published and can no longer be changed. Create a new draft instead.`);
    }
    const current = toNoticeView(row);
    const texts = applyTextsInput(current.texts, input.texts);
    const fields = changedTextFields(current.texts, texts);
    if (fields.length === 0) return current;
    const now = iso(deps.clock.now());
    await tx
      .updateTable('privacy_notices')
      .set({ texts: JSON.stringify(texts), updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', noticeId)
      .where('status', '=', 'draft')
      .execute();
    await deps.audit.append(tx, orgId, actor, {
      type: 'privacy_notice.updated',
      data: { noticeId, version: current.version, fields },
    });
    return toNoticeView({ ...row, texts: JSON.stringify(texts), updated_at: now });
  });
}
