import type { DbOrTx } from '../db/database.ts';
import type { OrgId } from '../shared/ids.ts';
import type { NoticeView } from './notice.schema.ts';
import { toNoticeView } from './get-notice.ts';

/** Every version of the organisation's privacy notice, newest first. */
export async function listNotices(db: DbOrTx, orgId: OrgId): Promise<NoticeView[]> {
  const rows = await db.selectFrom('privacy_notices').selectAll().where('org_id', '=', orgId).orderBy('version', 'desc').execute();
  return rows.map(toNoticeView);
}
