import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accountRoutes } from './accounts/routes.ts';
import { createAuditLog } from './audit/append-event.ts';
import { auditRoutes } from './audit/routes.ts';
import { callTypeRoutes } from './call-types/routes.ts';
import type { Config } from './config/load.ts';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { Deps } from './deps.ts';
import { buildHttpApp, type ParleyApp, type RouteModule } from './http/app.ts';
import { healthRoutes } from './http/health-routes.ts';
import type { KeyProvider } from './keys/key-provider.ts';
import { loadOrCreateMasterKey } from './keys/local/local-key-provider.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { E2eeUploads } from './recording/e2ee-uploads.ts';
import { e2eeUploadRoutes, recordingKeyRoutes } from './recording/e2ee-routes.ts';
import { noticeRoutes } from './notices/routes.ts';
import { organisationRoutes } from './organisations/routes.ts';
import { createJobRunner, reclaimDeadLeases, type JobRunner } from './jobs/job-runner.ts';
import { createMailTransport } from './mail/mail-transport.ts';
import { mailRoutes } from './mail/routes.ts';
import { schedulingRoutes } from './scheduling/routes.ts';
import { joinRoutes } from './join/routes.ts';
import { consentRoutes } from './consent/routes.ts';
import { recordingRoutes } from './recording/routes.ts';
import { rightsRequestRoutes } from './subject-rights/routes.ts';
import { exportRoutes } from './subject-rights/export-routes.ts';
import { recoverInterruptedExports } from './subject-rights/access-export.ts';
import { closeAttendanceLeftOpen } from './calls/call-records.ts';
import { createSendMailHandler } from './mail/send-mail.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import type { MediaEngine } from './media/media-api.ts';
import { MediaServer } from './media/media-server.ts';
import { WorkerPool } from './media/worker/worker-pool.ts';
import { createEraseWithdrawnHandler } from './recording/erase-withdrawn.ts';
import { createPurgeHandler } from './retention/purge-job.ts';
import { legalHoldRoutes } from './retention/routes.ts';
import { recoverRecordings } from './recording/recovery.ts';
import { ParleySignals } from './shared/signals.ts';
import { openBlobStore } from './storage/open-blob-store.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { CallHub, type CallHubOptions } from './media/signalling/call-hub.ts';
import { signallingRoutes } from './media/signalling/routes.ts';
import { createDeliverWebhookHandler, createPruneDeliveriesHandler } from './webhooks/deliver-webhook.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { documentRoutes } from './documents/routes.ts';
import { breachRoutes } from './breaches/routes.ts';
import { createMetrics } from './metrics/metrics.ts';
import { ClusterNode, newNodeId, type ClusterTimings } from './cluster/cluster-node.ts';
import { ClusterCalls, type ClusterCallsOptions } from './cluster/cluster-calls.ts';
import { ClusterE2eeUploads } from './cluster/cluster-e2ee-uploads.ts';
import { availableParallelism, loadavg } from 'node:os';
import { metricsRoutes } from './metrics/routes.ts';

/** Every capability's HTTP routes, in one list: adding a capability adds a line here. */
export const routeModules: readonly RouteModule[] = [healthRoutes, accountRoutes, organisationRoutes, auditRoutes, mailRoutes, schedulingRoutes, joinRoutes, consentRoutes, callTypeRoutes, noticeRoutes, recordingRoutes, recordingKeyRoutes, rightsRequestRoutes, legalHoldRoutes, exportRoutes, webhookRoutes, breachRoutes, documentRoutes];

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/web');

export interface Parley {
  readonly deps: Deps;
  readonly app: ParleyApp;
  readonly database: DatabaseHandle;
  /** Background work (mail, later retention). `parley start` starts it; tests call `runDue()`. */
  readonly jobs: JobRunner;
  /** Live calls: signalling sockets; their media in this process (MediaServer) or in media workers (WorkerPool). */
  readonly calls: CallHub;
  readonly media: MediaEngine;
  /** Cluster mode (PARLEY_REDIS_URL): this node's placement, bridge and recovery; null on a single node. */
  readonly cluster: ClusterCalls | null;
  /**
   * Cluster mode, on SIGTERM: takes no new calls, lets the running ones go on until they end or `timeoutMs` passed,
   * then hands them over (their participants reconnect to another node). Resolves when nothing is hosted here.
   */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface BuildOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly keys?: KeyProvider;
  readonly database?: DatabaseOptions;
  /** A blob store other than the configured one (tests). */
  readonly blobs?: BlobStore;
  readonly webRoot?: string | null;
  /** Signalling timings (heartbeat, grace period, negotiation); tests shorten them. */
  readonly calls?: Omit<CallHubOptions, 'media'> & {
    readonly negotiationTimeoutMs?: number;
    /** Media worker processes, instead of the configured number (PARLEY_MEDIA_WORKERS); 0: media in this process. */
    readonly mediaWorkers?: number;
  };
  /** Cluster timings (registration, recovery); tests shorten them. */
  readonly cluster?: ClusterTimings & ClusterCallsOptions;
}

/** Opens the database and key store, ready for commands that need no HTTP server (migrate, audit verify). */
export function buildCore(config: Config, options: BuildOptions = {}) {
  // The blob store's directory exists from the first start, private to the service user.
  mkdirSync(config.blobDir, { recursive: true, mode: 0o700 });
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const keys = options.keys ?? loadOrCreateMasterKey(config.masterKeyFile).provider;
  const clock = options.clock ?? systemClock;
  const database = openDatabase(config.database, options.database);
  const deps: Deps = {
    config,
    logger,
    db: database.db,
    dialect: database.dialect,
    keys,
    clock,
    audit: createAuditLog({ clock }),
    blobs: options.blobs ?? openBlobStore(config),
    signals: new ParleySignals((err) => logger.error({ err }, 'signal listener failed')),
    nodeId: config.cluster ? newNodeId() : null,
    redis: null,
    lifecycle: { draining: false },
  };
  return { deps, database };
}

/** The composition root: config in, a migrated database and a ready (not yet listening) HTTP app out. */
export async function buildParley(config: Config, options: BuildOptions = {}): Promise<Parley> {
  const core = buildCore(config, options);
  const { database } = core;
  // Cluster mode: this node registers with the others in Redis before it takes anything on.
  const node = config.cluster && core.deps.nodeId ? new ClusterNode(core.deps.nodeId, config.cluster.redisUrl, core.deps.logger, options.cluster) : null;
  const deps: Deps = node ? { ...core.deps, redis: node.redis } : core.deps;
  let cluster: ClusterCalls | null = null;
  try {
    const { applied } = await migrateToLatest(database);
    if (applied.length > 0) deps.logger.info({ applied }, 'database migrated');
    if (node) {
      await node.start();
      cluster = new ClusterCalls(deps, node, options.cluster);
      // What dead nodes were recording (never what a live node still writes) is recovered by one node at a time.
      await cluster.recover();
    } else {
      // Recordings a crash interrupted are finalised as `incomplete` before any new call starts (issue 5).
      const recovered = await recoverRecordings(deps);
      if (recovered.tracks > 0) deps.logger.warn(recovered, 'recordings interrupted by a crash were recovered');
      await recoverInterruptedExports(deps);
      const closed = await closeAttendanceLeftOpen(deps);
      if (closed > 0) deps.logger.warn({ attendance: closed }, 'attendance of calls interrupted by a crash was closed');
      // Jobs a crash left claimed are run again now rather than after their lease (jobs/job-runner.ts).
      const reclaimed = await reclaimDeadLeases(deps.db, deps.clock);
      if (reclaimed > 0) deps.logger.warn({ jobs: reclaimed }, 'jobs interrupted by a crash were queued again');
    }
    // Live calls hold state (sockets, rooms), so their routes get the instance built here.
    const { negotiationTimeoutMs, mediaWorkers = config.media.workers, ...hubOptions } = options.calls ?? {};
    const media: MediaEngine =
      mediaWorkers > 0
        ? new WorkerPool({
            workers: mediaWorkers,
            network: { announcedIp: config.rtc.announcedIp, portRange: config.rtc.portRange },
            logger: deps.logger,
            logLevel: deps.logger.level,
            negotiationTimeoutMs,
            blobs: { blobs: config.blobs, blobDir: config.blobDir },
          })
        : new MediaServer({
            network: config.rtc,
            logger: deps.logger,
            ...(negotiationTimeoutMs !== undefined ? { negotiationTimeoutMs } : {}),
          });
    if (media instanceof WorkerPool) await media.ready();
    // Recordings of E2EE calls are uploaded by the agent's browser while the call runs: live state as well.
    const e2eeUploads = new E2eeUploads(deps.db);
    // A call's captures run beside its tracks: in the media worker that holds them, or in this process.
    const captures = media instanceof WorkerPool ? (callId: string) => media.captureHost(callId) : undefined;
    const calls = new CallHub(deps, { ...hubOptions, media, e2eeUploads, ...(captures ? { captures } : {}), ...(cluster ? { placement: cluster } : {}) });
    if (cluster && node) {
      cluster.attach(calls);
      const cores = availableParallelism();
      node.reportLoad(() => {
        const c = calls.counts();
        return { mediaWorkers: Math.max(1, mediaWorkers), calls: c.calls, participants: c.participants, cpu: Math.round((loadavg()[0]! / cores) * 100) / 100 };
      });
    }
    const metrics = createMetrics(deps, {
      liveCounts: () => calls.counts(),
      mediaTraffic: () => media.mediaTraffic(),
      mediaWorkers: () => (media instanceof WorkerPool ? { configured: mediaWorkers, running: media.liveWorkers } : { configured: 0, running: 0 }),
      ...(cluster ? { cluster: () => cluster!.stats() } : {}),
    });
    const app = await buildHttpApp(deps, {
      routes: [
        ...routeModules,
        signallingRoutes(calls, cluster ? (orgId) => cluster!.presence(calls, orgId) : undefined),
        e2eeUploadRoutes(cluster && node ? new ClusterE2eeUploads(e2eeUploads, node, deps.db) : e2eeUploads),
        metricsRoutes(metrics),
      ],
      webRoot: options.webRoot === null ? undefined : (options.webRoot ?? WEB_ROOT),
    });
    const mailTransport = createMailTransport(config.mail);
    const jobs = createJobRunner({
      db: deps.db,
      dialect: deps.dialect,
      clock: deps.clock,
      logger: deps.logger,
      pollMs: config.jobs.pollMs,
      handlers: {
        'mail.send': createSendMailHandler(deps, mailTransport),
        'recording.erase_withdrawn': createEraseWithdrawnHandler(deps),
        'retention.purge': createPurgeHandler(deps),
        'webhook.deliver': createDeliverWebhookHandler(deps),
        'webhook.prune': createPruneDeliveriesHandler(deps),
      },
    });
    return {
      deps,
      app,
      database,
      jobs,
      calls,
      media,
      cluster,
      async drain(timeoutMs) {
        if (!cluster || !node) return;
        deps.lifecycle.draining = true;
        await node.drain();
        const log = deps.logger.child({ module: 'cluster' });
        log.info({ calls: calls.counts().calls, timeoutMs }, 'draining: no new calls here; running calls go on');
        const deadline = Date.now() + timeoutMs;
        while (calls.counts().calls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
        const moved = await calls.handOver();
        if (moved > 0) log.warn({ moved }, 'drain timeout: the calls still running were handed over to other nodes');
        await calls.settled();
      },
      async close() {
        cluster?.close();
        calls.close();
        // The last attendance and quality rows of open calls are written as they close: let them land before the
        // database goes away.
        await calls.settled();
        media.close();
        await jobs.stop();
        await app.close();
        mailTransport.close();
        await deps.blobs.close();
        await node?.close();
        await database.close();
        metrics.clear();
      },
    };
  } catch (err) {
    cluster?.close();
    await node?.close();
    await database.close();
    throw err;
  }
}
