import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { buildParley, type Parley } from '../../src/main.ts';
import { recoverRecordings } from '../../src/recording/recovery.ts';
import { finalBlobKey } from '../../src/recording/tracks.ts';
import { DEFAULT_CHUNK_BYTES } from '../../src/storage/blob-format.ts';
import { scheduleCall, type CallWorld } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type TestParley } from '../support/harness.ts';
import { EBML_MAGIC, findPlaintextMedia, hasFfmpeg, MediaFeed, probe, publishReal, vp8KeyframeSignature } from '../support/media-feed.ts';
import { createRecordingCallType, decryptTrack } from './support.ts';
import { freePort } from '../support/ports.ts';
import { DIE_WITH_PARENT, poll } from '../support/child-process.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Whole encrypted chunks to wait for before the kill (`parley start` uses the default chunk size). */
const CHUNKS_BEFORE_KILL = 3;
/** And at least this much media, in ms. */
const MEDIA_BEFORE_KILL_MS = 3_000;

/** Every file under a directory, as paths relative to it, with sizes. */
async function filesUnder(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    // A file can go between the listing and the stat (a track replaced when the sources change): skip it.
    const size = (await fs.stat(file).catch(() => null))?.size;
    if (size !== undefined) out[path.relative(dir, file).split(path.sep).join('/')] = size;
  }
  return out;
}

describe.skipIf(!hasFfmpeg)('a Parley process killed (SIGKILL) mid-recording', () => {
  let t: TestParley;
  let child: ChildProcess | null = null;
  let childOutput = '';
  let feed: MediaFeed | null = null;
  let agent: TestParticipant | null = null;
  let restarted: Parley | null = null;
  const logs: string[] = [];

  beforeAll(async () => {
    feed = await MediaFeed.start();
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await agent?.close().catch(() => {});
    await feed?.stop();
    await restarted?.close().catch(() => {});
    if (t) rmSync(t.dataDir, { recursive: true, force: true });
  });

  it('after a restart the recording is `incomplete` (crash), playable up to the crash, with no upload or orphan left; recovery is idempotent', async () => {
    // --- set-up in process: organisation, agent, a legal-obligation call type (records as soon as the agent joins)
    t = await startTestParley('sqlite');
    const admin = await createOrgWithAdmin(t, 'Musterbank AG');
    const agentUser = await addUser(t, admin, 'agent');
    await publishNotice(admin);
    // The helpers only use the clients and the in-process deps of a "world"; the server runs in a child below.
    const setup = { t, admin, agent: agentUser } as unknown as CallWorld;
    const legalType = await createRecordingCallType(setup, 'legal_obligation');
    const call = await scheduleCall(setup, legalType);
    const session = agentUser.client.cookies.get('parley_session');
    expect(session).toBeDefined();
    await t.parley.close(); // closes the database; the data dir stays

    // --- a real `parley start` on the same data dir, database and master key
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PARLEY_')) env[k] = v;
    if (t.config.database.dialect !== 'sqlite') throw new Error('this test runs on SQLite');
    Object.assign(env, {
      PARLEY_DATA_DIR: t.dataDir,
      PARLEY_DATABASE_URL: `sqlite:${t.config.database.file}`,
      PARLEY_PORT: String(port),
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PARLEY_LOG_LEVEL: 'info',
    });
    const proc = spawn(process.execPath, ['--import', DIE_WITH_PARENT, 'bin/parley.mjs', 'start'], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child = proc;
    const collect = (d: Buffer) => {
      if (childOutput.length < 100_000) childOutput += d.toString();
    };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    await poll(
      'parley start to answer /readyz',
      async () => {
        if (proc.exitCode !== null) throw new Error(`parley start exited with ${proc.exitCode}:\n${childOutput}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200;
      },
      30_000,
      () => childOutput,
    );

    // --- the agent joins over the child's signalling socket and publishes real media
    agent = await TestParticipant.join(
      `ws://127.0.0.1:${port}/api/calls/signal`,
      { type: 'join', callId: call.callId, auth: { kind: 'session' } },
      { cookie: `parley_session=${session}` },
    );
    await agent.signal.next('welcome');
    const started = await agent.signal.next('recording', (m) => m.state.active);
    const recordingId = started.state.recordingId!;
    await feed!.ready();
    const detach = publishReal(agent, feed!);

    // Wait for the live upload to hold several whole chunks and a few seconds of media, noting its growth rate.
    const recordingDir = path.join(t.config.blobDir, admin.orgId, 'recordings', recordingId);
    let firstGrowth: { at: number; size: number } | null = null;
    const live = await poll(
      `${CHUNKS_BEFORE_KILL} chunks in the live upload`,
      async () => {
        const parts = Object.entries(await filesUnder(recordingDir)).filter(([f]) => f.endsWith('-live.pblob.part'));
        const [file, size] = parts.sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
        if (size > 0 && !firstGrowth) firstGrowth = { at: Date.now(), size };
        const enough = firstGrowth && size > CHUNKS_BEFORE_KILL * DEFAULT_CHUNK_BYTES && Date.now() - firstGrowth.at > MEDIA_BEFORE_KILL_MS - 1_500;
        return enough ? { file, size, at: Date.now() } : null;
      },
      30_000,
      () => childOutput,
    );
    const trackId = live.file.replace(/-live\.pblob\.part$/, '');
    // Ciphertext bytes per second ≈ plaintext bytes per second (16 bytes of tag per 64 KiB chunk).
    const grown = firstGrowth!;
    const bytesPerSec = ((live.size - grown.size) * 1000) / Math.max(1, live.at - grown.at);
    const chunkSec = DEFAULT_CHUNK_BYTES / bytesPerSec;
    // A chunk has just landed: kill half-way through the next one, so the crash cuts a chunk being filled.
    await new Promise((r) => setTimeout(r, (chunkSec * 1000) / 2));

    // --- the crash
    const killAt = Date.now();
    proc.kill('SIGKILL');
    await exited;
    expect(proc.signalCode).toBe('SIGKILL');
    detach();
    await agent.close();
    agent = null;

    // --- restart in process on the same config: buildParley recovers before accepting calls
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
    restarted = await buildParley(t.config, { logger, clock: t.clock, webRoot: null });
    const { deps } = restarted;
    const world = { t: { parley: restarted } } as unknown as CallWorld;

    const track = await deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', trackId).executeTakeFirstOrThrow();
    expect(track).toMatchObject({ status: 'incomplete', end_reason: 'crash', blob_key: finalBlobKey(admin.orgId, recordingId, trackId) });
    const rec = await deps.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ status: 'incomplete', stop_reason: 'crash' });
    expect(rec.stopped_at).not.toBeNull();
    const allTracks = await deps.db.selectFrom('recording_tracks').selectAll().where('recording_id', '=', recordingId).execute();
    // Nothing is left half-way (a track replaced before the crash, e.g. audio alone before video came, has ended).
    expect(allTracks.filter((x) => x.status === 'recording' || x.status === 'finalising')).toEqual([]);

    const events = (await deps.db.selectFrom('audit_events').select(['type', 'data']).where('org_id', '=', admin.orgId).orderBy('seq').execute()).map(
      (e) => ({ type: e.type, data: JSON.parse(e.data) as Record<string, unknown> }),
    );
    expect(events).toContainEqual({ type: 'recording.track_ended', data: expect.objectContaining({ trackId, recordingId, status: 'incomplete', reason: 'crash' }) });
    expect(events).toContainEqual({ type: 'recording.stopped', data: expect.objectContaining({ recordingId, reason: 'crash' }) });

    // No upload left, and no object no row points to: exactly the finalised blobs of the tracks that have one.
    const blobs = await filesUnder(t.config.blobDir);
    expect(Object.keys(blobs).filter((f) => f.endsWith('.part'))).toEqual([]);
    const kept = allTracks.filter((x) => x.status === 'complete' || x.status === 'incomplete').map((x) => x.blob_key).sort();
    expect(Object.keys(blobs).filter((f) => f.startsWith(`${admin.orgId}/recordings/${recordingId}/`)).sort()).toEqual(kept);
    // Recovery wrote no plaintext either (G44).
    const scan = await findPlaintextMedia([{ dir: t.config.blobDir, signatures: [EBML_MAGIC, vp8KeyframeSignature(320, 240)] }]);
    expect(scan.scanned.some((f) => f.file.endsWith(`${trackId}.pblob`) && f.size > 0)).toBe(true);
    expect(scan.hits).toEqual([]);

    // Playable up to the crash: decodes cleanly, and lasts from the capture start to the kill, less at most the
    // chunk that was being filled (a second of slack for the first keyframe and timing).
    const webm = await decryptTrack(world, trackId);
    const decoded = await probe(webm);
    expect(decoded.decodeErrors).toBe('');
    expect(decoded.streams).toEqual(expect.arrayContaining([{ codec: 'vp8', type: 'video' }, { codec: 'opus', type: 'audio' }]));
    const capturedSec = (killAt - new Date(track.started_at).getTime()) / 1000;
    const window = `decoded ${decoded.durationSec.toFixed(2)} s; captured ${capturedSec.toFixed(2)} s until the kill; a chunk is ${chunkSec.toFixed(2)} s`;
    expect(decoded.durationSec, window).toBeGreaterThanOrEqual(capturedSec - chunkSec - 1);
    expect(decoded.durationSec, window).toBeLessThanOrEqual(capturedSec + 1);
    expect(Math.abs(Number(track.duration_ms) / 1000 - decoded.durationSec), `row says ${track.duration_ms} ms; ${window}`).toBeLessThanOrEqual(0.5);

    // Idempotent: recovering again finds nothing to do and changes nothing.
    const snapshot = async () => ({
      tracks: await deps.db.selectFrom('recording_tracks').selectAll().where('recording_id', '=', recordingId).orderBy('id').execute(),
      recording: await deps.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).execute(),
      events: (await deps.db.selectFrom('audit_events').select(['seq', 'hash']).where('org_id', '=', admin.orgId).execute()).length,
      blobs: await filesUnder(t.config.blobDir),
    });
    const before = await snapshot();
    const again = await recoverRecordings(deps);
    expect(again).toEqual({ recordings: 0, tracks: 0, incomplete: 0, failed: 0, orphanBlobsDeleted: 0 });
    expect(await snapshot()).toEqual(before);
    expect(logs.some((l) => l.includes('recordings interrupted by a crash were recovered'))).toBe(true);
  });
});
