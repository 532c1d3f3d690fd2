import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Cluster mode (issue 14): which node writes a recording and each of its tracks. When a node dies, one surviving
 * node recovers exactly the tracks of the dead one (never a track another live node is still writing), and the node
 * that takes the call over adopts the recording by setting this column in one conditional update. Null on a single
 * node: there, recovery at start takes every interrupted track, as before. Not personal data: an opaque process id.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('recordings').addColumn('node_id', 'text').execute();
  await db.schema.alterTable('recording_tracks').addColumn('node_id', 'text').execute();
}
