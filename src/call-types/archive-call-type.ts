import type { AuditActor } from '../audit/events.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { CallTypeId, OrgId } from '../shared/ids.ts';
import type { CallTypeView } from './call-type.schema.ts';
import { toCallTypeView } from './get-call-type.ts';

/**
 * Takes a call type out of use. It is never deleted: calls, consent records and retention refer to the
 * configuration they were made under. Archiving an archived call type changes nothing and records nothing.
 */
export async function archiveCallType(deps: Deps, orgId: OrgId, actor: AuditActor, callTypeId: CallTypeId): Promise<CallTypeView> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('call_types').selectAll().where('org_id', '=', orgId).where('id', '=', callTypeId).executeTakeFirst();
    if (!row) throw notFound('Call type');
    if (row.archived_at) return toCallTypeView(row);
    const now = iso(deps.clock.now());
    await tx
      .updateTable('call_types')
      .set({ archived_at: now, updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', callTypeId)
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'call_type.archived', data: { callTypeId } });
    return toCallTypeView({ ...row, archived_at: now, updated_at: now });
  });
}
