import type { AuditActor } from '../audit/events.ts';
import { tagged } from '../db/personal-data.ts';
import type { BreachUpdatesTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import type { BreachView } from './breach.schema.ts';
import { BREACH_SEAL_LABEL } from './breach-record.ts';
import { getBreach } from './list-breaches.ts';

type BreachDeps = Pick<Deps, 'db' | 'clock' | 'audit' | 'keys'>;

/**
 * Appends a follow-up update to a breach (what was learnt or done since). Updates are never edited or removed: the
 * register shows how the handling went, in order. The text is sealed; the audit event holds the ids only.
 */
export async function addBreachUpdate(deps: BreachDeps, orgId: OrgId, actor: AuditActor, by: string, breachId: string, text: string): Promise<BreachView> {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const breach = await tx.selectFrom('breaches').select(['id', 'expires_at']).where('org_id', '=', orgId).where('id', '=', breachId).executeTakeFirst();
    if (!breach) throw notFound('The breach');
    const id = newId('breachUpdate');
    const row: BreachUpdatesTable = {
      id,
      org_id: orgId,
      breach_id: breach.id,
      at: iso(now),
      text_sealed: deps.keys.seal(BREACH_SEAL_LABEL, id, text),
      created_by: by,
      expires_at: breach.expires_at,
      ...tagged('breach_updates'),
    };
    await tx.insertInto('breach_updates').values(row).execute();
    await tx.updateTable('breaches').set({ updated_at: iso(now) }).where('id', '=', breach.id).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'breach.update_added', data: { breachId: breach.id, updateId: id } });
  });
  return getBreach(deps.db, deps.keys, orgId, breachId, now);
}
