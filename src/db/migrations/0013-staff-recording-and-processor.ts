import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Issue 12 (findings 5 and 17). `call_types.staff_recording_interest`: the legitimate interest an organisation states
 * for recording its own staff in calls recorded with the customers' consent (G7); null means Parley's standard
 * wording. The basis itself is not a column: it follows the recording mode. `organisations.operator_*`: the processor
 * (whoever runs the installation) as this organisation's DPA and records of processing name it; null means the
 * installation's PARLEY_OPERATOR_* setting applies.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  // One column per statement: SQLite adds a single column per ALTER TABLE.
  await db.schema.alterTable('call_types').addColumn('staff_recording_interest', 'text').execute();
  await db.schema.alterTable('organisations').addColumn('operator_name', 'text').execute();
  await db.schema.alterTable('organisations').addColumn('operator_address', 'text').execute();
  await db.schema.alterTable('organisations').addColumn('operator_contact_email', 'text').execute();
}
