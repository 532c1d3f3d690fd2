/**
 * How many audit events per second Parley appends to its hash-chained audit log, one event per transaction
 * ("single") and many per transaction ("batched"), on SQLite and PostgreSQL, beside a same-run baseline of
 * plain inserts into a table of the same shape without the chain (no head-row update, no hash, no
 * previous-hash lookup). The ratio of the two is what the chain costs. Ends by verifying the chain.
 *
 *   npm run bench -- audit-append [--events N] [--single N] [--batched N] [--batch-size N]
 *
 * PostgreSQL runs when PARLEY_BENCH_POSTGRES_URL (or PARLEY_TEST_POSTGRES_URL) is set, in a fresh schema
 * that is dropped at the end. Figures are printed, never compared to a threshold (STYLE 15).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import stringify from 'safe-stable-stringify';
import { z } from 'zod';
import { createAuditLog, type AuditLog } from '../src/audit/append-event.ts';
import type { AuditActor, AuditEvent } from '../src/audit/events.ts';
import { verifyChain } from '../src/audit/verify-chain.ts';
import { openDatabase, toCount, type DatabaseHandle, type Db, type Dialect } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { AuditEventsTable, Database } from '../src/db/schema.ts';
import { createOrganisation } from '../src/organisations/organisations.ts';
import { iso, systemClock } from '../src/shared/clock.ts';
import { newId, type OrgId } from '../src/shared/ids.ts';
import { printMachineHeader, safeLocation } from './support/machine.ts';
import { formatInteger, formatSeconds, formatTable } from './support/table.ts';
import { readOptions, settle } from './support/options.ts';

/** Each mode is split into this many rounds, alternating which side goes first, so drift hits both alike. */
const ROUNDS = 5;
/** Untimed warm-up per side and dialect, into a separate organisation: JIT, statement paths, page cache. */
const WARMUP_SINGLE = 200;
const WARMUP_BATCHES = 5;
const BASELINE_TABLE = 'audit_events_baseline';
/** Stands in for prev_hash and hash in baseline rows: the same length as a SHA-256 hex digest, not computed. */
const FILLER_HASH = randomBytes(32).toString('hex');

const positive = z.coerce.number().int().positive();
const settingsSchema = z.object({
  /** Events appended one per transaction, per dialect. Default 5,000. */
  single: positive.default(5_000),
  /** Events appended in batches, per dialect. Default 20,000. */
  batched: positive.default(20_000),
  /** Events per transaction in batched mode. Default 100. */
  batchSize: positive.default(100),
});
type Settings = z.infer<typeof settingsSchema>;

const usage = `Usage: npm run bench -- audit-append [options]
  --events N       events in each mode (sets both --single and --batched)
  --single N       events appended one per transaction, per dialect (default 5000)
  --batched N      events appended in batches, per dialect (default 20000)
  --batch-size N   events per transaction in batched mode (default 100)
PostgreSQL: set PARLEY_BENCH_POSTGRES_URL (or PARLEY_TEST_POSTGRES_URL).`;

function parseSettings(argv: string[]): Settings {
  const o = readOptions(argv, ['events', 'single', 'batched', 'batch-size'], usage);
  const input = { single: o.single ?? o.events, batched: o.batched ?? o.events, batchSize: o['batch-size'] };
  return settle(settingsSchema, input, 'Each count must be a positive whole number.', usage);
}

type Mode = 'single' | 'batched';

interface ModeResult {
  readonly dialect: Dialect;
  readonly mode: Mode;
  readonly events: number;
  readonly chainSeconds: number;
  readonly baselineSeconds: number;
}

interface VerifyResult {
  readonly dialect: Dialect;
  readonly expected: number;
  readonly events: number;
  readonly ok: boolean;
  readonly seconds: number;
}

interface DialectResult {
  readonly modes: ModeResult[];
  readonly verify: VerifyResult;
  /** Problems that make the run invalid (a broken chain, missing baseline rows); empty when all is well. */
  readonly problems: string[];
}

type BaselineDb = Kysely<Database & { [BASELINE_TABLE]: AuditEventsTable }>;

/**
 * The baseline table: the columns, types, unique constraint, index and foreign key of `audit_events`
 * (migration 0001), under another name. The append-only trigger is left out: it fires on UPDATE only.
 */
async function createBaselineTable(db: Db): Promise<void> {
  await db.schema
    .createTable(BASELINE_TABLE)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addUniqueConstraint(`${BASELINE_TABLE}_org_seq`, ['org_id', 'seq'])
    .execute();
  await db.schema
    .createIndex(`${BASELINE_TABLE}_org_time`)
    .on(BASELINE_TABLE)
    .columns(['org_id', 'created_at'])
    .execute();
}

/** Transactions' worth of events: `total` events in groups of `perTransaction` (the last may be smaller). */
function makeBatches(total: number, perTransaction: number): AuditEvent[][] {
  const batches: AuditEvent[][] = [];
  for (let done = 0; done < total; done += perTransaction) {
    const size = Math.min(perTransaction, total - done);
    batches.push(
      Array.from({ length: size }, () => ({
        type: 'user.updated' as const,
        data: { userId: newId('user'), fields: ['displayName'] },
      })),
    );
  }
  return batches;
}

/** `total` split into `parts` near-equal positive counts. */
function splitEvenly(total: number, parts: number): number[] {
  const n = Math.min(parts, total);
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function benchDialect(handle: DatabaseHandle, settings: Settings, signal: AbortSignal): Promise<DialectResult> {
  const { db, dialect } = handle;
  const log = (message: string) => process.stderr.write(`  ${dialect}: ${message}\n`);
  await migrateToLatest(handle);
  await createBaselineTable(db);
  const baselineDb: BaselineDb = db.withTables<{ [BASELINE_TABLE]: AuditEventsTable }>();

  const audit: AuditLog = createAuditLog({ clock: systemClock });
  const newOrganisation = (legalName: string) =>
    db.transaction().execute((tx) => createOrganisation(tx, { clock: systemClock, audit }, { legalName }));
  const actor: AuditActor = { type: 'user', id: newId('user') };
  const baselineSeq = new Map<OrgId, number>();

  const appendChained = async (orgId: OrgId, batches: AuditEvent[][]) => {
    for (const batch of batches) {
      signal.throwIfAborted();
      // One event is passed as callers pass it, not as a one-element array.
      const events = batch.length === 1 ? batch[0]! : batch;
      await db.transaction().execute((tx) => audit.append(tx, orgId, actor, events));
    }
  };

  // The same row building as append() minus the chain: same id, data and timestamp work, seq from memory.
  const insertBaseline = async (orgId: OrgId, batches: AuditEvent[][]) => {
    let seq = baselineSeq.get(orgId) ?? 0;
    for (const batch of batches) {
      signal.throwIfAborted();
      await baselineDb.transaction().execute(async (tx) => {
        const createdAt = iso(systemClock.now());
        const rows = batch.map((event) => ({
          id: newId('event'),
          org_id: orgId,
          seq: ++seq,
          type: event.type,
          actor_type: actor.type,
          actor_id: actor.type === 'user' ? actor.id : null,
          data: stringify(event.data),
          created_at: createdAt,
          prev_hash: FILLER_HASH,
          hash: FILLER_HASH,
        }));
        await tx.insertInto(BASELINE_TABLE).values(rows).execute();
      });
    }
    baselineSeq.set(orgId, seq);
  };

  log('warming up');
  const warmOrg = await newOrganisation('Benchmark warm-up');
  for (const batches of [makeBatches(WARMUP_SINGLE, 1), makeBatches(WARMUP_BATCHES * settings.batchSize, settings.batchSize)]) {
    await appendChained(warmOrg, batches);
    await insertBaseline(warmOrg, batches);
  }

  const orgId = await newOrganisation('Benchmark');
  // Creating an organisation writes its own events first (organisation.created, its default call type, …).
  const eventsAtStart = toCount(
    (await db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow()).n,
  );
  const modes: ModeResult[] = [];
  for (const [mode, total, perTransaction] of [
    ['single', settings.single, 1],
    ['batched', settings.batched, settings.batchSize],
  ] as const) {
    log(`${mode}: ${formatInteger(total)} events, ${perTransaction} per transaction`);
    let chainSeconds = 0;
    let baselineSeconds = 0;
    for (const [round, count] of splitEvenly(total, ROUNDS).entries()) {
      // Both sides insert the same events; which goes first alternates by round.
      const batches = makeBatches(count, perTransaction);
      const chain = async () => {
        chainSeconds += await timed(() => appendChained(orgId, batches));
      };
      const baseline = async () => {
        baselineSeconds += await timed(() => insertBaseline(orgId, batches));
      };
      for (const side of round % 2 === 0 ? [chain, baseline] : [baseline, chain]) await side();
    }
    modes.push({ dialect, mode, events: total, chainSeconds, baselineSeconds });
  }

  log('verifying the chain');
  const expected = eventsAtStart + settings.single + settings.batched;
  let report: Awaited<ReturnType<typeof verifyChain>> | undefined;
  const verifySeconds = await timed(async () => {
    report = await verifyChain(db, orgId);
  });
  const problems: string[] = [];
  if (!report?.ok) problems.push(`${dialect}: verifyChain reports a break: ${JSON.stringify(report?.firstBreak)}`);
  if (report?.events !== expected) {
    problems.push(`${dialect}: verifyChain checked ${report?.events} events, expected ${expected}`);
  }
  const baselineRows = await baselineDb
    .selectFrom(BASELINE_TABLE)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  if (toCount(baselineRows.n) !== settings.single + settings.batched) {
    problems.push(`${dialect}: the baseline table holds ${toCount(baselineRows.n)} rows, expected ${settings.single + settings.batched}`);
  }
  return {
    modes,
    verify: { dialect, expected, events: report?.events ?? 0, ok: report?.ok ?? false, seconds: verifySeconds },
    problems,
  };
}

async function benchSqlite(settings: Settings, signal: AbortSignal): Promise<DialectResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  // openDatabase sets WAL and synchronous=NORMAL, as Parley runs.
  const handle = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'parley.db') });
  try {
    return await benchDialect(handle, settings, signal);
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(url: string, settings: Settings, signal: AbortSignal): Promise<DialectResult> {
  const schema = `parley_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema ${schema}`);
  try {
    const handle = openDatabase({ dialect: 'postgres', url }, { pgSchema: schema });
    try {
      return await benchDialect(handle, settings, signal);
    } finally {
      await handle.close();
    }
  } finally {
    await admin(`drop schema if exists ${schema} cascade`);
  }
}

function printResults(results: DialectResult[]): void {
  const rate = (events: number, seconds: number) => (seconds > 0 ? events / seconds : Number.POSITIVE_INFINITY);
  console.log(
    formatTable(
      [
        { title: 'dialect' },
        { title: 'mode' },
        { title: 'events', right: true },
        { title: 'seconds', right: true },
        { title: 'events/s', right: true },
        { title: 'baseline events/s', right: true },
        { title: 'ratio (chain/baseline)', right: true },
      ],
      results.flatMap((r) =>
        r.modes.map((m) => {
          const chain = rate(m.events, m.chainSeconds);
          const baseline = rate(m.events, m.baselineSeconds);
          return [
            m.dialect,
            m.mode,
            formatInteger(m.events),
            formatSeconds(m.chainSeconds),
            formatInteger(chain),
            formatInteger(baseline),
            (chain / baseline).toFixed(2),
          ];
        }),
      ),
    ),
  );
  console.log('');
  console.log(
    formatTable(
      [
        { title: 'dialect' },
        { title: 'verify' },
        { title: 'events', right: true },
        { title: 'seconds', right: true },
        { title: 'events/s', right: true },
      ],
      results.map(({ verify: v }) => [
        v.dialect,
        v.ok && v.events === v.expected ? 'ok' : 'FAILED',
        formatInteger(v.events),
        formatSeconds(v.seconds),
        formatInteger(rate(v.events, v.seconds)),
      ]),
    ),
  );
  console.log('');
  console.log('seconds and events/s: chained appends through audit.append(); baseline: the same rows inserted into');
  console.log('a same-shape table without the chain, in the same run. ratio = chain events/s / baseline events/s:');
  console.log('1.00 means the chain costs nothing, 0.50 that it halves throughput. verify: verifyChain() over the');
  console.log('benchmark organisation\'s whole chain (its own creation events plus every single and batched event).');
}

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  // A benchmark is its own entry point: it reads its two variables here, once.
  const postgresUrl = process.env.PARLEY_BENCH_POSTGRES_URL || process.env.PARLEY_TEST_POSTGRES_URL || undefined;

  await printMachineHeader({ benchmark: 'audit-append', postgresUrl });
  console.log(
    `events per dialect: single ${formatInteger(settings.single)} (1 per transaction), ` +
      `batched ${formatInteger(settings.batched)} (${formatInteger(settings.batchSize)} per transaction); ` +
      `warm-up ${WARMUP_SINGLE} single + ${WARMUP_BATCHES} batches per side, untimed; ` +
      `${ROUNDS} rounds per mode alternating chain and baseline`,
  );
  console.log('');

  // Ctrl-C stops between transactions so the temporary database or schema is still removed; a second one quits.
  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nInterrupted: stopping and removing the temporary database (Ctrl-C again to quit now).\n');
    stop.abort(new Error('interrupted'));
    process.once('SIGINT', () => process.exit(130));
  });

  const results: DialectResult[] = [];
  const problems: string[] = [];
  const run = async (dialect: Dialect, bench: () => Promise<DialectResult>) => {
    process.stderr.write(`${dialect}…\n`);
    try {
      const result = await bench();
      results.push(result);
      problems.push(...result.problems);
    } catch (err) {
      if (stop.signal.aborted) throw err;
      problems.push(`${dialect}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };

  try {
    await run('sqlite', () => benchSqlite(settings, stop.signal));
    if (postgresUrl) await run('postgres', () => benchPostgres(postgresUrl, settings, stop.signal));
  } catch (err) {
    if (stop.signal.aborted) return 130;
    throw err;
  }

  if (results.length > 0) printResults(results);
  if (!postgresUrl) {
    console.log('');
    console.log('PostgreSQL: skipped — set PARLEY_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test');
  } else {
    console.log(`PostgreSQL at ${safeLocation(postgresUrl)}, in a temporary schema (dropped).`);
  }
  if (problems.length > 0) {
    console.error('');
    for (const p of problems) console.error(`FAILED ${p}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
