/**
 * How fast the retention purge deletes expired items, per category and overall, on SQLite and PostgreSQL. Generates
 * N expired calls directly with bulk inserts (subject, two participants, two attendance rows, two chat messages, a
 * quality row, a consent record, a mail, a recording) and T recording tracks with small real encrypted blobs in the
 * local blob store, then runs one purge (keys destroyed, blobs deleted, rows deleted with one audit event each).
 *
 *   npm run bench -- purge [--calls N] [--tracks N] [--batch-size N] [--postgres-url URL]
 *
 * PostgreSQL runs when --postgres-url, PARLEY_BENCH_POSTGRES_URL or PARLEY_TEST_POSTGRES_URL is set, in a fresh
 * schema dropped at the end. Figures are printed, never compared to a threshold (STYLE 15).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { createUser } from '../src/accounts/users.ts';
import { loadConfig } from '../src/config/load.ts';
import { tagged } from '../src/db/personal-data.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Deps } from '../src/deps.ts';
import { newDataKey } from '../src/keys/data-keys.ts';
import { createLogger } from '../src/logging/logger.ts';
import { buildCore } from '../src/main.ts';
import { createOrganisation } from '../src/organisations/organisations.ts';
import { finalBlobKey } from '../src/recording/tracks.ts';
import { purgeExpired, type PurgeProgress } from '../src/retention/purge.ts';
import { iso } from '../src/shared/clock.ts';
import { newId, type OrgId } from '../src/shared/ids.ts';
import { ChunkEncryptor } from '../src/storage/blob-format.ts';
import { printMachineHeader, safeLocation } from './support/machine.ts';
import { readOptions, settle } from './support/options.ts';
import { formatInteger, formatSeconds, formatTable } from './support/table.ts';

const positive = z.coerce.number().int().positive();
const settingsSchema = z.object({
  /** Expired calls generated, each with 12 rows. Default 20,000. */
  calls: positive.default(20_000),
  /** Expired recording tracks with real (small) encrypted blobs. Default 500. */
  tracks: positive.default(500),
  /** Rows per page and transaction in the purge. Default 500. */
  batchSize: positive.default(500),
  postgresUrl: z.string().optional(),
});

const usage = `Usage: npm run bench -- purge [options]
  --calls N          expired calls to generate, each with 12 rows (default 20000)
  --tracks N         expired recording tracks with small encrypted blobs (default 500)
  --batch-size N     rows per page and transaction in the purge (default 500)
  --postgres-url URL also run on PostgreSQL (or set PARLEY_BENCH_POSTGRES_URL / PARLEY_TEST_POSTGRES_URL)`;

const raw = readOptions(process.argv.slice(2), ['calls', 'tracks', 'batch-size', 'postgres-url'], usage);
const settings = settle(
  settingsSchema,
  {
    calls: raw.calls,
    tracks: raw.tracks,
    batchSize: raw['batch-size'],
    postgresUrl: raw['postgres-url'] ?? process.env.PARLEY_BENCH_POSTGRES_URL ?? process.env.PARLEY_TEST_POSTGRES_URL,
  },
  'Options must be positive whole numbers.',
  usage,
);

async function insertChunked(deps: Deps, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await deps.db.insertInto(table as never).values(rows.slice(i, i + 200) as never).execute();
  }
}

async function generate(deps: Deps, orgId: OrgId, agentId: string): Promise<number> {
  const callType = await deps.db.selectFrom('call_types').select(['id', 'version']).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const at = iso(new Date(Date.now() - 10 * 86_400_000));
  const past = iso(new Date(Date.now() - 86_400_000));
  const t = (name: Parameters<typeof tagged>[0]) => ({ ...tagged(name), expires_at: past });
  const rows: Record<string, Record<string, unknown>[]> = {
    subjects: [], calls: [], participants: [], call_attendance: [], call_chat_messages: [], call_quality: [], consent_records: [], mail_outbox: [], recordings: [], recording_tracks: [],
  };
  const recordings: Array<{ id: string; callId: string; participantId: string; subjectId: string }> = [];
  for (let i = 0; i < settings.calls; i++) {
    const subjectId = newId('subject');
    const callId = newId('call');
    const agentP = newId('participant');
    const customerP = newId('participant');
    rows.subjects!.push({ id: subjectId, org_id: orgId, email: `c${i}@example.test`, display_name: `Customer ${i}`, created_at: at, updated_at: at, ...t('subjects') });
    rows.calls!.push({ id: callId, org_id: orgId, call_type_id: callType.id, call_type_version: Number(callType.version), agent_id: agentId, starts_at: at, ends_at: at, locale: 'en', status: 'ended', sequence: 0, cancelled_at: null, ended_at: at, created_at: at, updated_at: at, ...t('calls') });
    rows.participants!.push(
      { id: agentP, org_id: orgId, call_id: callId, kind: 'agent', user_id: agentId, subject_id: null, display_name: 'Agent', created_at: at, ...t('participants') },
      { id: customerP, org_id: orgId, call_id: callId, kind: 'customer', user_id: null, subject_id: subjectId, display_name: `Customer ${i}`, created_at: at, ...t('participants') },
    );
    for (const p of [agentP, customerP]) {
      rows.call_attendance!.push({ id: newId('attendance'), org_id: orgId, call_id: callId, participant_id: p, joined_at: at, admitted_at: at, left_at: at, leave_reason: 'left', ...t('call_attendance') });
      rows.call_chat_messages!.push({ id: newId('chatMessage'), org_id: orgId, call_id: callId, participant_id: p, sent_at: at, body_sealed: 'sealed', ...t('call_chat_messages') });
    }
    rows.call_quality!.push({ id: newId('callQuality'), org_id: orgId, call_id: callId, started_at: at, ended_at: at, samples: 1, bitrate_in_kbps_min: null, bitrate_in_kbps_avg: null, bitrate_in_kbps_max: null, bitrate_out_kbps_min: null, bitrate_out_kbps_avg: null, bitrate_out_kbps_max: null, packet_loss_pct_min: null, packet_loss_pct_avg: null, packet_loss_pct_max: null, rtt_ms_min: null, rtt_ms_avg: null, rtt_ms_max: null, ...t('call_quality') });
    rows.consent_records!.push({ id: newId('consent'), org_id: orgId, subject_id: subjectId, call_id: callId, participant_id: customerP, consent_purpose: 'recording', action: 'given', withdraws_id: null, text_hash: 'a'.repeat(64), notice_id: 'ntc_x', notice_version: 1, notice_hash: 'b'.repeat(64), locale: 'en', method: 'in_call', recorded_at: at, ...t('consent_records') });
    rows.mail_outbox!.push({ id: newId('mail'), org_id: orgId, kind: 'call.invitation', to_address: `c${i}@example.test`, content_sealed: 'sealed', status: 'kept', transport: 'outbox', attempts: 0, last_error: null, created_at: at, sent_at: null, ...t('mail_outbox') });
    const recordingId = newId('recording');
    rows.recordings!.push({ id: recordingId, org_id: orgId, call_id: callId, mode: 'consent', legal_reference: null, status: 'complete', started_at: at, started_by: null, stopped_at: at, stopped_by: null, stop_reason: 'call_ended', failure: null, restricted_at: null, created_at: at, ...t('recordings') });
    recordings.push({ id: recordingId, callId, participantId: customerP, subjectId });
  }
  const payload = randomBytes(16 * 1024);
  for (let i = 0; i < settings.tracks; i++) {
    const rec = recordings[i % recordings.length]!;
    const id = newId('track');
    const { dataKey, wrapped } = await newDataKey(deps.db, deps.keys, deps.clock, orgId, id);
    const enc = new ChunkEncryptor(dataKey, id, { chunkSize: 4096 });
    const ciphertext = Buffer.concat([enc.push(payload), enc.finish()]);
    const blobKey = finalBlobKey(orgId, rec.id, id);
    const upload = await deps.blobs.createUpload(blobKey);
    await upload.write(ciphertext);
    await upload.complete();
    rows.recording_tracks!.push({ id, org_id: orgId, recording_id: rec.id, call_id: rec.callId, participant_id: rec.participantId, subject_id: rec.subjectId, source: 'camera', basis: 'consent', consent_id: null, status: 'complete', started_at: at, ended_at: at, end_reason: 'stopped', blob_key: blobKey, wrapped_key: wrapped.wrapped, kek_version: wrapped.kekVersion, ciphertext_bytes: ciphertext.length, plaintext_bytes: payload.length, duration_ms: 1000, codecs: 'vp8,opus', erased_at: null, created_at: at, ...t('recording_tracks') });
  }
  let total = 0;
  for (const [table, list] of Object.entries(rows)) {
    await insertChunked(deps, table, list);
    total += list.length;
  }
  return total;
}

async function run(dialect: 'sqlite' | 'postgres'): Promise<string[][]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-purge-'));
  const schema = `parley_bench_${randomBytes(4).toString('hex')}`;
  if (dialect === 'postgres') {
    const c = new pg.Client({ connectionString: settings.postgresUrl });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
  }
  const config = loadConfig({ PARLEY_DATA_DIR: dir, PARLEY_LOG_LEVEL: 'warn', ...(dialect === 'postgres' ? { PARLEY_DATABASE_URL: settings.postgresUrl! } : {}) });
  const { deps, database } = buildCore(config, {
    logger: createLogger({ level: 'warn', destination: { write: () => {} } }),
    ...(dialect === 'postgres' ? { database: { pgSchema: schema } } : {}),
  });
  try {
    await migrateToLatest(database);
    const orgId = await deps.db.transaction().execute((tx) => createOrganisation(tx, deps, { legalName: 'Bench Purge AG' }));
    const { user } = await createUser(deps, orgId, { type: 'system' }, { email: 'agent@example.test', displayName: 'Agent', role: 'agent' });
    const genStart = performance.now();
    const generated = await generate(deps, orgId, user.id);
    console.log(`${dialect}: generated ${formatInteger(generated)} expired rows in ${formatSeconds((performance.now() - genStart) / 1000)} s`);

    // Time between progress reports goes to the table reported: the work of that step.
    const timeByTable = new Map<string, number>();
    let last = performance.now();
    const started = last;
    const report = await purgeExpired(deps, {
      dryRun: false,
      batchSize: settings.batchSize,
      onProgress: (p: PurgeProgress) => {
        const now = performance.now();
        timeByTable.set(p.table, (timeByTable.get(p.table) ?? 0) + (now - last));
        last = now;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const out: string[][] = [];
    for (const c of report.counts) {
      const s = (timeByTable.get(c.table) ?? 0) / 1000;
      out.push([dialect, `${c.table} (${c.category})`, formatInteger(c.deleted), formatSeconds(s), formatInteger(s > 0 ? c.deleted / s : 0)]);
    }
    out.push([dialect, 'overall (incl. orphan sweep)', formatInteger(report.deleted), formatSeconds(seconds), formatInteger(report.deleted / seconds)]);
    return out;
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    if (dialect === 'postgres') {
      const c = new pg.Client({ connectionString: settings.postgresUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  }
}

await printMachineHeader({ benchmark: 'purge', postgresUrl: settings.postgresUrl });
console.log(`calls: ${formatInteger(settings.calls)}, tracks: ${formatInteger(settings.tracks)}, batch size: ${settings.batchSize}${settings.postgresUrl ? `, PostgreSQL at ${safeLocation(settings.postgresUrl)}` : ''}\n`);
const rows = [...(await run('sqlite')), ...(settings.postgresUrl ? await run('postgres') : [])];
console.log('');
console.log(formatTable([{ title: 'dialect' }, { title: 'table (category)' }, { title: 'deleted', right: true }, { title: 'seconds', right: true }, { title: 'items/s', right: true }], rows));
