import type { DbOrTx } from '../db/database.ts';
import type { KeyProvider } from '../keys/key-provider.ts';
import { notFound } from '../shared/app-error.ts';
import type { OrgId } from '../shared/ids.ts';
import type { BreachView } from './breach.schema.ts';
import { toBreachView } from './breach-record.ts';

/** The organisation's breaches, the most recent awareness first, each with its clock at `now`. */
export async function listBreaches(db: DbOrTx, keys: KeyProvider, orgId: OrgId, now: Date): Promise<BreachView[]> {
  const rows = await db.selectFrom('breaches').selectAll().where('org_id', '=', orgId).orderBy('aware_at', 'desc').orderBy('id').limit(500).execute();
  if (rows.length === 0) return [];
  const updates = await db
    .selectFrom('breach_updates')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('breach_id', 'in', rows.map((r) => r.id))
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((r) => toBreachView(keys, r, updates.filter((u) => u.breach_id === r.id), now));
}

/** One breach of the organisation (404 for any other id, including another organisation's). */
export async function getBreach(db: DbOrTx, keys: KeyProvider, orgId: OrgId, breachId: string, now: Date): Promise<BreachView> {
  const row = await db.selectFrom('breaches').selectAll().where('org_id', '=', orgId).where('id', '=', breachId).executeTakeFirst();
  if (!row) throw notFound('The breach');
  const updates = await db.selectFrom('breach_updates').selectAll().where('org_id', '=', orgId).where('breach_id', '=', breachId).orderBy('at').orderBy('id').execute();
  return toBreachView(keys, row, updates, now);
}
