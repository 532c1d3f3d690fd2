import type { DbOrTx } from '../db/database.ts';
import type { OrgId } from '../shared/ids.ts';
import { GENESIS_HASH, hashEvent } from './chain.ts';

export type ChainBreak =
  | { readonly reason: 'hash_mismatch'; readonly seq: number; readonly eventId: string }
  | { readonly reason: 'prev_hash_mismatch'; readonly seq: number; readonly eventId: string }
  | { readonly reason: 'sequence_gap'; readonly seq: number; readonly eventId: string; readonly expectedSeq: number }
  | { readonly reason: 'head_mismatch'; readonly seq: number };

export interface ChainReport {
  readonly orgId: OrgId;
  readonly events: number;
  readonly ok: boolean;
  /** The first row where the chain no longer holds. */
  readonly firstBreak: ChainBreak | null;
}

const PAGE = 1000;

/**
 * Recomputes an organisation's chain from its first row: each row's hash over its own fields, each row's
 * link to the previous one, contiguous sequence numbers, and the stored head (which catches a cut-off tail).
 */
export async function verifyChain(db: DbOrTx, orgId: OrgId, onProgress?: (checked: number) => void): Promise<ChainReport> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      const breakAt = (b: ChainBreak): ChainReport => ({ orgId, events: checked, ok: false, firstBreak: b });
      if (seq !== expectedSeq) return breakAt({ reason: 'sequence_gap', seq, eventId: row.id, expectedSeq });
      if (row.prev_hash !== prevHash) return breakAt({ reason: 'prev_hash_mismatch', seq, eventId: row.id });
      if (hashEvent({ ...row, seq }) !== row.hash) return breakAt({ reason: 'hash_mismatch', seq, eventId: row.id });
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    onProgress?.(checked);
    if (rows.length < PAGE) break;
  }
  const head = await db.selectFrom('audit_heads').select(['seq', 'hash']).where('org_id', '=', orgId).executeTakeFirst();
  const headSeq = head ? Number(head.seq) : 0;
  if (headSeq !== checked || (head && head.hash !== prevHash)) {
    return { orgId, events: checked, ok: false, firstBreak: { reason: 'head_mismatch', seq: headSeq } };
  }
  return { orgId, events: checked, ok: true, firstBreak: null };
}

export function describeBreak(b: ChainBreak): string {
  switch (b.reason) {
    case 'hash_mismatch':
      return `event ${b.eventId} (seq ${b.seq}) was altered: its hash no longer matches its content`;
    case 'prev_hash_mismatch':
      return `event ${b.eventId} (seq ${b.seq}) does not link to the event before it`;
    case 'sequence_gap':
      return `event ${b.eventId} has seq ${b.seq} where ${b.expectedSeq} was expected: events are missing`;
    case 'head_mismatch':
      return `the chain head says ${b.seq} events, but the rows end earlier or differ: events were removed`;
    default: {
      const never: never = b;
      return never;
    }
  }
}
