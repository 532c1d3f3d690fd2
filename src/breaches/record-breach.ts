import type { AuditActor } from '../audit/events.ts';
import { tagged } from '../db/personal-data.ts';
import type { BreachesTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import type { BreachView, RecordBreachBody } from './breach.schema.ts';
import { breachExpiry, checkBreachRules, columnsOf, sealTexts, toBreachView } from './breach-record.ts';

type BreachDeps = Pick<Deps, 'db' | 'clock' | 'audit' | 'keys'>;

/**
 * Records a breach in the register (G49). The rules of Art. 33/34 are checked on the whole record (checkBreachRules);
 * the free text is sealed; the audit event (ids and type codes only) is written in the same transaction.
 */
export async function recordBreach(deps: BreachDeps, orgId: OrgId, actor: AuditActor, by: string, body: RecordBreachBody): Promise<BreachView> {
  const now = deps.clock.now();
  checkBreachRules(body, now);
  const id = newId('breach');
  const row: BreachesTable = {
    id,
    org_id: orgId,
    ...columnsOf(body),
    details_sealed: sealTexts(deps.keys, id, body),
    created_by: by,
    created_at: iso(now),
    updated_at: iso(now),
    expires_at: breachExpiry(new Date(body.awareAt)),
    ...tagged('breaches'),
  };
  return deps.db.transaction().execute(async (tx) => {
    await tx.insertInto('breaches').values(row).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'breach.recorded', data: { breachId: id, types: body.types } });
    return toBreachView(deps.keys, row, [], now);
  });
}
