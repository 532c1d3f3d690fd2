import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Retention and data-subject rights (issue 6). Every stored item with personal data has an expiry (G25): mail in
 * the outbox gets one here (existing rows: 30 days after they were queued). Legal holds suspend deletion of what
 * they cover (G37); legal-obligation recordings carry the end of their minimum period and the authority's
 * extension (G56). Rights requests (G28–G31) with their Art. 12(3) due date and the one-time-code check; access
 * exports are encrypted blobs with their own key and expiry (G33); a subject can be restricted (G20).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const personal = (name: string) => sql`${sql.ref(name)} <> ''`;

  await db.schema.alterTable('mail_outbox').addColumn('expires_at', 'text', (c) => c.notNull().defaultTo('')).execute();
  // Existing mail: kept 30 days from when it was queued (the default of PARLEY_MAIL_RETENTION_DAYS).
  const rows = await db
    .selectFrom('mail_outbox' as never)
    .select(['id' as never, 'created_at' as never])
    .execute();
  for (const row of rows as { id: string; created_at: string }[]) {
    const expires = new Date(new Date(row.created_at).getTime() + 30 * 86_400_000).toISOString();
    await db
      .updateTable('mail_outbox' as never)
      .set({ expires_at: expires } as never)
      .where('id' as never, '=', row.id as never)
      .execute();
  }
  await db.schema.createIndex('mail_outbox_expiry').on('mail_outbox').columns(['expires_at']).execute();

  await db.schema
    .createTable('legal_holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    /** What the hold covers: everything about a subject, one call (and its recordings), or one recording. */
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('subject', 'call', 'recording')`))
    .addColumn('target_id', 'text', (c) => c.notNull())
    /** The case or authority reference the hold rests on (G37). */
    .addColumn('reference', 'text', (c) => c.notNull().check(sql`reference <> ''`))
    .addColumn('reason', 'text', (c) => c.notNull())
    /** The hold ends on this date (inclusive) unless released earlier or extended. */
    .addColumn('ends_on', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('released_at', 'text')
    .addColumn('released_by', 'text')
    .execute();
  await db.schema.createIndex('legal_holds_target').on('legal_holds').columns(['org_id', 'scope', 'target_id']).execute();

  // Legal-obligation recordings (G56): not deletable before `retain_until`; an authority may extend it (5 → 7
  // years) under a reference.
  await db.schema.alterTable('recordings').addColumn('retain_until', 'text').execute();
  await db.schema.alterTable('recordings').addColumn('extension_reference', 'text').execute();

  // Restriction of processing of everything about a subject (G20); lifting needs a notice to them.
  await db.schema.alterTable('subjects').addColumn('restricted_at', 'text').execute();
  await db.schema.alterTable('subjects').addColumn('restriction_request_id', 'text').execute();

  await db.schema
    .createTable('rights_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('access', 'erasure', 'restriction', 'objection', 'rectification')`))
    /** The address the requester gave, sealed (context: the request id); the code goes there. */
    .addColumn('email_sealed', 'text', (c) => c.notNull())
    /** A keyed hash of the normalised email, to find the subject and to rate-limit without reading the address. */
    .addColumn('email_hash', 'text', (c) => c.notNull())
    /** The subject the verified email belongs to; null when nothing is on file for it. */
    .addColumn('subject_id', 'text', (c) => c.references('subjects.id'))
    /** What the requester wrote (rectification: what is wrong), sealed; may be empty. */
    .addColumn('details_sealed', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('unverified', 'open', 'completed', 'refused', 'withdrawn', 'expired')`),
    )
    .addColumn('code_hash', 'text')
    .addColumn('code_expires_at', 'text')
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_at', 'text')
    .addColumn('verified_at', 'text')
    /** When the request was received: the Art. 12(3) clock starts here. */
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    /** An extension (up to two more months) with its reasons, told to the requester before the original due date. */
    .addColumn('extended_due_at', 'text')
    .addColumn('extension_reasons', 'text')
    .addColumn('extension_notified_at', 'text')
    .addColumn('completed_at', 'text')
    /** JSON: what was done (erased items, exceptions kept with their references, export id), no free text. */
    .addColumn('outcome', 'text')
    /** Reasons of a refusal, told to the requester with the right to complain (G30). */
    .addColumn('refusal_reasons', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('rights_requests_queue').on('rights_requests').columns(['org_id', 'status', 'due_at']).execute();
  await db.schema.createIndex('rights_requests_email').on('rights_requests').columns(['org_id', 'email_hash', 'created_at']).execute();

  await db.schema
    .createTable('subject_exports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('request_id', 'text', (c) => c.notNull().references('rights_requests.id'))
    .addColumn('subject_id', 'text', (c) => c.references('subjects.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('building', 'ready', 'failed', 'erased')`))
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', 'text')
    .addColumn('kek_version', 'integer')
    .addColumn('ciphertext_bytes', 'integer')
    .addColumn('plaintext_bytes', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('ready_at', 'text')
    .addColumn('downloaded_at', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('subject_exports_request').on('subject_exports').columns(['org_id', 'request_id']).execute();
}
