import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { dialects, postgresUrl } from '../support/dialects.ts';
import { GatedBlobStore } from '../support/gated-blob-store.ts';
import { fastCalls, scheduleCall, startCallWorld, type CallWorld } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { createRecordingCallType, tracksOf } from './support.ts';

/**
 * A track row names its recording by foreign key, so it must never be written before the recording's row has
 * committed. Under load the recording's insert can wait behind other work while the capture opens (seen on
 * PostgreSQL: `recording_tracks_recording_id_fkey` violated, the recording failed). These tests hold the recording's
 * insert back on purpose and check that the capture waits for it instead of failing.
 */
describe('a track is only written after its recording row has committed', () => {
  let world: CallWorld | undefined;
  const open: TestParticipant[] = [];
  let releaseHold = () => {};
  afterEach(async () => {
    releaseHold();
    await Promise.all(open.splice(0).map((p) => p.close()));
    await world?.t.close();
    world = undefined;
  });

  async function agentInRecordingCall(w: CallWorld): Promise<{ agent: TestParticipant; callId: string }> {
    const consentType = await createRecordingCallType(w, 'consent');
    const call = await scheduleCall(w, consentType);
    const agent = await TestParticipant.join(w.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: w.agentCookie });
    open.push(agent);
    await agent.signal.next('welcome');
    agent.publish('audio', 'video');
    return { agent, callId: call.callId };
  }

  /** Nothing went wrong: no alert to the agent, no failed capture in the logs, the recording is not flagged. */
  async function expectNoFailure(w: CallWorld, agent: TestParticipant, recordingId: string): Promise<void> {
    expect(agent.signal.messages.filter((m) => m.type === 'recording-alert')).toEqual([]);
    expect(w.t.logs.filter((l) => l.includes('capture failed') || l.includes('recording work failed'))).toEqual([]);
    const row = await w.t.parley.deps.db.selectFrom('recordings').select(['status', 'failure']).where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(row.failure).toBeNull();
  }

  /**
   * After the stop: the recording is complete and its tracks ended well — `complete`, or `empty` when the
   * machine was so busy that no frame arrived before the stop (its row is then removed; never `failed`).
   */
  async function expectEndedWell(w: CallWorld, agent: TestParticipant, recordingId: string): Promise<void> {
    await expectNoFailure(w, agent, recordingId);
    const row = await w.t.parley.deps.db.selectFrom('recordings').select('status').where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(row.status).toBe('complete');
    const ended = await w.t.parley.deps.db.selectFrom('audit_events').select('data').where('type', '=', 'recording.track_ended').execute();
    const mine = ended.map((e) => JSON.parse(e.data) as { recordingId: string; status: string }).filter((d) => d.recordingId === recordingId);
    // One track, or more when the agent's sources changed while it waited (audio, then audio and video).
    expect(mine.length).toBeGreaterThan(0);
    for (const d of mine) expect(['complete', 'empty']).toContain(d.status);
  }

  for (const d of dialects) {
    it.skipIf(!d.available)(`${d.name}: a recording restarted while the last one's tracks are still being finalised opens its track after its own row`, async () => {
      let gated: GatedBlobStore | undefined;
      const w = (world = await startCallWorld({ ...fastCalls }, {}, d.name, { wrapBlobs: (store) => (gated = new GatedBlobStore(store)) }));
      const { agent } = await agentInRecordingCall(w);

      agent.signal.send({ type: 'recording-start' });
      const first = (await agent.signal.next('recording', (m) => m.state.active)).state.recordingId!;
      await waitForTrack(w, first);
      await new Promise((r) => setTimeout(r, 300));

      // The first recording's track is finalised on the recording's work chain: hold its reads, so that chain — and
      // with it the next recording's insert, queued behind it — stops at a known point.
      const hold = gated!.holdReads((key) => key.includes(`/recordings/${first}/`));
      releaseHold = hold.release;
      let from = agent.signal.messages.length;
      agent.signal.send({ type: 'recording-stop' });
      await agent.signal.next('recording', (m) => !m.state.active, { from });
      await hold.reached;

      from = agent.signal.messages.length;
      agent.signal.send({ type: 'recording-start' });
      const second = (await agent.signal.next('recording', (m) => m.state.active, { from })).state.recordingId!;
      expect(second).not.toBe(first);
      // While the row cannot be written, the agent's capture must wait rather than write its track (which would
      // violate the foreign key and fail the recording): give it ample time to do the wrong thing.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(agent.signal.messages.filter((m) => m.type === 'recording-alert')).toEqual([]);
      expect(await tracksOf(w, second)).toEqual([]);

      hold.release();
      await waitForTrack(w, second);
      await expectNoFailure(w, agent, second);
      expect((await tracksOf(w, second)).map((t) => [t.status, t.basis])).toEqual([['recording', 'legitimate_interest']]);
      from = agent.signal.messages.length;
      agent.signal.send({ type: 'recording-stop' });
      await agent.signal.next('recording', (m) => !m.state.active, { from });
      await w.t.parley.calls.settled();
      await expectEndedWell(w, agent, second);
    });
  }

  it.skipIf(!postgresUrl)('postgres: while the recording\'s transaction is held open before its insert, the capture waits for the row instead of failing', async () => {
    const w = (world = await startCallWorld({ ...fastCalls }, {}, 'postgres'));
    const { agent } = await agentInRecordingCall(w);
    const schema = (await w.t.parley.deps.db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()).s;

    // Another session locks the recordings table against inserts (SHARE ROW EXCLUSIVE conflicts with INSERT's
    // ROW EXCLUSIVE, not with the foreign-key check's ROW SHARE): the recording's transaction starts and waits at
    // its INSERT, exactly the window in which a track written too early fails its foreign key.
    const locker = new pg.Client({ connectionString: postgresUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query(`lock table "${schema}".recordings in share row exclusive mode`);
      agent.signal.send({ type: 'recording-start' });
      const recordingId = (await agent.signal.next('recording', (m) => m.state.active)).state.recordingId!;
      await waitForLockWait(locker, schema);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(agent.signal.messages.filter((m) => m.type === 'recording-alert')).toEqual([]);
      expect(await tracksOf(w, recordingId)).toEqual([]);

      await locker.query('commit');
      await waitForTrack(w, recordingId);
      await expectNoFailure(w, agent, recordingId);
      const from = agent.signal.messages.length;
      agent.signal.send({ type: 'recording-stop' });
      await agent.signal.next('recording', (m) => !m.state.active, { from });
      await w.t.parley.calls.settled();
      await expectEndedWell(w, agent, recordingId);
    } finally {
      await locker.query('rollback').catch(() => {});
      await locker.end();
    }
  });
});

async function waitForTrack(w: CallWorld, recordingId: string): Promise<void> {
  const start = Date.now();
  while ((await tracksOf(w, recordingId)).length === 0) {
    if (Date.now() - start > 10_000) throw new Error(`no track was opened for ${recordingId}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Until another session waits for a lock on `schema.recordings` (the recording's INSERT, inside its transaction). */
async function waitForLockWait(locker: pg.Client, schema: string): Promise<void> {
  const start = Date.now();
  for (;;) {
    const res = await locker.query(
      `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
        where not l.granted and c.relname = 'recordings' and n.nspname = $1`,
      [schema],
    );
    if (res.rows[0].n > 0) return;
    if (Date.now() - start > 10_000) throw new Error('the recording insert never waited on the lock');
    await new Promise((r) => setTimeout(r, 25));
  }
}
