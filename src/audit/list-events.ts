import type { DbOrTx } from '../db/database.ts';
import type { OrgId } from '../shared/ids.ts';
import type { AuditEventType } from './events.ts';

export interface ListEventsFilter {
  readonly type?: AuditEventType | undefined;
  readonly actorId?: string | undefined;
  /** Inclusive lower bound, ISO-8601. */
  readonly from?: string | undefined;
  /** Exclusive upper bound, ISO-8601. */
  readonly to?: string | undefined;
  /** Return events older than this sequence number (paging backwards from the newest). */
  readonly beforeSeq?: number | undefined;
  readonly limit: number;
}

export interface AuditEventView {
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  readonly actor: { readonly type: string; readonly id: string | null };
  readonly data: Record<string, unknown>;
  readonly createdAt: string;
  readonly hash: string;
}

export async function listEvents(db: DbOrTx, orgId: OrgId, filter: ListEventsFilter) {
  let q = db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId);
  if (filter.type) q = q.where('type', '=', filter.type);
  if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
  if (filter.from) q = q.where('created_at', '>=', filter.from);
  if (filter.to) q = q.where('created_at', '<', filter.to);
  if (filter.beforeSeq !== undefined) q = q.where('seq', '<', filter.beforeSeq);
  const rows = await q.orderBy('seq', 'desc').limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const events: AuditEventView[] = page.map((r) => ({
    id: r.id,
    seq: Number(r.seq),
    type: r.type,
    actor: { type: r.actor_type, id: r.actor_id },
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: r.created_at,
    hash: r.hash,
  }));
  const last = events.at(-1);
  return { events, nextBeforeSeq: rows.length > filter.limit && last ? last.seq : null };
}
