/**
 * `npm run bench -- subject-rights`: how long one data subject's rights take on a large installation — building
 * their inventory (every item about them), producing their access export (without media), and erasing them —
 * on SQLite and PostgreSQL, with 100,000 subjects, 1,000,000 calls and 10,000,000 audit events by default.
 *
 * The data is generated inside the database with set-based SQL (a recursive CTE on SQLite, generate_series on
 * PostgreSQL): each call has its agent and one customer (so 2,000,000 participants), one attendance row and one
 * consent record; each subject is the customer of calls/subjects calls. Audit events continue the organisation's
 * chain in sequence with filler hashes (the benchmark measures the subject-rights work, not chain verification).
 * Timed: the three operations for several sampled subjects, through Parley's own functions, on a warm database.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { tagged } from '../src/db/personal-data.ts';
import type { OrgId } from '../src/shared/ids.ts';
import { iso } from '../src/shared/clock.ts';
import { createAccessExport } from '../src/subject-rights/access-export.ts';
import { eraseSubject } from '../src/subject-rights/erasure.ts';
import { findSubjectData } from '../src/subject-rights/inventory.ts';
import { postgresUrl } from '../test/support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type TestParley } from '../test/support/harness.ts';
import { printMachineHeader } from './support/machine.ts';
import { readOptions, settle } from './support/options.ts';
import { formatInteger, formatSeconds, formatTable } from './support/table.ts';

const positive = z.coerce.number().int().positive();
const settingsSchema = z.object({
  subjects: positive.default(100_000),
  calls: positive.default(1_000_000),
  audit: positive.default(10_000_000),
  samples: positive.max(50).default(5),
  dialects: z
    .string()
    .default('sqlite,postgres')
    .transform((s) => s.split(',').map((d) => d.trim()))
    .pipe(z.array(z.enum(['sqlite', 'postgres'])).min(1)),
});
type Settings = z.infer<typeof settingsSchema>;

const usage = `Usage: npm run bench -- subject-rights [options]
  --subjects N    data subjects (default 100000)
  --calls N       calls, each with an agent and one customer (default 1000000)
  --audit N       audit events (default 10000000)
  --samples N     subjects timed per operation (default 5)
  --dialects L    sqlite,postgres (default both; PostgreSQL needs PARLEY_TEST_POSTGRES_URL)`;

function parseSettings(argv: string[]): Settings {
  const o = readOptions(argv, ['subjects', 'calls', 'audit', 'samples', 'dialects'], usage);
  return settle(settingsSchema, o, 'Counts must be positive whole numbers (samples at most 50); dialects sqlite and/or postgres.', usage);
}

const FILLER_HASH = randomBytes(32).toString('hex');

interface Fixture {
  readonly t: TestParley;
  readonly orgId: OrgId;
}

/** Parley with one organisation, an agent, a published notice and a call type, through its own use cases. */
async function setUp(dialect: 'sqlite' | 'postgres'): Promise<Fixture & { agentId: string; callTypeId: string; noticeId: string }> {
  const t = await startTestParley(dialect, { PARLEY_LOG_LEVEL: 'warn' });
  const admin = await createOrgWithAdmin(t, 'Benchmark Bank AG');
  const agent = await addUser(t, admin, 'agent');
  const notice = await publishNotice(admin);
  const ct = await admin.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }] });
  if (ct.status !== 201) throw new Error(`call type: ${ct.raw}`);
  return { t, orgId: admin.orgId, agentId: agent.userId, callTypeId: ct.body.id, noticeId: notice.id };
}

/** Generates the rows with one set-based statement per table. */
async function generate(f: Awaited<ReturnType<typeof setUp>>, s: Settings): Promise<Record<string, number>> {
  const db = f.t.parley.deps.db;
  const pg = f.t.parley.deps.dialect === 'postgres';
  const now = iso(new Date());
  const expires = iso(new Date(Date.now() + 365 * 86_400_000));
  const pad = (expr: string, width = 25) => (pg ? `lpad((${expr})::text, ${width}, '0')` : `printf('%0${width}d', ${expr})`);
  const series = (n: number, body: string) =>
    pg ? body.replaceAll('FROM seq', `FROM generate_series(1, ${n}) AS seq(i)`) : `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n}) ${body}`;
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const timings: Record<string, number> = {};
  const run = async (name: string, statement: string) => {
    const started = performance.now();
    await sql.raw(statement).execute(db);
    timings[name] = (performance.now() - started) / 1000;
  };
  const subj = (expr: string) => `'subj_' || ${pad(expr)}`;
  const subjectOfCall = `((i - 1) % ${s.subjects}) + 1`;
  const t = (table: Parameters<typeof tagged>[0]) => `${q(tagged(table).purpose)}, ${q(tagged(table).data_category)}`;

  await run(
    'subjects',
    series(
      s.subjects,
      `INSERT INTO subjects (id, org_id, email, display_name, created_at, updated_at, expires_at, purpose, data_category)
       SELECT ${subj('i')}, ${q(f.orgId)}, 'person' || i || '@example.test', 'Person ' || i, ${q(now)}, ${q(now)}, ${q(expires)}, ${t('subjects')} FROM seq`,
    ),
  );
  await run(
    'calls',
    series(
      s.calls,
      `INSERT INTO calls (id, org_id, call_type_id, call_type_version, agent_id, starts_at, ends_at, locale, status, sequence, cancelled_at, ended_at, created_at, updated_at, expires_at, purpose, data_category)
       SELECT 'call_' || ${pad('i')}, ${q(f.orgId)}, ${q(f.callTypeId)}, 1, ${q(f.agentId)}, ${q(now)}, ${q(now)}, 'de', 'ended', 0, NULL, ${q(now)}, ${q(now)}, ${q(now)}, ${q(expires)}, ${t('calls')} FROM seq`,
    ),
  );
  await run(
    'participants',
    series(
      s.calls,
      `INSERT INTO participants (id, org_id, call_id, kind, user_id, subject_id, display_name, created_at, expires_at, purpose, data_category)
       SELECT 'par_a' || ${pad('i', 24)}, ${q(f.orgId)}, 'call_' || ${pad('i')}, 'agent', ${q(f.agentId)}, NULL, 'Agent', ${q(now)}, ${q(expires)}, ${t('participants')} FROM seq
       UNION ALL
       SELECT 'par_c' || ${pad('i', 24)}, ${q(f.orgId)}, 'call_' || ${pad('i')}, 'customer', NULL, ${subj(subjectOfCall)}, 'Person ' || (${subjectOfCall}), ${q(now)}, ${q(expires)}, ${t('participants')} FROM seq`,
    ),
  );
  await run(
    'call_attendance',
    series(
      s.calls,
      `INSERT INTO call_attendance (id, org_id, call_id, participant_id, joined_at, admitted_at, left_at, leave_reason, expires_at, purpose, data_category)
       SELECT 'att_' || ${pad('i')}, ${q(f.orgId)}, 'call_' || ${pad('i')}, 'par_c' || ${pad('i', 24)}, ${q(now)}, ${q(now)}, ${q(now)}, 'left', ${q(expires)}, ${t('call_attendance')} FROM seq`,
    ),
  );
  await run(
    'consent_records',
    series(
      s.calls,
      `INSERT INTO consent_records (id, org_id, subject_id, call_id, participant_id, consent_purpose, action, withdraws_id, text_hash, notice_id, notice_version, notice_hash, locale, method, recorded_at, expires_at, purpose, data_category)
       SELECT 'cns_' || ${pad('i')}, ${q(f.orgId)}, ${subj(subjectOfCall)}, 'call_' || ${pad('i')}, 'par_c' || ${pad('i', 24)}, 'recording', 'declined', NULL, ${q(FILLER_HASH)}, ${q(f.noticeId)}, 1, ${q(FILLER_HASH)}, 'de', 'join_page', ${q(now)}, ${q(expires)}, ${t('consent_records')} FROM seq`,
    ),
  );
  // Audit events continue the organisation's chain (filler hashes), and the head moves to the last one.
  const head = await db.selectFrom('audit_heads').select(['seq']).where('org_id', '=', f.orgId).executeTakeFirstOrThrow();
  const base = Number(head.seq);
  await run(
    'audit_events',
    series(
      s.audit,
      `INSERT INTO audit_events (id, org_id, seq, type, actor_type, actor_id, data, created_at, prev_hash, hash)
       SELECT 'evt_' || ${pad('i')}, ${q(f.orgId)}, ${base} + i, 'call.started', 'system', NULL, '{"callId":"call_' || ${pad(`((i - 1) % ${s.calls}) + 1`)} || '"}', ${q(now)}, ${q(FILLER_HASH)}, ${q(FILLER_HASH)} FROM seq`,
    ),
  );
  await db.updateTable('audit_heads').set({ seq: base + s.audit, hash: FILLER_HASH }).where('org_id', '=', f.orgId).execute();
  await sql.raw('ANALYZE').execute(db);
  return timings;
}

interface OpTimes {
  inventory: number[];
  export: number[];
  erase: number[];
  items: number[];
}

async function timeOperations(f: Awaited<ReturnType<typeof setUp>>, s: Settings): Promise<OpTimes> {
  const deps = f.t.parley.deps;
  const out: OpTimes = { inventory: [], export: [], erase: [], items: [] };
  for (let k = 0; k < s.samples; k++) {
    // Spread the samples over the id range; each is the customer of calls/subjects calls.
    const n = 1 + Math.floor(((k + 0.5) / s.samples) * s.subjects);
    const subjectId = `subj_${String(n).padStart(25, '0')}`;
    let started = performance.now();
    const inventory = await findSubjectData(deps.db, f.orgId, subjectId);
    out.inventory.push(performance.now() - started);
    out.items.push(Object.values(inventory).reduce<number>((sum, v) => sum + (Array.isArray(v) ? v.length : v ? 1 : 0), 0));

    const requestId = `req_${String(n).padStart(25, '0')}`;
    const nowIso = iso(deps.clock.now());
    await deps.db
      .insertInto('rights_requests')
      .values({
        id: requestId,
        org_id: f.orgId,
        type: 'access',
        email_sealed: deps.keys.seal('rights-request', requestId, `person${n}@example.test`),
        email_hash: FILLER_HASH,
        subject_id: subjectId,
        details_sealed: deps.keys.seal('rights-request', requestId, ''),
        status: 'open',
        code_hash: null,
        code_expires_at: null,
        locked_at: null,
        verified_at: nowIso,
        received_at: nowIso,
        due_at: nowIso,
        extended_due_at: null,
        extension_reasons: null,
        extension_notified_at: null,
        completed_at: null,
        outcome: null,
        refusal_reasons: null,
        created_at: nowIso,
        expires_at: nowIso,
        ...tagged('rights_requests'),
      })
      .execute();
    started = performance.now();
    await createAccessExport(deps, f.orgId, requestId, subjectId);
    out.export.push(performance.now() - started);

    started = performance.now();
    await eraseSubject(deps, f.orgId, subjectId, { requestId, actor: { type: 'system' } });
    out.erase.push(performance.now() - started);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  await printMachineHeader({ benchmark: 'subject-rights' });
  console.log(
    `${formatInteger(settings.subjects)} subjects, ${formatInteger(settings.calls)} calls (${formatInteger(settings.calls * 2)} participants, ` +
      `${formatInteger(settings.calls)} attendance rows, ${formatInteger(settings.calls)} consent records), ${formatInteger(settings.audit)} audit events; ` +
      `${settings.samples} subjects timed per operation.\n`,
  );
  const rows: string[][] = [];
  for (const dialect of settings.dialects) {
    if (dialect === 'postgres' && !postgresUrl) {
      console.log('PostgreSQL: skipped (set PARLEY_TEST_POSTGRES_URL to include it).\n');
      continue;
    }
    const f = await setUp(dialect);
    try {
      console.log(`${dialect}: generating …`);
      const gen = await generate(f, settings);
      console.log(
        `${dialect}: generated in ${formatSeconds(Object.values(gen).reduce((a, b) => a + b, 0))} s (` +
          Object.entries(gen)
            .map(([k, v]) => `${k} ${formatSeconds(v)} s`)
            .join(', ') +
          ')',
      );
      const times = await timeOperations(f, settings);
      console.log(
        `${dialect}: inventory ${ms(median(times.inventory))}, export ${ms(median(times.export))}, erasure ${ms(median(times.erase))} (medians of ${settings.samples})\n`,
      );
      rows.push([
        dialect,
        String(median(times.items)),
        `${ms(median(times.inventory))} (max ${ms(Math.max(...times.inventory))})`,
        `${ms(median(times.export))} (max ${ms(Math.max(...times.export))})`,
        `${ms(median(times.erase))} (max ${ms(Math.max(...times.erase))})`,
      ]);
    } finally {
      await f.t.close();
    }
  }
  console.log();
  console.log(
    formatTable(
      [{ title: 'dialect' }, { title: 'items per subject', right: true }, { title: 'inventory (median)' }, { title: 'access export, no media (median)' }, { title: 'erasure (median)' }],
      rows,
    ),
  );
  console.log(
    '\nTimes are wall-clock for one subject, through src/subject-rights (findSubjectData, createAccessExport, eraseSubject), on a warm database\n' +
      'after ANALYZE. The export includes building the ZIP, encrypting it and writing it to the local blob store; erasure includes\n' +
      'its audit events. Items per subject: ids the inventory returned (participants, calls, attendance, consent records, …).',
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
