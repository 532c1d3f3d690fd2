import type { DbOrTx } from '../db/database.ts';
import type { OrgId } from '../shared/ids.ts';
import type { CallTypeView } from './call-type.schema.ts';
import { toCallTypeView } from './get-call-type.ts';

export type CallTypeStatusFilter = 'active' | 'archived' | 'all';

/** The organisation's call types by name; archived ones only when asked for. */
export async function listCallTypes(db: DbOrTx, orgId: OrgId, options: { status: CallTypeStatusFilter }): Promise<CallTypeView[]> {
  let query = db.selectFrom('call_types').selectAll().where('org_id', '=', orgId);
  if (options.status === 'active') query = query.where('archived_at', 'is', null);
  if (options.status === 'archived') query = query.where('archived_at', 'is not', null);
  const rows = await query.orderBy('name').orderBy('created_at').execute();
  return rows.map(toCallTypeView);
}
