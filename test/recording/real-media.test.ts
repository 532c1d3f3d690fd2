import { mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/dialects.ts';
import {
  countSignature,
  EBML_MAGIC,
  findPlaintextMedia,
  hasFfmpeg,
  MediaFeed,
  probe,
  publishReal,
  vp8KeyframeSignature,
  type PlaintextScan,
} from '../support/media-feed.ts';
import { fastCalls, scheduleCall, startCallWorld, type CallWorld } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { createRecordingCallType, decryptTrack, tracksOf } from './support.ts';

/** How long the agent publishes, in ms. */
const PUBLISH_MS = 4_000;
const VP8 = vp8KeyframeSignature(320, 240);

async function poll<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

describe.skipIf(!hasFfmpeg)('recording real media (VP8 and Opus encoded by ffmpeg)', () => {
  // This worker's temp directory is redirected to a private one for the whole file, so "files under the temp
  // directory modified during the test" are this test's files only (other test files run beside this one).
  const systemTmp = os.tmpdir();
  const previousTmpdir = process.env.TMPDIR;
  let privateTmp = '';
  const testStart = Date.now();
  let feed: MediaFeed;
  beforeAll(async () => {
    privateTmp = mkdtempSync(path.join(systemTmp, 'parley-g44-'));
    process.env.TMPDIR = privateTmp;
    expect(os.tmpdir()).toBe(privateTmp);
    feed = await MediaFeed.start();
    await feed.ready();
  });
  afterAll(async () => {
    await feed?.stop();
    if (previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmpdir;
    if (privateTmp) rmSync(privateTmp, { recursive: true, force: true });
  });

  /**
   * Plaintext media never touches disk (G44): the private temp directory (which holds the data dir, so the blob
   * store and the database) is searched for the WebM header and the feed's VP8 keyframes; the system temp
   * directory, shared with other tests, for the feed's keyframes only (files modified since this file started).
   */
  const scanDisk = (blobDir: string) =>
    findPlaintextMedia([
      { dir: blobDir, signatures: [EBML_MAGIC, VP8] },
      { dir: privateTmp, signatures: [EBML_MAGIC, VP8] },
      { dir: systemTmp, signatures: [VP8], since: testStart - 1_000 },
    ]);

  for (const dialect of dialects) {
    describe.skipIf(!dialect.available)(dialect.name, () => {
      let world: CallWorld;
      let legalType: string;
      let agent: TestParticipant | undefined;
      beforeAll(async () => {
        world = await startCallWorld({ ...fastCalls, recordingChunkBytes: 16_384 }, {}, dialect.name);
        legalType = await createRecordingCallType(world, 'legal_obligation');
      });
      afterAll(async () => {
        await agent?.close();
        await world?.t.close();
      });

      it('records a playable WebM of the real media: VP8 and Opus, decodable, its real length, never plaintext on disk', async () => {
        const { deps } = world.t.parley;
        const blobDir = world.t.config.blobDir;
        const call = await scheduleCall(world, legalType);
        agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
        await agent.signal.next('welcome');
        const started = await agent.signal.next('recording', (m) => m.state.active);
        const recordingId = started.state.recordingId!;
        const detach = publishReal(agent, feed);

        // Audio and video are published one after the other: the recorder may open a track for the first alone and
        // replace it (`sources_changed`) when the second arrives. The track with the media is the one that grows.
        const partOf = (key: string) => path.join(blobDir, ...key.split('/')) + '.part';
        const partSize = async (key: string) => (await stat(partOf(key)).catch(() => null))?.size ?? 0;
        // While it records: several encrypted chunks are on disk, and none of it is plaintext.
        const track = await poll('three chunks in a live blob', async () => {
          for (const t of await tracksOf(world, recordingId)) if (t.status === 'recording' && (await partSize(t.blob_key)) > 3 * 16_384) return t;
          return null;
        }, 20_000); // ffmpeg encodes in real time: on a loaded machine its first packets come late
        const captureStart = new Date(track.started_at).getTime();
        const livePart = partOf(track.blob_key);
        const during = await scanDisk(blobDir);
        expectNoPlaintext(during, livePart);

        await sleepUntil(captureStart + PUBLISH_MS);
        const endAt = Date.now();
        agent.signal.send({ type: 'end' });
        await agent.signal.next('call-ended');
        detach();
        await world.t.parley.calls.settled();
        const publishedSec = (endAt - captureStart) / 1000;

        const tracks = await tracksOf(world, recordingId);
        const row = tracks.find((t) => t.id === track.id);
        expect(row).toMatchObject({ status: 'complete', end_reason: 'call_ended', codecs: 'vp8,opus' });
        const rec = await deps.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
        // On failure, say why: the recording's failure reason and the server's warnings and errors.
        const problems = `failure: ${rec.failure}; ${world.t.logs.filter((l) => /"level":(40|50)/.test(l)).join('\n')}`;
        expect(rec, problems).toMatchObject({ status: 'complete', stop_reason: 'call_ended' });

        const webm = await decryptTrack(world, row!.id);
        // The scan above would have found this plaintext: both signatures occur in it.
        expect(countSignature(webm, EBML_MAGIC)).toBe(1);
        expect(countSignature(webm, VP8)).toBeGreaterThanOrEqual(Math.floor(publishedSec) - 1);

        const decoded = await probe(webm);
        expect(decoded.decodeErrors).toBe('');
        expect(decoded.streams).toEqual(expect.arrayContaining([{ codec: 'vp8', type: 'video' }, { codec: 'opus', type: 'audio' }]));
        expect(decoded.streams).toHaveLength(2);
        // 15 fps and 50 Opus frames a second: allow the first second of video lost to waiting for a keyframe.
        expect(decoded.framesByType.video).toBeGreaterThanOrEqual(15 * (publishedSec - 1.5));
        expect(decoded.framesByType.audio).toBeGreaterThanOrEqual(50 * (publishedSec - 1));
        expect(Math.abs(decoded.durationSec - publishedSec), `decoded ${decoded.durationSec} s, published ${publishedSec} s`).toBeLessThanOrEqual(1);
        expect(Math.abs(Number(row!.duration_ms) / 1000 - decoded.durationSec), `row ${row!.duration_ms} ms`).toBeLessThanOrEqual(0.5);
        expect(Math.abs((decoded.headerDurationSec ?? 0) - decoded.durationSec), 'header Duration').toBeLessThanOrEqual(0.5);

        // After: only the final object, still ciphertext; no upload left behind.
        const after = await scanDisk(blobDir);
        expectNoPlaintext(after, path.join(blobDir, ...row!.blob_key.split('/')));
        expect(after.scanned.filter((f) => f.file.startsWith(blobDir) && f.file.endsWith('.part'))).toEqual([]);
      });
    });
  }
});

function expectNoPlaintext(scan: PlaintextScan, mustHaveRead: string): void {
  // The scan really looked at the recording's blob: otherwise it could not fail.
  const seen = scan.scanned.find((f) => f.file === mustHaveRead);
  expect(seen, `${mustHaveRead} was not scanned`).toBeDefined();
  expect(seen!.size).toBeGreaterThan(0);
  expect(scan.hits).toEqual([]);
}
