import { sql } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Deps } from '../deps.ts';
import type { MediaTraffic } from '../media/counters.ts';
import { iso } from '../shared/clock.ts';

/** What the metrics read from the live parts of this node (the call hub, the media engine). */
export interface MetricsSources {
  /** Live calls, participants and signalling sockets on this node. */
  liveCounts(): { readonly calls: number; readonly participants: number; readonly sockets: number };
  mediaTraffic(): Promise<MediaTraffic>;
  /** Media worker processes configured, and running now (0 and 0: media in the API process). */
  mediaWorkers(): { readonly configured: number; readonly running: number };
  /** Cluster mode: the registered nodes and the sockets bridged to or from this node; absent on a single node. */
  cluster?: () => Promise<{ readonly nodes: number; readonly draining: number; readonly bridgedOut: number; readonly bridgedIn: number }>;
}

const DAY_MS = 86_400_000;

/** `read`, asked once however many metrics of one scrape want it (prom-client collects them concurrently). */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => (pending ??= read().finally(() => setImmediate(() => (pending = null))));
}

/**
 * The operator's view of one Parley node in Prometheus's format (`GET /metrics`), on a registry of its own (never
 * prom-client's global one: each Parley, and each test, has its own). Two kinds of figures:
 * - this node's: live calls, participants, media workers, packets through its media, purge runs it carried out,
 *   and Node's process figures (CPU, memory, event-loop lag, handles) — sum or compare them across nodes;
 * - the installation's, read from the shared database at each scrape: job queue, recordings stored, rights
 *   requests falling due — every node reports the same values, so take `max` across nodes, never `sum`.
 * Counts only: no label carries an organisation, a person, a call or an address.
 */
export function createMetrics(deps: Pick<Deps, 'db' | 'clock' | 'signals'>, sources: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'parley_calls',
    help: 'Live calls on this node (someone connected or in the grace period).',
    registers: [registry],
    collect() {
      this.set(sources.liveCounts().calls);
    },
  });
  new Gauge({
    name: 'parley_participants',
    help: 'Participants in live calls on this node (lobby, in the call, reconnecting).',
    registers: [registry],
    collect() {
      this.set(sources.liveCounts().participants);
    },
  });
  new Gauge({
    name: 'parley_signalling_sockets',
    help: 'Open signalling WebSockets on this node.',
    registers: [registry],
    collect() {
      this.set(sources.liveCounts().sockets);
    },
  });
  const cluster = sources.cluster;
  if (cluster) {
    const read = oncePerScrape(cluster);
    new Gauge({
      name: 'parley_cluster_nodes',
      help: 'Nodes registered in the cluster now (as this node sees Redis): taking calls, and draining.',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const c = await read();
        this.set({ state: 'active' }, c.nodes - c.draining);
        this.set({ state: 'draining' }, c.draining);
      },
    });
    new Gauge({
      name: 'parley_signalling_bridged_sockets',
      help: 'Signalling sockets relayed over the cluster bridge: held here for a call on another node (out), or held elsewhere for a call hosted here (in).',
      labelNames: ['direction'] as const,
      registers: [registry],
      async collect() {
        const c = await read();
        this.set({ direction: 'out' }, c.bridgedOut);
        this.set({ direction: 'in' }, c.bridgedIn);
      },
    });
  }
  new Gauge({
    name: 'parley_media_workers',
    help: 'Media worker processes on this node: configured (PARLEY_MEDIA_WORKERS) and running now.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const w = sources.mediaWorkers();
      this.set({ state: 'configured' }, w.configured);
      this.set({ state: 'running' }, w.running);
    },
  });

  // Packets through this node's media: one scrape asks the workers once, for all three counters.
  const trafficOnce = oncePerScrape(() => sources.mediaTraffic());
  const trafficCounter = (name: string, help: string, pick: (t: MediaTraffic) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = pick(await trafficOnce());
        this.reset();
        this.inc(value);
      },
    });
  trafficCounter('parley_media_packets_received_total', 'RTP packets received from publishers by this node\'s media (after decryption).', (t) => t.packetsReceived);
  trafficCounter('parley_media_packets_lost_total', 'RTP packets lost on the way from publishers to this node (sequence gaps).', (t) => t.packetsLost);
  trafficCounter('parley_media_packets_forwarded_total', 'RTP packets this node\'s media sent on to subscribers.', (t) => t.packetsForwarded);

  const purgeRuns = new Counter({ name: 'parley_purge_runs_total', help: 'Retention purge runs this node carried out, by result.', labelNames: ['result'] as const, registers: [registry] });
  const purgeItems = new Counter({
    name: 'parley_purge_items_total',
    help: 'Expired items the purge runs of this node deleted, and kept (legal hold, legal minimum, still referenced).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const result of ['ok', 'failed'] as const) purgeRuns.inc({ result }, 0);
  for (const outcome of ['deleted', 'kept'] as const) purgeItems.inc({ outcome }, 0);
  deps.signals.on('purgeFinished', (run) => {
    purgeRuns.inc({ result: run.result });
    purgeItems.inc({ outcome: 'deleted' }, run.deleted);
    purgeItems.inc({ outcome: 'kept' }, run.kept);
  });

  // The installation's figures, from the database, at each scrape.
  const waitingJobs = oncePerScrape(async () => {
    const now = deps.clock.now();
    const row = await deps.db
      .selectFrom('jobs')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.min('run_at').as('oldest')])
      .where('state', '=', 'pending')
      .where('run_at', '<=', iso(now))
      .executeTakeFirstOrThrow();
    return { count: Number(row.n), oldestSeconds: row.oldest ? Math.max(0, (now.getTime() - Date.parse(row.oldest)) / 1000) : 0 };
  });
  new Gauge({
    name: 'parley_jobs_waiting',
    help: 'Background jobs due and not yet taken (installation-wide).',
    registers: [registry],
    async collect() {
      this.set((await waitingJobs()).count);
    },
  });
  new Gauge({
    name: 'parley_jobs_oldest_waiting_seconds',
    help: 'How long the oldest due job has waited to be taken, in seconds; 0 when none waits (installation-wide).',
    registers: [registry],
    async collect() {
      this.set((await waitingJobs()).oldestSeconds);
    },
  });
  new Gauge({
    name: 'parley_jobs_failed',
    help: 'Background jobs that failed after their last attempt (installation-wide).',
    registers: [registry],
    async collect() {
      const row = await deps.db.selectFrom('jobs').select((eb) => eb.fn.countAll<string | number>().as('n')).where('state', '=', 'failed').executeTakeFirstOrThrow();
      this.set(Number(row.n));
    },
  });
  new Gauge({
    name: 'parley_purge_last_success_timestamp_seconds',
    help: 'When the last retention purge finished successfully, Unix time; 0 if never (installation-wide).',
    registers: [registry],
    async collect() {
      const row = await deps.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.max('done_at').as('last'))
        .where('kind', '=', 'retention.purge')
        .where('state', '=', 'done')
        .executeTakeFirstOrThrow();
      this.set(row.last ? Date.parse(row.last) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'parley_recording_tracks',
    help: 'Recorded tracks by status (installation-wide): recording now, complete, incomplete (a crash), failed.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await deps.db
        .selectFrom('recording_tracks')
        .select((eb) => ['status', eb.fn.countAll<string | number>().as('n')])
        .where('status', 'in', ['recording', 'complete', 'incomplete', 'failed'])
        .groupBy('status')
        .execute();
      for (const status of ['recording', 'complete', 'incomplete', 'failed']) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
    },
  });
  new Gauge({
    name: 'parley_recording_stored_bytes',
    help: 'Encrypted recording bytes in the blob store, by the tracks that own them (installation-wide).',
    registers: [registry],
    async collect() {
      const row = await deps.db
        .selectFrom('recording_tracks')
        .select(sql<string | number | null>`sum(ciphertext_bytes)`.as('bytes'))
        .where('status', 'in', ['complete', 'incomplete'])
        .executeTakeFirstOrThrow();
      this.set(Number(row.bytes ?? 0));
    },
  });
  new Gauge({
    name: 'parley_rights_requests_open',
    help: 'Verified data-subject requests not yet answered, by when they fall due (installation-wide): overdue, within 7 days, later.',
    labelNames: ['due'] as const,
    registers: [registry],
    async collect() {
      const now = deps.clock.now();
      const rows = await deps.db
        .selectFrom('rights_requests')
        .select(sql<string>`coalesce(extended_due_at, due_at)`.as('due'))
        .where('status', '=', 'open')
        .execute();
      const soon = iso(new Date(now.getTime() + 7 * DAY_MS));
      const nowIso = iso(now);
      let overdue = 0;
      let within7Days = 0;
      for (const r of rows) {
        if (r.due < nowIso) overdue++;
        else if (r.due <= soon) within7Days++;
      }
      this.set({ due: 'overdue' }, overdue);
      this.set({ due: 'within_7_days' }, within7Days);
      this.set({ due: 'later' }, rows.length - overdue - within7Days);
    },
  });
  return registry;
}
