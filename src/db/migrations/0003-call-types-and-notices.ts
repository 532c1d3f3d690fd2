import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** Call types with their purposes and lawful bases, and versioned privacy notices. */
export async function up(_db: Kysely<unknown>, _dialect: Dialect): Promise<void> {}
