import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config/load.ts';

/**
 * The dialects a database test runs on: SQLite always, PostgreSQL when PARLEY_TEST_POSTGRES_URL is set
 * (`.ci/run` sets it). Without it the PostgreSQL variants are reported as skipped, never as passed.
 */
export const postgresUrl = process.env.PARLEY_TEST_POSTGRES_URL || undefined;

export interface TestDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly available: boolean;
}

export const dialects: readonly TestDialect[] = [
  { name: 'sqlite', available: true },
  { name: 'postgres', available: postgresUrl !== undefined },
];

export interface TestDatabase {
  readonly config: DatabaseConfig;
  readonly pgSchema?: string;
  drop(): Promise<void>;
}

/**
 * Kysely's introspection (which its migrator uses) lists the tables of every schema in the database and looks each
 * schema and table up by name; when another test file drops its schema at that moment, the lookup fails ("schema
 * parley_t_… does not exist") and a test that did nothing wrong fails with it. Every test schema lives in one
 * database, so work that introspects — building a Parley (it migrates), migrating, listing tables — holds a shared
 * advisory lock, and dropping a schema takes it exclusively: drops wait until no introspection runs, and
 * introspections run side by side. Nothing of this exists on SQLite (a file per test).
 */
const SCHEMA_DDL_LOCK = 0x7061726c; // 'parl'

export async function introspecting<T>(dialect: TestDialect['name'], work: () => Promise<T>): Promise<T> {
  if (dialect !== 'postgres' || !postgresUrl) return work();
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock_shared($1)', [SCHEMA_DDL_LOCK]);
    return await work();
  } finally {
    await client.end(); // ends the session, and with it the lock
  }
}

/** A fresh, empty database: a new SQLite file, or a new schema in the PostgreSQL test database. */
export async function freshDatabase(dialect: TestDialect['name'], dir: string): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    return { config: { dialect: 'sqlite', file: `${dir}/parley.db` }, drop: async () => {} };
  }
  if (!postgresUrl) throw new Error('PARLEY_TEST_POSTGRES_URL is not set');
  const schema = `parley_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    config: { dialect: 'postgres', url: postgresUrl },
    pgSchema: schema,
    async drop() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      try {
        await c.query('begin');
        await c.query('select pg_advisory_xact_lock($1)', [SCHEMA_DDL_LOCK]);
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.query('commit');
      } finally {
        await c.end();
      }
    },
  };
}
