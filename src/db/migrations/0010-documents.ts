import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Accountability documents (src/documents/): the sub-processors an organisation declares (G39; outside the EEA only
 * with a transfer tool, G53, enforced here as well as in the use case) and the state of its mini-DPIA (G51). Neither
 * holds personal data: companies, places, codes, a user id and timestamps.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('sub_processors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(name) between 1 and 200`))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull().check(sql`length(country) = 2`))
    .addColumn('in_eea', 'integer', (c) => c.notNull().check(sql`in_eea in (0, 1)`))
    .addColumn('transfer_tool', 'text', (c) => c.notNull().check(sql`transfer_tool in ('adequacy_decision', 'sccs_tia', 'none')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // G53 in the schema too: outside the EEA there is always a transfer tool.
    .addCheckConstraint('sub_processors_transfer_tool', sql`in_eea = 1 or transfer_tool <> 'none'`)
    .execute();
  await db.schema.createIndex('sub_processors_org').on('sub_processors').columns(['org_id', 'name']).execute();

  await db.schema
    .createTable('dpia_reviews')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('approved', 'needs_review')`))
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('approved_config', 'text')
    .addColumn('review_reasons', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
