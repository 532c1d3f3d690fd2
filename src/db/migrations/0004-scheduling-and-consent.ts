import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Subjects (the customers), scheduled calls and their participants, and the consent ledger. Each row carries
 * its purpose, data category and an expiry computed from the call type's retention (G25).
 *
 * The consent ledger is append-only (G11): a withdrawal is a new row, never an edit. UPDATE is refused at the
 * database always; DELETE only inside the retention job — on PostgreSQL it sets `parley.retention = on` for its
 * transaction, on SQLite it holds a row in `retention_unlock` for its transaction.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const personal = (name: string) => sql`${sql.ref(name)} <> ''`;

  await db.schema
    .createTable('subjects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .addUniqueConstraint('subjects_org_email', ['org_id', 'email'])
    .execute();

  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('call_type_id', 'text', (c) => c.notNull().references('call_types.id'))
    /** The call type's version when scheduled (or last rescheduled): what the invitation described. */
    .addColumn('call_type_version', 'integer', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('scheduled', 'cancelled', 'ended')`))
    /** Bumped on every reschedule: the invitation's .ics SEQUENCE. */
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cancelled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('calls_org_start').on('calls').columns(['org_id', 'starts_at']).execute();

  await db.schema
    .createTable('participants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('agent', 'customer')`))
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('subject_id', 'text', (c) => c.references('subjects.id'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .addCheckConstraint('participants_who', sql`(kind = 'agent' and user_id is not null) or (kind = 'customer' and subject_id is not null)`)
    .execute();
  await db.schema.createIndex('participants_call').on('participants').columns(['call_id']).execute();
  await db.schema.createIndex('participants_subject').on('participants').columns(['subject_id']).execute();

  await db.schema
    .createTable('consent_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('subject_id', 'text', (c) => c.notNull().references('subjects.id'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
    /** The consent-based purpose asked about (e.g. `recording`). */
    .addColumn('consent_purpose', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('given', 'declined', 'withdrawn')`))
    /** For a withdrawal: the record it withdraws. */
    .addColumn('withdraws_id', 'text', (c) => c.references('consent_records.id'))
    /** SHA-256 of the exact consent text shown. */
    .addColumn('text_hash', 'text', (c) => c.notNull())
    .addColumn('notice_id', 'text', (c) => c.notNull())
    .addColumn('notice_version', 'integer', (c) => c.notNull())
    .addColumn('notice_hash', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    /** Server UTC time. No IP address is stored (G11). */
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .addCheckConstraint('consent_records_withdrawal', sql`(action = 'withdrawn') = (withdraws_id is not null)`)
    .execute();
  await db.schema.createIndex('consent_records_subject').on('consent_records').columns(['org_id', 'subject_id']).execute();
  await db.schema.createIndex('consent_records_participant').on('consent_records').columns(['participant_id']).execute();

  if (dialect === 'sqlite') {
    await db.schema.createTable('retention_unlock').addColumn('txn', 'text', (c) => c.primaryKey()).execute();
    await sql`create trigger consent_records_no_update before update on consent_records
      begin select raise(abort, 'consent_records is append-only'); end`.execute(db);
    await sql`create trigger consent_records_no_delete before delete on consent_records
      when (select count(*) from retention_unlock) = 0
      begin select raise(abort, 'consent records are deleted only by the retention job'); end`.execute(db);
  } else {
    await sql`create function consent_records_guard() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' and coalesce(current_setting('parley.retention', true), '') = 'on' then
          return old;
        end if;
        raise exception 'consent_records is append-only; deletes only by the retention job';
      end $$`.execute(db);
    await sql`create trigger consent_records_guard before update or delete on consent_records
      for each row execute function consent_records_guard()`.execute(db);
  }
}
