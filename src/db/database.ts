import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config/load.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
/** A transaction, passed explicitly to whatever must write inside it (STYLE 3, 10). */
export type Tx = Transaction<Database>;
/** Either the database or an open transaction: read helpers accept both. */
export type DbOrTx = Db | Tx;

export interface DatabaseHandle {
  readonly db: Db;
  readonly dialect: Dialect;
  /** PostgreSQL schema in use when not the default one. */
  readonly pgSchema?: string | undefined;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL only: run with this schema first on the search path (tests use a fresh schema per run). */
  readonly pgSchema?: string;
}

export function openDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): DatabaseHandle {
  if (config.dialect === 'sqlite') {
    if (config.file !== ':memory:') mkdirSync(path.dirname(config.file), { recursive: true });
    const sqlite = new SQLite(config.file);
    // WAL lets readers go on while one writer commits; NORMAL sync is durable at checkpoints and safe with WAL.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  // pg returns int8 as string; Parley never stores numbers beyond 2^53, so parse them.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
  const pool = new pg.Pool({
    connectionString: config.url,
    max: 10,
    ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', pgSchema: options.pgSchema, close: () => db.destroy() };
}

/** Readiness probe: one round trip. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/** SQLite returns counts as numbers, PostgreSQL as strings: normalise. */
export function toCount(value: string | number | bigint | null | undefined): number {
  return Number(value ?? 0);
}
