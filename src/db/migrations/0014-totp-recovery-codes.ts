import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * TOTP recovery codes (issue 12): single-use codes a person keeps on paper, so a lost phone does not lock them out.
 * Only a keyed hash of each code is stored (src/accounts/recovery-codes.ts); the hash is the key, so a code is looked
 * up directly and marked used by one conditional UPDATE. A set is replaced as a whole when it is made again and
 * deleted when the second factor is reset.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('totp_recovery_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose <> ''`))
    .addColumn('data_category', 'text', (c) => c.notNull().check(sql`data_category <> ''`))
    .execute();
  await db.schema.createIndex('totp_recovery_codes_user').on('totp_recovery_codes').columns(['user_id']).execute();
}
