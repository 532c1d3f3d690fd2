import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import SQLite from 'better-sqlite3';
import pg from 'pg';

/**
 * The header every benchmark prints first, so a figure is never read without the machine it came from.
 * Gathering it opens a throwaway in-memory SQLite database and, when given a URL, one PostgreSQL connection.
 */
export interface MachineOptions {
  /** The benchmark's name, shown in the title. */
  readonly benchmark: string;
  /** PostgreSQL server to report the version of; omitted when the benchmark does not use PostgreSQL. */
  readonly postgresUrl?: string | undefined;
}

export async function printMachineHeader(options: MachineOptions): Promise<void> {
  const rows = await describeMachine(options);
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`Parley benchmark: ${options.benchmark}`);
  for (const [key, value] of rows) console.log(`  ${key.padEnd(width)}  ${value}`);
  console.log('');
}

export async function describeMachine(options: MachineOptions): Promise<Array<[string, string]>> {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((c) => c.model.trim()))].join(' / ') || 'unknown';
  const rows: Array<[string, string]> = [
    ['date', new Date().toISOString()],
    ['cpu', `${cpus.length} × ${models}`],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total`],
    ['node', process.version],
    ['os', `${os.type()} ${os.release()} ${os.arch()}${distribution() ? ` (${distribution()})` : ''}`],
    ['sqlite', sqliteVersion()],
  ];
  if (options.postgresUrl) rows.push(['postgresql', await postgresVersion(options.postgresUrl)]);
  const commit = gitCommit();
  if (commit) rows.push(['parley', commit]);
  return rows;
}

function distribution(): string | undefined {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The SQLite library better-sqlite3 is built with: the one Parley runs on. */
function sqliteVersion(): string {
  const db = new SQLite(':memory:');
  try {
    const { v } = db.prepare('select sqlite_version() as v').get() as { v: string };
    return `${v} (better-sqlite3 ${packageVersion('better-sqlite3')})`;
  } finally {
    db.close();
  }
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return `${rows[0]?.server_version ?? 'unknown'} at ${safeLocation(url)}`;
  } catch (err) {
    return `unreachable at ${safeLocation(url)} (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Host, port and database only: a URL's user and password are never printed. */
export function safeLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** The commit measured, marked when the work tree has changes beyond it; absent outside a git checkout. */
function gitCommit(): string | undefined {
  try {
    const run = (args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = run(['rev-parse', '--short', 'HEAD']);
    return run(['status', '--porcelain', '--untracked-files=no']) ? `${head} + uncommitted changes` : head;
  } catch {
    return undefined;
  }
}
