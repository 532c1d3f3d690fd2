import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { probe } from '../support/media-feed.ts';
import { addUser, createOrgWithAdmin, publishNotice, type SignedIn } from '../support/harness.ts';
import { decryptTrackOf } from '../recording/support.ts';
import { launchChromiumWithFakeMedia, signInToConsole, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// Issue 5, "Must show": an agent and two customers in Chromium with fake camera and microphone. The agent starts
// recording; one customer consents in the call, the other declines; the recording holds the agent's and the
// consenting customer's tracks only; the consenting customer withdraws mid-way and their track ends within 2 s
// of the click; the decrypted files decode with ffmpeg and last as long as they should (± 1 s).

const ORG = 'Musterbank AG';
const ANNA = { displayName: 'Anna Ja', email: 'anna.ja@example.test' };
const BERT = { displayName: 'Bert Nein', email: 'bert.nein@example.test' };
const SHOTS = '/tmp/parley-recording';
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

describe('recording in Chromium: consent, decline, withdrawal, encrypted tracks that play', () => {
  let server: ListeningParley;
  let browser: Browser;
  let admin: SignedIn;
  let agent: SignedIn;
  let callId = '';
  const tokens: Record<'anna' | 'bert', string> = { anna: '', bert: '' };
  const participantIds: Record<'anna' | 'bert' | 'agent', string> = { anna: '', bert: '', agent: '' };
  const contexts: BrowserContext[] = [];
  const watches: Record<string, PageWatch> = {};
  const pages: Record<'agent' | 'anna' | 'bert' | 'dpo', Page | null> = { agent: null, anna: null, bert: null, dpo: null };
  const times = { started: 0, annaYes: 0, annaWithdraw: 0, stopped: 0 };
  let recordingId = '';

  beforeAll(async () => {
    server = await startListeningParley();
    admin = await createOrgWithAdmin(server, ORG);
    agent = await addUser(server, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', {
      name: 'Beratung mit Aufzeichnung',
      purposes: [
        { purpose: 'call_delivery', basis: 'contract' },
        { purpose: 'recording', basis: 'consent' },
      ],
      recordingMode: 'consent',
      lobbyEnabled: false,
      retention: { callMetadataDays: 30, chatDays: 0, recordingsDays: 30, consentDays: 365 },
    });
    expect(ct.status, ct.raw).toBe(201);
    const call = await agent.client.post('/api/calls', {
      callTypeId: ct.body.id,
      startsAt: new Date(server.clock.now().getTime() + 10 * 60_000).toISOString(),
      durationMinutes: 30,
      customer: ANNA,
      locale: 'en',
    });
    expect(call.status, call.raw).toBe(201);
    callId = call.body.id;
    const withBert = await agent.client.post(`/api/calls/${callId}/guests`, BERT);
    expect(withBert.status, withBert.raw).toBe(201);
    for (const p of withBert.body.participants as { id: string; kind: string; displayName: string }[]) {
      if (p.kind === 'agent') participantIds.agent = p.id;
      else if (p.displayName === ANNA.displayName) participantIds.anna = p.id;
      else participantIds.bert = p.id;
    }
    tokens.anna = joinToken(server.parley.deps, participantIds.anna, callId);
    tokens.bert = joinToken(server.parley.deps, participantIds.bert, callId);
    browser = await launchChromiumWithFakeMedia();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  async function openPage(who: 'agent' | 'anna' | 'bert' | 'dpo'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 850 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watches[who] = await watchPage(page, server.origin, { expectedErrors: () => false });
    pages[who] = page;
    return page;
  }

  async function joinAsCustomer(who: 'anna' | 'bert'): Promise<Page> {
    const page = await openPage(who);
    await page.goto(`${server.origin}/j/${tokens[who]}`);
    await page.getByRole('button', { name: /I have read/i }).click();
    // The join page's own recording box stays unticked: the question is asked again in the call.
    await page.getByRole('heading', { name: 'Your choices' }).waitFor();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('button', { name: 'Picture and sound work — I am ready' }).click();
    await page.getByTestId('join-call').click();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    return page;
  }

  it('the agent and both customers are in the call, nobody is recorded yet', async () => {
    const page = await openPage('agent');
    await signInToConsole(page, server, agent);
    await page.goto(`${server.origin}/live/${callId}`);
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    await joinAsCustomer('anna');
    await joinAsCustomer('bert');
    await expect.poll(() => page.locator('[data-testid="tile-remote"] video').count(), { timeout: 20_000 }).toBe(2);
    for (const p of [pages.agent!, pages.anna!, pages.bert!]) expect(await p.getByTestId('recording-indicator').count()).toBe(0);
  });

  it('the agent starts recording: everyone sees the indicator and hears the cue; each customer must choose', async () => {
    const agentPage = pages.agent!;
    times.started = Date.now();
    await agentPage.getByTestId('recording-start').click();
    // One script per customer, for where each stands: both are asked, so neither is told they agreed.
    await expect.poll(() => agentPage.locator('[data-testid="recording-script"][data-state="asked"]').count()).toBe(2);
    for (const text of await agentPage.getByTestId('recording-script').allInnerTexts()) {
      expect(text).toMatch(/Say this aloud to (Anna|Bert)/);
      expect(text).toContain('“Yes, record me”');
      expect(text).not.toMatch(/you agreed/i);
    }
    for (const who of ['agent', 'anna', 'bert'] as const) {
      const page = pages[who]!;
      await page.getByTestId('recording-indicator').waitFor();
      await expect.poll(() => page.evaluate('document.body.dataset.recordingCues ?? ""')).toContain('start');
    }
    for (const who of ['anna', 'bert'] as const) {
      const dialog = pages[who]!.getByRole('dialog');
      await dialog.waitFor();
      expect(await dialog.getAttribute('aria-modal')).toBe('true');
      // G8: nothing is pre-selected, and the dialog cannot be waved away.
      expect(await dialog.locator('input:checked').count()).toBe(0);
      await pages[who]!.keyboard.press('Escape');
      expect(await dialog.isVisible()).toBe(true);
      expect(await pages[who]!.getByTestId('recording-prompt-text').innerText()).toMatch(/screen/);
    }
    recordingId = (await server.parley.deps.db.selectFrom('recordings').select('id').where('call_id', '=', callId).executeTakeFirstOrThrow()).id;
    await shot(pages.anna!, '1-prompt');
    await shot(agentPage, '1-started');
  });

  it('Anna consents, Bert declines and stays in the call', async () => {
    times.annaYes = Date.now();
    await pages.anna!.getByTestId('recording-consent-yes').click();
    await pages.bert!.getByTestId('recording-consent-no').click();
    await pages.anna!.locator('[data-testid="recording-indicator"][data-you="captured"]').waitFor();
    await pages.bert!.locator('[data-testid="recording-indicator"][data-you="declined"]').waitFor();
    await pages.agent!.locator(`[data-testid="capture-state-${participantIds.anna}"][data-state="captured"]`).waitFor();
    await pages.agent!.locator(`[data-testid="capture-state-${participantIds.bert}"][data-state="declined"]`).waitFor();
    // The agent's scripts follow: Anna is told how to withdraw, Bert that nothing of him is recorded.
    const captured = pages.agent!.locator('[data-testid="recording-script"][data-state="captured"]');
    const declined = pages.agent!.locator('[data-testid="recording-script"][data-state="declined"]');
    await captured.waitFor();
    await declined.waitFor();
    expect(await captured.innerText()).toMatch(/Say this aloud to Anna[\s\S]*you agreed to that[\s\S]*“Stop recording me”/);
    expect(await declined.innerText()).toMatch(/Say this aloud to Bert[\s\S]*nothing of you is recorded/);
    expect(await declined.innerText()).not.toMatch(/you agreed/i);
    // Bert is still in the call and still sees and hears everyone.
    expect(await pages.bert!.locator('[data-testid="connection"][data-state="connected"]').count()).toBe(1);
    await shot(pages.agent!, '2-states');
  });

  it('Anna withdraws with one click; her capture stops within 2 s of the click', async () => {
    await new Promise((r) => setTimeout(r, 4_000));
    times.annaWithdraw = Date.now();
    await pages.anna!.getByTestId('recording-withdraw').click();
    await pages.anna!.locator('[data-testid="recording-indicator"][data-you="withdrawn"]').waitFor();
    await expect
      .poll(async () => (await server.parley.deps.db.selectFrom('recording_tracks').select('status').where('participant_id', '=', participantIds.anna).executeTakeFirst())?.status, {
        timeout: 10_000,
      })
      .toBe('complete');
    const track = await server.parley.deps.db.selectFrom('recording_tracks').selectAll().where('participant_id', '=', participantIds.anna).executeTakeFirstOrThrow();
    expect(track.end_reason).toBe('withdrawn');
    const stopLag = new Date(track.ended_at!).getTime() - times.annaWithdraw;
    expect(stopLag).toBeLessThan(2_000);
    // The media itself ends there too: the track's first frame plus its duration is no later than 2 s after the click.
    const mediaEnd = new Date(track.started_at).getTime() + Number(track.duration_ms);
    expect(mediaEnd - times.annaWithdraw).toBeLessThan(2_000);
    console.log(`withdrawal: capture stopped ${stopLag} ms after the click; media ends ${mediaEnd - times.annaWithdraw} ms after it`);
  });

  it('the agent stops the recording; the stop cue plays', async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    times.stopped = Date.now();
    await pages.agent!.getByTestId('recording-stop').click();
    for (const who of ['agent', 'anna', 'bert'] as const) {
      await expect.poll(() => pages[who]!.evaluate('document.body.dataset.recordingCues ?? ""')).toContain('stop');
      await expect.poll(() => pages[who]!.getByTestId('recording-indicator').count()).toBe(0);
    }
    await server.parley.calls.settled();
  });

  it('holds the agent\'s and Anna\'s tracks only, each decrypts to a WebM that plays and lasts as long as it should', async () => {
    await expect
      .poll(async () => (await server.parley.deps.db.selectFrom('recordings').select('status').where('id', '=', recordingId).executeTakeFirstOrThrow()).status, { timeout: 15_000 })
      .toBe('complete');
    await expect
      .poll(async () => (await server.parley.deps.db.selectFrom('recording_tracks').select('status').where('recording_id', '=', recordingId).execute()).map((t) => t.status), { timeout: 15_000 })
      .toEqual(['complete', 'complete']);
    const tracks = await server.parley.deps.db.selectFrom('recording_tracks').selectAll().where('recording_id', '=', recordingId).execute();
    expect(tracks.map((t) => t.participant_id).sort()).toEqual([participantIds.agent, participantIds.anna].sort());
    const expected = {
      [participantIds.agent]: (times.stopped - times.started) / 1000,
      [participantIds.anna]: (times.annaWithdraw - times.annaYes) / 1000,
    };
    for (const t of tracks) {
      const webm = await decryptTrackOf(server.parley.deps, t.id);
      const info = await probe(webm);
      expect(info.decodeErrors, t.participant_id).toBe('');
      expect(info.streams.map((s) => s.codec).sort()).toEqual(['opus', 'vp8']);
      expect(info.decodedFrames).toBeGreaterThan(10);
      // The header's Duration, written when the track was finalised, agrees with the decoded frames.
      expect(Math.abs((info.headerDurationSec ?? 0) - info.durationSec)).toBeLessThan(0.5);
      expect(Math.abs(info.durationSec - expected[t.participant_id]!), `${t.participant_id}: ${info.durationSec}s vs ${expected[t.participant_id]}s`).toBeLessThanOrEqual(1);
    }
    // Nothing of Bert, who declined, exists in the recording; the ledger has Anna's yes and withdrawal and Bert's no.
    const ledger = await server.parley.deps.db.selectFrom('consent_records').select(['participant_id', 'action', 'method']).where('call_id', '=', callId).where('method', '=', 'in_call').orderBy('recorded_at').execute();
    expect(ledger).toEqual(
      expect.arrayContaining([
        { participant_id: participantIds.anna, action: 'given', method: 'in_call' },
        { participant_id: participantIds.bert, action: 'declined', method: 'in_call' },
        { participant_id: participantIds.anna, action: 'withdrawn', method: 'in_call' },
      ]),
    );
  });

  it('in the console, the DPO (trained) sees who consented and plays Anna\'s track; the playback is in the audit trail', async () => {
    const dpo = await addUser(server, admin, 'dpo');
    const trained = await admin.client.post(`/api/users/${dpo.userId}/training`, { course: 'GDPR basics', completedOn: new Date().toISOString().slice(0, 10) });
    expect(trained.status, trained.raw).toBe(201);
    const page = await openPage('dpo');
    await signInToConsole(page, server, dpo);
    await page.getByRole('link', { name: /^Recordings/ }).click();
    const panel = page.locator(`[data-recording="${recordingId}"]`);
    await panel.waitFor();
    const text = await panel.innerText();
    expect(text).toContain(ANNA.displayName);
    expect(text).toContain(BERT.displayName);
    const anna = await server.parley.deps.db.selectFrom('recording_tracks').select('id').where('participant_id', '=', participantIds.anna).executeTakeFirstOrThrow();
    await panel.locator(`tr[data-track="${anna.id}"]`).getByRole('button', { name: 'Play' }).click();
    const player = page.getByTestId('recording-player');
    await player.waitFor();
    await expect.poll(() => player.evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth), { timeout: 15_000 }).toBeGreaterThan(0);
    const duration = (await player.evaluate((v) => (v as unknown as { duration: number }).duration)) as number;
    expect(Math.abs(duration - (times.annaWithdraw - times.annaYes) / 1000)).toBeLessThanOrEqual(1);

    // Download saves the decrypted track as a file, the page stays where it is, and the download is audited once
    // it happened — not when the link was made (issue 12, finding 10).
    const downloads = async () =>
      (await server.parley.deps.db.selectFrom('audit_events').select('id').where('org_id', '=', admin.orgId).where('type', '=', 'recording.downloaded').execute()).length;
    expect(await downloads()).toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download'), panel.locator(`tr[data-track="${anna.id}"]`).getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^recording-\\d{4}-\\d{2}-\\d{2}-\\d{4}-camera-${anna.id}\\.webm$`));
    const saved = await download.path();
    expect((await readFile(saved)).equals(await decryptTrackOf(server.parley.deps, anna.id))).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/recordings');
    expect(await page.getByText('Page not found').count()).toBe(0);
    await expect.poll(downloads).toBe(1);

    await panel.getByRole('button', { name: 'Show the audit trail' }).click();
    const trail = page.getByTestId('recording-audit');
    await trail.getByText('Recording played back').waitFor();
    await trail.getByText('Recording downloaded').waitFor();
    // Reasons in words: Anna's track ended because she withdrew, not "withdrawn".
    expect(await trail.innerText()).toContain('Reason: Consent withdrawn');
    expect(await trail.innerText()).not.toMatch(/Reason: [a-z_]+$/m);
    await shot(page, '3-console-playback');
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    for (const [who, watch] of Object.entries(watches)) {
      expect(watch.foreignRequests, who).toEqual([]);
      expect(watch.errors, who).toEqual([]);
      expect(watch.cspViolations, who).toEqual([]);
    }
  });
});
