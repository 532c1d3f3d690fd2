import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** The job queue on the SQL store, and the mail outbox. */
export async function up(_db: Kysely<unknown>, _dialect: Dialect): Promise<void> {}
