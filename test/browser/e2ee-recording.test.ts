import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { decryptRecording, unlockRecordingKey, type TrackEnvelope } from '../../web/customer/call/e2ee/recording-crypto.ts';
import { addUser, createOrgWithAdmin, publishNotice, type SignedIn } from '../support/harness.ts';
import { countSignature, decodeErrorsOtherThanEqualTimestamps, EBML_MAGIC, probe } from '../support/media-feed.ts';
import { decryptTrackOf } from '../recording/support.ts';
import { launchChromiumWithFakeMedia, signInToConsole, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// Issue 8, item 3, "Must show": the recording of an E2EE call is made by the agent's browser from the decrypted media,
// encrypted there to the organisation's recording key and uploaded in chunks; the server holds ciphertext it cannot
// read (under its own encryption too), and it decrypts, with the key the DPO made in the console and the passphrase,
// to a WebM that plays: in Node (ffmpeg) and in the DPO's console.

const ORG = 'Praxis Dr. Muster';
const CUSTOMER = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const PASSPHRASE = 'Praxis Muster Aufnahmeschlüssel 2026';
const SHOTS = '/tmp/parley-e2ee-recording';

describe('recording an end-to-end encrypted call in Chromium', () => {
  let server: ListeningParley;
  let browser: Browser;
  let admin: SignedIn;
  let agent: SignedIn;
  let dpo: SignedIn;
  let callId = '';
  let customerId = '';
  let agentParticipantId = '';
  let recordingId = '';
  const contexts: BrowserContext[] = [];
  const watches: Record<string, PageWatch> = {};
  let dpoPage: Page;
  const times = { consent: 0, end: 0 };

  beforeAll(async () => {
    server = await startListeningParley();
    admin = await createOrgWithAdmin(server, ORG);
    agent = await addUser(server, admin, 'agent');
    dpo = await addUser(server, admin, 'dpo');
    const trained = await admin.client.post(`/api/users/${dpo.userId}/training`, { course: 'GDPR basics', completedOn: new Date().toISOString().slice(0, 10) });
    expect(trained.status, trained.raw).toBe(201);
    await publishNotice(admin);
    browser = await launchChromiumWithFakeMedia();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  async function openPage(who: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    watches[who] = await watchPage(page, server.origin, { expectedErrors: () => false });
    return page;
  }

  it('the DPO makes the recording key in the console; only then may an E2EE call type record', async () => {
    const callType = {
      name: 'Vertrauliche Sprechstunde mit Aufzeichnung',
      purposes: [
        { purpose: 'call_delivery', basis: 'contract' },
        { purpose: 'recording', basis: 'consent' },
      ],
      recordingMode: 'consent',
      lobbyEnabled: false,
      e2eeRequired: true,
      retention: { callMetadataDays: 30, chatDays: 0, recordingsDays: 30, consentDays: 365 },
    };
    expect((await admin.client.post('/api/call-types', callType)).status).toBe(400);

    dpoPage = await openPage('dpo');
    await signInToConsole(dpoPage, server, dpo);
    await dpoPage.getByRole('link', { name: /^Recording key/ }).click();
    await dpoPage.getByTestId('no-recording-key').waitFor();
    await dpoPage.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await dpoPage.getByLabel('Repeat the passphrase').fill(PASSPHRASE.toUpperCase());
    await dpoPage.getByRole('checkbox').check();
    await dpoPage.getByRole('button', { name: 'Make the key' }).click();
    await dpoPage.getByText('The two passphrases differ').waitFor();
    await dpoPage.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
    await dpoPage.getByRole('button', { name: 'Make the key' }).click();
    const fingerprint = await dpoPage.getByTestId('recording-key-fingerprint').innerText();
    const keys = await dpo.client.get('/api/recording-keys');
    expect(keys.body.keys).toHaveLength(1);
    expect(keys.body.keys[0].fingerprint).toBe(fingerprint);
    await dpoPage.screenshot({ path: `${SHOTS}-1-key.png`, fullPage: true });

    const ct = await admin.client.post('/api/call-types', callType);
    expect(ct.status, ct.raw).toBe(201);
    const call = await agent.client.post('/api/calls', {
      callTypeId: ct.body.id,
      startsAt: new Date(server.clock.now().getTime() + 10 * 60_000).toISOString(),
      durationMinutes: 30,
      customer: CUSTOMER,
      locale: 'en',
    });
    expect(call.status, call.raw).toBe(201);
    callId = call.body.id;
    customerId = call.body.participants.find((p: { kind: string }) => p.kind === 'customer').id;
    agentParticipantId = call.body.participants.find((p: { kind: string }) => p.kind === 'agent').id;
  });

  it('the customer consents; the agent\'s browser records both, encrypted, and the upload ends with the call', async () => {
    const agentPage = await openPage('agent');
    await signInToConsole(agentPage, server, agent);
    await agentPage.goto(`${server.origin}/live/${callId}`);
    await agentPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();

    const customerPage = await openPage('customer');
    await customerPage.goto(`${server.origin}/j/${joinToken(server.parley.deps, customerId, callId)}`);
    await customerPage.getByRole('button', { name: /I have read/i }).click();
    await customerPage.getByRole('heading', { name: 'Your choices' }).waitFor();
    await customerPage.getByRole('button', { name: 'Continue', exact: true }).click();
    await customerPage.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    await customerPage.getByTestId('join-call').click();
    await customerPage.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    // Both see each other's (decrypted) video before recording starts.
    for (const page of [agentPage, customerPage]) {
      await expect
        .poll(() => page.locator('[data-testid="tile-remote"] video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 20_000 })
        .toBeGreaterThan(0);
    }

    await agentPage.getByTestId('recording-start').click();
    await customerPage.getByRole('dialog').waitFor();
    await customerPage.getByTestId('recording-consent-yes').click();
    times.consent = Date.now();
    await customerPage.locator('[data-testid="recording-indicator"][data-you="captured"]').waitFor();
    const active = await server.parley.deps.db.selectFrom('recordings').select('id').where('call_id', '=', callId).executeTakeFirstOrThrow();
    recordingId = active.id;
    // Both tracks get their envelope from the agent's browser, then chunks flow.
    await expect
      .poll(
        async () =>
          (await server.parley.deps.db.selectFrom('recording_tracks').select(['participant_id', 'e2ee_envelope']).where('recording_id', '=', recordingId).execute()).filter(
            (t) => (t.e2ee_envelope ?? '') !== '',
          ).length,
        { timeout: 20_000 },
      )
      .toBe(2);
    await new Promise((r) => setTimeout(r, 5_000));
    await agentPage.screenshot({ path: `${SHOTS}-2-agent.png`, fullPage: true });

    times.end = Date.now();
    await agentPage.getByRole('button', { name: 'End call for everyone' }).click();
    // Asked first (issue 12, finding 11): confirmed in the dialog.
    await agentPage.getByRole('dialog').getByRole('button', { name: 'End call for everyone' }).click();
    await agentPage.locator('[data-testid="call-over"][data-phase="ended"]').waitFor();
    await server.parley.calls.settled();
    const tracks = await server.parley.deps.db.selectFrom('recording_tracks').selectAll().where('recording_id', '=', recordingId).execute();
    expect(tracks.map((t) => [t.participant_id, t.status, t.basis]).sort()).toEqual(
      [
        [agentParticipantId, 'complete', 'legitimate_interest'],
        [customerId, 'complete', 'consent'],
      ].sort(),
    );
  });

  it('the server holds only ciphertext it cannot read; with the DPO\'s passphrase it decrypts to WebM that plays', async () => {
    for (const file of walk(server.config.blobDir)) expect(countSignature(readFileSync(file), EBML_MAGIC), file).toBe(0);
    const sealed = await dpo.client.get(`/api/recording-keys/${(await dpo.client.get('/api/recording-keys')).body.keys[0].id}/sealed`);
    expect(sealed.status, sealed.raw).toBe(200);
    const privateKey = await unlockRecordingKey(sealed.body.sealed, PASSPHRASE);
    const tracks = await server.parley.deps.db.selectFrom('recording_tracks').selectAll().where('recording_id', '=', recordingId).execute();
    for (const t of tracks) {
      // What the server can decrypt with its own key is still the browser's ciphertext.
      const stored = await decryptTrackOf(server.parley.deps, t.id);
      expect(countSignature(stored, EBML_MAGIC), t.participant_id).toBe(0);
      const opened = await decryptRecording(privateKey, JSON.parse(t.e2ee_envelope!) as TrackEnvelope, t.id, stored);
      expect(opened.complete, `${t.participant_id}: the last chunk arrived`).toBe(true);
      expect(opened.chunks).toBeGreaterThanOrEqual(4);
      const info = await probe(Buffer.from(opened.webm));
      // The WebM is Chromium's MediaRecorder's, not Parley's: equal timestamps it may write are not decode errors.
      expect(decodeErrorsOtherThanEqualTimestamps(info.decodeErrors), t.participant_id).toBe('');
      expect(info.streams.map((s) => s.codec).sort()).toEqual(['opus', 'vp8']);
      // Real video, not a frame or two (the fake camera sends 20 fps; a busy machine's encoder drops many: 25 seen in 5.6 s).
      expect(info.framesByType.video ?? 0).toBeGreaterThan(10);
      // The customer's track holds nothing from before her consent: the server opened it after her click, and the
      // agent's browser records only between the server's start and stop messages. So what it holds is no longer
      // than the server's span of the track (+1.5 s for the stop message to arrive and the last chunk), and at least
      // half of it (it recorded the call, not a fragment). How soon the browser starts and stops after the server's
      // messages depends on how busy the machine is (seen: 2.4 s late with a CPU hog beside the suite); it is printed.
      if (t.participant_id === customerId) {
        const span = (new Date(t.ended_at!).getTime() - new Date(t.started_at).getTime()) / 1000;
        expect(new Date(t.started_at).getTime()).toBeGreaterThanOrEqual(times.consent);
        expect(info.durationSec, `decoded ${info.durationSec} s of the server's ${span} s`).toBeLessThanOrEqual(span + 1.5);
        expect(info.durationSec, `decoded ${info.durationSec} s of the server's ${span} s`).toBeGreaterThanOrEqual(span / 2);
        console.log(
          `E2EE recording: the customer's track holds ${info.durationSec.toFixed(2)} s; the server recorded her for ${span.toFixed(2)} s, ` +
            `${((times.end - times.consent) / 1000).toFixed(2)} s passed from her consent to the click that ended the call`,
        );
      }
    }
  });

  it('in the console, the DPO unlocks the key with the passphrase and plays the customer\'s track', async () => {
    await dpoPage.getByRole('link', { name: /^Recordings/ }).click();
    const panel = dpoPage.locator(`[data-recording="${recordingId}"]`);
    await panel.waitFor();
    const track = await server.parley.deps.db.selectFrom('recording_tracks').select('id').where('participant_id', '=', customerId).executeTakeFirstOrThrow();
    await panel.locator(`tr[data-track="${track.id}"]`).getByRole('button', { name: 'Play' }).click();
    const unlock = dpoPage.getByTestId('e2ee-track');
    await unlock.getByLabel('Recording key passphrase').fill('not the passphrase');
    await unlock.getByRole('button', { name: 'Unlock and play' }).click();
    await unlock.getByText(/does not open the recording key/).waitFor();
    await unlock.getByLabel('Recording key passphrase').fill(PASSPHRASE);
    await unlock.getByRole('button', { name: 'Unlock and play' }).click();
    const player = dpoPage.getByTestId('e2ee-player');
    await player.waitFor();
    await expect.poll(() => player.evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 15_000 }).toBeGreaterThan(0);
    await dpoPage.screenshot({ path: `${SHOTS}-3-console.png`, fullPage: true });
    const events = await server.parley.deps.db.selectFrom('audit_events').select('type').where('org_id', '=', admin.orgId).execute();
    expect(events.filter((e) => e.type === 'recording_key.fetched').length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.type)).toContain('recording.played');
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    for (const [who, watch] of Object.entries(watches)) {
      expect(watch.foreignRequests, who).toEqual([]);
      expect(watch.errors, who).toEqual([]);
      expect(watch.cspViolations, who).toEqual([]);
    }
  });
});

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}
