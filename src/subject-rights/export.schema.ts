import { z } from 'zod';

/**
 * The documented, machine-readable format of an access export (G35, Art. 20): `data.json` follows
 * `exportDataSchema`, published as docs/export-schema.json (JSON Schema draft 2020-12, generated from this file —
 * test/subject-rights/export.test.ts fails when the two differ). `manifest.json` follows `exportManifestSchema`.
 * Both are validated when an export is built (STYLE 5): a field that does not fit fails the build, not the reader.
 */

export const EXPORT_FORMAT_VERSION = 1;
export const EXPORT_SCHEMA_ID = 'https://parley.example/schemas/export-data-v1.json';

const at = (what: string) => z.iso.datetime({ offset: true }).describe(what);
const maybeAt = (what: string) => z.iso.datetime({ offset: true }).nullable().describe(`${what} (null: not (yet) happened)`);
const idOf = (prefix: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{25}$`))
    .describe(what);

const subjectData = z
  .object({
    id: idOf('subj', 'Your pseudonymous id in this organisation (the same in every record below).'),
    email: z.string().describe('Your email address as the organisation entered it when scheduling.'),
    displayName: z.string().describe('Your name as the organisation entered it.'),
    createdAt: at('When the organisation first entered your details.'),
    expiresAt: at('When your contact details are deleted unless a newer call extends it.'),
    restrictedAt: maybeAt('Since when processing of your data is restricted (Art. 18)'),
  })
  .describe('Your contact details (category customer_contact).');

const participantData = z
  .object({
    id: idOf('par', 'Your seat in one call.'),
    callId: idOf('call', 'The call.'),
    displayName: z.string().describe('The name shown for you in that call.'),
    createdAt: at('When you were invited.'),
    expiresAt: at('When this record is deleted.'),
  })
  .describe('One call you were invited to (category call_metadata).');

const callData = z
  .object({
    id: idOf('call', 'The call.'),
    callType: z
      .object({
        id: idOf('ct', 'The call type.'),
        name: z.string().describe('The call type\'s name: what the call was for.'),
        version: z.number().int().describe('The call type\'s configuration version the call was scheduled under.'),
      })
      .describe('The kind of call, which sets purposes, lawful bases and retention (see manifest.json).'),
    status: z.enum(['scheduled', 'cancelled', 'ended']).describe('Scheduled, cancelled or ended.'),
    startsAt: at('Scheduled start.'),
    endsAt: at('Scheduled end.'),
    endedAt: maybeAt('When the host ended the live call'),
    cancelledAt: maybeAt('When the call was cancelled'),
    locale: z.string().describe('The language of the invitation and pages.'),
    expiresAt: at('When the call\'s metadata is deleted.'),
  })
  .describe('A call you were in (category call_metadata).');

const attendanceData = z
  .object({
    id: idOf('att', 'One visit to a live call.'),
    callId: idOf('call', 'The call.'),
    participantId: idOf('par', 'Your seat in the call.'),
    joinedAt: at('When you opened the call.'),
    admittedAt: maybeAt('When you were let in from the lobby'),
    leftAt: maybeAt('When you left'),
    leaveReason: z.string().nullable().describe('Why the visit ended: left, timeout, declined, ended or closed.'),
    expiresAt: at('When this record is deleted.'),
  })
  .describe('When you were in a call (category call_metadata).');

const chatData = z
  .object({
    id: idOf('msg', 'The message.'),
    callId: idOf('call', 'The call.'),
    participantId: idOf('par', 'Your seat in the call (you sent it).'),
    sentAt: at('When you sent it.'),
    text: z.string().describe('What you wrote (decrypted for this export; stored encrypted).'),
    expiresAt: at('When the message is deleted.'),
  })
  .describe('A chat message you sent (category chat). Messages of other people are not included (Art. 15(4)).');

const consentData = z
  .object({
    id: idOf('cns', 'The consent record.'),
    callId: idOf('call', 'The call it was asked in.'),
    participantId: idOf('par', 'Your seat in that call.'),
    purpose: z.string().describe('What consent was asked for, e.g. recording.'),
    action: z.enum(['given', 'declined', 'withdrawn']).describe('Your decision.'),
    withdrawsId: idOf('cns', 'For a withdrawal: the consent it withdrew.').nullable(),
    textHash: z.string().describe('SHA-256 of the exact consent text you were shown.'),
    noticeId: z.string().describe('The privacy notice shown.'),
    noticeVersion: z.number().int().describe('Its version.'),
    noticeHash: z.string().describe('SHA-256 of that notice version.'),
    locale: z.string().describe('The language you saw it in.'),
    method: z.string().describe('Where you decided: join_page or in_call.'),
    recordedAt: at('Server time of your decision (UTC).'),
    expiresAt: at('When the record is deleted.'),
  })
  .describe('One entry of your consent history (category consent_records).');

const recordingData = z
  .object({
    id: idOf('rec', 'The recording.'),
    callId: idOf('call', 'The call recorded.'),
    mode: z.enum(['consent', 'legal_obligation']).describe('Recorded on your consent, or because a law requires it.'),
    legalReference: z.string().nullable().describe('The law requiring the recording, for legal-obligation recordings.'),
    status: z.string().describe('recording, complete, incomplete or failed.'),
    startedAt: at('When recording started.'),
    stoppedAt: maybeAt('When it stopped'),
    retainUntil: maybeAt('Legal-obligation recordings: kept at least until then'),
    expiresAt: at('When the recording is deleted.'),
  })
  .describe('A recording that holds at least one track of you (category call_metadata).');

const trackData = z
  .object({
    id: idOf('trk', 'The track.'),
    recordingId: idOf('rec', 'The recording it belongs to.'),
    callId: idOf('call', 'The call.'),
    participantId: idOf('par', 'Your seat in the call.'),
    source: z.enum(['camera', 'screen']).describe('camera: your camera and microphone; screen: a screen you shared.'),
    basis: z.enum(['consent', 'legal_obligation', 'legitimate_interest']).describe('The lawful basis it was recorded on.'),
    status: z.string().describe('complete, incomplete (cut short by a crash), failed, erased, recording or finalising.'),
    startedAt: at('When capture of you started.'),
    endedAt: maybeAt('When it ended'),
    durationMs: z.number().int().nullable().describe('Length in milliseconds.'),
    codecs: z.string().nullable().describe('Media codecs, e.g. vp8,opus.'),
    file: z
      .string()
      .regex(/^recordings\/rec_[0-9a-z]{25}-trk_[0-9a-z]{25}\.webm$/)
      .nullable()
      .describe(
        "The WebM file of this track in the ZIP; null when nothing can be played (erased, failed, still recording) or when the track is end-to-end encrypted (recorded in the host's browser in an end-to-end encrypted call: only the organisation's data protection officer can decrypt it; ask them for a copy).",
      ),
    expiresAt: at('When the track is deleted.'),
  })
  .describe('A recorded track of you: only your own tracks, never other participants\' (Art. 15(4)) (category recording).');

const requestData = z
  .object({
    id: idOf('req', 'The request.'),
    type: z.enum(['access', 'erasure', 'restriction', 'objection', 'rectification']).describe('What you asked for.'),
    status: z.string().describe('unverified, open, completed, refused, withdrawn or expired.'),
    receivedAt: at('When the request was received.'),
    dueAt: at('When it must be answered (Art. 12(3)).'),
    extendedDueAt: maybeAt('The extended due date'),
    completedAt: maybeAt('When it was answered'),
    expiresAt: at('When the request record is deleted.'),
  })
  .describe('A data-protection request of yours (category rights_requests).');

const exportData = z
  .object({
    id: z.string().describe('The export (this file is one).'),
    requestId: idOf('req', 'The access request it answers.'),
    status: z.enum(['building', 'ready', 'failed', 'erased']).describe('Its state.'),
    createdAt: at('When it was started.'),
    readyAt: maybeAt('When it was ready'),
    downloadedAt: maybeAt('When it was first downloaded'),
    expiresAt: at('When it is deleted.'),
  })
  .describe('An access export made for you (category subject_exports).');

const mailData = z
  .object({
    id: idOf('mail', 'The message.'),
    kind: z.string().describe('What it was, e.g. call.invitation.'),
    status: z.string().describe('queued, sent, failed or kept.'),
    createdAt: at('When it was written.'),
    sentAt: maybeAt('When it was delivered to the mail server'),
    expiresAt: at('When the copy in the outbox is deleted.'),
  })
  .describe('A message sent to your address (category communications).');

export const exportDataSchema = z
  .object({
    formatVersion: z.literal(EXPORT_FORMAT_VERSION).describe('Version of this format.'),
    exportId: z.string().describe('This export.'),
    requestId: idOf('req', 'The access request this export answers.'),
    organisationId: idOf('org', 'The organisation (controller) that holds the data.'),
    generatedAt: at('When this export was made (UTC).'),
    subject: subjectData.nullable().describe('Your contact details; null when nothing is on file for the address that asked.'),
    participants: z.array(participantData).describe('Calls you were invited to: one entry per seat.'),
    calls: z.array(callData).describe('The calls you were in.'),
    attendance: z.array(attendanceData).describe('When you were in each call.'),
    chatMessages: z.array(chatData).describe('Chat messages you sent.'),
    consentRecords: z.array(consentData).describe('Your consent history, oldest first.'),
    recordings: z.array(recordingData).describe('Recordings that include you.'),
    recordingTracks: z.array(trackData).describe('Your recorded tracks; the playable ones are in recordings/ in this ZIP.'),
    rightsRequests: z.array(requestData).describe('Your data-protection requests.'),
    exports: z.array(exportData).describe('Access exports made for you (this one included).'),
    mails: z.array(mailData).describe('Messages sent to your address.'),
  })
  .meta({
    $id: EXPORT_SCHEMA_ID,
    title: 'Parley access export: data.json',
    description:
      'Everything an organisation using Parley holds about one person (GDPR Art. 15 and 20). Ids are pseudonymous and link the records. Times are ISO 8601 UTC. What each purpose, lawful basis, recipient and retention period is, is in manifest.json next to this file.',
  });
export type ExportData = z.infer<typeof exportDataSchema>;

/** docs/export-schema.json, as published. */
export function exportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(exportDataSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

const rightNames = ['access', 'rectification', 'erasure', 'restriction', 'objection', 'portability', 'withdraw_consent'] as const;

/**
 * manifest.json: the Art. 15(1) and 15(2) information about the export, for programs and people alike. Its texts
 * (`description`, `note`, `text`) are in `language`, the language of the request; `category`, `right`, `purpose`
 * and `basis` are stable codes for programs. The same information, laid out for a person, is the summary page
 * named in `files.summary`.
 */
export const exportManifestSchema = z.object({
  formatVersion: z.literal(EXPORT_FORMAT_VERSION),
  /** The language of the manifest's texts and of the summary page: the language the request was made in. */
  language: z.enum(['en', 'de']),
  exportId: z.string(),
  requestId: z.string(),
  generatedAt: z.string(),
  /** Which organisation configuration version the manifest was filled from. */
  configVersion: z.number().int(),
  dataSchema: z.object({ file: z.literal('data.json'), schemaId: z.literal(EXPORT_SCHEMA_ID), published: z.literal('docs/export-schema.json') }),
  controller: z.object({
    name: z.string(),
    address: z.string(),
    contactEmail: z.string(),
    dataProtectionOfficer: z.object({ name: z.string(), email: z.string(), phone: z.string().nullable() }),
  }),
  purposes: z.array(
    z.object({
      purpose: z.string(),
      basis: z.string(),
      legitimateInterest: z.string().nullable(),
      legalReference: z.string().nullable(),
      callTypes: z.array(z.string()),
      /** The purpose, its legal basis and (where relied on) the interest, in words. */
      description: z.string(),
    }),
  ),
  dataCategories: z.array(z.object({ category: z.string(), description: z.string(), items: z.number().int() })),
  recipients: z.object({
    noticeVersion: z.number().int().nullable(),
    text: z.record(z.string(), z.string()),
    storage: z.object({ kind: z.string(), region: z.string().nullable(), eea: z.boolean() }),
  }),
  retention: z.array(
    z.object({
      category: z.string(),
      days: z.number().int().nullable(),
      callType: z.object({ id: z.string(), name: z.string() }).nullable(),
      note: z.string(),
    }),
  ),
  rights: z.array(z.object({ right: z.enum(rightNames), article: z.string(), description: z.string() })),
  complaint: z.object({ supervisoryAuthority: z.string(), text: z.string() }),
  source: z.object({ organisation: z.string(), text: z.string() }),
  automatedDecisions: z.object({ used: z.literal(false), text: z.string() }),
  transfers: z.object({
    residencyRegion: z.string(),
    outsideEea: z.boolean(),
    safeguard: z.string().nullable(),
    text: z.record(z.string(), z.string()),
  }),
  files: z.object({
    /** The self-contained HTML page that explains the export in `language` (no scripts, nothing loaded). */
    summary: z.enum(['summary.html', 'zusammenfassung.html']),
    manifest: z.literal('manifest.json'),
    data: z.literal('data.json'),
    recordings: z.array(z.string()),
  }),
});
export type ExportManifest = z.infer<typeof exportManifestSchema>;

export const exportParamsSchema = z.strictObject({
  exportId: z
    .string()
    .regex(/^exp_[0-9a-z]{25}$/, 'expected an id starting with exp_')
    .describe('The export.'),
});
export const exportQuerySchema = z.strictObject({ token: z.string().min(1).max(1000).describe('The download token from the request page.') });
