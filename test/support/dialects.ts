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
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}
