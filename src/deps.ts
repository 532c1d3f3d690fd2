import type { AuditLog } from './audit/append-event.ts';
import type { Config } from './config/load.ts';
import type { Db, Dialect } from './db/database.ts';
import type { KeyProvider } from './keys/key-provider.ts';
import type { Logger } from './logging/logger.ts';
import type { Clock } from './shared/clock.ts';
import type { BlobStore } from './storage/blob-store.ts';
import type { ParleySignals } from './shared/signals.ts';
import type { Redis } from 'ioredis';

/**
 * What the composition root (main.ts) builds once and hands to every capability. Nothing here is a
 * module-level singleton; tests build their own.
 */
export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly dialect: Dialect;
  readonly keys: KeyProvider;
  readonly clock: Clock;
  readonly audit: AuditLog;
  /** Encrypted recordings (ciphertext only; keys are in the database, wrapped). */
  readonly blobs: BlobStore;
  /** In-process notifications between capabilities (after commit, ids only). */
  readonly signals: ParleySignals;
  /** This node's id in a cluster (PARLEY_REDIS_URL); null on a single node. Written on the recordings it writes. */
  readonly nodeId: string | null;
  /** Cluster mode: the Redis every node shares (rate limits count there); null on a single node. */
  readonly redis: Redis | null;
  /** Where this process stands: `draining` after SIGTERM in a cluster (readiness then answers 503). */
  readonly lifecycle: { draining: boolean };
}
