import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { DatabaseHandle, Dialect } from './database.ts';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-jobs-and-mail.ts';
import * as m0003 from './migrations/0003-call-types-and-notices.ts';
import * as m0004 from './migrations/0004-scheduling-and-consent.ts';
import * as m0005 from './migrations/0005-call-activity.ts';
import * as m0006 from './migrations/0006-recordings.ts';
import * as m0007 from './migrations/0007-retention-and-rights.ts';
import * as m0008 from './migrations/0008-expiry-checks.ts';
import * as m0009 from './migrations/0009-webhooks.ts';
import * as m0010 from './migrations/0010-documents.ts';
import * as m0011 from './migrations/0011-breaches.ts';
import * as m0012 from './migrations/0012-e2ee-recording.ts';
import * as m0013 from './migrations/0013-staff-recording-and-processor.ts';
import * as m0014 from './migrations/0014-totp-recovery-codes.ts';
import * as m0015 from './migrations/0015-mail-subjects.ts';
import * as m0016 from './migrations/0016-cluster-nodes.ts';

interface DialectMigration {
  up(db: Parameters<Migration['up']>[0], dialect: Dialect): Promise<void>;
}

/** Versioned migrations, in order. Append only: never edit one that has shipped. */
const migrations: Record<string, DialectMigration> = {
  '0001-foundation': m0001,
  '0002-jobs-and-mail': m0002,
  '0003-call-types-and-notices': m0003,
  '0004-scheduling-and-consent': m0004,
  '0005-call-activity': m0005,
  '0006-recordings': m0006,
  '0007-retention-and-rights': m0007,
  '0008-expiry-checks': m0008,
  '0009-webhooks': m0009,
  '0010-documents': m0010,
  '0011-breaches': m0011,
  '0012-e2ee-recording': m0012,
  '0013-staff-recording-and-processor': m0013,
  '0014-totp-recovery-codes': m0014,
  '0015-mail-subjects': m0015,
  '0016-cluster-nodes': m0016,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(migrations).map(([name, m]) => [name, { up: (db) => m.up(db, this.dialect) }]),
    );
  }
}

export interface MigrationReport {
  readonly applied: string[];
}

/** Brings the schema to the latest version; each migration runs in its own transaction. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: handle.db,
    provider: new StaticProvider(handle.dialect),
    // Kysely looks for its bookkeeping tables across all schemas unless told which one is ours.
    ...(handle.pgSchema ? { migrationTableSchema: handle.pgSchema } : {}),
  });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
