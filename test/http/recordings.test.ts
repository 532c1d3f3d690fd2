import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/shared/ids.ts';
import { TAG_BYTES } from '../../src/storage/blob-format.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, TEST_PASSWORD, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';
import {
  insertRecording,
  insertTrack,
  knownBytes,
  recordRecordingConsent,
  scheduleFixtureCall,
  writeBlob,
  type FixtureCall,
  type FixtureTrack,
} from '../support/recording-fixtures.ts';

const SIZE = 300_000;
const CHUNK = 4096;
const STRIDE = CHUNK + TAG_BYTES;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

for (const d of dialects) {
  describe.skipIf(!d.available)(`recording review and playback (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let dpo: SignedIn;
    /** A second DPO with no training recorded (until a test gives them an old one). */
    let untrained: SignedIn;
    let agent: SignedIn;
    let otherAgent: SignedIn;
    let call: FixtureCall;
    let recordingId: string;
    let track: FixtureTrack;
    const plaintext = knownBytes(SIZE);

    const deps = () => t.parley.deps;
    const cookieOf = (c: ApiClient) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

    /** A GET of media with the client's cookies, keeping the body as bytes. */
    async function fetchMedia(c: ApiClient | null, url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
      const res = await t.parley.app.inject({ method, url, headers: { ...(c ? { cookie: cookieOf(c) } : {}), ...headers } });
      const json = String(res.headers['content-type'] ?? '').includes('json') ? JSON.parse(res.body) : undefined;
      return { status: res.statusCode, headers: res.headers, bytes: res.rawPayload, json };
    }

    const askLink = (c: ApiClient, recId: string, trackId: string, purpose: 'play' | 'download' = 'play') =>
      c.post(`/api/recordings/${recId}/tracks/${trackId}/links`, { purpose });

    async function eventCount(orgId: OrgId, type: string): Promise<number> {
      const rows = await deps().db.selectFrom('audit_events').select('id').where('org_id', '=', orgId).where('type', '=', type).execute();
      return rows.length;
    }

    async function refusals(orgId: OrgId, reason: string): Promise<number> {
      const rows = await deps().db.selectFrom('audit_events').select('data').where('org_id', '=', orgId).where('type', '=', 'recording.access_refused').execute();
      return rows.filter((r) => JSON.parse(r.data).reason === reason).length;
    }

    /** A fresh recording of the main call with one track of `bytes`. */
    async function recordingWith(bytes: Buffer, options: Parameters<typeof insertTrack>[5] = {}, recOptions: Parameters<typeof insertRecording>[3] = {}) {
      const recId = await insertRecording(deps(), admin.orgId, call.callId, { startedBy: agent.userId, ...recOptions });
      const tr = await insertTrack(deps(), admin.orgId, recId, call, bytes, { chunkSize: CHUNK, ...options });
      return { recId, track: tr };
    }

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'Recording Bank AG');
      dpo = await addUser(t, admin, 'dpo');
      untrained = await addUser(t, admin, 'dpo');
      agent = await addUser(t, admin, 'agent');
      otherAgent = await addUser(t, admin, 'agent');
      const trained = await admin.client.post(`/api/users/${dpo.userId}/training`, { course: 'GDPR basics', completedOn: today() });
      expect(trained.status, trained.raw).toBe(201);
      call = await scheduleFixtureCall(admin, agent.userId);
      await recordRecordingConsent(deps(), admin.orgId, call, 'given');
      recordingId = await insertRecording(deps(), admin.orgId, call.callId, { startedBy: agent.userId, startedAt: new Date(Date.now() - 3_600_000) });
      track = await insertTrack(deps(), admin.orgId, recordingId, call, plaintext, { chunkSize: CHUNK });
      // The agent's own camera: recorded too, with no consent decision of their own.
      await insertTrack(deps(), admin.orgId, recordingId, call, knownBytes(10_000, 'agent'), { chunkSize: CHUNK, participant: 'agent' });
    });
    afterAll(async () => t?.close());

    describe('review', () => {
      it('lists recordings of a call with each participant\'s tracks and recording consent, newest first', async () => {
        const res = await dpo.client.get(`/api/recordings?callId=${call.callId}`);
        expect(res.status, res.raw).toBe(200);
        const first = res.body.recordings.find((r: { id: string }) => r.id === recordingId);
        expect(first).toMatchObject({ callId: call.callId, mode: 'consent', status: 'complete', restricted: false, legalReference: null });
        const customer = first.participants.find((p: { kind: string }) => p.kind === 'customer');
        expect(customer).toMatchObject({ id: call.customerParticipantId, displayName: 'Rita Recorded', consent: 'given' });
        expect(customer.tracks).toEqual([
          expect.objectContaining({ id: track.trackId, source: 'camera', basis: 'consent', status: 'complete', durationMs: 60_000, playable: true }),
        ]);
        const agentPart = first.participants.find((p: { kind: string }) => p.kind === 'agent');
        expect(agentPart.consent).toBe('none');
        expect(agentPart.tracks).toHaveLength(1);

        const newer = await insertRecording(deps(), admin.orgId, call.callId, { startedBy: agent.userId });
        const again = await admin.client.get(`/api/recordings?callId=${call.callId}`);
        const ids = again.body.recordings.map((r: { id: string }) => r.id);
        expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(recordingId));
      });

      it('shows an agent the recordings of their own calls only; another agent\'s answer 404 as unknown ones do', async () => {
        expect((await agent.client.get('/api/recordings')).raw).toContain(recordingId);
        const other = await otherAgent.client.get('/api/recordings');
        expect(other.status).toBe(200);
        expect(other.raw).not.toContain(recordingId);
        const detail = await otherAgent.client.get(`/api/recordings/${recordingId}`);
        expect(detail.status).toBe(404);
        expect(detail.body.error.code).toBe('NOT_FOUND');
        expect((await askLink(otherAgent.client, recordingId, track.trackId)).status).toBe(404);
      });

      it('answers 400 for malformed ids and 404 for a well-formed unknown one', async () => {
        expect((await dpo.client.get('/api/recordings/call_123')).status).toBe(400);
        expect((await dpo.client.get(`/api/recordings/rec_${'0'.repeat(25)}`)).status).toBe(404);
        expect((await dpo.client.get('/api/recordings?callId=rec_1')).status).toBe(400);
      });
    });

    describe('links and playback', () => {
      it('gives a trained DPO a link that plays the whole track, and audits one recording.played per link', async () => {
        const before = await eventCount(admin.orgId, 'recording.played');
        const link = await askLink(dpo.client, recordingId, track.trackId);
        expect(link.status, link.raw).toBe(201);
        expect(link.body.url).toMatch(/^\/api\/recording-media\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        const minutes = (new Date(link.body.expiresAt).getTime() - Date.now()) / 60_000;
        expect(minutes).toBeGreaterThan(t.config.recording.linkMinutes - 1);
        expect(minutes).toBeLessThanOrEqual(t.config.recording.linkMinutes);
        expect(await eventCount(admin.orgId, 'recording.played')).toBe(before + 1);

        const res = await fetchMedia(dpo.client, link.body.url);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('video/webm');
        expect(res.headers['accept-ranges']).toBe('bytes');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-length']).toBe(String(SIZE));
        expect(res.headers['content-disposition']).toBeUndefined();
        expect(res.bytes.equals(plaintext)).toBe(true);
        // Using the link again is not a new grant: still one event for this link.
        expect((await fetchMedia(dpo.client, link.body.url)).status).toBe(200);
        expect(await eventCount(admin.orgId, 'recording.played')).toBe(before + 1);
      });

      it('serves single byte ranges: a middle range, an open range and a suffix range (206, exact bytes)', async () => {
        const { url } = (await askLink(dpo.client, recordingId, track.trackId)).body;
        const middle = await fetchMedia(dpo.client, url, { range: 'bytes=100000-150000' });
        expect(middle.status).toBe(206);
        expect(middle.headers['content-range']).toBe(`bytes 100000-150000/${SIZE}`);
        expect(middle.headers['content-length']).toBe('50001');
        expect(middle.bytes.equals(plaintext.subarray(100_000, 150_001))).toBe(true);

        const open = await fetchMedia(dpo.client, url, { range: 'bytes=299000-' });
        expect(open.status).toBe(206);
        expect(open.headers['content-range']).toBe(`bytes 299000-${SIZE - 1}/${SIZE}`);
        expect(open.bytes.equals(plaintext.subarray(299_000))).toBe(true);

        const suffix = await fetchMedia(dpo.client, url, { range: 'bytes=-500' });
        expect(suffix.status).toBe(206);
        expect(suffix.headers['content-range']).toBe(`bytes ${SIZE - 500}-${SIZE - 1}/${SIZE}`);
        expect(suffix.bytes.equals(plaintext.subarray(SIZE - 500))).toBe(true);

        const pastEnd = await fetchMedia(dpo.client, url, { range: `bytes=299990-999999` });
        expect(pastEnd.status).toBe(206);
        expect(pastEnd.bytes.equals(plaintext.subarray(299_990))).toBe(true);

        const oneChunkEdge = await fetchMedia(dpo.client, url, { range: `bytes=${CHUNK - 1}-${CHUNK}` });
        expect(oneChunkEdge.bytes.equals(plaintext.subarray(CHUNK - 1, CHUNK + 1))).toBe(true);
      });

      it('answers 416 with Content-Range bytes */SIZE for a range outside the track, and the whole track for several ranges', async () => {
        const { url } = (await askLink(dpo.client, recordingId, track.trackId)).body;
        for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 10}-${SIZE + 20}`, 'bytes=-0']) {
          const res = await fetchMedia(dpo.client, url, { range });
          expect(res.status, range).toBe(416);
          expect(res.headers['content-range']).toBe(`bytes */${SIZE}`);
          expect(res.json.error.code).toBe('RANGE_NOT_SATISFIABLE');
        }
        const several = await fetchMedia(dpo.client, url, { range: 'bytes=0-10,20-30' });
        expect(several.status).toBe(200);
        expect(several.bytes.equals(plaintext)).toBe(true);
        const garbled = await fetchMedia(dpo.client, url, { range: 'bytes=banana' });
        expect(garbled.status).toBe(200);
      });

      it('audits a download when its bytes are served, not when the link is made, and names the file (issue 12, finding 10)', async () => {
        const before = await eventCount(admin.orgId, 'recording.downloaded');
        const link = await askLink(dpo.client, recordingId, track.trackId, 'download');
        expect(link.status).toBe(201);
        // A link made but never followed downloaded nothing.
        expect(await eventCount(admin.orgId, 'recording.downloaded')).toBe(before);
        // Another person's attempt with it serves nothing and is no download either.
        expect((await fetchMedia(untrained.client, link.body.url)).status).toBe(403);
        expect(await eventCount(admin.orgId, 'recording.downloaded')).toBe(before);
        // A HEAD request (a download manager asking the size first) serves no bytes, so it is no download either.
        const head = await fetchMedia(dpo.client, link.body.url, {}, 'HEAD');
        expect(head.status).toBe(200);
        expect(head.bytes.length).toBe(0);
        expect(await eventCount(admin.orgId, 'recording.downloaded')).toBe(before);

        const res = await fetchMedia(dpo.client, link.body.url);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('video/webm');
        const started = await deps().db.selectFrom('recording_tracks').select('started_at').where('id', '=', track.trackId).executeTakeFirstOrThrow();
        const local = new Intl.DateTimeFormat('sv-SE', { timeZone: t.config.timeZone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(started.started_at));
        const stamp = local.replace(' ', '-').replace(':', '');
        expect(res.headers['content-disposition']).toBe(`attachment; filename="recording-${stamp}-camera-${track.trackId}.webm"`);
        expect(res.bytes.equals(plaintext)).toBe(true);
        expect(await eventCount(admin.orgId, 'recording.downloaded')).toBe(before + 1);
        const events = await deps().db.selectFrom('audit_events').select(['actor_type', 'actor_id', 'data']).where('org_id', '=', admin.orgId).where('type', '=', 'recording.downloaded').execute();
        expect(events.at(-1)).toMatchObject({ actor_type: 'user', actor_id: dpo.userId });
        expect(JSON.parse(events.at(-1)!.data)).toEqual({ recordingId, trackId: track.trackId });
        // Fetching it again is another download, and another event.
        expect((await fetchMedia(dpo.client, link.body.url)).status).toBe(200);
        expect(await eventCount(admin.orgId, 'recording.downloaded')).toBe(before + 2);
      });

      it('refuses a role outside the organisation\'s playback roles (403 PLAYBACK_ROLE_REQUIRED), audited', async () => {
        const before = await refusals(admin.orgId, 'role');
        const res = await askLink(agent.client, recordingId, track.trackId);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('PLAYBACK_ROLE_REQUIRED');
        expect(res.body.error.message).toContain('data protection officers');
        const asAdmin = await askLink(admin.client, recordingId, track.trackId);
        expect(asAdmin.body.error.code).toBe('PLAYBACK_ROLE_REQUIRED');
        expect(await refusals(admin.orgId, 'role')).toBe(before + 2);
      });

      it('refuses a DPO without a GDPR training, or with one older than the validity, with 403 TRAINING_REQUIRED, audited', async () => {
        const before = await refusals(admin.orgId, 'training');
        const none = await askLink(untrained.client, recordingId, track.trackId);
        expect(none.status).toBe(403);
        expect(none.body.error.code).toBe('TRAINING_REQUIRED');
        expect(none.body.error.message).toContain('Record a GDPR training');
        const old = await admin.client.post(`/api/users/${untrained.userId}/training`, {
          course: 'GDPR basics',
          completedOn: daysAgo(t.config.recording.trainingValidDays + 2),
        });
        expect(old.status, old.raw).toBe(201);
        const stale = await askLink(untrained.client, recordingId, track.trackId);
        expect(stale.status).toBe(403);
        expect(stale.body.error.code).toBe('TRAINING_REQUIRED');
        expect(await refusals(admin.orgId, 'training')).toBe(before + 2);
        expect(await eventCount(admin.orgId, 'recording.played')).toBeGreaterThan(0);
      });

      it('refuses a restricted recording with 423, both for a new link and for one issued before the restriction', async () => {
        const { recId, track: tr } = await recordingWith(knownBytes(5000, 'restricted'));
        const issued = await askLink(dpo.client, recId, tr.trackId);
        expect(issued.status).toBe(201);
        await deps().db.updateTable('recordings').set({ restricted_at: new Date().toISOString() }).where('id', '=', recId).execute();
        const before = await refusals(admin.orgId, 'restricted');
        const fresh = await askLink(dpo.client, recId, tr.trackId);
        expect(fresh.status).toBe(423);
        expect(fresh.body.error.code).toBe('RECORDING_RESTRICTED');
        const old = await fetchMedia(dpo.client, issued.body.url);
        expect(old.status).toBe(423);
        expect(old.json.error.code).toBe('RECORDING_RESTRICTED');
        expect(await refusals(admin.orgId, 'restricted')).toBe(before + 2);
        const listed = await dpo.client.get(`/api/recordings/${recId}`);
        expect(listed.body.restricted).toBe(true);
      });

      it('refuses a track that holds nothing playable with 409 TRACK_NOT_PLAYABLE', async () => {
        for (const status of ['recording', 'failed', 'erased'] as const) {
          const { recId, track: tr } = await recordingWith(knownBytes(100), { status });
          const res = await askLink(dpo.client, recId, tr.trackId);
          expect(res.status, status).toBe(409);
          expect(res.body.error.code).toBe('TRACK_NOT_PLAYABLE');
        }
      });

      it('answers 404 for another organisation\'s recording, and for a track of another recording', async () => {
        const b = await createOrgWithAdmin(t, 'Other Clinic');
        const bAgent = await addUser(t, b, 'agent');
        const bCall = await scheduleFixtureCall(b, bAgent.userId, 'Other Patient');
        const bRec = await insertRecording(deps(), b.orgId, bCall.callId);
        const bTrack = await insertTrack(deps(), b.orgId, bRec, bCall, knownBytes(100));
        const res = await askLink(dpo.client, bRec, bTrack.trackId);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
        expect((await dpo.client.get(`/api/recordings/${bRec}`)).status).toBe(404);
        expect((await askLink(dpo.client, recordingId, bTrack.trackId)).status).toBe(404);
      });
    });

    describe('the link itself', () => {
      it('answers 404 LINK_INVALID to a forged or garbled token', async () => {
        const { url } = (await askLink(dpo.client, recordingId, track.trackId)).body as { url: string };
        const token = url.slice('/api/recording-media/'.length);
        const [payload, signature] = token.split('.') as [string, string];
        const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
        const forged = [
          `${payload}.${flip(signature, 5)}`,
          `${payload}.${flip(signature, signature.length - 1)}`,
          `${flip(payload, 3)}.${signature}`,
          // A payload naming another user, with the original signature.
          `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), userId: untrained.userId })).toString('base64url')}.${signature}`,
          'garbage',
          `${payload}.`,
          `${payload}.${signature}.${signature}`,
        ];
        for (const bad of forged) {
          const res = await fetchMedia(dpo.client, `/api/recording-media/${bad}`);
          expect(res.status, bad).toBe(404);
          expect(res.json.error.code).toBe('LINK_INVALID');
        }
      });

      it('answers 403 LINK_NOT_YOURS when another signed-in user opens the link, and 401 without a session', async () => {
        const { url } = (await askLink(dpo.client, recordingId, track.trackId)).body;
        const other = await fetchMedia(untrained.client, url);
        expect(other.status).toBe(403);
        expect(other.json.error.code).toBe('LINK_NOT_YOURS');
        const anonymous = await fetchMedia(null, url);
        expect(anonymous.status).toBe(401);
        expect(anonymous.json.error.code).toBe('UNAUTHENTICATED');
      });

      it('does not play for the right user whose new session has not passed its second factor yet', async () => {
        const { url } = (await askLink(dpo.client, recordingId, track.trackId)).body;
        const halfway = t.client();
        const login = await halfway.post('/api/auth/login', { email: dpo.email, password: TEST_PASSWORD });
        expect(login.body.stage).toBe('totp');
        const res = await fetchMedia(halfway, url);
        expect(res.status).toBe(403);
        expect(res.json.error.code).toBe('TOTP_REQUIRED');
      });

      it('answers 410 LINK_EXPIRED once the link lifetime has passed', async () => {
        const { url } = (await askLink(dpo.client, recordingId, track.trackId)).body;
        t.clock.advance((t.config.recording.linkMinutes - 1) * 60_000);
        expect((await fetchMedia(dpo.client, url, { range: 'bytes=0-9' })).status).toBe(206);
        t.clock.advance(2 * 60_000);
        const res = await fetchMedia(dpo.client, url);
        expect(res.status).toBe(410);
        expect(res.json.error.code).toBe('LINK_EXPIRED');
        // A new link works again.
        const again = (await askLink(dpo.client, recordingId, track.trackId)).body;
        expect((await fetchMedia(dpo.client, again.url, { range: 'bytes=0-9' })).status).toBe(206);
      });
    });

    describe('integrity', () => {
      it('answers 500 RECORDING_CORRUPT when the first chunk needed fails to verify, and logs the track id only', async () => {
        const { recId, track: tr } = await recordingWith(plaintext, {
          alter: (ct, header) => {
            ct[header + 10]! ^= 0x01;
            return ct;
          },
        });
        const { url } = (await askLink(dpo.client, recId, tr.trackId)).body;
        const res = await fetchMedia(dpo.client, url);
        expect(res.status).toBe(500);
        expect(res.json.error.code).toBe('RECORDING_CORRUPT');
        expect(res.json.error.message).toContain('integrity check');
        // A range starting after the damage verifies only its own chunks and plays.
        const later = await fetchMedia(dpo.client, url, { range: `bytes=${CHUNK * 2}-${CHUNK * 3 - 1}` });
        expect(later.status).toBe(206);
        expect(later.bytes.equals(plaintext.subarray(CHUNK * 2, CHUNK * 3))).toBe(true);
        const logged = t.logs.filter((l) => l.includes(tr.trackId) && l.includes('integrity'));
        expect(logged.length).toBeGreaterThan(0);
        for (const line of logged) expect(line).not.toContain('Rita Recorded');
      });

      it('cuts the transfer when a later chunk fails to verify: fewer bytes than announced, never different ones', async () => {
        const damagedChunk = 40;
        const { recId, track: tr } = await recordingWith(plaintext, {
          alter: (ct, header) => {
            ct[header + damagedChunk * STRIDE + 7]! ^= 0x80;
            return ct;
          },
        });
        const { url } = (await askLink(dpo.client, recId, tr.trackId)).body;
        const address = await t.parley.app.listen({ port: 0, host: '127.0.0.1' }).then(() => t.parley.app.server.address() as AddressInfo);
        const received = await new Promise<{ status: number; length: string | undefined; bytes: Buffer; broken: boolean }>((resolve) => {
          const req = http.get({ host: '127.0.0.1', port: address.port, path: url, headers: { cookie: cookieOf(dpo.client) } }, (res) => {
            const parts: Buffer[] = [];
            let broken = false;
            res.on('data', (b: Buffer) => parts.push(b));
            res.on('aborted', () => (broken = true));
            res.on('error', () => (broken = true));
            res.on('close', () =>
              resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], bytes: Buffer.concat(parts), broken: broken || !res.complete }),
            );
          });
          req.on('error', () => undefined);
        });
        expect(received.status).toBe(200);
        expect(received.length).toBe(String(SIZE));
        expect(received.broken).toBe(true);
        expect(received.bytes.length).toBeLessThan(SIZE);
        expect(received.bytes.length).toBeLessThanOrEqual(damagedChunk * CHUNK);
        expect(received.bytes.equals(plaintext.subarray(0, received.bytes.length))).toBe(true);
        expect(t.logs.some((l) => l.includes(tr.trackId) && l.includes('while streaming'))).toBe(true);
      });

      it('refuses a complete track whose final chunk was cut off (500 RECORDING_CORRUPT)', async () => {
        const { recId, track: tr } = await recordingWith(plaintext, {
          alter: (ct, header) => ct.subarray(0, header + Math.floor(SIZE / CHUNK) * STRIDE),
        });
        const { url } = (await askLink(dpo.client, recId, tr.trackId)).body;
        const res = await fetchMedia(dpo.client, url);
        expect(res.status).toBe(500);
        expect(res.json.error.code).toBe('RECORDING_CORRUPT');
        const ranged = await fetchMedia(dpo.client, url, { range: 'bytes=0-99' });
        expect(ranged.status).toBe(500);
      });

      it('plays an incomplete track (interrupted by a crash) up to its last whole chunk', async () => {
        const whole = 50;
        const atBoundary = await recordingWith(plaintext, { status: 'incomplete', alter: (ct, header) => ct.subarray(0, header + whole * STRIDE) });
        const partial = await recordingWith(plaintext, {
          status: 'incomplete',
          alter: (ct, header) => ct.subarray(0, header + whole * STRIDE + 1000),
        });
        for (const { recId, track: tr } of [atBoundary, partial]) {
          const { url } = (await askLink(dpo.client, recId, tr.trackId)).body;
          const res = await fetchMedia(dpo.client, url);
          expect(res.status).toBe(200);
          expect(res.headers['content-length']).toBe(String(whole * CHUNK));
          expect(res.bytes.equals(plaintext.subarray(0, whole * CHUNK))).toBe(true);
          const tail = await fetchMedia(dpo.client, url, { range: 'bytes=-100' });
          expect(tail.headers['content-range']).toBe(`bytes ${whole * CHUNK - 100}-${whole * CHUNK - 1}/${whole * CHUNK}`);
          expect(tail.bytes.equals(plaintext.subarray(whole * CHUNK - 100, whole * CHUNK))).toBe(true);
        }
        // The recording listing explains nothing by itself; the status tells the console what to say.
        const listed = await dpo.client.get(`/api/recordings/${atBoundary.recId}`);
        expect(listed.body.participants.find((p: { kind: string }) => p.kind === 'customer').tracks[0].status).toBe('incomplete');
      });

      it('answers RECORDING_CORRUPT when the blob was replaced by one encrypted with another key', async () => {
        const a = await recordingWith(knownBytes(20_000, 'a'));
        const b = await recordingWith(knownBytes(20_000, 'b'));
        await writeBlob(deps(), a.track.blobKey, b.track.ciphertext);
        const { url } = (await askLink(dpo.client, a.recId, a.track.trackId)).body;
        const res = await fetchMedia(dpo.client, url);
        expect(res.status).toBe(500);
        expect(res.json.error.code).toBe('RECORDING_CORRUPT');
      });
    });

    it('keeps the recording\'s audit trail, oldest first, with every grant and refusal', async () => {
      const res = await dpo.client.get(`/api/recordings/${recordingId}`);
      expect(res.status).toBe(200);
      const types = res.body.auditTrail.map((e: { type: string }) => e.type);
      expect(types).toContain('recording.played');
      expect(types).toContain('recording.downloaded');
      expect(types).toContain('recording.access_refused');
      const seqs = res.body.auditTrail.map((e: { seq: number }) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x: number, y: number) => x - y));
      for (const e of res.body.auditTrail) expect(e.data.recordingId).toBe(recordingId);
      const played = res.body.auditTrail.find((e: { type: string }) => e.type === 'recording.played');
      expect(played.actor).toEqual({ type: 'user', id: dpo.userId });
      expect(played.data.trackId).toBe(track.trackId);
    });

    it('lets an organisation widen its playback roles, after which a trained admin may play', async () => {
      const changed = await admin.client.patch('/api/organisation', { playbackRoles: ['admin', 'dpo'] });
      expect(changed.status, changed.raw).toBe(200);
      const untrainedAdmin = await askLink(admin.client, recordingId, track.trackId);
      expect(untrainedAdmin.body.error.code).toBe('TRAINING_REQUIRED');
      // Attested by someone else: nobody records their own training.
      expect((await dpo.client.post(`/api/users/${admin.userId}/training`, { course: 'GDPR basics', completedOn: today() })).status).toBe(201);
      const ok = await askLink(admin.client, recordingId, track.trackId);
      expect(ok.status, ok.raw).toBe(201);
      expect((await fetchMedia(admin.client, ok.body.url, { range: 'bytes=0-99' })).bytes.equals(plaintext.subarray(0, 100))).toBe(true);
      expect((await askLink(agent.client, recordingId, track.trackId)).body.error.message).toContain('administrators and data protection officers');

      // Even with agents among the playback roles, the hosting agent needs a GDPR training to play (G22).
      expect((await admin.client.patch('/api/organisation', { playbackRoles: ['agent', 'dpo'] })).status).toBe(200);
      const untrainedAgent = await askLink(agent.client, recordingId, track.trackId);
      expect(untrainedAgent.status).toBe(403);
      expect(untrainedAgent.body.error.code).toBe('TRAINING_REQUIRED');
      await admin.client.post(`/api/users/${agent.userId}/training`, { course: 'GDPR basics', completedOn: today() });
      expect((await askLink(agent.client, recordingId, track.trackId)).status).toBe(201);
    });
  });
}
