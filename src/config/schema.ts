import { z } from 'zod';
import { isIP } from 'node:net';
import { parseCidr } from '../webhooks/address-policy.ts';

/**
 * Every setting Parley reads, with its unit and default. The README's settings table mirrors this list
 * (a test checks that each variable here appears there).
 */
const port = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65535, 'expected a port between 1 and 65535');

const positiveInt = (what: string) =>
  z.coerce.number({ error: `expected ${what}` }).int(`expected ${what}`).positive(`expected ${what}`);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const settings = {
  PARLEY_PORT: { schema: port.default(8080), doc: 'HTTP port.', default: '8080' },
  PARLEY_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    doc: 'Address to listen on. Put Parley behind a TLS reverse proxy before listening on a public address.',
    default: '127.0.0.1',
  },
  PARLEY_PUBLIC_URL: {
    schema: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://calls.example.eu' }).optional(),
    doc: 'Address people use to reach Parley; used in links. Cookies are marked Secure when it is https.',
    default: 'http://localhost:PORT',
  },
  PARLEY_DATA_DIR: {
    schema: z.string().min(1).default('./data'),
    doc: 'Directory for the embedded database, blobs and the master key.',
    default: './data',
  },
  PARLEY_DATABASE_URL: {
    schema: z
      .string()
      .regex(/^(postgres|postgresql|sqlite):/, 'expected postgres://… or sqlite:PATH')
      .optional(),
    doc: 'Database. `sqlite:PATH` or `postgres://user@host:5432/db`.',
    default: 'sqlite:DATA_DIR/parley.db',
  },
  PARLEY_BLOB_DIR: {
    schema: z.string().min(1).optional(),
    doc: 'Directory of the local encrypted blob store.',
    default: 'DATA_DIR/blobs',
  },
  PARLEY_MASTER_KEY_FILE: {
    schema: z.string().min(1).optional(),
    doc: 'File holding the 256-bit master key; created with mode 0600 on first run. Back it up apart from the data.',
    default: 'DATA_DIR/master.key',
  },
  PARLEY_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'Log level (pino). Logs hold ids, never names, emails or IP addresses.',
    default: 'info',
  },
  PARLEY_ORG_NAME: {
    schema: z.string().trim().min(1).max(200).default('My organisation'),
    doc: 'Legal name given to the first organisation on first run (editable in the console).',
    default: 'My organisation',
  },
  PARLEY_ADMIN_EMAIL: {
    schema: z.email('expected an email address').optional(),
    doc: 'First run only: create the first admin with this email instead of printing a set-up link.',
    default: '(none)',
  },
  PARLEY_ADMIN_PASSWORD: {
    schema: z.string().min(12, 'expected at least 12 characters').max(200).optional(),
    doc: 'First run only, with PARLEY_ADMIN_EMAIL: that admin\'s password. TOTP is set up at first login.',
    default: '(none)',
  },
  PARLEY_SESSION_TTL_HOURS: {
    schema: positiveInt('a whole number of hours').default(12),
    doc: 'Lifetime of a console session, in hours.',
    default: '12',
  },
  PARLEY_SETUP_LINK_TTL_HOURS: {
    schema: positiveInt('a whole number of hours').default(24),
    doc: 'Validity of one-time account set-up links, in hours.',
    default: '24',
  },
  PARLEY_LOGIN_MAX_FAILURES: {
    schema: positiveInt('a whole number').default(5),
    doc: 'Failed logins for one email within the lockout window before the account is locked (G46).',
    default: '5',
  },
  PARLEY_LOGIN_LOCKOUT_MINUTES: {
    schema: positiveInt('a whole number of minutes').default(15),
    doc: 'Failure window and lockout duration, in minutes.',
    default: '15',
  },
  PARLEY_LOGIN_RATE_PER_MINUTE: {
    schema: positiveInt('a whole number').default(20),
    doc: 'Login and code attempts accepted per client address per minute (HTTP 429 beyond).',
    default: '20',
  },
  PARLEY_BODY_LIMIT_BYTES: {
    schema: positiveInt('a number of bytes').default(1_048_576),
    doc: 'Largest accepted JSON request body, in bytes (HTTP 413 beyond).',
    default: '1048576',
  },
  PARLEY_TRUST_PROXY: {
    schema: z
      .string()
      .default('false')
      .transform((v, ctx): boolean | string[] => {
        const word = v.trim().toLowerCase();
        if (['true', '1', 'yes'].includes(word)) return true;
        if (['false', '0', 'no', ''].includes(word)) return false;
        const list = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const bad = list.filter((a) => isIP(a) === 0 && parseCidr(a) === null);
        if (bad.length > 0) {
          ctx.addIssue({ code: 'custom', message: 'expected true, false, or the reverse proxies\' addresses (IPs or CIDRs, comma-separated), such as 10.0.0.5,10.0.0.6' });
          return z.NEVER;
        }
        return list;
      }),
    doc: 'Behind a reverse proxy: the proxies whose X-Forwarded-For and X-Forwarded-Proto Parley believes, as addresses or CIDRs (comma-separated, e.g. `127.0.0.1` or `10.0.0.0/24`); the client is the last address in X-Forwarded-For that is not one of them. `true` believes every hop, so a client can choose its own address (and rate-limit key) unless nothing but the proxy reaches the node and the proxy overwrites the header.',
    default: 'false',
  },
  PARLEY_SMTP_URL: {
    schema: z
      .url({ protocol: /^smtps?$/, error: 'expected smtp://user:password@host:587 or smtps://…:465' })
      .optional(),
    doc: 'Mail relay. Without it, mail stays in the built-in outbox, readable in the console.',
    default: '(none)',
  },
  PARLEY_MAIL_FROM: {
    schema: z.string().trim().min(3).max(300).default('Parley <parley@localhost>'),
    doc: 'Sender of the mail Parley sends (`Name <address>`).',
    default: 'Parley <parley@localhost>',
  },
  PARLEY_TIME_ZONE: {
    schema: z
      .string()
      .default('Europe/Berlin')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'expected an IANA time zone such as Europe/Berlin'),
    doc: 'Time zone of times written in mails (calendar attachments carry UTC, so calendars convert).',
    default: 'Europe/Berlin',
  },
  PARLEY_JOBS_POLL_MS: {
    schema: positiveInt('a number of milliseconds').default(1000),
    doc: 'How often the background job runner looks for due work (mail, later retention), in milliseconds.',
    default: '1000',
  },
  PARLEY_RTC_ANNOUNCED_IP: {
    schema: z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' }).optional(),
    doc: 'Address written into the media server\'s ICE host candidates, for a server behind 1:1 NAT (its public address). Without it, the addresses of the local interfaces are announced.',
    default: '(none)',
  },
  PARLEY_RTC_PORT_MIN: {
    schema: port.optional(),
    doc: 'Lowest UDP port for media (with PARLEY_RTC_PORT_MAX). Each media worker uses one port for all its calls (the first port plus the worker\'s number, from 0); the range must hold one per worker. Without both, the system picks a free port per worker.',
    default: '(none)',
  },
  PARLEY_RTC_PORT_MAX: {
    schema: port.optional(),
    doc: 'Highest UDP port for media (with PARLEY_RTC_PORT_MIN); must be above the minimum.',
    default: '(none)',
  },
  PARLEY_MEDIA_WORKERS: {
    schema: z.coerce.number({ error: 'expected a whole number from 0 to 64' }).int('expected a whole number from 0 to 64').min(0, 'expected a whole number from 0 to 64').max(64, 'expected a whole number from 0 to 64').optional(),
    doc: 'How many media worker processes carry the calls\' media and recording (each call on one, the least loaded). Default: the number of CPU cores. 0 runs the media in the API process (one core for everything).',
    default: '(number of cores)',
  },
  PARLEY_TURN_URLS: {
    schema: z
      .string()
      .transform((v) => v.split(',').map((u) => u.trim()).filter((u) => u !== ''))
      .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, 'expected comma-separated turn: or turns: URLs such as turn:turn.example.eu:3478?transport=udp')).min(1, 'expected at least one turn: or turns: URL'))
      .optional(),
    doc: 'Comma-separated TURN server URLs (`turn:host:3478?transport=udp`, `turns:host:5349`) handed to clients with time-limited credentials (TURN REST scheme, e.g. coturn `--use-auth-secret`). Without it, clients get no ICE servers at all.',
    default: '(none)',
  },
  PARLEY_TURN_SECRET: {
    schema: z.string().min(16, 'expected at least 16 characters').optional(),
    doc: 'Shared secret of the TURN server (coturn `--static-auth-secret`); required with PARLEY_TURN_URLS. Never logged.',
    default: '(none)',
  },
  PARLEY_TURN_TTL_SECONDS: {
    schema: positiveInt('a whole number of seconds').default(3600),
    doc: 'Validity of the TURN credentials handed to each participant when they join, in seconds.',
    default: '3600',
  },
  PARLEY_MAIL_RETENTION_DAYS: {
    schema: positiveInt('a whole number of days').default(30),
    doc: 'How long a message stays in the outbox (sent or not) before the purge deletes it.',
    default: '30',
  },
  PARLEY_PURGE_INTERVAL_HOURS: {
    schema: positiveInt('a whole number of hours').default(24),
    doc: 'How often the retention purge deletes what has expired (also run by hand with `parley purge`), in hours.',
    default: '24',
  },
  PARLEY_BLOB_STORE: {
    schema: z.enum(['local', 's3']).default('local'),
    doc: 'Where encrypted recordings are stored: `local` (PARLEY_BLOB_DIR) or `s3` (any S3-compatible store; PARLEY_S3_*).',
    default: 'local',
  },
  PARLEY_S3_ENDPOINT: {
    schema: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://s3.eu-central-1.amazonaws.com' }).optional(),
    doc: 'S3 endpoint; leave empty for AWS itself.',
    default: '(AWS)',
  },
  PARLEY_S3_REGION: {
    schema: z.string().min(1).default('eu-central-1'),
    doc: 'S3 region. Outside the EEA (e.g. `eu-west-2` London, `us-east-1`), recording is refused for organisations without a recorded transfer safeguard (G52).',
    default: 'eu-central-1',
  },
  PARLEY_S3_REGION_IN_EEA: {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    doc: 'For providers whose region names are not AWS\'s: say whether the region is in the EEA (`true`/`false`).',
    default: '(from the region name)',
  },
  PARLEY_S3_BUCKET: {
    schema: z.string().min(3).max(63).optional(),
    doc: 'S3 bucket for recordings; required with PARLEY_BLOB_STORE=s3.',
    default: '(none)',
  },
  PARLEY_S3_ACCESS_KEY_ID: {
    schema: z.string().min(1).optional(),
    doc: 'S3 access key id; required with PARLEY_BLOB_STORE=s3.',
    default: '(none)',
  },
  PARLEY_S3_SECRET_ACCESS_KEY: {
    schema: z.string().min(1).optional(),
    doc: 'S3 secret access key; required with PARLEY_BLOB_STORE=s3. Never logged.',
    default: '(none)',
  },
  PARLEY_TRAINING_VALID_DAYS: {
    schema: positiveInt('a whole number of days').default(365),
    doc: 'How long a GDPR training attestation counts: playback and download of recordings need one completed within this many days.',
    default: '365',
  },
  PARLEY_RECORDING_LINK_MINUTES: {
    schema: positiveInt('a whole number of minutes').default(15),
    doc: 'Lifetime of a recording playback or download link (it also needs the signed-in user who asked for it).',
    default: '15',
  },
  PARLEY_WEBHOOK_ALLOWED_NETWORKS: {
    schema: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
      .refine((list) => list.every((cidr) => parseCidr(cidr) !== null), 'expected networks in CIDR notation, comma-separated, such as 10.20.0.0/16,fd00:1::/48'),
    doc: 'Private networks webhook deliveries may reach (CIDRs, comma-separated), e.g. a CRM on the company network. Otherwise deliveries go to public addresses only (and to a receiver named as localhost), checked after DNS.',
    default: '(none)',
  },
  PARLEY_OPERATOR_NAME: {
    schema: z.string().trim().min(1).max(200).default('The operator of this Parley installation'),
    doc: 'Legal name of whoever runs this installation for the organisations on it (the processor): named in the generated DPA and records of processing.',
    default: 'The operator of this Parley installation',
  },
  PARLEY_OPERATOR_ADDRESS: {
    schema: z.string().trim().max(1000).default(''),
    doc: 'Postal address of the operator, for the generated DPA and records of processing (shown as not provided until set).',
    default: '(none)',
  },
  PARLEY_OPERATOR_CONTACT_EMAIL: {
    schema: z.email('expected an email address').optional(),
    doc: 'Where organisations reach the operator about data protection (instructions, audits, breaches); named in the generated DPA.',
    default: '(none)',
  },
  PARLEY_METRICS_TOKEN: {
    schema: z.string().min(24, 'expected at least 24 characters (e.g. `openssl rand -hex 24`)').optional(),
    doc: 'Turns on `GET /metrics` (Prometheus format) for a scraper that sends `Authorization: Bearer <token>`. Without it, /metrics answers 404. Never logged.',
    default: '(off)',
  },
  PARLEY_REDIS_URL: {
    schema: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'expected redis://host:6379 or rediss://user:password@host:6380').optional(),
    doc: 'Cluster mode: several Parley nodes share this Redis as registry and message bus (placement of calls, the signalling bridge, cluster-wide signals and rate limits). Needs PostgreSQL (PARLEY_DATABASE_URL) and PARLEY_BLOB_STORE=s3. Without it Parley runs as one node. Never logged.',
    default: '(one node)',
  },
  PARLEY_DRAIN_TIMEOUT_SECONDS: {
    schema: positiveInt('a whole number of seconds').default(600),
    doc: 'Cluster mode: after SIGTERM a node takes no new calls and lets its running calls go on for at most this long; then their participants are moved to another node and the node exits.',
    default: '600',
  },
  PARLEY_CONFIG_FILE: {
    schema: z.string().min(1).optional(),
    doc: 'Optional JSON file with any of these settings as keys; environment variables win over it.',
    default: '(none)',
  },
} as const;

export type SettingName = keyof typeof settings;

const shape = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.schema])) as {
  [K in SettingName]: (typeof settings)[K]['schema'];
};

export const rawConfigSchema = z.object(shape);
export type RawConfig = z.infer<typeof rawConfigSchema>;
