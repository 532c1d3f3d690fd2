import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { unwrapDataKey } from '../../src/keys/data-keys.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { decryptRange } from '../../src/storage/blob-format.ts';
import { findSubjectData } from '../../src/subject-rights/inventory.ts';
import { addUser, createOrgWithAdmin, publishNotice, type SignedIn } from '../support/harness.ts';
import { encodeWebm, probe } from '../support/media-feed.ts';
import { insertRecording, insertTrack, recordRecordingConsent, type FixtureCall } from '../support/recording-fixtures.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { decryptTrackOf } from '../recording/support.ts';
import { launchChromium, startListeningParley, watchPage, type ListeningParley, type PageWatch } from './support.ts';

// Issue 6, "Must show": a customer who was in two calls (one recorded with consent) asks for access on the
// organisation's public page, proves the address with a code from the (real, test) SMTP server, and downloads a
// ZIP whose data.json validates against docs/export-schema.json and whose WebM is their own track only. Then they
// ask for erasure: afterwards the inventory finds nothing but the recorded exceptions, a copy of the recording
// ciphertext saved before can no longer be decrypted (G27), and the other participant's track still plays.

const KARLA = { displayName: 'Karla Kundin', email: 'karla.kundin@example.test' };
const SCHEMA = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../docs/export-schema.json'), 'utf8')) as object;

function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const parts: Buffer[] = [];
          stream.on('data', (d: Buffer) => parts.push(d));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('a customer uses their rights on the public page: access (ZIP) and erasure', () => {
  let smtp: TestSmtp;
  let server: ListeningParley;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let admin: SignedIn;
  let dpo: SignedIn;
  let recorded: FixtureCall;
  let karlaTrack = '';
  let agentTrack = '';
  let karlaCiphertext: Buffer = Buffer.alloc(0);
  let karlaWebm: Buffer = Buffer.alloc(0);

  /** The newest code mailed to Karla after `before` messages. */
  async function codeFor(before: number): Promise<string> {
    await server.parley.jobs.runDue();
    const mails = (await smtp.waitFor(before + 1)).slice(before);
    const mail = mails.findLast((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : '') === KARLA.email);
    const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
    if (!code) throw new Error('no code in the mail');
    return code;
  }

  async function ask(kind: RegExp): Promise<string> {
    await page.goto(`${server.origin}/rights/${admin.orgId}`);
    await page.getByRole('radio', { name: kind }).check();
    await page.getByLabel('Your email address').fill(KARLA.email);
    const before = smtp.messages.length;
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.waitForURL(/\/rights\/requests\/req_/);
    const requestId = /\/rights\/requests\/(req_[0-9a-z]{25})/.exec(page.url())![1]!;
    await page.getByLabel('Code from the email').fill(await codeFor(before));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByTestId('rights-status').innerText()).not.toBe('Waiting for you to confirm your email address.');
    return requestId;
  }

  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await startListeningParley({ env: { PARLEY_SMTP_URL: smtp.url } });
    admin = await createOrgWithAdmin(server, 'Musterbank AG');
    const agent = await addUser(server, admin, 'agent');
    dpo = await addUser(server, admin, 'dpo');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', {
      name: 'Beratung mit Aufzeichnung',
      purposes: [
        { purpose: 'call_delivery', basis: 'contract' },
        { purpose: 'recording', basis: 'consent' },
      ],
      recordingMode: 'consent',
      retention: { callMetadataDays: 90, chatDays: 0, recordingsDays: 90, consentDays: 365 },
    });
    expect(ct.status, ct.raw).toBe(201);
    // Two calls with Karla; the first was recorded with her consent (her track and the agent's).
    const calls: FixtureCall[] = [];
    for (const days of [1, 2]) {
      const res = await admin.client.post('/api/calls', {
        callTypeId: ct.body.id,
        agentId: agent.userId,
        startsAt: new Date(Date.now() + days * 86_400_000).toISOString(),
        durationMinutes: 30,
        customer: KARLA,
        locale: 'en',
      });
      expect(res.status, res.raw).toBe(201);
      const ps = res.body.participants as { id: string; kind: string; subjectId: string | null }[];
      calls.push({ callId: res.body.id, agentParticipantId: ps.find((p) => p.kind === 'agent')!.id, customerParticipantId: ps.find((p) => p.kind === 'customer')!.id, subjectId: ps.find((p) => p.kind === 'customer')!.subjectId! });
    }
    recorded = calls[0]!;
    expect(calls[1]!.subjectId).toBe(recorded.subjectId);
    const deps = server.parley.deps;
    await recordRecordingConsent(deps, admin.orgId, recorded, 'given');
    const recordingId = await insertRecording(deps, admin.orgId, recorded.callId, { startedBy: agent.userId });
    karlaWebm = await encodeWebm({ seconds: 2 });
    karlaTrack = (await insertTrack(deps, admin.orgId, recordingId, recorded, karlaWebm, { chunkSize: 65536 })).trackId;
    agentTrack = (await insertTrack(deps, admin.orgId, recordingId, recorded, await encodeWebm({ seconds: 3, width: 160, height: 120 }), { chunkSize: 65536, participant: 'agent' })).trackId;
    const row = await deps.db.selectFrom('recording_tracks').selectAll().where('id', '=', karlaTrack).executeTakeFirstOrThrow();
    karlaCiphertext = await deps.blobs.read(row.blob_key, 0, Number(row.ciphertext_bytes) - 1);
    await server.parley.jobs.runDue(); // invitations out of the way

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watch = await watchPage(page, server.origin, { expectedErrors: () => false });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('access: the request is verified by a mailed code, the DPO produces the export, Karla downloads her ZIP', async () => {
    const requestId = await ask(/Get a copy of your data/);
    const produced = await dpo.client.post(`/api/rights-requests/${requestId}/export`);
    expect(produced.status, produced.raw).toBe(200);

    await page.goto(`${server.origin}/rights/requests/${requestId}`);
    const before = smtp.messages.length;
    await page.getByRole('button', { name: 'Send me a code to download' }).click();
    await page.getByLabel('Code from the email').fill(await codeFor(before));
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download your data/ }).click()]);
    const zipPath = await download.path();
    const files = await unzip(readFileSync(zipPath));

    const names = [...files.keys()].sort();
    expect(names.filter((n) => n.endsWith('.webm'))).toEqual([expect.stringContaining(karlaTrack)]);
    expect(names).toEqual(expect.arrayContaining(['manifest.json', 'data.json']));
    const data = JSON.parse(files.get('data.json')!.toString('utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(SCHEMA);
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    // Filled from the live configuration: the organisation's supervisory authority, its DPO, its retention.
    const org = (await admin.client.get('/api/organisation')).body;
    expect(org.supervisoryAuthority.length).toBeGreaterThan(0);
    expect(manifest.complaint.supervisoryAuthority).toBe(org.supervisoryAuthority);
    expect(manifest.controller.dataProtectionOfficer.email).toBe(org.dpoEmail);
    expect(manifest.retention).toContainEqual(expect.objectContaining({ category: 'call_metadata', days: 90 }));
    // Her own track, decrypted: exactly what was recorded of her, and it plays; nothing of the agent's.
    const webm = files.get(names.find((n) => n.endsWith('.webm'))!)!;
    expect(webm.equals(karlaWebm)).toBe(true);
    expect((await probe(webm)).decodeErrors).toBe('');
    expect(names.some((n) => n.includes(agentTrack))).toBe(false);
  });

  it('erasure: afterwards nothing of her is found but the recorded exceptions; the saved ciphertext is unreadable; the agent\'s track plays', async () => {
    const requestId = await ask(/Erase your data/);
    const erased = await dpo.client.post(`/api/rights-requests/${requestId}/erase`);
    expect(erased.status, erased.raw).toBe(200);

    const deps = server.parley.deps;
    const inventory = await findSubjectData(deps.db, admin.orgId as OrgId, recorded.subjectId);
    // What is left is only what the law makes Parley keep: the rights requests themselves (Art. 5(2), 12) and the
    // proof of her consent (Art. 7(1)) — each listed in the erasure report with its reference and end date.
    const outcome = JSON.parse((await deps.db.selectFrom('rights_requests').select('outcome').where('id', '=', requestId).executeTakeFirstOrThrow()).outcome!);
    expect(outcome.action).toBe('erased');
    const kept = outcome.report.kept as { itemId: string; reference: string; until: string }[];
    for (const k of kept) expect(k.reference.length * k.until.length, JSON.stringify(k)).toBeGreaterThan(0);
    const keptIds = new Set(kept.map((k) => k.itemId));
    expect(inventory.recordingTracks).toEqual([]);
    expect(inventory.attendance).toEqual([]);
    expect(inventory.chatMessages).toEqual([]);
    expect(inventory.exports).toEqual([]);
    expect(inventory.mails).toEqual([]);
    for (const id of [...inventory.consentRecords, ...inventory.rightsRequests]) expect(keptIds.has(id), id).toBe(true);
    expect(inventory.subject?.email ?? '').not.toContain('karla');

    // The ciphertext saved before the erasure cannot be decrypted with any key the organisation still has (G27).
    const rows = await deps.db.selectFrom('recording_tracks').select(['id', 'wrapped_key', 'kek_version']).where('org_id', '=', admin.orgId).execute();
    expect(rows.find((r) => r.id === karlaTrack)).toBeUndefined();
    for (const r of rows.filter((x) => x.wrapped_key)) {
      const key = await unwrapDataKey(deps.db, deps.keys, admin.orgId as OrgId, r.id, { kekVersion: Number(r.kek_version), wrapped: r.wrapped_key! });
      const attempt = (async () => {
        for await (const piece of decryptRange(async (s, e) => karlaCiphertext.subarray(s, e + 1), karlaCiphertext.length, key, { requireFinal: true })) void piece;
      })();
      await expect(attempt).rejects.toThrow();
    }
    // The other participant's track is untouched and still plays.
    const agentWebm = await decryptTrackOf(deps, agentTrack);
    expect((await probe(agentWebm)).decodeErrors).toBe('');
  });

  it('kept every request on the same origin, with no console errors and no CSP violations', () => {
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
