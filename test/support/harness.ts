import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { currentCode } from '../../src/accounts/totp.ts';
import { createUser } from '../../src/accounts/users.ts';
import type { Role } from '../../src/accounts/roles.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { MAIL_SEAL_LABEL } from '../../src/mail/queue-mail.ts';
import { buildParley, type BuildOptions, type Parley } from '../../src/main.ts';
import { createOrganisation } from '../../src/organisations/organisations.ts';
import type { BlobStore } from '../../src/storage/blob-store.ts';
import { openBlobStore } from '../../src/storage/open-blob-store.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { OrgId, UserId } from '../../src/shared/ids.ts';
import { freshDatabase, introspecting, type TestDialect } from './dialects.ts';

export class TestClock implements Clock {
  #offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly raw: string;
}

/** A browser-like client over `app.inject`: keeps cookies, fetches and sends the CSRF token on writes. */
export class ApiClient {
  readonly cookies = new Map<string, string>();
  #csrf: string | undefined;
  bearer: string | undefined;

  constructor(private readonly parley: Parley) {}

  async request<T = any>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    options: { csrf?: boolean; headers?: Record<string, string>; rawBody?: string | Buffer } = {},
  ): Promise<ApiResponse<T>> {
    const unsafe = method !== 'GET';
    if (unsafe && options.csrf !== false && !this.bearer && !this.#csrf) await this.refreshCsrf();
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (unsafe && options.csrf !== false && this.#csrf && !this.bearer) headers['x-csrf-token'] = this.#csrf;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    let payload: string | Buffer | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.parley.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      const expired = (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0 || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    let parsed: unknown = undefined;
    if (res.body && String(res.headers['content-type'] ?? '').includes('json')) parsed = JSON.parse(res.body);
    return { status: res.statusCode, body: parsed as T, headers: res.headers, raw: res.body };
  }

  async refreshCsrf(): Promise<void> {
    const res = await this.request<{ token: string }>('GET', '/api/auth/csrf');
    this.#csrf = res.body.token;
  }

  get = <T = any>(url: string) => this.request<T>('GET', url);
  post = <T = any>(url: string, body?: unknown) => this.request<T>('POST', url, body ?? {});
  patch = <T = any>(url: string, body?: unknown) => this.request<T>('PATCH', url, body);
  delete = <T = any>(url: string) => this.request<T>('DELETE', url);
}

export interface TestParley {
  readonly parley: Parley;
  readonly config: Config;
  readonly clock: TestClock;
  /** Every log line written, as raw JSON text. */
  readonly logs: string[];
  readonly dataDir: string;
  client(): ApiClient;
  /** Stops this Parley (as a crash or a restart would) and starts a new one on the same database and keys. */
  restart(): Promise<TestParley>;
  close(): Promise<void>;
}

export interface TestParleyExtras extends Pick<BuildOptions, 'calls' | 'cluster'> {
  /** Wraps the configured blob store (e.g. to hold some reads and see what waits on them). */
  readonly wrapBlobs?: (store: BlobStore) => BlobStore;
}

export async function startTestParley(
  dialect: TestDialect['name'],
  env: Record<string, string> = {},
  extras: TestParleyExtras = {},
): Promise<TestParley> {
  const { wrapBlobs, ...extra } = extras;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-test-'));
  const database = await freshDatabase(dialect, dataDir);
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_DATABASE_URL: database.config.dialect === 'sqlite' ? `sqlite:${database.config.file}` : database.config.url,
    PARLEY_LOG_LEVEL: 'info',
    // Tests sign in many times a minute from one address; the per-address limit has its own test.
    PARLEY_LOGIN_RATE_PER_MINUTE: '10000',
    // The media in the test's own process (where a test can reach it, and no worker processes start for the many
    // tests that hold no call); the media tests that run workers say so (calls.mediaWorkers, or this variable).
    PARLEY_MEDIA_WORKERS: '0',
    ...env,
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const clock = new TestClock();
  const build = () =>
    introspecting(dialect, () => buildParley(config, {
      logger,
      clock,
      webRoot: null,
      ...extra,
      ...(wrapBlobs ? { blobs: wrapBlobs(openBlobStore(config)) } : {}),
      ...(database.pgSchema ? { database: { pgSchema: database.pgSchema } } : {}),
    }));
  const make = (parley: Parley): TestParley => ({
    parley,
    config,
    clock,
    logs,
    dataDir,
    client: () => new ApiClient(parley),
    async restart() {
      await parley.close();
      return make(await build());
    },
    async close() {
      await parley.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
  return make(await build());
}

export const TEST_PASSWORD = 'correct horse battery staple';

export interface SignedIn {
  readonly orgId: OrgId;
  readonly userId: UserId;
  readonly email: string;
  readonly client: ApiClient;
  /** Base32 TOTP secret, when the user enrolled. */
  readonly totpSecret: string | null;
}

let counter = 0;
export const uniqueEmail = (role: string) => `${role}.${process.pid}.${++counter}@example.test`;

/** Finishes a set-up link through the API as the person would, enrolling TOTP when the role needs it. */
export async function completeSetupAndSignIn(t: TestParley, setupUrl: string, extra: { email?: string; displayName?: string } = {}) {
  const token = new URL(setupUrl).hash.replace('#token=', '');
  const client = t.client();
  const done = await client.post<{ stage: string }>('/api/setup/complete', { token, password: TEST_PASSWORD, ...extra });
  if (done.status !== 200) throw new Error(`setup failed: ${done.status} ${done.raw}`);
  let totpSecret: string | null = null;
  if (done.body.stage === 'totp_enrolment') {
    const enrol = await client.post<{ secret: string }>('/api/auth/totp/enrolment');
    totpSecret = enrol.body.secret;
    const confirm = await client.post('/api/auth/totp/enrolment/confirm', { code: currentCode(totpSecret, t.clock.now()) });
    if (confirm.status !== 200) throw new Error(`TOTP enrolment failed: ${confirm.raw}`);
  }
  return { client, totpSecret };
}

/**
 * A new user's set-up link. Without a mail server the invitation answer carries it; with one it is only in the mail,
 * so it is read from the queued message, and that message is sent now, before the test counts mails of its own.
 */
async function setupUrlOf(t: TestParley, setupLink: { url: string | null }, email: string): Promise<string> {
  if (setupLink.url) return setupLink.url;
  const { deps } = t.parley;
  const mail = await deps.db.selectFrom('mail_outbox').select(['id', 'content_sealed']).where('to_address', '=', email).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  const { text } = JSON.parse(deps.keys.open(MAIL_SEAL_LABEL, mail.id, mail.content_sealed)) as { text: string };
  await t.parley.jobs.runDue();
  return /\S+\/setup#token=\S+/.exec(text)![0];
}

/** A new organisation with a signed-in admin (TOTP enrolled), built through the real use cases. */
export async function createOrgWithAdmin(t: TestParley, legalName = 'Test Bank AG'): Promise<SignedIn> {
  const { deps } = t.parley;
  const orgId = await deps.db.transaction().execute((tx) => createOrganisation(tx, deps, { legalName }));
  const email = uniqueEmail('admin');
  const { user, setupLink } = await createUser(deps, orgId, { type: 'system' }, { email, displayName: 'Ada Admin', role: 'admin' });
  const { client, totpSecret } = await completeSetupAndSignIn(t, await setupUrlOf(t, setupLink, email));
  return { orgId, userId: user.id as UserId, email, client, totpSecret };
}

/** Another user of the admin's organisation, invited through the API and signed in. */
export async function addUser(t: TestParley, admin: SignedIn, role: Role): Promise<SignedIn> {
  const email = uniqueEmail(role);
  const res = await admin.client.post<{ user: { id: string }; setupLink: { url: string | null } }>('/api/users', {
    email,
    displayName: `Test ${role}`,
    role,
  });
  if (res.status !== 201) throw new Error(`create user failed: ${res.status} ${res.raw}`);
  const { client, totpSecret } = await completeSetupAndSignIn(t, await setupUrlOf(t, res.body.setupLink, email));
  return { orgId: admin.orgId, userId: res.body.user.id as UserId, email, client, totpSecret };
}

/** Fills the controller details and publishes a privacy notice, so customers can join (used by join tests). */
export async function publishNotice(admin: SignedIn, extra: { recipients?: string } = {}): Promise<{ id: string; version: number }> {
  const org = await admin.client.patch('/api/organisation', {
    address: 'Neue Mainzer Str. 1, 60311 Frankfurt am Main',
    contactEmail: 'datenschutz@bank.example',
    dpoName: 'Dr. Dana Datenschutz',
    dpoEmail: 'dpo@bank.example',
    supervisoryAuthority: 'Der Hessische Beauftragte für Datenschutz und Informationsfreiheit',
  });
  if (org.status !== 200) throw new Error(`organisation update failed: ${org.raw}`);
  const recipients = extra.recipients ?? 'Our IT service provider hosting Parley (processor), in Germany.';
  const draft = await admin.client.post('/api/notices', {
    texts: {
      en: { recipients, transfers: 'No transfers outside the EEA.' },
      de: { recipients: 'Unser IT-Dienstleister, der Parley betreibt (Auftragsverarbeiter), in Deutschland.', transfers: 'Keine Übermittlung außerhalb des EWR.' },
    },
  });
  if (draft.status !== 201) throw new Error(`notice draft failed: ${draft.raw}`);
  const published = await admin.client.post(`/api/notices/${draft.body.id}/publish`);
  if (published.status !== 200) throw new Error(`publish failed: ${published.raw}`);
  return { id: published.body.id, version: published.body.version };
}
