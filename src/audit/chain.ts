import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  readonly id: string;
  readonly org_id: string;
  readonly seq: number;
  readonly type: string;
  readonly actor_type: string;
  readonly actor_id: string | null;
  /** The event data as stored (JSON text). */
  readonly data: string;
  readonly created_at: string;
  readonly prev_hash: string;
}

/**
 * The hash of one audit row: SHA-256 over a canonical JSON of every stored field and the previous row's hash.
 * Keys are sorted, so the same row always hashes the same on either dialect.
 */
export function hashEvent(row: ChainedFields): string {
  const canonical = stringify({
    v: 1,
    id: row.id,
    org_id: row.org_id,
    seq: Number(row.seq),
    type: row.type,
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    data: row.data,
    created_at: row.created_at,
    prev_hash: row.prev_hash,
  });
  return createHash('sha256').update(canonical as string).digest('hex');
}
