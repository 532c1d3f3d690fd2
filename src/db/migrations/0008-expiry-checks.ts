import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * No empty expiry (G25). Every customer-data table's `expires_at` is NOT NULL already; this refuses the empty
 * string too (mail_outbox even had '' as its column default in 0007). PostgreSQL gets a CHECK constraint (which
 * also validates the rows already there); SQLite cannot add a CHECK to an existing table without rebuilding it,
 * so it gets triggers before insert and before update of the column, with the same effect.
 *
 * Also the indexes the retention purge needs to ask "does a row that stays still refer to this one?" (foreign keys
 * without an index of their own, src/retention/purge.ts) without scanning whole tables.
 */
const tables = [
  'mail_outbox',
  'subjects',
  'calls',
  'participants',
  'consent_records',
  'call_attendance',
  'call_chat_messages',
  'call_quality',
  'recordings',
  'recording_tracks',
  'rights_requests',
  'subject_exports',
] as const;

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.createIndex('consent_records_call').on('consent_records').columns(['call_id']).execute();
  await db.schema.createIndex('consent_records_withdraws').on('consent_records').columns(['withdraws_id']).execute();
  await db.schema.createIndex('recording_tracks_call').on('recording_tracks').columns(['call_id']).execute();
  await db.schema.createIndex('call_attendance_call_only').on('call_attendance').columns(['call_id']).execute();
  await db.schema.createIndex('call_chat_messages_call_only').on('call_chat_messages').columns(['call_id']).execute();
  await db.schema.createIndex('call_quality_call_only').on('call_quality').columns(['call_id']).execute();
  await db.schema.createIndex('recordings_call_only').on('recordings').columns(['call_id']).execute();
  await db.schema.createIndex('consent_records_subject_only').on('consent_records').columns(['subject_id']).execute();
  await db.schema.createIndex('recording_tracks_subject_only').on('recording_tracks').columns(['subject_id']).execute();
  await db.schema.createIndex('rights_requests_subject').on('rights_requests').columns(['subject_id']).execute();
  await db.schema.createIndex('subject_exports_subject').on('subject_exports').columns(['subject_id']).execute();
  await db.schema.createIndex('subject_exports_request_only').on('subject_exports').columns(['request_id']).execute();
  for (const table of tables) {
    if (dialect === 'postgres') {
      await sql`alter table ${sql.table(table)} add constraint ${sql.ref(`${table}_expires_at_set`)} check (expires_at <> '')`.execute(db);
      continue;
    }
    for (const [when, event] of [
      ['insert', 'insert'],
      ['update', 'update of expires_at'],
    ] as const) {
      await sql`create trigger ${sql.ref(`${table}_expires_at_${when}`)} before ${sql.raw(event)} on ${sql.table(table)}
        when new.expires_at is null or new.expires_at = ''
        begin select raise(abort, ${sql.lit(`${table}.expires_at must not be empty (G25)`)}); end`.execute(db);
    }
  }
}
