import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The breach register (G48–G50, issue 7). One row per personal-data breach: when the controller became aware (the
 * Art. 33(1) 72 h clock starts there), its type, the approximate numbers affected, the notify decision, when the
 * supervisory authority was notified and the Art. 34 communication to data subjects. Every free-text field (categories,
 * consequences, measures, contact, reasons, the key statement) is sealed together in `details_sealed`: a breach
 * description may well name people. Follow-up updates are append-only rows of their own, sealed too.
 *
 * Kind columns (`decision`, `subject_communication`) have no CHECK of their own: zod refuses other values at the edge,
 * and a CHECK there would fail before the empty-expiry check the schema test relies on (PostgreSQL checks constraints
 * in name order).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('breaches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    /** When the controller became aware of the breach: the 72 h clock starts here (Art. 33(1)). */
    .addColumn('aware_at', 'text', (c) => c.notNull())
    /** JSON array of 'confidentiality' | 'integrity' | 'availability' (one or more). */
    .addColumn('types', 'text', (c) => c.notNull())
    /** Approximate numbers; null when not yet known. */
    .addColumn('approx_subjects', 'integer')
    .addColumn('approx_records', 'integer')
    /** 'pending' | 'notify' | 'not_notify'. */
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('authority_notified_at', 'text')
    /** 'pending' | 'not_required' | 'communicated' | 'exempt_encrypted' | 'exempt_measures' | 'exempt_public_notice'. */
    .addColumn('subject_communication', 'text', (c) => c.notNull())
    .addColumn('subjects_communicated_at', 'text')
    /** JSON of every free-text field, sealed with the key provider (label breach-register, context the breach id). */
    .addColumn('details_sealed', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose <> ''`))
    .addColumn('data_category', 'text', (c) => c.notNull().check(sql`data_category <> ''`))
    .addCheckConstraint('breaches_expires_at_set', sql`expires_at <> ''`)
    .execute();
  await db.schema.createIndex('breaches_org_aware').on('breaches').columns(['org_id', 'aware_at']).execute();

  await db.schema
    .createTable('breach_updates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('breach_id', 'text', (c) => c.notNull().references('breaches.id'))
    /** When it was recorded (server time). */
    .addColumn('at', 'text', (c) => c.notNull())
    /** The follow-up text, sealed (context: the update id). */
    .addColumn('text_sealed', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose <> ''`))
    .addColumn('data_category', 'text', (c) => c.notNull().check(sql`data_category <> ''`))
    .addCheckConstraint('breach_updates_expires_at_set', sql`expires_at <> ''`)
    .execute();
  await db.schema.createIndex('breach_updates_breach').on('breach_updates').columns(['org_id', 'breach_id', 'at']).execute();
}
