import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_SEAL_LABEL } from '../../src/calls/call-records.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { createAccessExport } from '../../src/subject-rights/access-export.ts';
import { exportDownloadToken } from '../../src/subject-rights/codes.ts';
import { exportJsonSchema } from '../../src/subject-rights/export.schema.ts';
import { findSubjectData, type SubjectInventory } from '../../src/subject-rights/inventory.ts';
import { restrictSubject, liftRestriction } from '../../src/subject-rights/restriction.ts';
import { eraseSubject } from '../../src/subject-rights/erasure.ts';
import { decryptTrackOf } from '../recording/support.ts';
import { dialects } from '../support/dialects.ts';
import { germanTextProblems } from '../support/language-check.ts';
import { EBML_MAGIC, hasFfmpeg, probe } from '../support/media-feed.ts';
import { insertRequest, seedWorld, type SeededWorld } from './seed-subjects.ts';
import yauzl from 'yauzl';
import { unzip } from '../support/zip.ts';

const schemaFile = path.resolve(import.meta.dirname, '../../docs/export-schema.json');
const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** The text a person reads on an HTML page: tags dropped, entities decoded, one line per block. */
function visibleText(page: string): string {
  return page
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<\/(p|li|h1|h2|dt|dd|td|th|tr|section|footer)>/g, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}


const idsOf = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

for (const d of dialects) {
  describe.skipIf(!d.available)(`access export (${d.name})`, () => {
    let w: SeededWorld;
    const download = (exportId: string, token: string) =>
      w.t.parley.app.inject({ method: 'GET', url: `/api/public/exports/${exportId}?token=${encodeURIComponent(token)}` });
    const tokenFor = (exportId: string) => exportDownloadToken(w.deps, w.orgId, exportId).token;

    beforeAll(async () => {
      w = await seedWorld(d.name);
    });
    afterAll(async () => w?.t.close());

    it('publishes docs/export-schema.json exactly as generated from export.schema.ts', () => {
      expect(JSON.parse(readFileSync(schemaFile, 'utf8'))).toEqual(exportJsonSchema());
    });

    it('produces an encrypted ZIP with manifest, schema-valid data equal to the inventory, and only the subject\'s own track', async () => {
      const { rita } = w;
      const { exportId, expiresAt } = await createAccessExport(w.deps, w.orgId, rita.requestId, rita.subjectId);
      expect(new Date(expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
      const row = await w.deps.db.selectFrom('subject_exports').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'ready', blob_key: `${w.orgId}/exports/${exportId}.pblob`, subject_id: rita.subjectId });

      // At rest: ciphertext only — no ZIP signature, no WebM header, no chat text anywhere in the stored object.
      const stored = await w.deps.blobs.read(row.blob_key, 0, Number(row.ciphertext_bytes) - 1);
      expect(stored.subarray(0, 4).toString('latin1')).toBe('PBLB');
      expect(stored.indexOf(ZIP_SIGNATURE)).toBe(-1);
      expect(stored.indexOf(EBML_MAGIC.bytes)).toBe(-1);
      expect(stored.indexOf(Buffer.from(rita.chatText))).toBe(-1);

      const res = await download(exportId, tokenFor(exportId));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="parley-export-${exportId}.zip"`);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.rawPayload.length).toBe(Number(row.plaintext_bytes));
      const files = await unzip(res.rawPayload);
      const webm = `recordings/${w.recordingId}-${rita.trackId}.webm`;
      expect([...files.keys()].sort()).toEqual(['data.json', 'manifest.json', webm, 'summary.html']);

      // data.json follows the published schema (draft 2020-12, formats checked).
      const ajv = new Ajv2020({ allErrors: true, strict: true });
      addFormats.default(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
      const data = JSON.parse(files.get('data.json')!.toString('utf8'));
      expect(validate(data), JSON.stringify(validate.errors)).toBe(true);

      // …and holds exactly what the inventory finds (G33).
      const inv: SubjectInventory = await findSubjectData(w.deps.db, w.orgId, rita.subjectId);
      expect(data.subject).toEqual(inv.subject);
      for (const key of ['participants', 'calls', 'attendance', 'chatMessages', 'consentRecords', 'recordingTracks', 'recordings', 'rightsRequests', 'exports', 'mails'] as const) {
        expect(idsOf(data[key]), key).toEqual(inv[key]);
      }
      expect(data.chatMessages[0].text).toBe(rita.chatText);
      expect(data.recordingTracks[0].file).toBe(webm);
      expect(data.calls[0].callType.name).toBeTruthy();

      // The WebM is Rita's track, decrypted, byte for byte; Otto's and the agent's tracks are not in the ZIP (G34).
      const media = files.get(webm)!;
      expect(media.equals(await decryptTrackOf(w.deps, rita.trackId))).toBe(true);
      expect(media.equals(rita.media)).toBe(true);
      const otto = await decryptTrackOf(w.deps, w.otto.trackId);
      expect(res.rawPayload.indexOf(otto.subarray(0, 64))).toBe(-1);
      if (hasFfmpeg) expect((await probe(media)).decodedFrames).toBeGreaterThan(0);

      // The manifest, from live configuration (G32).
      const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
      const org = await w.deps.db.selectFrom('organisations').selectAll().where('id', '=', w.orgId).executeTakeFirstOrThrow();
      expect(manifest.complaint.supervisoryAuthority).toBe(org.supervisory_authority);
      expect(manifest.controller.name).toBe('Subject Rights Bank AG');
      expect(manifest.recipients.text.en).toContain('processor');
      expect(manifest.transfers).toMatchObject({ residencyRegion: org.residency_region, outsideEea: false });
      expect(manifest.automatedDecisions.used).toBe(false);
      expect(manifest.rights.map((r: { right: string }) => r.right).sort()).toEqual(
        ['access', 'erasure', 'objection', 'portability', 'rectification', 'restriction', 'withdraw_consent'].sort(),
      );
      expect(manifest.purposes.map((p: { purpose: string }) => p.purpose)).toContain('call_delivery');
      const callType = await w.deps.db.selectFrom('call_types').selectAll().where('id', '=', data.calls[0].callType.id).executeTakeFirstOrThrow();
      expect(manifest.retention).toContainEqual(
        expect.objectContaining({ category: 'call_metadata', days: Number(callType.retention_call_metadata_days), callType: { id: callType.id, name: callType.name } }),
      );
      expect(manifest.source.organisation).toBe('Subject Rights Bank AG');
      expect(manifest.files.recordings).toEqual([webm]);

      // Downloads are audited and stamped.
      const after = await w.deps.db.selectFrom('subject_exports').select('downloaded_at').where('id', '=', exportId).executeTakeFirstOrThrow();
      expect(after.downloaded_at).not.toBeNull();
      const events = await w.deps.db.selectFrom('audit_events').select(['type', 'data']).where('org_id', '=', w.orgId).where('type', 'like', 'rights_request.export_%').execute();
      expect(events.map((e) => e.type).sort()).toEqual(['rights_request.export_created', 'rights_request.export_downloaded']);
      expect(events.every((e) => !e.data.includes(rita.email))).toBe(true);
    });

    it('answers an empty export (manifest and data, no subject) when nothing is on file for the address', async () => {
      const requestId = await insertRequest(w.deps, w.orgId, null);
      const { exportId } = await createAccessExport(w.deps, w.orgId, requestId, null);
      const res = await download(exportId, tokenFor(exportId));
      expect(res.statusCode).toBe(200);
      const files = await unzip(res.rawPayload);
      expect([...files.keys()].sort()).toEqual(['data.json', 'manifest.json', 'summary.html']);
      const data = JSON.parse(files.get('data.json')!.toString('utf8'));
      expect(data.subject).toBeNull();
      expect(data.calls).toEqual([]);
    });

    it('explains itself to a German requester: a self-contained summary page in German beside the JSON, manifest texts in German', async () => {
      const { rita } = w;
      const { exportId } = await createAccessExport(w.deps, w.orgId, rita.requestId, rita.subjectId, { locale: 'de' });
      const res = await download(exportId, tokenFor(exportId));
      expect(res.statusCode, res.body).toBe(200);
      const zip = await yauzl.fromBufferPromise(res.rawPayload);
      const order: string[] = [];
      for await (const entry of zip.eachEntry()) order.push(entry.fileName);
      // The page a person opens comes first, under a German name.
      expect(order[0]).toBe('zusammenfassung.html');
      const files = await unzip(res.rawPayload);
      const page = files.get('zusammenfassung.html')!.toString('utf8');
      const data = JSON.parse(files.get('data.json')!.toString('utf8'));
      const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
      expect(manifest.language).toBe('de');
      expect(manifest.files.summary).toBe('zusammenfassung.html');

      // Self-contained: nothing is fetched and nothing runs when the file is opened.
      expect(page).toMatch(/^<!doctype html>\n<html lang="de">/);
      expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
      expect(page).not.toMatch(/<script|<img|<link|<iframe|<object|<embed|\bsrc=|@import|url\(|\bon[a-z]+=/i);
      const hrefs = [...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
      expect(hrefs.sort()).toEqual([`${w.t.parley.deps.config.publicUrl}/rights/${w.orgId}`, data.recordingTracks[0].file].sort());

      // It lists what data.json holds, in words: her call, her consent, her own chat message (escaped), her recording.
      const org = await w.deps.db.selectFrom('organisations').selectAll().where('id', '=', w.orgId).executeTakeFirstOrThrow();
      const text = visibleText(page);
      expect(text).toContain('Ihre Daten bei Subject Rights Bank AG');
      expect(text).toContain(data.calls[0].callType.name);
      expect(text).toContain('zugestimmt');
      expect(text).toContain(rita.chatText);
      expect(text).not.toContain('Welcome, both of you'); // the agent's message is not hers
      expect(text).toContain('Aufzeichnung abspielen');
      expect(text).toContain(org.supervisory_authority);
      expect(text).toContain('Unser IT-Dienstleister'); // recipients, from the German notice text

      // Not one English sentence or internal code a German reader would stumble on.
      const names = ['Subject Rights Bank AG', 'Rita Rights', rita.email, rita.chatText, data.calls[0].callType.name, 'VLC', 'data.json', 'manifest.json', 'JSON'];
      expect(germanTextProblems(text, names)).toEqual([]);
      const manifestTexts = [
        ...manifest.dataCategories.map((c: { description: string }) => c.description),
        ...manifest.purposes.map((p: { description: string }) => p.description),
        ...manifest.retention.map((r: { note: string }) => r.note),
        ...manifest.rights.map((r: { description: string; article: string }) => `${r.description} (${r.article})`),
        manifest.complaint.text,
        manifest.source.text,
        manifest.automatedDecisions.text,
      ].join('\n');
      expect(germanTextProblems(manifestTexts, names)).toEqual([]);
    });

    it('escapes what people wrote: a chat message with markup is shown as text on the summary page', async () => {
      const requestId = await insertRequest(w.deps, w.orgId, w.otto.subjectId);
      const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      await w.deps.db.updateTable('call_chat_messages').set({ body_sealed: w.deps.keys.seal(CHAT_SEAL_LABEL, w.otto.chatId, hostile) }).where('id', '=', w.otto.chatId).execute();
      const { exportId } = await createAccessExport(w.deps, w.orgId, requestId, w.otto.subjectId);
      const files = await unzip((await download(exportId, tokenFor(exportId))).rawPayload);
      const page = files.get('summary.html')!.toString('utf8');
      expect(page).not.toMatch(/<script|<img/i);
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
      expect(JSON.parse(files.get('data.json')!.toString('utf8')).chatMessages[0].text).toBe(hostile);
    });

    it('refuses forged, mismatched and malformed links (404/400) and never says whether an export exists', async () => {
      const { exportId } = await createAccessExport(w.deps, w.orgId, w.otto.requestId, w.otto.subjectId);
      const good = tokenFor(exportId);
      const forged = `${good.split('.')[0]}.${Buffer.alloc(32).toString('base64url')}`;
      for (const token of [forged, 'garbage', tokenFor('exp_0000000000000000000000000')]) {
        const res = await download(exportId, token);
        expect(res.statusCode, token).toBe(404);
        expect(JSON.parse(res.body).error.code).toBe('EXPORT_LINK_INVALID');
      }
      // A valid token of another organisation's export id is as unknown.
      const foreign = exportDownloadToken(w.deps, 'org_0000000000000000000000000', exportId).token;
      expect((await download(exportId, foreign)).statusCode).toBe(404);
      expect((await w.t.parley.app.inject({ method: 'GET', url: `/api/public/exports/${exportId}` })).statusCode).toBe(400);
      expect((await download('exp_123', good)).statusCode).toBe(400);
    });

    it('refuses an export and its download while the subject is restricted (423), and serves it again once lifted', async () => {
      const { otto } = w;
      const { exportId } = await createAccessExport(w.deps, w.orgId, otto.requestId, otto.subjectId);
      const requestId = await insertRequest(w.deps, w.orgId, otto.subjectId, 'restriction');
      await restrictSubject(w.deps, w.orgId, otto.subjectId, { requestId, actor: { type: 'system' } });
      const refused = await createAccessExport(w.deps, w.orgId, otto.requestId, otto.subjectId).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).status).toBe(423);
      const res = await download(exportId, tokenFor(exportId));
      expect(res.statusCode).toBe(423);
      expect(JSON.parse(res.body).error.code).toBe('SUBJECT_RESTRICTED');
      await liftRestriction(w.deps, w.orgId, otto.subjectId, { requestId, actor: { type: 'system' }, noticeText: 'We lift the restriction on 1 March.' });
      expect((await download(exportId, tokenFor(exportId))).statusCode).toBe(200);
    });

    it('answers 410 for an expired link, an erased export and an expired export', async () => {
      const { rita } = w;
      const { exportId } = await createAccessExport(w.deps, w.orgId, rita.requestId, rita.subjectId);
      const token = tokenFor(exportId);
      w.t.clock.advance(16 * 60_000);
      const late = await download(exportId, token);
      expect(late.statusCode).toBe(410);
      expect(JSON.parse(late.body).error.code).toBe('EXPORT_LINK_EXPIRED');
      expect((await download(exportId, tokenFor(exportId))).statusCode).toBe(200);

      w.t.clock.advance(8 * 86_400_000);
      const expired = await download(exportId, tokenFor(exportId));
      expect(expired.statusCode).toBe(410);
      expect(JSON.parse(expired.body).error.code).toBe('EXPORT_GONE');

      const fresh = await createAccessExport(w.deps, w.orgId, rita.requestId, rita.subjectId);
      const row = await w.deps.db.selectFrom('subject_exports').selectAll().where('id', '=', fresh.exportId).executeTakeFirstOrThrow();
      await eraseSubject(w.deps, w.orgId, rita.subjectId, { requestId: rita.requestId, actor: { type: 'system' } });
      const erased = await download(fresh.exportId, tokenFor(fresh.exportId));
      expect(erased.statusCode).toBe(410);
      expect(JSON.parse(erased.body).error.code).toBe('EXPORT_GONE');
      expect(await w.deps.blobs.size(row.blob_key)).toBeNull();
      expect((await w.deps.db.selectFrom('subject_exports').select(['status', 'wrapped_key']).where('id', '=', fresh.exportId).executeTakeFirstOrThrow())).toEqual({
        status: 'erased',
        wrapped_key: null,
      });
    });
  });
}
