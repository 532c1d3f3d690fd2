import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ensureFirstAdmin } from '../accounts/bootstrap.ts';
import { createUser } from '../accounts/users.ts';
import { describeBreak, verifyChain } from '../audit/verify-chain.ts';
import { ConfigError, loadConfig, type Config } from '../config/load.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { rotateOrgKeys } from '../keys/data-keys.ts';
import { buildCore, buildParley } from '../main.ts';
import { createOrganisation } from '../organisations/organisations.ts';
import { isId, type OrgId } from '../shared/ids.ts';
import { AppError } from '../shared/app-error.ts';
import { purgeExpired } from '../retention/purge.ts';
import { formatPurgeReport } from '../retention/report-table.ts';
import { ensurePurgeScheduled } from '../retention/purge-job.ts';
import { createBackup, restoreBackup } from '../backup/backup.ts';
import { journalOf, replayJournal } from '../keys/shred-journal.ts';
import { loadOrCreateMasterKey } from '../keys/local/local-key-provider.ts';
import { existsSync } from 'node:fs';

const HELP = `parley — self-hosted video calls with GDPR compliance built in

Usage:
  parley start                       run the server (migrates the database first)
  parley migrate                     bring the database schema up to date
  parley create-admin --email EMAIL [--name NAME] [--org ORG_ID | --new-org "LEGAL NAME"]
                                     create an admin and print their one-time set-up link
  parley audit verify [--org ORG_ID] recompute the audit hash chains; exit 1 if one is broken
  parley keys rotate [--org ORG_ID]  new key-encryption key per organisation: re-wraps every recording's data
                                     key, then destroys the old key (media untouched; safe to rerun)
  parley purge [--dry-run]           delete what has expired now (the server also does this every
                                     PARLEY_PURGE_INTERVAL_HOURS); --dry-run only counts. Safe to rerun
  parley keys replay-shredded        destroy again every data key the shredding journal lists (after restoring
                                     a PostgreSQL dump: nothing erased since the dump comes back)
  parley backup --to DIR             a consistent copy of the embedded database and blobs, taken while Parley
                                     runs (never the master key: keep it apart; docs/backup.md)
  parley restore --from DIR          put a backup into a fresh data directory, checked against its manifest;
                                     needs the same master key, and re-destroys every key erased since
  parley help                        this text

Settings come from PARLEY_* environment variables (see the README).`;

/** Output for people, not the log: first-run links and reports go to the terminal only. */
const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start();
      case 'migrate':
        return await migrate();
      case 'create-admin':
        return await createAdmin(rest);
      case 'audit':
        if (rest[0] === 'verify') return await auditVerify(rest.slice(1));
        err('Unknown audit command. Did you mean: parley audit verify');
        return 2;
      case 'keys':
        if (rest[0] === 'rotate') return await keysRotate(rest.slice(1));
        if (rest[0] === 'replay-shredded') return await keysReplayShredded();
        err('Unknown keys command. Did you mean: parley keys rotate (or parley keys replay-shredded)');
        return 2;
      case 'purge':
        return await purge(rest);
      case 'backup':
        return await backup(rest);
      case 'restore':
        return await restore(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return 0;
      default:
        err(`Unknown command "${command}".\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 78; // EX_CONFIG
    }
    if (e instanceof AppError) {
      err(`parley: ${e.userMessage}`);
      return 1;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      err(`parley: ${e.message}\n\n${HELP}`);
      return 2;
    }
    err(`parley: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

async function start(): Promise<number> {
  const config = loadConfig();
  const parley = await buildParley(config);
  const { deps, app } = parley;
  // In a cluster, nodes starting together on a fresh database take turns: exactly one creates the first admin.
  let firstRun!: Awaited<ReturnType<typeof ensureFirstAdmin>>;
  if (parley.cluster) await parley.cluster.node.onceAtATime('first-run', 60_000, async () => void (firstRun = await ensureFirstAdmin(deps)));
  else firstRun = await ensureFirstAdmin(deps);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await parley.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${config.port} on ${config.host} is in use; set PARLEY_PORT to another port`);
    }
    throw e;
  }
  // The retention purge runs at start and then every PARLEY_PURGE_INTERVAL_HOURS (one queued job at a time).
  // In a cluster one node at a time checks the schedule, so two nodes starting together never queue two purges.
  if (parley.cluster) await parley.cluster.node.once('purge-schedule', 60_000, async () => void (await ensurePurgeScheduled(deps)));
  else await ensurePurgeScheduled(deps);
  parley.jobs.start();
  printBanner(config, firstRun);
  if (parley.cluster) out(`  Cluster: this is node ${parley.cluster.node.id}; calls are placed on the least loaded node (Redis)\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info({ signal }, 'stopping');
    // A node of a cluster leaves gently on SIGTERM: its calls finish here or move to another node first.
    if (signal === 'SIGTERM' && config.cluster) await parley.drain(config.cluster.drainTimeoutSeconds * 1000);
    await parley.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return new Promise<number>(() => {}); // runs until a signal
}

function printBanner(config: Config, firstRun: Awaited<ReturnType<typeof ensureFirstAdmin>>) {
  const db = config.database.dialect === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL';
  out('');
  out(`  Parley is running at ${config.publicUrl}`);
  out(`  Database: ${db}`);
  out(`  Data: ${config.dataDir} (keep ${config.masterKeyFile} safe and backed up apart from the data)`);
  out(`  Mail: ${config.mail.smtpUrl ? `SMTP relay ${new URL(config.mail.smtpUrl).host}` : 'kept in the built-in outbox (console → Outbox); set PARLEY_SMTP_URL to send'}`);
  out('');
  switch (firstRun.kind) {
    case 'setup_link':
      out('  First run: create the administrator account by opening this one-time link');
      out(`  (valid until ${firstRun.link.expiresAt}):`);
      out('');
      out(`    ${firstRun.link.url}`);
      out('');
      out('  You will choose your email and password, then scan a QR code with an authenticator app');
      out('  (two-factor sign-in is required for administrators).');
      break;
    case 'admin_from_env':
      out(`  First run: sign in at ${config.publicUrl}/login with PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD;`);
      out('  you will be asked to set up two-factor sign-in with an authenticator app.');
      break;
    case 'existing':
      out(`  Sign in at ${config.publicUrl}/login`);
      break;
  }
  out('');
}

async function migrate(): Promise<number> {
  const config = loadConfig();
  const { database } = buildCore(config);
  try {
    const { applied } = await migrateToLatest(database);
    out(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
    return 0;
  } finally {
    await database.close();
  }
}

async function createAdmin(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { email: { type: 'string' }, name: { type: 'string' }, org: { type: 'string' }, 'new-org': { type: 'string' } },
    strict: true,
  });
  if (!values.email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email)) {
    err('parley create-admin: --email must be an email address.');
    return 2;
  }
  if (values.org && values['new-org']) {
    err('parley create-admin: use --org or --new-org, not both.');
    return 2;
  }
  if (values.org && !isId('org', values.org)) {
    err('parley create-admin: --org must be an organisation id (org_…).');
    return 2;
  }
  const config = loadConfig();
  const { deps, database } = buildCore(config);
  try {
    await migrateToLatest(database);
    let orgId = values.org as OrgId | undefined;
    if (values['new-org']) {
      const legalName = values['new-org'];
      orgId = await deps.db.transaction().execute((tx) => createOrganisation(tx, deps, { legalName }));
      out(`Created organisation ${orgId}.`);
    }
    if (!orgId) {
      const orgs = await deps.db.selectFrom('organisations').select('id').limit(2).execute();
      if (orgs.length !== 1) {
        err('parley create-admin: name the organisation with --org ORG_ID (or --new-org "Legal name").');
        return 2;
      }
      orgId = orgs[0]!.id as OrgId;
    } else if (!(await deps.db.selectFrom('organisations').select('id').where('id', '=', orgId).executeTakeFirst())) {
      err(`parley create-admin: there is no organisation ${orgId}.`);
      return 1;
    }
    const { user, setupLink } = await createUser(deps, orgId, { type: 'system' }, {
      email: values.email.trim().toLowerCase(),
      displayName: values.name?.trim() || 'Administrator',
      role: 'admin',
    });
    if (setupLink.url === null) {
      // With a mail relay the link is mailed (sent by the running server's job runner), never printed.
      out(`Created admin ${user.id}. Their one-time set-up link is mailed to ${setupLink.sentTo} (valid until ${setupLink.expiresAt}).`);
    } else {
      out(`Created admin ${user.id}. No mail relay is set up, so send them this one-time set-up link (valid until ${setupLink.expiresAt}):`);
      out(`  ${setupLink.url}`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

async function auditVerify(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { org: { type: 'string' } }, strict: true });
  if (values.org && !isId('org', values.org)) {
    err('parley audit verify: --org must be an organisation id (org_…).');
    return 2;
  }
  const config = loadConfig();
  const { database } = buildCore(config);
  try {
    let q = database.db.selectFrom('organisations').select('id').orderBy('id');
    if (values.org) q = q.where('id', '=', values.org);
    const orgs = await q.execute();
    if (orgs.length === 0) {
      err(values.org ? `No organisation ${values.org}.` : 'No organisations yet.');
      return values.org ? 1 : 0;
    }
    let broken = 0;
    for (const { id } of orgs) {
      const report = await verifyChain(database.db, id as OrgId);
      if (report.ok) {
        out(`${id}: ${report.events} events, chain intact`);
      } else {
        broken += 1;
        out(`${id}: BROKEN — ${describeBreak(report.firstBreak!)}`);
      }
    }
    return broken === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

async function keysRotate(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { org: { type: 'string' } }, strict: true });
  if (values.org && !isId('org', values.org)) {
    err('parley keys rotate: --org must be an organisation id (org_…).');
    return 2;
  }
  const config = loadConfig();
  const { deps, database } = buildCore(config);
  // Progress goes to stderr (drawn only on a terminal); the summary line to stdout.
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 're-wrapping data keys [{bar}] {value}/{total}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  try {
    await migrateToLatest(database);
    if (values.org && !(await deps.db.selectFrom('organisations').select('id').where('id', '=', values.org).executeTakeFirst())) {
      err(`parley keys rotate: there is no organisation ${values.org}.`);
      return 1;
    }
    let started = false;
    const result = await rotateOrgKeys(deps, {
      ...(values.org ? { orgId: values.org as OrgId } : {}),
      onProgress: (done, total) => {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done);
        }
      },
    });
    bar.stop();
    out(`Rotated the key-encryption key of ${result.organisations} organisation(s); re-wrapped ${result.rewrapped} data key(s).`);
    return 0;
  } finally {
    bar.stop();
    await database.close();
  }
}

async function purge(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { 'dry-run': { type: 'boolean' } }, strict: true });
  const dryRun = values['dry-run'] === true;
  const config = loadConfig();
  const { deps, database } = buildCore(config);
  // Progress goes to stderr, drawn only on a terminal; the summary table to stdout.
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: `${dryRun ? 'counting' : 'purging'} expired items [{bar}] {value}/{total} {table}`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  try {
    await migrateToLatest(database);
    const report = await purgeExpired(deps, {
      dryRun,
      onProgress: ({ done, total, table }) => {
        if (!bar) return;
        if (!started) {
          bar.start(Math.max(total, 1), done, { table });
          started = true;
        } else bar.update(done, { table });
      },
    });
    bar?.stop();
    out(dryRun ? `Dry run as of ${report.asOf}: nothing was deleted.` : `Purged as of ${report.asOf}.`);
    out('');
    out(report.counts.length > 0 ? formatPurgeReport(report) : 'Nothing has expired.');
    out('');
    out(
      `${dryRun ? 'Would delete' : 'Deleted'} ${report.deleted} item(s); kept ${report.kept} expired item(s); ` +
        `${dryRun ? 'found' : 'removed'} ${report.orphanBlobs} orphan blob(s) in ${(report.durationMs / 1000).toFixed(1)} s.`,
    );
    return 0;
  } finally {
    bar?.stop();
    await database.close();
  }
}

async function backup(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { to: { type: 'string' } }, strict: true });
  if (!values.to) {
    err('parley backup: say where with --to DIR (a new or empty directory).');
    return 2;
  }
  const config = loadConfig();
  if (!existsSync(config.masterKeyFile)) {
    err(`parley backup: there is no master key at ${config.masterKeyFile}, so there is no installation to back up here.`);
    return 1;
  }
  const { provider } = loadOrCreateMasterKey(config.masterKeyFile);
  const manifest = await createBackup(config, provider, values.to, (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\rcopying blobs ${done}/${total}`);
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const bytes = manifest.blobs.reduce((n, b) => n + b.bytes, 0) + manifest.database.bytes;
  out(`Backup written to ${values.to}: the database and ${manifest.blobs.length} encrypted blobs, ${(bytes / 1_048_576).toFixed(1)} MiB.`);
  out('');
  out(`The master key is NOT in it. Keep ${config.masterKeyFile} (fingerprint ${manifest.masterKey.fingerprint})`);
  out(`and its shredding journal ${journalOf(config.masterKeyFile)} apart from this backup: a restore needs both.`);
  return 0;
}

async function restore(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { from: { type: 'string' } }, strict: true });
  if (!values.from) {
    err('parley restore: say which backup with --from DIR.');
    return 2;
  }
  const config = loadConfig();
  if (!existsSync(config.masterKeyFile)) {
    err(`parley restore: the master key is not at ${config.masterKeyFile}. Backups never hold it: put the key the backup was made with there (see the backup's README.txt), then run the restore again.`);
    return 1;
  }
  const { provider } = loadOrCreateMasterKey(config.masterKeyFile);
  const restored = restoreBackup(config, provider, values.from, (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\rchecking ${done}/${total}`);
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const { deps, database } = buildCore(config, { keys: provider });
  try {
    await migrateToLatest(database);
    // What was erased after the backup was taken is erased again, before anything can read it.
    const shredded = await replayJournal(deps);
    let broken = 0;
    for (const { id } of await database.db.selectFrom('organisations').select('id').orderBy('id').execute()) {
      const report = await verifyChain(database.db, id as OrgId);
      if (!report.ok) broken += 1;
      out(`${id}: ${report.ok ? `${report.events} audit events, chain intact` : `audit chain BROKEN — ${describeBreak(report.firstBreak!)}`}`);
    }
    out(`Restored the database and ${restored.blobs} blobs (${(restored.bytes / 1_048_576).toFixed(1)} MiB) into ${config.dataDir}.`);
    out(`Erased again from the shredding journal: ${shredded.recording_tracks} recorded tracks, ${shredded.subject_exports} access exports.`);
    return broken === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

async function keysReplayShredded(): Promise<number> {
  const config = loadConfig();
  if (!existsSync(journalOf(config.masterKeyFile))) {
    out(`No shredding journal at ${journalOf(config.masterKeyFile)}: nothing was erased with this master key, or the journal was not kept beside it.`);
    return 0;
  }
  const { deps, database } = buildCore(config);
  try {
    await migrateToLatest(database);
    const shredded = await replayJournal(deps);
    out(`Erased again from the shredding journal: ${shredded.recording_tracks} recorded tracks, ${shredded.subject_exports} access exports (the rest were erased already).`);
    return 0;
  } finally {
    await database.close();
  }
}
