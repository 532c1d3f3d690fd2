import type { AuditActor } from '../audit/events.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import type { BreachView, EditBreachBody } from './breach.schema.ts';
import { breachExpiry, checkBreachRules, columnsOf, sealTexts, stateOf, type BreachState } from './breach-record.ts';
import { getBreach } from './list-breaches.ts';

type BreachDeps = Pick<Deps, 'db' | 'clock' | 'audit' | 'keys'>;

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sameInstant = (a: string | null, b: string | null) => (a === null || b === null ? a === b : new Date(a).getTime() === new Date(b).getTime());
const instantFields = new Set(['awareAt', 'authorityNotifiedAt', 'subjectsCommunicatedAt']);

/**
 * Edits a breach record: the given fields replace the stored ones, and the whole record must still satisfy every
 * rule (a late notification time needs its reason, the encrypted exemption its key statement). The audit event names
 * the changed fields, never their values. An edit that changes nothing writes nothing (and no event).
 */
export async function editBreach(deps: BreachDeps, orgId: OrgId, actor: AuditActor, breachId: string, body: EditBreachBody): Promise<BreachView> {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('breaches').selectAll().where('org_id', '=', orgId).where('id', '=', breachId).executeTakeFirst();
    if (!row) throw notFound('The breach');
    const before = stateOf(deps.keys, row);
    const after: BreachState = { ...before, ...(body as Partial<BreachState>) };
    const fields = (Object.keys(body) as (keyof BreachState)[]).filter((k) =>
      instantFields.has(k) ? !sameInstant(before[k] as string | null, after[k] as string | null) : !sameValue(before[k], after[k]),
    );
    if (fields.length === 0) return;
    checkBreachRules(after, now);
    if (before.authorityNotifiedAt !== null && after.authorityNotifiedAt === null) {
      throw new AppError('CONFLICT', 'The authority was already notified; correct the time rather than removing it.');
    }
    await tx
      .updateTable('breaches')
      .set({ ...columnsOf(after), details_sealed: sealTexts(deps.keys, row.id, after), updated_at: iso(now), expires_at: breachExpiry(new Date(after.awareAt)) })
      .where('org_id', '=', orgId)
      .where('id', '=', breachId)
      .execute();
    // Follow-up updates expire with their breach.
    await tx.updateTable('breach_updates').set({ expires_at: breachExpiry(new Date(after.awareAt)) }).where('org_id', '=', orgId).where('breach_id', '=', breachId).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'breach.edited', data: { breachId: row.id, fields: fields.sort() } });
  });
  return getBreach(deps.db, deps.keys, orgId, breachId, now);
}
