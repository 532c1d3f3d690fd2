import { recordShredded } from '../keys/shred-journal.ts';
import { failpoint } from '../config/failpoints.ts';
import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { AuditEvent } from '../audit/events.ts';
import { retentionTables } from '../audit/events.ts';
import type { Tx } from '../db/database.ts';
import { toCount } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { finalBlobKey, liveBlobKey } from '../recording/tracks.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { chunks, keepReasons, loadProtections, protectionOf, type KeepReason, type Protections } from './protections.ts';

export type RetentionTable = (typeof retentionTables)[number];
type PurgeDeps = Pick<Deps, 'db' | 'dialect' | 'clock' | 'audit' | 'blobs' | 'config'>;

export interface PurgeOptions {
  /** Classify and count only: nothing is deleted, and the report has the counts a real run would have. */
  readonly dryRun: boolean;
  /**
   * Called after each step that changed something (or, in a dry run, would have): data keys destroyed, blobs deleted,
   * rows deleted, orphans swept. `done` of `total` counts expired items handled (deleted or kept). The purge waits
   * for a returned promise; throwing (or rejecting) stops the purge where it is — tests use that to simulate a crash.
   */
  readonly onProgress?: (progress: PurgeProgress) => void | Promise<void>;
  /** Rows per page and per transaction; default 500. */
  readonly batchSize?: number;
}

export interface PurgeProgress {
  readonly phase: 'keys_destroyed' | 'blobs_deleted' | 'rows_deleted' | 'orphans_swept';
  readonly table: RetentionTable | 'blobs';
  readonly done: number;
  readonly total: number;
}

export interface PurgeCount {
  readonly table: RetentionTable;
  readonly category: string;
  deleted: number;
  readonly kept: Record<KeepReason, number>;
}

export interface PurgeReport {
  readonly dryRun: boolean;
  /** The instant items were compared with: what expired at or before it was due. */
  readonly asOf: string;
  readonly counts: PurgeCount[];
  /** Blobs under `<orgId>/recordings/` or `<orgId>/exports/` that no row owned, removed (or, dry run, found). */
  readonly orphanBlobs: number;
  readonly deleted: number;
  readonly kept: number;
  readonly durationMs: number;
}

/** How one table is purged: the columns linking a row to what may protect it, and the rows that may still need it. */
interface Stage {
  readonly table: RetentionTable;
  readonly links: { readonly subject?: string; readonly call?: string; readonly recording?: string; readonly participant?: string; readonly email?: string };
  /** Rows of other tables that refer to this one's id (foreign keys): while one stays, this row stays too. */
  readonly referencedBy?: readonly { readonly table: RetentionTable; readonly column: string }[];
  readonly filter?: RawBuilder<boolean>;
  /** Encrypted blob with its own data key: key first, then blob, then row (G27). */
  readonly blob?: 'track' | 'export';
}

/**
 * The order matters twice. Encrypted items first (their key, then their blob, then their row), so nothing readable
 * outlives its row; then the rows that refer to others before the rows they refer to (foreign keys), so that one run
 * takes a whole expired call away: activity, consent, recordings, participants, the call, then the subject.
 */
const stages: readonly Stage[] = [
  {
    table: 'recording_tracks',
    links: { subject: 'subject_id', call: 'call_id', recording: 'recording_id', participant: 'participant_id' },
    blob: 'track',
  },
  { table: 'subject_exports', links: { subject: 'subject_id' }, blob: 'export' },
  { table: 'call_chat_messages', links: { call: 'call_id', participant: 'participant_id' } },
  { table: 'call_attendance', links: { call: 'call_id', participant: 'participant_id' } },
  { table: 'call_quality', links: { call: 'call_id' } },
  // Withdrawals before what they withdraw (`withdraws_id` is a foreign key into the ledger itself).
  { table: 'consent_records', links: { subject: 'subject_id', call: 'call_id', participant: 'participant_id' }, filter: sql<boolean>`action = 'withdrawn'` },
  {
    table: 'consent_records',
    links: { subject: 'subject_id', call: 'call_id', participant: 'participant_id' },
    filter: sql<boolean>`action <> 'withdrawn'`,
    referencedBy: [{ table: 'consent_records', column: 'withdraws_id' }],
  },
  { table: 'mail_outbox', links: { email: 'to_address' } },
  { table: 'rights_requests', links: { subject: 'subject_id' }, referencedBy: [{ table: 'subject_exports', column: 'request_id' }] },
  { table: 'recordings', links: { call: 'call_id', recording: 'id' }, referencedBy: [{ table: 'recording_tracks', column: 'recording_id' }] },
  {
    table: 'participants',
    links: { call: 'call_id', subject: 'subject_id', participant: 'id' },
    referencedBy: [
      { table: 'consent_records', column: 'participant_id' },
      { table: 'call_attendance', column: 'participant_id' },
      { table: 'call_chat_messages', column: 'participant_id' },
      { table: 'recording_tracks', column: 'participant_id' },
    ],
  },
  {
    table: 'calls',
    links: { call: 'id' },
    referencedBy: [
      { table: 'participants', column: 'call_id' },
      { table: 'consent_records', column: 'call_id' },
      { table: 'call_attendance', column: 'call_id' },
      { table: 'call_chat_messages', column: 'call_id' },
      { table: 'call_quality', column: 'call_id' },
      { table: 'recordings', column: 'call_id' },
      { table: 'recording_tracks', column: 'call_id' },
    ],
  },
  {
    table: 'subjects',
    links: { subject: 'id' },
    referencedBy: [
      { table: 'participants', column: 'subject_id' },
      { table: 'consent_records', column: 'subject_id' },
      { table: 'recording_tracks', column: 'subject_id' },
      { table: 'rights_requests', column: 'subject_id' },
      { table: 'subject_exports', column: 'subject_id' },
    ],
  },
  // The breach register (Art. 33(5)) is kept for its own period, follow-up updates with their breach.
  { table: 'breach_updates', links: {} },
  { table: 'breaches', links: {}, referencedBy: [{ table: 'breach_updates', column: 'breach_id' }] },
  // Staff sign-in sessions and set-up links that have expired: nothing can use them any more.
  { table: 'user_sessions', links: {} },
  { table: 'setup_tokens', links: {} },
];

type Row = {
  id: string;
  org_id: string;
  data_category: string;
  status?: string;
  wrapped_key?: string | null;
  blob_key?: string;
  recording_id?: string;
} & Record<string, string | null | undefined>;

/**
 * Deletes what has expired (G25–G27), unless a legal hold, a restriction, the legal minimum of a legal-obligation
 * recording or a longer-kept row that needs it keeps it; ends with a sweep of orphan blobs. Every deletion commits
 * with its `retention.purged` audit event (ids and categories only, G26).
 *
 * Crash-safe and idempotent: each page is its own transaction, and encrypted items go in three steps — wrapped data
 * keys destroyed (committed), blobs deleted, rows deleted — so a purge stopped anywhere leaves either a row without a
 * key (finished by the next run) or nothing; the sweep removes a blob whose row is gone or whose key is destroyed.
 */
export async function purgeExpired(deps: PurgeDeps, options: PurgeOptions): Promise<PurgeReport> {
  const started = Date.now();
  const now = deps.clock.now();
  const asOf = iso(now);
  const batchSize = options.batchSize ?? 500;
  const protections = await loadProtections(deps.db, now);
  const counts = new Map<string, PurgeCount>();
  /** Rows deleted by this run (or, dry run, that would be): they no longer keep what they refer to. */
  const gone = new Map<RetentionTable, Set<string>>(retentionTables.map((t) => [t, new Set<string>()]));
  const total = await countExpired(deps, asOf);
  let done = 0;
  const progress = async (phase: PurgeProgress['phase'], table: PurgeProgress['table']) => {
    await options.onProgress?.({ phase, table, done, total });
  };

  const countFor = (table: RetentionTable, category: string): PurgeCount => {
    const key = `${table}/${category}`;
    let c = counts.get(key);
    if (!c) {
      c = { table, category, deleted: 0, kept: { legal_hold: 0, restriction: 0, legal_minimum: 0, still_referenced: 0 } };
      counts.set(key, c);
    }
    return c;
  };

  for (const stage of stages) {
    let cursor = '';
    for (;;) {
      const page = await expiredPage(deps, stage, asOf, cursor, batchSize);
      if (page.length === 0) break;
      cursor = page[page.length - 1]!.id;
      const doomed: Row[] = [];
      const referenced = await stillReferenced(deps, stage, page, protections, gone);
      for (const row of page) {
        const reason = protectionOf(protections, linksOf(stage, row)) ?? (referenced.has(row.id) ? 'still_referenced' : null);
        if (reason) countFor(stage.table, row.data_category).kept[reason] += 1;
        else doomed.push(row);
      }
      if (doomed.length > 0) {
        if (!options.dryRun) await deleteRows(deps, stage, doomed, asOf, progress);
        for (const row of doomed) {
          gone.get(stage.table)!.add(row.id);
          countFor(stage.table, row.data_category).deleted += 1;
        }
      }
      done += page.length;
      await progress('rows_deleted', stage.table);
    }
  }

  const orphanBlobs = await sweepOrphans(deps, { dryRun: options.dryRun, gone });
  await progress('orphans_swept', 'blobs');

  const list = [...counts.values()].sort((a, b) => retentionTables.indexOf(a.table) - retentionTables.indexOf(b.table) || a.category.localeCompare(b.category));
  const deleted = list.reduce((n, c) => n + c.deleted, 0);
  const kept = list.reduce((n, c) => n + keepReasons.reduce((m, r) => m + c.kept[r], 0), 0);
  return { dryRun: options.dryRun, asOf, counts: list, orphanBlobs, deleted, kept, durationMs: Date.now() - started };
}

async function countExpired(deps: PurgeDeps, asOf: string): Promise<number> {
  let total = 0;
  for (const table of new Set(stages.map((s) => s.table))) {
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where expires_at <= ${asOf}`.execute(deps.db);
    total += toCount(r.rows[0]?.n);
  }
  return total;
}

function columnsOf(stage: Stage): string[] {
  const cols = new Set(['id', 'org_id', 'data_category', ...Object.values(stage.links)]);
  if (stage.blob) for (const c of ['status', 'wrapped_key', 'blob_key']) cols.add(c);
  if (stage.blob === 'track') cols.add('recording_id');
  return [...cols];
}

async function expiredPage(deps: PurgeDeps, stage: Stage, asOf: string, after: string, limit: number): Promise<Row[]> {
  const cols = sql.join(columnsOf(stage).map((c) => sql.ref(c)));
  const filter = stage.filter ? sql`and ${stage.filter}` : sql``;
  const r = await sql<Row>`select ${cols} from ${sql.table(stage.table)}
    where expires_at <= ${asOf} and id > ${after} ${filter}
    order by id limit ${limit}`.execute(deps.db);
  return r.rows;
}

function linksOf(stage: Stage, row: Row) {
  const { subject, call, recording, participant, email } = stage.links;
  return {
    email: email ? row[email] : null,
    subjectId: subject ? row[subject] : null,
    callId: call ? row[call] : null,
    recordingId: recording ? row[recording] : null,
    participantId: participant ? row[participant] : null,
  };
}

/** Ids of the page's rows that a row staying behind still refers to (a row deleted by this run does not count). */
async function stillReferenced(
  deps: PurgeDeps,
  stage: Stage,
  page: readonly Row[],
  protections: Protections,
  gone: ReadonlyMap<RetentionTable, ReadonlySet<string>>,
): Promise<Set<string>> {
  const referenced = new Set<string>();
  if (!stage.referencedBy) return referenced;
  const ids = page.filter((r) => protectionOf(protections, linksOf(stage, r)) === null).map((r) => r.id);
  if (ids.length === 0) return referenced;
  for (const ref of stage.referencedBy) {
    const r = await sql<{ id: string; ref: string }>`select id, ${sql.ref(ref.column)} as ref from ${sql.table(ref.table)}
      where ${sql.ref(ref.column)} in (${sql.join(ids)})`.execute(deps.db);
    const deleted = gone.get(ref.table)!;
    for (const row of r.rows) if (!deleted.has(row.id)) referenced.add(row.ref);
  }
  return referenced;
}

async function deleteRows(
  deps: PurgeDeps,
  stage: Stage,
  rows: readonly Row[],
  asOf: string,
  progress: (phase: PurgeProgress['phase'], table: PurgeProgress['table']) => Promise<void>,
): Promise<void> {
  if (stage.blob) {
    // 1. Crypto-shredding (G27): the wrapped data keys go, with their audit events, before anything else. From this
    //    commit on, every copy of these blobs (backups included) is unreadable.
    const live = rows.filter((r) => r.wrapped_key !== null || r.status !== 'erased');
    if (live.length > 0) {
      await deps.db.transaction().execute(async (tx) => {
        for (const ids of chunks(live.map((r) => r.id), 500)) {
          if (stage.blob === 'track') {
            recordShredded(deps, 'recording_tracks', ids);
            await tx.updateTable('recording_tracks').set({ status: 'erased', wrapped_key: null, erased_at: asOf }).where('id', 'in', ids).execute();
          } else {
            recordShredded(deps, 'subject_exports', ids);
            await tx.updateTable('subject_exports').set({ status: 'erased', wrapped_key: null }).where('id', 'in', ids).execute();
          }
        }
        await appendPerOrg(tx, deps, live, (r): AuditEvent =>
          stage.blob === 'track'
            ? { type: 'recording.track_erased', data: { recordingId: r.recording_id!, trackId: r.id, reason: 'expired' } }
            : { type: 'retention.key_destroyed', data: { table: stage.table, itemId: r.id } },
        );
      });
      await progress('keys_destroyed', stage.table);
      failpoint('purge.after_keys_destroyed');
    }
    // 2. The blobs (idempotent: deleting a missing object is fine). For a track, also where it was written live and
    //    where finalising writes it, in case a crash left one there.
    for (const r of rows) {
      await deps.blobs.delete(r.blob_key!);
      if (stage.blob === 'track') {
        await deps.blobs.delete(liveBlobKey(r.org_id, r.recording_id!, r.id));
        await deps.blobs.delete(finalBlobKey(r.org_id, r.recording_id!, r.id));
      }
      failpoint('purge.between_blobs');
    }
    await progress('blobs_deleted', stage.table);
    failpoint('purge.before_rows_deleted');
  }
  // 3. The rows, each with its audit event, in one transaction.
  await deps.db.transaction().execute(async (tx) => {
    if (stage.table === 'consent_records') await unlockConsentLedger(tx, deps.dialect);
    for (const ids of chunks(rows.map((r) => r.id), 500)) {
      await sql`delete from ${sql.table(stage.table)} where id in (${sql.join(ids)})`.execute(tx);
    }
    await appendPerOrg(tx, deps, rows, (r) => ({ type: 'retention.purged', data: { table: stage.table, category: r.data_category, itemId: r.id } }));
    if (stage.table === 'consent_records' && deps.dialect === 'sqlite') await sql`delete from retention_unlock`.execute(tx);
  });
}

/**
 * The consent ledger refuses deletes except from the retention job (migration 0004): on PostgreSQL a setting local to
 * this transaction, on SQLite a marker row removed again before the transaction commits.
 */
async function unlockConsentLedger(tx: Tx, dialect: PurgeDeps['dialect']): Promise<void> {
  if (dialect === 'postgres') await sql`select set_config('parley.retention', 'on', true)`.execute(tx);
  else await sql`insert into retention_unlock (txn) values (${randomUUID()})`.execute(tx);
}

async function appendPerOrg(tx: Tx, deps: PurgeDeps, rows: readonly Row[], event: (r: Row) => AuditEvent): Promise<void> {
  const byOrg = new Map<string, AuditEvent[]>();
  for (const r of rows) {
    let list = byOrg.get(r.org_id);
    if (!list) byOrg.set(r.org_id, (list = []));
    list.push(event(r));
  }
  for (const [orgId, events] of byOrg) await deps.audit.append(tx, orgId as OrgId, { type: 'system' }, events);
}

/**
 * Blobs under each organisation's `recordings/` and `exports/` prefixes that no row owns: left by a crash between a
 * row's deletion and its blob's, or by a write whose row never committed. A track row owns its blob, its live key
 * and its final key (finalisation writes the final object before the row points to it); an erased row owns nothing
 * (its key is gone, so its blob is unreadable anyway). Rows are written before their blobs, so a blob being
 * written now always has an owner.
 */
async function sweepOrphans(deps: PurgeDeps, options: { dryRun: boolean; gone: ReadonlyMap<RetentionTable, ReadonlySet<string>> }): Promise<number> {
  let orphans = 0;
  const orgs = await deps.db.selectFrom('organisations').select('id').orderBy('id').execute();
  for (const { id: orgId } of orgs) {
    const owned = new Set<string>();
    const tracks = await deps.db
      .selectFrom('recording_tracks')
      .select(['id', 'recording_id', 'blob_key', 'status'])
      .where('org_id', '=', orgId)
      .where('status', '<>', 'erased')
      .execute();
    for (const t of tracks) {
      if (options.gone.get('recording_tracks')!.has(t.id)) continue;
      owned.add(t.blob_key).add(liveBlobKey(orgId, t.recording_id, t.id)).add(finalBlobKey(orgId, t.recording_id, t.id));
    }
    const exports = await deps.db.selectFrom('subject_exports').select(['id', 'blob_key']).where('org_id', '=', orgId).where('status', '<>', 'erased').execute();
    for (const e of exports) if (!options.gone.get('subject_exports')!.has(e.id)) owned.add(e.blob_key);

    const found: string[] = [];
    for (const prefix of [`${orgId}/recordings/`, `${orgId}/exports/`]) {
      for (const key of await deps.blobs.list(prefix)) if (!owned.has(key)) found.push(key);
    }
    // In a dry run, the blobs of rows it would delete are still there and still owned by those rows: not orphans.
    if (options.dryRun) {
      const wouldGo = await blobKeysOf(deps, orgId, options.gone);
      orphans += found.filter((k) => !wouldGo.has(k)).length;
      continue;
    }
    if (found.length === 0) continue;
    for (const key of found) await deps.blobs.delete(key);
    orphans += found.length;
    await deps.db.transaction().execute((tx) =>
      deps.audit.append(tx, orgId as OrgId, { type: 'system' }, { type: 'retention.orphans_removed', data: { blobs: found.length } }),
    );
  }
  return orphans;
}

async function blobKeysOf(deps: PurgeDeps, orgId: string, gone: ReadonlyMap<RetentionTable, ReadonlySet<string>>): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const ids of chunks([...gone.get('recording_tracks')!], 500)) {
    const rows = await deps.db.selectFrom('recording_tracks').select(['id', 'recording_id', 'blob_key']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
    for (const t of rows) keys.add(t.blob_key).add(liveBlobKey(orgId, t.recording_id, t.id)).add(finalBlobKey(orgId, t.recording_id, t.id));
  }
  for (const ids of chunks([...gone.get('subject_exports')!], 500)) {
    const rows = await deps.db.selectFrom('subject_exports').select('blob_key').where('org_id', '=', orgId).where('id', 'in', ids).execute();
    for (const e of rows) keys.add(e.blob_key);
  }
  return keys;
}
