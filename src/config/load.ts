import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { rawConfigSchema, settings, type SettingName } from './schema.ts';

export type DatabaseConfig =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  /** True when the public URL is https: cookies are then marked Secure. */
  readonly secureCookies: boolean;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly blobDir: string;
  readonly masterKeyFile: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly firstRun: {
    readonly orgName: string;
    readonly adminEmail: string | undefined;
    readonly adminPassword: string | undefined;
  };
  readonly auth: {
    readonly sessionTtlHours: number;
    readonly setupLinkTtlHours: number;
    readonly loginMaxFailures: number;
    readonly loginLockoutMinutes: number;
    readonly loginRatePerMinute: number;
  };
  /** `trustProxy`: believe X-Forwarded-* from every hop (true), from these proxies (addresses, CIDRs), or not at all. */
  readonly http: { readonly bodyLimitBytes: number; readonly trustProxy: boolean | readonly string[] };
  /** `GET /metrics` for Prometheus: the bearer token a scraper must send; undefined: metrics are off. */
  readonly metrics: { readonly token: string | undefined };
  readonly mail: { readonly smtpUrl: string | undefined; readonly from: string; readonly retentionDays: number };
  readonly jobs: { readonly pollMs: number };
  /** The retention purge (src/retention/). */
  readonly retention: { readonly purgeIntervalHours: number };
  readonly blobs:
    | { readonly kind: 'local' }
    | {
        readonly kind: 's3';
        readonly endpoint: string | undefined;
        readonly region: string;
        readonly regionInEea: boolean | undefined;
        readonly bucket: string;
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
      };
  readonly recording: { readonly trainingValidDays: number; readonly linkMinutes: number };
  /** Whoever runs this installation (the processor), as the generated documents name them. Address '' when not set. */
  readonly operator: { readonly name: string; readonly address: string; readonly contactEmail: string | undefined };
  /** Webhook deliveries (src/webhooks/): private networks they may reach besides public addresses. */
  readonly webhooks: { readonly allowedNetworks: readonly string[] };
  readonly timeZone: string;
  /** Media worker processes (0: the media runs in the API process). */
  readonly media: { readonly workers: number };
  /** Cluster mode (PARLEY_REDIS_URL): undefined for the embedded single node. */
  readonly cluster: { readonly redisUrl: string; readonly drainTimeoutSeconds: number } | undefined;
  readonly rtc: {
    /** Replaces the address of every host candidate the media server announces (1:1 NAT). */
    readonly announcedIp: string | undefined;
    /** Inclusive UDP port range for media sockets; undefined lets the system choose. */
    readonly portRange: readonly [number, number] | undefined;
    /** TURN servers handed to clients with time-limited credentials (TURN REST scheme); undefined: none. */
    readonly turn: { readonly urls: readonly string[]; readonly secret: string; readonly ttlSeconds: number } | undefined;
  };
}

/** A configuration that cannot start Parley. The message names each variable and what it expects. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Parley cannot start: the configuration is invalid.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`PARLEY_CONFIG_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError([`PARLEY_CONFIG_FILE: ${file} is not valid JSON`]);
  }
  const shape = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
  const result = shape.safeParse(parsed);
  if (!result.success) {
    throw new ConfigError([`PARLEY_CONFIG_FILE: ${file} must be a JSON object of setting names to strings, numbers or booleans`]);
  }
  const unknown = Object.keys(result.data).filter((k) => !(k in settings));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((k) => `PARLEY_CONFIG_FILE: unknown setting ${k} in ${file}`));
  }
  return Object.fromEntries(Object.entries(result.data).map(([k, v]) => [k, String(v)]));
}

/**
 * Parses the configuration once at boot: optional config file, then environment variables on top.
 * Only this module reads `process.env`; everything else receives the frozen result.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const fromEnv: Record<string, string> = {};
  for (const name of Object.keys(settings)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[name] = value;
  }
  const fileName = fromEnv.PARLEY_CONFIG_FILE;
  const merged = { ...(fileName ? readConfigFile(fileName) : {}), ...fromEnv };

  const result = rawConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '') as SettingName;
      const given = merged[name as keyof typeof merged];
      // Secrets are never echoed: passwords, and URLs that may carry credentials.
      const secret = name.includes('PASSWORD') || name.includes('SECRET') || name.includes('TOKEN') || name.endsWith('_URL') || name.endsWith('_URLS');
      const shown = secret || given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const raw = result.data;
  if ((raw.PARLEY_ADMIN_EMAIL === undefined) !== (raw.PARLEY_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError([
      'PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD: set both or neither (without them, first run prints a set-up link)',
    ]);
  }

  if ((raw.PARLEY_RTC_PORT_MIN === undefined) !== (raw.PARLEY_RTC_PORT_MAX === undefined)) {
    throw new ConfigError(['PARLEY_RTC_PORT_MIN and PARLEY_RTC_PORT_MAX: set both or neither']);
  }
  if (raw.PARLEY_RTC_PORT_MIN !== undefined && raw.PARLEY_RTC_PORT_MAX !== undefined && raw.PARLEY_RTC_PORT_MIN >= raw.PARLEY_RTC_PORT_MAX) {
    throw new ConfigError([`PARLEY_RTC_PORT_MAX: expected a port above PARLEY_RTC_PORT_MIN (${raw.PARLEY_RTC_PORT_MIN})`]);
  }
  const mediaWorkers = raw.PARLEY_MEDIA_WORKERS ?? availableParallelism();
  if (raw.PARLEY_RTC_PORT_MIN !== undefined && raw.PARLEY_RTC_PORT_MAX !== undefined && raw.PARLEY_RTC_PORT_MAX - raw.PARLEY_RTC_PORT_MIN + 1 < Math.max(mediaWorkers, 1)) {
    throw new ConfigError([
      `PARLEY_RTC_PORT_MIN..PARLEY_RTC_PORT_MAX: ${raw.PARLEY_RTC_PORT_MAX - raw.PARLEY_RTC_PORT_MIN + 1} ports for ${mediaWorkers} media workers; each worker needs one (widen the range or set PARLEY_MEDIA_WORKERS)`,
    ]);
  }

  if (raw.PARLEY_TURN_URLS !== undefined && raw.PARLEY_TURN_SECRET === undefined) {
    throw new ConfigError(['PARLEY_TURN_SECRET: required with PARLEY_TURN_URLS (the TURN server\'s shared secret, coturn --static-auth-secret)']);
  }

  if (raw.PARLEY_BLOB_STORE === 's3') {
    const missing = (['PARLEY_S3_BUCKET', 'PARLEY_S3_ACCESS_KEY_ID', 'PARLEY_S3_SECRET_ACCESS_KEY'] as const).filter((n) => raw[n] === undefined);
    if (missing.length > 0) throw new ConfigError(missing.map((n) => `${n}: required with PARLEY_BLOB_STORE=s3`));
  }

  if (raw.PARLEY_REDIS_URL !== undefined) {
    const problems: string[] = [];
    if (!(raw.PARLEY_DATABASE_URL ?? '').match(/^postgres(ql)?:/)) {
      problems.push('PARLEY_DATABASE_URL: a cluster (PARLEY_REDIS_URL) needs PostgreSQL that every node reaches (postgres://…); SQLite is one file on one machine');
    }
    if (raw.PARLEY_BLOB_STORE !== 's3') {
      problems.push('PARLEY_BLOB_STORE: a cluster (PARLEY_REDIS_URL) needs the S3 store (PARLEY_BLOB_STORE=s3) so that every node reads every recording; the local store is one directory on one machine');
    }
    if (problems.length > 0) throw new ConfigError(problems);
  }

  const dataDir = path.resolve(raw.PARLEY_DATA_DIR);
  const publicUrl = (raw.PARLEY_PUBLIC_URL ?? `http://localhost:${raw.PARLEY_PORT}`).replace(/\/+$/, '');
  const dbUrl = raw.PARLEY_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'parley.db')}`;
  const database: DatabaseConfig = dbUrl.startsWith('sqlite:')
    ? { dialect: 'sqlite', file: dbUrl === 'sqlite::memory:' ? ':memory:' : path.resolve(dbUrl.slice('sqlite:'.length)) }
    : { dialect: 'postgres', url: dbUrl };

  const config: Config = {
    port: raw.PARLEY_PORT,
    host: raw.PARLEY_HOST,
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    dataDir,
    database,
    blobDir: path.resolve(raw.PARLEY_BLOB_DIR ?? path.join(dataDir, 'blobs')),
    masterKeyFile: path.resolve(raw.PARLEY_MASTER_KEY_FILE ?? path.join(dataDir, 'master.key')),
    logLevel: raw.PARLEY_LOG_LEVEL,
    firstRun: {
      orgName: raw.PARLEY_ORG_NAME,
      adminEmail: raw.PARLEY_ADMIN_EMAIL?.toLowerCase(),
      adminPassword: raw.PARLEY_ADMIN_PASSWORD,
    },
    auth: {
      sessionTtlHours: raw.PARLEY_SESSION_TTL_HOURS,
      setupLinkTtlHours: raw.PARLEY_SETUP_LINK_TTL_HOURS,
      loginMaxFailures: raw.PARLEY_LOGIN_MAX_FAILURES,
      loginLockoutMinutes: raw.PARLEY_LOGIN_LOCKOUT_MINUTES,
      loginRatePerMinute: raw.PARLEY_LOGIN_RATE_PER_MINUTE,
    },
    http: { bodyLimitBytes: raw.PARLEY_BODY_LIMIT_BYTES, trustProxy: raw.PARLEY_TRUST_PROXY },
    metrics: { token: raw.PARLEY_METRICS_TOKEN },
    mail: { smtpUrl: raw.PARLEY_SMTP_URL, from: raw.PARLEY_MAIL_FROM, retentionDays: raw.PARLEY_MAIL_RETENTION_DAYS },
    jobs: { pollMs: raw.PARLEY_JOBS_POLL_MS },
    retention: { purgeIntervalHours: raw.PARLEY_PURGE_INTERVAL_HOURS },
    blobs:
      raw.PARLEY_BLOB_STORE === 's3'
        ? {
            kind: 's3',
            endpoint: raw.PARLEY_S3_ENDPOINT,
            region: raw.PARLEY_S3_REGION,
            regionInEea: raw.PARLEY_S3_REGION_IN_EEA,
            bucket: raw.PARLEY_S3_BUCKET!,
            accessKeyId: raw.PARLEY_S3_ACCESS_KEY_ID!,
            secretAccessKey: raw.PARLEY_S3_SECRET_ACCESS_KEY!,
          }
        : { kind: 'local' },
    recording: { trainingValidDays: raw.PARLEY_TRAINING_VALID_DAYS, linkMinutes: raw.PARLEY_RECORDING_LINK_MINUTES },
    operator: { name: raw.PARLEY_OPERATOR_NAME, address: raw.PARLEY_OPERATOR_ADDRESS, contactEmail: raw.PARLEY_OPERATOR_CONTACT_EMAIL },
    webhooks: { allowedNetworks: raw.PARLEY_WEBHOOK_ALLOWED_NETWORKS },
    timeZone: raw.PARLEY_TIME_ZONE,
    media: { workers: mediaWorkers },
    cluster: raw.PARLEY_REDIS_URL !== undefined ? { redisUrl: raw.PARLEY_REDIS_URL, drainTimeoutSeconds: raw.PARLEY_DRAIN_TIMEOUT_SECONDS } : undefined,
    rtc: {
      announcedIp: raw.PARLEY_RTC_ANNOUNCED_IP,
      portRange: raw.PARLEY_RTC_PORT_MIN !== undefined && raw.PARLEY_RTC_PORT_MAX !== undefined ? [raw.PARLEY_RTC_PORT_MIN, raw.PARLEY_RTC_PORT_MAX] : undefined,
      turn:
        raw.PARLEY_TURN_URLS !== undefined && raw.PARLEY_TURN_SECRET !== undefined
          ? { urls: raw.PARLEY_TURN_URLS, secret: raw.PARLEY_TURN_SECRET, ttlSeconds: raw.PARLEY_TURN_TTL_SECONDS }
          : undefined,
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
