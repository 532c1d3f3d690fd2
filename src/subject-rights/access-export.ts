import { Readable } from 'node:stream';
import yazl from 'yazl';
import { getCallType } from '../call-types/get-call-type.ts';
import type { CallTypeView } from '../call-types/call-type.schema.ts';
import type { DbOrTx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { newDataKey, unwrapDataKey } from '../keys/data-keys.ts';
import { CHAT_SEAL_LABEL } from '../calls/call-records.ts';
import { getLatestPublishedNotice } from '../notices/get-notice.ts';
import { getOrganisation } from '../organisations/organisations.ts';
import { isPlayable } from '../recording/recording-views.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type CallTypeId, type OrgId } from '../shared/ids.ts';
import { ChunkEncryptor, decryptRange } from '../storage/blob-format.ts';
import {
  EXPORT_FORMAT_VERSION,
  EXPORT_SCHEMA_ID,
  exportDataSchema,
  exportManifestSchema,
  type ExportData,
  type ExportManifest,
} from './export.schema.ts';
import { renderExportSummary } from './export-summary.ts';
import { failpoint } from '../config/failpoints.ts';
import { exportTexts, type ExportLocale } from './export-texts.ts';
import { findSubjectData, type SubjectInventory } from './inventory.ts';

/**
 * The access export (G32–G35): one ZIP with a summary page for a person (`summary.html`, `zusammenfassung.html`
 * in German: export-summary.ts), `manifest.json` (Art. 15(1) information, filled from live configuration),
 * `data.json` (the subject's data in the published format, docs/export-schema.json) and
 * `recordings/<recordingId>-<trackId>.webm` — the subject's OWN tracks only (15(4)), decrypted. The summary and the
 * manifest's texts are in the language the request was made in.
 *
 * The ZIP is built as a stream and encrypted as it is produced, exactly like a recording (blob-format.ts, its own
 * data key wrapped by the organisation's KEK): no plaintext touches the disk, and at most one ZIP chunk plus one
 * decrypted recording chunk is in memory at a time. Erasing the export destroys its key (crypto-shredding).
 */

/**
 * How long a finished export can be downloaded, in days (constant, not a setting: a week is long enough to pick it
 * up and short enough that copies of a whole person's data do not linger). The purge deletes it afterwards.
 */
export const EXPORT_VALID_DAYS = 7;

export const exportBlobKey = (orgId: string, exportId: string) => `${orgId}/exports/${exportId}.pblob`;

/**
 * A new export id, `exp_` + 25 base36 characters. Left out of shared/ids.ts by this change (not its file); when an
 * `export: 'exp'` kind is added there, this becomes `newId('export')`.
 */
export function newExportId(): string {
  return newId('export');
}

type ExportDeps = Pick<Deps, 'db' | 'keys' | 'clock' | 'audit' | 'blobs' | 'config' | 'logger'>;

export function subjectRestricted(): AppError {
  return new AppError(
    'SUBJECT_RESTRICTED',
    'Processing of this person\'s data is restricted (a data subject request): it stays stored but cannot be exported, played or deleted until the restriction is lifted.',
  );
}

export interface AccessExportOptions {
  /** Language of the summary page and of the manifest's texts: the request's own. Default `en`. */
  readonly locale?: ExportLocale;
}

export async function createAccessExport(
  deps: Deps,
  orgId: OrgId,
  requestId: string,
  subjectId: string | null,
  options: AccessExportOptions = {},
): Promise<{ exportId: string; expiresAt: string }> {
  const locale = options.locale ?? 'en';
  const request = await deps.db.selectFrom('rights_requests').select(['id']).where('org_id', '=', orgId).where('id', '=', requestId).executeTakeFirst();
  if (!request) throw notFound('Request');
  if (subjectId !== null) {
    const subject = await deps.db.selectFrom('subjects').select(['id', 'restricted_at']).where('org_id', '=', orgId).where('id', '=', subjectId).executeTakeFirst();
    if (!subject) throw notFound('Subject');
    if (subject.restricted_at !== null) throw subjectRestricted();
  }

  const exportId = newExportId();
  const now = deps.clock.now();
  const expiresAt = iso(addDays(now, EXPORT_VALID_DAYS));
  const blobKey = exportBlobKey(orgId, exportId);
  const { dataKey, wrapped } = await newDataKey(deps.db, deps.keys, deps.clock, orgId, exportId);
  await deps.db
    .insertInto('subject_exports')
    .values({
      id: exportId,
      org_id: orgId,
      request_id: requestId,
      subject_id: subjectId,
      status: 'building',
      blob_key: blobKey,
      wrapped_key: wrapped.wrapped,
      kek_version: wrapped.kekVersion,
      ciphertext_bytes: null,
      plaintext_bytes: null,
      created_at: iso(now),
      ready_at: null,
      downloaded_at: null,
      expires_at: expiresAt,
      ...tagged('subject_exports'),
    })
    .execute();
  failpoint('export.after_row');

  try {
    const inventory = subjectId !== null ? await findSubjectData(deps.db, orgId, subjectId) : emptyInventory();
    const data = exportDataSchema.parse(await collectData(deps, orgId, { exportId, requestId, generatedAt: iso(now) }, inventory));
    const tracks = await playableTracks(deps, orgId, data);
    const manifest = exportManifestSchema.parse(
      await buildManifest(deps, orgId, { exportId, requestId, generatedAt: iso(now), locale }, data, tracks.map((t) => t.file)),
    );
    const summary = renderExportSummary({ locale, timeZone: deps.config.timeZone, data, manifest, rightsPageUrl: `${deps.config.publicUrl}/rights/${orgId}` });

    const zip = new yazl.ZipFile();
    const mtime = now;
    // The summary first: it is what a person opens.
    zip.addBuffer(Buffer.from(summary), manifest.files.summary, { mtime });
    zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json', { mtime });
    zip.addBuffer(Buffer.from(`${JSON.stringify(data, null, 2)}\n`), 'data.json', { mtime });
    const output = zip.outputStream as Readable;
    for (const track of tracks) {
      // Opened only when yazl gets to this entry, so one recording is decrypted at a time. WebM is already
      // compressed: stored as is.
      zip.addReadStreamLazy(track.file, { mtime, compress: false }, (cb) => {
        track
          .open()
          .then((stream) => {
            stream.on('error', (err) => output.destroy(err));
            cb(null, stream);
          })
          .catch((err: unknown) => cb(err, undefined as never));
      });
    }
    zip.on('error', (err: Error) => output.destroy(err));
    zip.end();

    const encryptor = new ChunkEncryptor(dataKey, exportId);
    const upload = await deps.blobs.createUpload(blobKey);
    let ciphertextBytes: number;
    try {
      for await (const piece of output) {
        const ciphertext = encryptor.push(piece as Buffer);
        if (ciphertext.length > 0) {
          await upload.write(ciphertext);
          failpoint('export.mid_upload');
        }
      }
      await upload.write(encryptor.finish());
      ciphertextBytes = await upload.complete();
    } catch (err) {
      await upload.abort().catch(() => {});
      throw err;
    }
    failpoint('export.before_ready');

    await deps.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('subject_exports')
        .set({ status: 'ready', ready_at: iso(deps.clock.now()), ciphertext_bytes: ciphertextBytes, plaintext_bytes: encryptor.plaintextBytes })
        .where('org_id', '=', orgId)
        .where('id', '=', exportId)
        .execute();
      await deps.audit.append(tx, orgId, { type: 'system' }, {
        type: 'rights_request.export_created',
        data: { requestId, exportId, subjectId, tracks: tracks.length },
      });
    });
    return { exportId, expiresAt };
  } catch (err) {
    // A failed export keeps its row as a record, but its key is destroyed and its blob removed.
    deps.logger.error({ exportId, requestId, err: err instanceof Error ? err.message : String(err) }, 'access export failed');
    await deps.db
      .updateTable('subject_exports')
      .set({ status: 'failed', wrapped_key: null })
      .where('org_id', '=', orgId)
      .where('id', '=', exportId)
      .execute();
    await deps.blobs.delete(blobKey).catch(() => {});
    throw err;
  }
}

/**
 * Runs at start on a single node: an export still `building` was being made by a process that died (an export is
 * built within its request, in seconds). It ends as a failed one does — `failed`, its data key destroyed, its blob
 * or unfinished upload deleted — and the request stays open, so the DPO produces the export again. Without this the
 * row kept a live data key and the upload's `.part` stayed on disk for good (crash drills, issue 15). Not for a node
 * of a cluster: another node may be building one right now. Returns how many were closed. Idempotent.
 */
export async function recoverInterruptedExports(deps: Pick<Deps, 'db' | 'blobs' | 'logger'>): Promise<number> {
  const rows = await deps.db.selectFrom('subject_exports').select(['id', 'org_id', 'blob_key']).where('status', '=', 'building').execute();
  for (const row of rows) {
    await deps.db.updateTable('subject_exports').set({ status: 'failed', wrapped_key: null }).where('id', '=', row.id).where('status', '=', 'building').execute();
    await deps.blobs.delete(row.blob_key);
  }
  if (rows.length > 0) deps.logger.warn({ exports: rows.length }, 'access exports interrupted by a crash were closed as failed');
  return rows.length;
}

function emptyInventory(): SubjectInventory {
  return {
    subject: null,
    participants: [],
    calls: [],
    attendance: [],
    chatMessages: [],
    consentRecords: [],
    recordingTracks: [],
    recordings: [],
    rightsRequests: [],
    exports: [],
    mails: [],
  };
}

const inIds = (list: readonly string[]) => (list.length > 0 ? list : ['-']);

/** data.json: the rows the inventory names, and nothing else. */
async function collectData(
  deps: ExportDeps,
  orgId: OrgId,
  meta: { exportId: string; requestId: string; generatedAt: string },
  inv: SubjectInventory,
): Promise<ExportData> {
  const { db } = deps;
  const participants = await db.selectFrom('participants').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.participants)).orderBy('created_at').orderBy('id').execute();
  const calls = await db
    .selectFrom('calls as c')
    .innerJoin('call_types as ct', 'ct.id', 'c.call_type_id')
    .select(['c.id', 'c.call_type_id', 'ct.name as call_type_name', 'c.call_type_version', 'c.status', 'c.starts_at', 'c.ends_at', 'c.ended_at', 'c.cancelled_at', 'c.locale', 'c.expires_at'])
    .where('c.org_id', '=', orgId)
    .where('c.id', 'in', inIds(inv.calls))
    .orderBy('c.starts_at')
    .orderBy('c.id')
    .execute();
  const attendance = await db.selectFrom('call_attendance').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.attendance)).orderBy('joined_at').orderBy('id').execute();
  const chat = await db.selectFrom('call_chat_messages').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.chatMessages)).orderBy('sent_at').orderBy('id').execute();
  const consents = await db.selectFrom('consent_records').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.consentRecords)).orderBy('recorded_at').orderBy('id').execute();
  const recordings = await db.selectFrom('recordings').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.recordings)).orderBy('started_at').orderBy('id').execute();
  const tracks = await db.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.recordingTracks)).orderBy('started_at').orderBy('id').execute();
  const requests = await db.selectFrom('rights_requests').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.rightsRequests)).orderBy('received_at').orderBy('id').execute();
  const exports = await db.selectFrom('subject_exports').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds([...inv.exports, meta.exportId])).orderBy('created_at').orderBy('id').execute();
  const mails = await db.selectFrom('mail_outbox').selectAll().where('org_id', '=', orgId).where('id', 'in', inIds(inv.mails)).orderBy('created_at').orderBy('id').execute();

  return {
    formatVersion: EXPORT_FORMAT_VERSION,
    exportId: meta.exportId,
    requestId: meta.requestId,
    organisationId: orgId,
    generatedAt: meta.generatedAt,
    subject: inv.subject,
    participants: participants.map((p) => ({ id: p.id, callId: p.call_id, displayName: p.display_name, createdAt: p.created_at, expiresAt: p.expires_at })),
    calls: calls.map((c) => ({
      id: c.id,
      callType: { id: c.call_type_id, name: c.call_type_name, version: Number(c.call_type_version) },
      status: c.status as ExportData['calls'][number]['status'],
      startsAt: c.starts_at,
      endsAt: c.ends_at,
      endedAt: c.ended_at,
      cancelledAt: c.cancelled_at,
      locale: c.locale,
      expiresAt: c.expires_at,
    })),
    attendance: attendance.map((a) => ({
      id: a.id,
      callId: a.call_id,
      participantId: a.participant_id,
      joinedAt: a.joined_at,
      admittedAt: a.admitted_at,
      leftAt: a.left_at,
      leaveReason: a.leave_reason,
      expiresAt: a.expires_at,
    })),
    chatMessages: chat.map((m) => ({
      id: m.id,
      callId: m.call_id,
      participantId: m.participant_id,
      sentAt: m.sent_at,
      text: deps.keys.open(CHAT_SEAL_LABEL, m.id, m.body_sealed),
      expiresAt: m.expires_at,
    })),
    consentRecords: consents.map((r) => ({
      id: r.id,
      callId: r.call_id,
      participantId: r.participant_id,
      purpose: r.consent_purpose,
      action: r.action as 'given' | 'declined' | 'withdrawn',
      withdrawsId: r.withdraws_id,
      textHash: r.text_hash,
      noticeId: r.notice_id,
      noticeVersion: Number(r.notice_version),
      noticeHash: r.notice_hash,
      locale: r.locale,
      method: r.method,
      recordedAt: r.recorded_at,
      expiresAt: r.expires_at,
    })),
    recordings: recordings.map((r) => ({
      id: r.id,
      callId: r.call_id,
      mode: r.mode as 'consent' | 'legal_obligation',
      legalReference: r.legal_reference,
      status: r.status,
      startedAt: r.started_at,
      stoppedAt: r.stopped_at,
      retainUntil: r.retain_until,
      expiresAt: r.expires_at,
    })),
    recordingTracks: tracks.map((t) => ({
      id: t.id,
      recordingId: t.recording_id,
      callId: t.call_id,
      participantId: t.participant_id,
      source: t.source as 'camera' | 'screen',
      basis: t.basis as 'consent' | 'legal_obligation' | 'legitimate_interest',
      status: t.status,
      startedAt: t.started_at,
      endedAt: t.ended_at,
      durationMs: t.duration_ms === null ? null : Number(t.duration_ms),
      codecs: t.codecs,
      // An E2EE track is encrypted to the organisation's recording key, which the server does not hold.
      file: isPlayable(t) && t.kek_version !== null && t.e2ee_envelope === null ? trackFile(t.recording_id, t.id) : null,
      expiresAt: t.expires_at,
    })),
    rightsRequests: requests.map((r) => ({
      id: r.id,
      type: r.type as ExportData['rightsRequests'][number]['type'],
      status: r.status,
      receivedAt: r.received_at,
      dueAt: r.due_at,
      extendedDueAt: r.extended_due_at,
      completedAt: r.completed_at,
      expiresAt: r.expires_at,
    })),
    exports: exports.map((e) => ({
      id: e.id,
      requestId: e.request_id,
      status: e.status as ExportData['exports'][number]['status'],
      createdAt: e.created_at,
      readyAt: e.ready_at,
      downloadedAt: e.downloaded_at,
      expiresAt: e.expires_at,
    })),
    mails: mails.map((m) => ({ id: m.id, kind: m.kind, status: m.status, createdAt: m.created_at, sentAt: m.sent_at, expiresAt: m.expires_at })),
  };
}

export const trackFile = (recordingId: string, trackId: string) => `recordings/${recordingId}-${trackId}.webm`;

/** The subject's own playable tracks (data.json names their files), each opened as a decrypting stream on demand. */
async function playableTracks(deps: ExportDeps, orgId: OrgId, data: ExportData): Promise<{ file: string; open: () => Promise<Readable> }[]> {
  const withFiles = data.recordingTracks.filter((t) => t.file !== null);
  const out: { file: string; open: () => Promise<Readable> }[] = [];
  for (const t of withFiles) {
    const row = await deps.db.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).where('id', '=', t.id).executeTakeFirstOrThrow();
    out.push({
      file: t.file!,
      open: async () => {
        const key = await unwrapDataKey(deps.db, deps.keys, orgId, row.id, { kekVersion: Number(row.kek_version), wrapped: row.wrapped_key! });
        const read = (s: number, e: number) => deps.blobs.read(row.blob_key, s, e);
        return Readable.from(decryptRange(read, Number(row.ciphertext_bytes), key, { requireFinal: row.status === 'complete' }), { objectMode: false });
      },
    });
  }
  return out;
}

const rightNames = ['access', 'rectification', 'erasure', 'restriction', 'objection', 'portability', 'withdraw_consent'] as const;

/** manifest.json: Art. 15(1)(a)–(h) and 15(2), from the organisation, the call types involved and the notice in force. */
async function buildManifest(
  deps: ExportDeps,
  orgId: OrgId,
  meta: { exportId: string; requestId: string; generatedAt: string; locale: ExportLocale },
  data: ExportData,
  files: string[],
): Promise<ExportManifest> {
  const t = exportTexts[meta.locale];
  const day = (iso: string) => new Intl.DateTimeFormat(t.dateLocale, { dateStyle: 'long', timeZone: deps.config.timeZone }).format(new Date(iso));
  const org = await getOrganisation(deps.db, orgId);
  const callTypes = await callTypesOf(deps.db, orgId, data);
  const notice = await getLatestPublishedNotice(deps.db, orgId);

  type Purpose = Omit<ExportManifest['purposes'][number], 'description'>;
  const purposes = new Map<string, Purpose>();
  for (const ct of callTypes) {
    for (const p of ct.purposes) {
      const key = `${p.purpose}:${p.basis}:${p.legitimateInterest ?? ''}`;
      const entry = purposes.get(key) ?? {
        purpose: p.purpose,
        basis: p.basis,
        legitimateInterest: p.legitimateInterest,
        legalReference: p.purpose === 'recording' && p.basis === 'legal_obligation' ? ct.recordingLegalReference : null,
        callTypes: [],
      };
      entry.callTypes.push(ct.name);
      purposes.set(key, entry);
    }
  }
  // Purposes Parley pursues for every subject, whatever the call type.
  const de = meta.locale === 'de';
  if (data.consentRecords.length > 0) {
    purposes.set('accountability', { purpose: 'consent_proof', basis: 'legal_obligation', legitimateInterest: null, legalReference: de ? 'Art. 7 Abs. 1 DSGVO' : 'Art. 7(1) GDPR', callTypes: [] });
  }
  purposes.set('rights_requests', { purpose: 'rights_requests', basis: 'legal_obligation', legitimateInterest: null, legalReference: de ? 'Art. 12–22 DSGVO' : 'Art. 12–22 GDPR', callTypes: [] });
  const described = [...purposes.values()].map((p) => ({
    ...p,
    description: t.purposeText({
      label: t.purposes[p.purpose]?.label ?? p.purpose,
      description: t.purposes[p.purpose]?.description ?? p.purpose,
      basis: t.bases[p.basis] ?? p.basis,
      interest: p.legitimateInterest,
      legalReference: p.legalReference,
      callTypes: p.callTypes,
    }),
  }));

  const counts: Record<string, number> = {
    customer_contact: data.subject ? 1 : 0,
    call_metadata: data.participants.length + data.calls.length + data.attendance.length + data.recordings.length,
    chat: data.chatMessages.length,
    consent_records: data.consentRecords.length,
    recording: data.recordingTracks.length,
    rights_requests: data.rightsRequests.length,
    subject_exports: data.exports.length,
    communications: data.mails.length,
  };

  const words = t.retention;
  const retention: ExportManifest['retention'] = [];
  for (const ct of callTypes) {
    const r = ct.retention;
    const callType = { id: ct.id, name: ct.name };
    retention.push({ category: 'call_metadata', days: r.callMetadataDays, callType, note: words.afterCall(words.days(r.callMetadataDays)) });
    retention.push({ category: 'chat', days: ct.chatKept ? r.chatDays : 0, callType, note: ct.chatKept ? words.afterCall(words.days(r.chatDays)) : words.chatNotKept });
    retention.push({
      category: 'recording',
      days: ct.recordingMode === 'off' ? null : r.recordingsDays,
      callType,
      note:
        ct.recordingMode === 'off'
          ? words.notRecorded
          : ct.recordingMode === 'legal_obligation'
            ? words.legalMinimum(words.days(r.recordingsDays), ct.recordingLegalReference)
            : words.untilWithdrawn(words.days(r.recordingsDays)),
    });
    retention.push({ category: 'consent_records', days: r.consentDays, callType, note: words.consent(words.days(r.consentDays)) });
  }
  retention.push({ category: 'customer_contact', days: null, callType: null, note: words.contact(data.subject ? day(data.subject.expiresAt) : null) });
  retention.push({ category: 'communications', days: deps.config.mail.retentionDays, callType: null, note: words.mail(words.days(deps.config.mail.retentionDays)) });
  retention.push({ category: 'subject_exports', days: EXPORT_VALID_DAYS, callType: null, note: words.exports(words.days(EXPORT_VALID_DAYS)) });
  retention.push({ category: 'rights_requests', days: null, callType: null, note: words.requests });

  const location = deps.blobs.location;
  return {
    formatVersion: EXPORT_FORMAT_VERSION,
    language: meta.locale,
    exportId: meta.exportId,
    requestId: meta.requestId,
    generatedAt: meta.generatedAt,
    configVersion: org.configVersion,
    dataSchema: { file: 'data.json', schemaId: EXPORT_SCHEMA_ID, published: 'docs/export-schema.json' },
    controller: {
      name: org.legalName,
      address: org.address,
      contactEmail: org.contactEmail,
      dataProtectionOfficer: { name: org.dpoName, email: org.dpoEmail, phone: org.dpoPhone },
    },
    purposes: described,
    dataCategories: Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([category, items]) => ({ category, description: t.categories[category] ?? category, items })),
    recipients: {
      noticeVersion: notice?.version ?? null,
      text: notice ? { en: notice.texts.en.recipients, de: notice.texts.de.recipients } : {},
      storage: { kind: location.kind, region: location.region, eea: location.eea },
    },
    retention,
    rights: rightNames.map((right) => ({ right, article: t.rights[right].article, description: t.rights[right].description })),
    complaint: { supervisoryAuthority: org.supervisoryAuthority, text: t.complaint(org.supervisoryAuthority || null) },
    source: { organisation: org.legalName, text: t.source(org.legalName) },
    automatedDecisions: { used: false, text: t.automatedDecisions },
    transfers: {
      residencyRegion: org.residencyRegion,
      outsideEea: org.residencyRegion !== 'EEA' || !location.eea,
      safeguard: org.residencySafeguard,
      text: notice ? { en: notice.texts.en.transfers, de: notice.texts.de.transfers } : {},
    },
    files: { summary: t.summaryFile as ExportManifest['files']['summary'], manifest: 'manifest.json', data: 'data.json', recordings: files },
  };
}

async function callTypesOf(db: DbOrTx, orgId: OrgId, data: ExportData): Promise<CallTypeView[]> {
  const ids = [...new Set(data.calls.map((c) => c.callType.id))].sort();
  const out: CallTypeView[] = [];
  for (const id of ids) out.push(await getCallType(db, orgId, id as CallTypeId));
  return out;
}
