import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { introspecting, postgresUrl } from '../../support/dialects.ts';
import { startTestS3, type TestS3 } from '../../support/s3rver.ts';
import { freePort } from '../../support/ports.ts';
import { DIE_WITH_PARENT, poll } from '../../support/child-process.ts';

/**
 * Cluster tests (issue 14) need PostgreSQL and Redis that every node reaches: PARLEY_TEST_POSTGRES_URL and
 * PARLEY_TEST_REDIS_URL (`.ci/run` sets both). Without them the tests report as skipped, never as passed.
 */
export const redisUrl = process.env.PARLEY_TEST_REDIS_URL || undefined;
export const clusterAvailable = postgresUrl !== undefined && redisUrl !== undefined;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const METRICS_TOKEN = 'cluster-test-metrics-token-0123456789';

/** What every node of a test cluster shares: the Redis database and the S3 bucket (s3rver, in an EEA region). */
export function sharedStoreEnv(redis: string, s3: TestS3): Record<string, string> {
  return {
    PARLEY_REDIS_URL: redis,
    PARLEY_BLOB_STORE: 's3',
    PARLEY_S3_ENDPOINT: s3.endpoint,
    PARLEY_S3_REGION: 'eu-central-1',
    PARLEY_S3_BUCKET: s3.bucket,
    PARLEY_S3_ACCESS_KEY_ID: 'S3RVER',
    PARLEY_S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
}

export { poll };

/** One `parley start` process of the cluster. */
export class NodeProcess {
  output = '';
  nodeId = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly port: number,
    /** The UDP port of its media worker (PARLEY_RTC_PORT_MIN; one worker). */
    readonly udpPort: number,
    readonly proc: ChildProcess,
  ) {
    const collect = (d: Buffer) => {
      if (this.output.length < 400_000) this.output += d.toString();
    };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Log lines (JSON) of this node, parsed. */
  logLines(): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** This node's Prometheus text. */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    if (res.status !== 200) throw new Error(`/metrics of node ${this.name} answered ${res.status}`);
    return res.text();
  }
}

export interface ClusterEnv {
  readonly s3: TestS3;
  /** PARLEY_DATABASE_URL for the nodes: the test schema as search path. */
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly redis: Redis;
  /** The one master key every node uses (as a deployment copies it to each). */
  readonly masterKeyFile: string;
  readonly nodes: NodeProcess[];
  start(name: string, env?: Record<string, string>): Promise<NodeProcess>;
  close(): Promise<void>;
}

/**
 * Real `parley start` processes forming one cluster on loopback: the test's PostgreSQL schema, a Redis database of
 * its own (flushed before and after), one s3rver, each node on its own HTTP port and UDP range with one media worker.
 */
export async function startClusterEnv(options: { pgSchema: string; masterKeyFile: string; redisDb: number }): Promise<ClusterEnv> {
  if (!postgresUrl || !redisUrl) throw new Error('PARLEY_TEST_POSTGRES_URL and PARLEY_TEST_REDIS_URL are required');
  const s3 = await startTestS3('parley-cluster');
  const db = new URL(postgresUrl);
  db.searchParams.set('options', `-c search_path=${options.pgSchema}`);
  // A Redis database of the caller's own: test files run in parallel, and each cluster test file has fixed ones.
  const url = new URL(redisUrl);
  url.pathname = `/${options.redisDb}`;
  const redis = new Redis(url.toString(), { maxRetriesPerRequest: 2 });
  await redis.flushdb();
  const nodes: NodeProcess[] = [];
  const dirs: string[] = [];
  let udpBase = 42_000 + Math.floor(Math.random() * 2_000) * 4;
  const env: ClusterEnv = {
    s3,
    databaseUrl: db.toString(),
    redisUrl: url.toString(),
    redis,
    masterKeyFile: options.masterKeyFile,
    nodes,
    async start(name, extra = {}) {
      const port = await freePort();
      const dataDir = mkdtempSync(path.join(tmpdir(), `parley-node-${name}-`));
      dirs.push(dataDir);
      const base: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PARLEY_')) base[k] = v;
      const udp = udpBase;
      udpBase += 4;
      const proc = spawn(process.execPath, ['--import', DIE_WITH_PARENT, 'bin/parley.mjs', 'start'], {
        cwd: REPO,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          ...base,
          PARLEY_DATA_DIR: dataDir,
          PARLEY_MASTER_KEY_FILE: options.masterKeyFile,
          PARLEY_DATABASE_URL: db.toString(),
          ...sharedStoreEnv(url.toString(), s3),
          PARLEY_PORT: String(port),
          PARLEY_HOST: '127.0.0.1',
          PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
          PARLEY_MEDIA_WORKERS: '1',
          PARLEY_RTC_PORT_MIN: String(udp),
          PARLEY_RTC_PORT_MAX: String(udp + 1),
          PARLEY_METRICS_TOKEN: METRICS_TOKEN,
          PARLEY_LOG_LEVEL: 'info',
          PARLEY_JOBS_POLL_MS: '500',
          ...extra,
        },
      });
      const node = new NodeProcess(name, port, udp, proc);
      nodes.push(node);
      // Starting migrates (nothing to do) and so introspects the schema: hold off other test files' schema drops.
      await introspecting('postgres', () =>
        poll(
          `node ${name} to answer /readyz`,
          async () => {
            if (!node.running) throw new Error(`node ${name} exited:\n${node.output}`);
            return (await fetch(`${node.origin}/readyz`).catch(() => null))?.status === 200;
          },
          45_000,
          () => node.output,
        ),
      );
      node.nodeId = await poll(`node ${name} to print its id`, async () => /this is node (node_[0-9a-f]+)/.exec(node.output)?.[1], 10_000, () => node.output);
      return node;
    },
    async close() {
      for (const node of nodes) if (node.running) node.proc.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
      await redis.flushdb().catch(() => undefined);
      redis.disconnect();
      await s3.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

export interface Balancer {
  readonly port: number;
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * A plain TCP load balancer on loopback, as a deployment puts in front of its nodes: each new connection goes to the
 * first node of `prefer()` that is running and accepts it, and stays there (a WebSocket with it). A page opened on
 * the balancer keeps its address when the node behind it goes, as in production.
 */
export async function startBalancer(prefer: () => NodeProcess[]): Promise<Balancer> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const targets = prefer().filter((n) => n.running);
    const attempt = (i: number) => {
      if (client.destroyed) return;
      if (i >= targets.length) {
        client.destroy();
        return;
      }
      let connected = false;
      const upstream = connect(targets[i]!.port, '127.0.0.1');
      upstream.once('connect', () => {
        connected = true;
        open.add(upstream);
        upstream.on('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        if (!connected) attempt(i + 1);
        else upstream.destroy();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
