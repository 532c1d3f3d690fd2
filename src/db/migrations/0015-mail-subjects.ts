import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The customer a message is to or about (issue 12, finding 2). Until now erasure found a customer's mail only by
 * the recipient address, so the agent's confirmation — to the agent, naming the customer — survived her erasure.
 * Nullable: staff mail and requests not yet matched to a customer have none. No foreign key: the subject row may be
 * deleted by erasure or the purge while a message about them is deleted in the same step or by mail retention.
 *
 * Messages queued before this migration carry no link; the ones naming a customer to someone else (agent
 * confirmations) are deleted by mail retention (PARLEY_MAIL_RETENTION_DAYS) — see docs/data-inventory.md.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('subject_id', 'text').execute();
  await db.schema.createIndex('mail_outbox_subject').on('mail_outbox').columns(['org_id', 'subject_id']).execute();
}
