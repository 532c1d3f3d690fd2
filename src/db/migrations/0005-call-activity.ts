import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * What happens in a live call (issue 4): who was present when (`call_attendance`, call metadata), the chat
 * messages of call types that keep chat (`call_chat_messages`, sealed at rest), and the call's quality as
 * aggregates only (`call_quality`: minimum, average and maximum per metric over all participants, no participant
 * ids). A call the agent ended says when (`calls.ended_at`). Expiries come from the call type's retention.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const personal = (name: string) => sql`${sql.ref(name)} <> ''`;

  await db.schema.alterTable('calls').addColumn('ended_at', 'text').execute();

  await db.schema
    .createTable('call_attendance')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
    /** When the participant's socket joined (a customer may then wait in the lobby). */
    .addColumn('joined_at', 'text', (c) => c.notNull())
    /** When the participant was let in (at once without a lobby); null if never. */
    .addColumn('admitted_at', 'text')
    .addColumn('left_at', 'text')
    .addColumn('leave_reason', 'text', (c) => c.check(sql`leave_reason is null or leave_reason in ('left', 'timeout', 'declined', 'ended', 'closed')`))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('call_attendance_call').on('call_attendance').columns(['org_id', 'call_id']).execute();
  await db.schema.createIndex('call_attendance_participant').on('call_attendance').columns(['participant_id']).execute();

  await db.schema
    .createTable('call_chat_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
    .addColumn('sent_at', 'text', (c) => c.notNull())
    /** The message text, sealed with the key provider (context: the message id). */
    .addColumn('body_sealed', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('call_chat_messages_call').on('call_chat_messages').columns(['org_id', 'call_id', 'sent_at']).execute();
  await db.schema.createIndex('call_chat_messages_participant').on('call_chat_messages').columns(['participant_id']).execute();

  await db.schema
    .createTable('call_quality')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id'))
    /** The live session these figures cover (a call closed when everyone left and opened again is two). */
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text', (c) => c.notNull())
    .addColumn('samples', 'integer', (c) => c.notNull())
    .addColumn('bitrate_in_kbps_min', 'real')
    .addColumn('bitrate_in_kbps_avg', 'real')
    .addColumn('bitrate_in_kbps_max', 'real')
    .addColumn('bitrate_out_kbps_min', 'real')
    .addColumn('bitrate_out_kbps_avg', 'real')
    .addColumn('bitrate_out_kbps_max', 'real')
    .addColumn('packet_loss_pct_min', 'real')
    .addColumn('packet_loss_pct_avg', 'real')
    .addColumn('packet_loss_pct_max', 'real')
    .addColumn('rtt_ms_min', 'real')
    .addColumn('rtt_ms_avg', 'real')
    .addColumn('rtt_ms_max', 'real')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('call_quality_call').on('call_quality').columns(['org_id', 'call_id']).execute();
}
