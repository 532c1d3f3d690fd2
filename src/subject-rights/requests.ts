import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { queueMail } from '../mail/queue-mail.ts';
import type { MailKind } from '../mail/mail-kinds.ts';
import type { MailContent } from '../mail/mail.schema.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import { createAccessExport } from './access-export.ts';
import { exportTexts } from './export-texts.ts';
import {
  CODE_TTL_MINUTES,
  checkCodeTx,
  EXPORT_TOKEN_TTL_MINUTES,
  exportDownloadToken,
  issueCodeTx,
  lockedError,
  requestEmail,
  requestPageUrl,
  RIGHTS_SEAL_LABEL,
  rightsPageUrl,
} from './codes.ts';
import { dueDate, extendedDueDate } from './due-dates.ts';
import { checkErasurePreview, eraseSubject, type ErasureReport } from './erasure.ts';
import {
  completedMail,
  erasureMail,
  exportReadyMail,
  extensionMail,
  refusalMail,
  restrictedMail,
  restrictionLiftedMail,
  type MailOrg,
  type OrgFacts,
  type RequestLocale,
  type RequestType,
} from './request-mails.ts';
import {
  outcomeSchema,
  requestStatusSchema,
  requestTypeSchema,
  type Outcome,
  type PublicRequestInput,
  type RequestStatus,
} from './requests.schema.ts';
import { liftRestriction, restrictSubject } from './restriction.ts';
import { emitWebhook } from '../webhooks/emit-webhook.ts';
import { erasureSummary } from '../webhooks/webhook-events.ts';

/**
 * Rights requests (G28–G31), from the public page to the DPO's decision. The requester's address and what they
 * wrote are sealed at rest; the address is found again only through a keyed hash. Nothing on the public side
 * tells whether the address is on file: every submission creates a request and mails a code to the address given.
 * Each step writes its audit event (ids only) and queues its mail in the same transaction.
 */

/** Requests are kept this long after receipt to show how they were handled (accountability, Art. 5(2)). */
export const REQUEST_RETENTION_DAYS = 3 * 365;
const EMAIL_HASH_KEY = 'rights-email';

type Row = {
  id: string;
  org_id: string;
  type: string;
  email_sealed: string;
  details_sealed: string;
  subject_id: string | null;
  status: string;
  locked_at: string | null;
  verified_at: string | null;
  received_at: string;
  due_at: string;
  extended_due_at: string | null;
  extension_reasons: string | null;
  extension_notified_at: string | null;
  completed_at: string | null;
  outcome: string | null;
  refusal_reasons: string | null;
};

export function emailHash(deps: Pick<Deps, 'keys'>, normalisedEmail: string): string {
  return createHmac('sha256', deps.keys.deriveKey(EMAIL_HASH_KEY)).update(normalisedEmail).digest('hex');
}

/** What the requester wrote and the language they wrote in, sealed together (context: the request id). */
interface SealedDetails {
  readonly locale: RequestLocale;
  readonly text: string;
}

function openDetails(deps: Pick<Deps, 'keys'>, row: Pick<Row, 'id' | 'details_sealed'>): SealedDetails {
  const parsed = JSON.parse(deps.keys.open(RIGHTS_SEAL_LABEL, `${row.id}:details`, row.details_sealed)) as Partial<SealedDetails>;
  return { locale: parsed.locale === 'de' ? 'de' : 'en', text: typeof parsed.text === 'string' ? parsed.text : '' };
}

async function orgFacts(db: DbOrTx, orgId: OrgId): Promise<OrgFacts & { privacyPolicyUrl: string | null }> {
  const org = await db
    .selectFrom('organisations')
    .select(['legal_name', 'dpo_email', 'contact_email', 'supervisory_authority', 'privacy_policy_url'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!org) throw notFound('Organisation');
  return {
    legalName: org.legal_name,
    dpoEmail: org.dpo_email || org.contact_email,
    supervisoryAuthority: org.supervisory_authority || 'the data protection authority where you live or work',
    privacyPolicyUrl: org.privacy_policy_url,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Public side

export async function rightsPage(deps: Deps, orgId: OrgId) {
  const org = await orgFacts(deps.db, orgId);
  return {
    orgId,
    legalName: org.legalName,
    dpoEmail: org.dpoEmail,
    privacyPolicyUrl: org.privacyPolicyUrl,
    supervisoryAuthority: org.supervisoryAuthority,
    codeValidMinutes: CODE_TTL_MINUTES,
    // The address to publish on the organisation's website (the console offers it to copy).
    pageUrl: `${deps.config.publicUrl}/rights/${orgId}`,
  };
}

/**
 * Creates the request (unverified, due per Art. 12(3)) and mails a code to the address given, whether or not
 * anything is on file for it: the answer is the same either way. The subject is linked only after verification.
 */
export async function receiveRequest(deps: Deps, orgId: OrgId, input: PublicRequestInput) {
  const org = await deps.db.selectFrom('organisations').select('id').where('id', '=', orgId).executeTakeFirst();
  if (!org) throw notFound('Organisation');
  const id = newId('request');
  const now = deps.clock.now();
  const due = dueDate(now, deps.config.timeZone);
  const details: SealedDetails = { locale: input.locale, text: input.details };
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('rights_requests')
      .values({
        id,
        org_id: orgId,
        type: input.type,
        email_sealed: deps.keys.seal(RIGHTS_SEAL_LABEL, `${id}:email`, input.email),
        email_hash: emailHash(deps, input.email),
        subject_id: null,
        details_sealed: deps.keys.seal(RIGHTS_SEAL_LABEL, `${id}:details`, JSON.stringify(details)),
        status: 'unverified',
        code_hash: null,
        code_expires_at: null,
        code_attempts: 0,
        locked_at: null,
        verified_at: null,
        received_at: iso(now),
        due_at: due.dueAt,
        extended_due_at: null,
        extension_reasons: null,
        extension_notified_at: null,
        completed_at: null,
        outcome: null,
        refusal_reasons: null,
        created_at: iso(now),
        expires_at: iso(addDays(now, REQUEST_RETENTION_DAYS)),
        ...tagged('rights_requests'),
      })
      .execute();
    await deps.audit.append(tx, orgId, { type: 'anonymous' }, { type: 'rights_request.received', data: { requestId: id, requestType: input.type } });
    await emitWebhook(tx, deps, orgId, { type: 'rights_request.received', data: { requestId: id, requestType: input.type } });
    await issueCodeTx(tx, deps, orgId, id, input.locale);
  });
  return { requestId: id, status: 'unverified' as const, codeValidMinutes: CODE_TTL_MINUTES, statusPage: `/rights/requests/${id}` };
}

async function loadPublic(db: DbOrTx, requestId: string) {
  const row = await db.selectFrom('rights_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!row) throw notFound('Request');
  return row;
}

/** The org a public request belongs to (public routes know only the request id); 404 when unknown. */
export async function requestOrg(deps: Deps, requestId: string): Promise<{ orgId: OrgId; emailHash: string }> {
  const row = await loadPublic(deps.db, requestId);
  return { orgId: row.org_id as OrgId, emailHash: row.email_hash };
}

async function readyExport(db: DbOrTx, deps: Pick<Deps, 'clock'>, orgId: string, requestId: string) {
  return db
    .selectFrom('subject_exports')
    .select(['id', 'expires_at'])
    .where('org_id', '=', orgId)
    .where('request_id', '=', requestId)
    .where('status', '=', 'ready')
    .where('expires_at', '>', iso(deps.clock.now()))
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function publicStatus(deps: Deps, requestId: string) {
  const row = await loadPublic(deps.db, requestId);
  const org = await orgFacts(deps.db, row.org_id as OrgId);
  const ready = row.type === 'access' ? await readyExport(deps.db, deps, row.org_id, row.id) : undefined;
  return {
    requestId: row.id,
    orgId: row.org_id,
    legalName: org.legalName,
    dpoEmail: org.dpoEmail,
    type: requestTypeSchema.parse(row.type),
    status: requestStatusSchema.parse(row.status),
    locked: row.locked_at !== null,
    receivedAt: row.received_at,
    dueAt: row.extended_due_at ?? row.due_at,
    extended: row.extended_due_at !== null,
    exportReady: ready !== undefined,
    // Until when the ready export can be downloaded (the "export ready" mail names the same day).
    exportExpiresAt: ready?.expires_at ?? null,
    // The name of the summary page in the ZIP, so the page can say which file to open first.
    exportSummaryFile: ready ? exportTexts[openDetails(deps, row).locale].summaryFile : null,
    codeValidMinutes: CODE_TTL_MINUTES,
    exportLinkMinutes: EXPORT_TOKEN_TTL_MINUTES,
  };
}

export async function sendNewCode(deps: Deps, requestId: string, locale: RequestLocale) {
  const row = await loadPublic(deps.db, requestId);
  await deps.db.transaction().execute((tx) => issueCodeTx(tx, deps, row.org_id as OrgId, row.id, locale));
  return { codeValidMinutes: CODE_TTL_MINUTES };
}

/** Turns a failed code check into the answer the requester sees. */
async function codeFailure(db: DbOrTx, orgId: OrgId, result: 'wrong' | 'locked' | 'expired', attemptsLeft: number): Promise<AppError> {
  switch (result) {
    case 'wrong':
      return new AppError(
        'CODE_WRONG',
        `That code is not right. ${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left before the request is locked.`,
        { details: { attemptsLeft } },
      );
    case 'locked':
      return lockedError(db, orgId);
    case 'expired':
      return new AppError('CODE_EXPIRED', `The code has expired or was already used. Ask for a new one; it is valid for ${CODE_TTL_MINUTES} minutes.`);
    default: {
      const never: never = result;
      return never;
    }
  }
}

/**
 * Checks the code; on the first success the request is verified: it opens (the Art. 12(3) clock already runs
 * from receipt) and is linked to the organisation's subject with that address, if there is one.
 */
export async function verifyRequest(deps: Deps, requestId: string, code: string) {
  const row = await loadPublic(deps.db, requestId);
  const orgId = row.org_id as OrgId;
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const check = await checkCodeTx(tx, deps, orgId, row.id, code);
    if (check.result !== 'ok') return { failed: check };
    if (row.status === 'unverified') {
      const email = requestEmail(deps, row);
      const subject = await tx
        .selectFrom('subjects')
        .select('id')
        .where('org_id', '=', orgId)
        .where('email', '=', email)
        .executeTakeFirst();
      const subjectId = subject?.id ?? null;
      await tx
        .updateTable('rights_requests')
        .set({ status: 'open', verified_at: iso(deps.clock.now()), subject_id: subjectId })
        .where('org_id', '=', orgId)
        .where('id', '=', row.id)
        .where('status', '=', 'unverified')
        .execute();
      await deps.audit.append(tx, orgId, { type: 'anonymous' }, { type: 'rights_request.verified', data: { requestId: row.id, subjectId } });
    }
    return { failed: null };
  });
  if (outcome.failed) {
    // The failed attempt (and a lock) must be stored even though the answer is an error: its own transaction.
    throw await codeFailure(deps.db, orgId, outcome.failed.result as 'wrong' | 'locked' | 'expired', outcome.failed.attemptsLeft);
  }
  return publicStatus(deps, requestId);
}

/**
 * After a fresh code: a 15-minute download token for the request's ready access export (the download route
 * belongs to access-export). 409 when no export is ready; checked before the code so no code is spent for nothing.
 */
export async function issueExportToken(deps: Deps, requestId: string, code: string) {
  const row = await loadPublic(deps.db, requestId);
  const orgId = row.org_id as OrgId;
  const ready = row.type === 'access' ? await readyExport(deps.db, deps, orgId, row.id) : undefined;
  if (!ready) throw new AppError('CONFLICT', 'There is no export ready to download for this request yet.');
  const failed = await deps.db.transaction().execute(async (tx) => {
    const check = await checkCodeTx(tx, deps, orgId, row.id, code);
    if (check.result !== 'ok') return check;
    await deps.audit.append(tx, orgId, { type: 'anonymous' }, { type: 'rights_request.export_link_issued', data: { requestId: row.id, exportId: ready.id } });
    return null;
  });
  if (failed) throw await codeFailure(deps.db, orgId, failed.result as 'wrong' | 'locked' | 'expired', failed.attemptsLeft);
  const { token, expiresAt } = exportDownloadToken(deps, orgId, ready.id);
  return { exportId: ready.id, url: `/api/public/exports/${ready.id}?token=${encodeURIComponent(token)}`, expiresAt };
}

// ---------------------------------------------------------------------------------------------------------------
// DPO side

const OPEN_STATUSES: readonly RequestStatus[] = ['unverified', 'open'];

function summary(row: Row, now: Date) {
  const effective = row.extended_due_at ?? row.due_at;
  const status = requestStatusSchema.parse(row.status);
  return {
    id: row.id,
    type: requestTypeSchema.parse(row.type),
    status,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    extendedDueAt: row.extended_due_at,
    effectiveDueAt: effective,
    overdue: OPEN_STATUSES.includes(status) && new Date(effective) < now,
    verified: row.verified_at !== null,
    locked: row.locked_at !== null,
    subjectFound: row.subject_id !== null,
  };
}

/** The organisation's requests, the most urgent first (extended due date where there is one). */
export async function listRequests(deps: Deps, orgId: OrgId, query: { status?: RequestStatus | undefined }) {
  let q = deps.db.selectFrom('rights_requests').selectAll().where('org_id', '=', orgId);
  if (query.status) q = q.where('status', '=', query.status);
  const rows = await q
    .orderBy(sql`coalesce(extended_due_at, due_at)`, 'asc')
    .orderBy('received_at', 'asc')
    .orderBy('id', 'asc')
    .limit(1000)
    .execute();
  const now = deps.clock.now();
  return { requests: rows.map((r) => summary(r, now)) };
}

async function load(db: DbOrTx, orgId: OrgId, requestId: string): Promise<Row> {
  const row = await db.selectFrom('rights_requests').selectAll().where('org_id', '=', orgId).where('id', '=', requestId).executeTakeFirst();
  if (!row) throw notFound('Request');
  return row;
}

function parseOutcome(row: Row): Outcome | null {
  return row.outcome ? outcomeSchema.parse(JSON.parse(row.outcome)) : null;
}

export async function getRequest(deps: Deps, orgId: OrgId, requestId: string) {
  const row = await load(deps.db, orgId, requestId);
  const now = deps.clock.now();
  const details = openDetails(deps, row);
  return {
    ...summary(row, now),
    email: requestEmail(deps, row),
    details: details.text,
    locale: details.locale,
    subjectId: row.subject_id,
    verifiedAt: row.verified_at,
    extensionReasons: row.extension_reasons,
    extensionNotifiedAt: row.extension_notified_at,
    completedAt: row.completed_at,
    refusalReasons: row.refusal_reasons,
    outcome: parseOutcome(row),
    canExtend: OPEN_STATUSES.includes(row.status as RequestStatus) && row.extended_due_at === null && now <= new Date(row.due_at),
  };
}

function requireType(row: Row, ...types: RequestType[]): void {
  if (!types.includes(row.type as RequestType)) {
    throw new AppError('CONFLICT', `This action does not apply to a ${row.type} request.`);
  }
}

function requireOpen(row: Row): void {
  if (row.status === 'unverified') throw new AppError('CONFLICT', 'The requester has not confirmed their address yet.');
  if (row.status !== 'open') throw new AppError('CONFLICT', `This request is already ${row.status}.`);
}

/**
 * Sends a mail to the requester inside the transaction, in the language of their request, linking the rights page;
 * queued with the request's subject (when one is on file), so erasure and the access export find it — except the
 * answer to an erasure: the subject's data is gone by then, and that mail is the erasure's one listed exception
 * outside the report (docs/data-inventory.md), so it does not make the erased subject's inventory non-empty again.
 */
async function mailRequester(tx: Tx, deps: Deps, orgId: OrgId, row: Row, kind: MailKind, build: (locale: RequestLocale, org: MailOrg) => MailContent) {
  const { locale } = openDetails(deps, row);
  const org = await orgFacts(tx, orgId);
  await queueMail(tx, deps, {
    orgId,
    kind,
    to: requestEmail(deps, row),
    subjectId: kind === 'rights_request.erased' ? null : row.subject_id,
    purpose: 'rights_requests',
    content: build(locale, { ...org, rightsPageUrl: rightsPageUrl(deps, orgId) }),
  });
}

async function complete(tx: Tx, deps: Deps, orgId: OrgId, row: Row, outcome: Outcome) {
  const done = await tx
    .updateTable('rights_requests')
    .set({ status: 'completed', completed_at: iso(deps.clock.now()), outcome: JSON.stringify(outcome), code_hash: null, code_expires_at: null })
    .where('org_id', '=', orgId)
    .where('id', '=', row.id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'This request was changed meanwhile. Reload it.');
}

/** Access: builds the export (access-export) and mails the requester a link to their status page. */
export async function produceExport(deps: Deps, orgId: OrgId, actor: AuditActor, requestId: string) {
  const row = await load(deps.db, orgId, requestId);
  requireType(row, 'access');
  requireOpen(row);
  // The summary page and the manifest speak the language the request was made in.
  const made = await createAccessExport(deps, orgId, row.id, row.subject_id, { locale: openDetails(deps, row).locale });
  await deps.db.transaction().execute(async (tx) => {
    await complete(tx, deps, orgId, row, { action: 'export_produced', exportId: made.exportId, expiresAt: made.expiresAt });
    await deps.audit.append(tx, orgId, actor, {
      type: 'rights_request.completed',
      data: { requestId: row.id, action: 'export_produced', exportId: made.exportId },
    });
    await emitWebhook(tx, deps, orgId, { type: 'rights_request.completed', data: { requestId: row.id, requestType: 'access', action: 'export_produced', subjectId: row.subject_id } });
    await mailRequester(tx, deps, orgId, row, 'rights_request.export_ready', (locale, org) =>
      exportReadyMail({
        locale,
        org,
        requestUrl: requestPageUrl(deps, row.id),
        expiresAt: made.expiresAt,
        timeZone: deps.config.timeZone,
        codeValidMinutes: CODE_TTL_MINUTES,
        linkValidMinutes: EXPORT_TOKEN_TTL_MINUTES,
      }),
    );
  });
  return getRequest(deps, orgId, requestId);
}

/**
 * Erasure: erases everything not covered by an exception and mails the requester the report (G36, G37).
 * `confirm.preview`: the fingerprint of the preview the DPO confirmed (erasure.ts); when given, nothing is erased
 * unless the erasure would still do exactly what that preview showed (409 ERASURE_PREVIEW_STALE otherwise).
 */
export async function eraseForRequest(deps: Deps, orgId: OrgId, actor: AuditActor, requestId: string, confirm: { preview?: string | undefined } = {}) {
  const row = await load(deps.db, orgId, requestId);
  requireType(row, 'erasure');
  requireOpen(row);
  if (!row.subject_id && confirm.preview !== undefined) await checkErasurePreview(deps, orgId, null, confirm.preview);
  // The request is completed, its events and the requester's mail queued, in the erasure's own transaction.
  const finish = async (tx: Tx, report: ErasureReport) => {
    await complete(tx, deps, orgId, row, { action: 'erased', report });
    await deps.audit.append(tx, orgId, actor, { type: 'rights_request.completed', data: { requestId: row.id, action: 'erased' } });
    if (row.subject_id) await emitWebhook(tx, deps, orgId, { type: 'subject.erased', data: { subjectId: row.subject_id, requestId: row.id, ...erasureSummary(report) } });
    await emitWebhook(tx, deps, orgId, { type: 'rights_request.completed', data: { requestId: row.id, requestType: 'erasure', action: 'erased', subjectId: row.subject_id } });
    await mailRequester(tx, deps, orgId, row, 'rights_request.erased', (locale, org) =>
      erasureMail({ locale, org, report, timeZone: deps.config.timeZone }),
    );
  };
  if (row.subject_id) await eraseSubject(deps, orgId, row.subject_id, { requestId: row.id, actor, expectedFingerprint: confirm.preview, complete: finish });
  else await deps.db.transaction().execute((tx) => finish(tx, { erased: [], kept: [] }));
  return getRequest(deps, orgId, requestId);
}

/** Restriction (Art. 18, G20): data stays stored but is not played, exported or analysed. */
export async function restrictForRequest(deps: Deps, orgId: OrgId, actor: AuditActor, requestId: string) {
  const row = await load(deps.db, orgId, requestId);
  requireType(row, 'restriction');
  requireOpen(row);
  if (row.subject_id) await restrictSubject(deps, orgId, row.subject_id, { requestId: row.id, actor });
  await deps.db.transaction().execute(async (tx) => {
    await complete(tx, deps, orgId, row, { action: 'restricted', liftedAt: null });
    await deps.audit.append(tx, orgId, actor, { type: 'rights_request.completed', data: { requestId: row.id, action: 'restricted' } });
    if (row.subject_id) await emitWebhook(tx, deps, orgId, { type: 'subject.restricted', data: { subjectId: row.subject_id, requestId: row.id } });
    await emitWebhook(tx, deps, orgId, { type: 'rights_request.completed', data: { requestId: row.id, requestType: 'restriction', action: 'restricted', subjectId: row.subject_id } });
    await mailRequester(tx, deps, orgId, row, 'rights_request.restricted', (locale, org) => restrictedMail({ locale, org }));
  });
  return getRequest(deps, orgId, requestId);
}

/** Lifting a restriction needs the notice the requester is sent first (Art. 18(3)). */
export async function liftRestrictionForRequest(deps: Deps, orgId: OrgId, actor: AuditActor, requestId: string, noticeText: string) {
  const row = await load(deps.db, orgId, requestId);
  requireType(row, 'restriction');
  const outcome = parseOutcome(row);
  if (row.status !== 'completed' || outcome?.action !== 'restricted' || outcome.liftedAt !== null) {
    throw new AppError('CONFLICT', 'There is no restriction in force from this request.');
  }
  if (noticeText.trim().length === 0) throw new AppError('VALIDATION_FAILED', 'Write the notice the requester receives.');
  if (row.subject_id) await liftRestriction(deps, orgId, row.subject_id, { requestId: row.id, actor, noticeText });
  await deps.db.transaction().execute(async (tx) => {
    const lifted: Outcome = { action: 'restricted', liftedAt: iso(deps.clock.now()) };
    await tx.updateTable('rights_requests').set({ outcome: JSON.stringify(lifted) }).where('org_id', '=', orgId).where('id', '=', row.id).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'rights_request.completed', data: { requestId: row.id, action: 'restriction_lifted' } });
    if (row.subject_id) await emitWebhook(tx, deps, orgId, { type: 'subject.restriction_lifted', data: { subjectId: row.subject_id, requestId: row.id } });
    await mailRequester(tx, deps, orgId, row, 'rights_request.restriction_lifted', (locale, org) => restrictionLiftedMail({ locale, org, noticeText }));
  });
  return getRequest(deps, orgId, requestId);
}

/** Objection and rectification: the DPO acts outside Parley's data (or edits it) and closes with a note. */
export async function completeWithNote(deps: Deps, orgId: OrgId, actor: AuditActor, requestId: string, note: string) {
  const row = await load(deps.db, orgId, requestId);
  requireType(row, 'objection', 'rectification');
  requireOpen(row);
  const action = row.type === 'objection' ? ('objection_handled' as const) : ('rectified' as const);
  await deps.db.transaction().execute(async (tx) => {
    await complete(tx, deps, orgId, row, { action });
    await deps.audit.append(tx, orgId, actor, { type: 'rights_request.completed', data: { requestId: row.id, action } });
    if (row.subject_id && action === 'rectified') await emitWebhook(tx, deps, orgId, { type: 'subject.rectified', data: { subjectId: row.subject_id, requestId: row.id } });
    await emitWebhook(tx, deps, orgId, { type: 'rights_request.completed', data: { requestId: row.id, requestType: row.type as 'objection' | 'rectification', action, subjectId: row.subject_id } });
    await mailRequester(tx, deps, orgId, row, 'rights_request.completed', (locale, org) =>
      completedMail({ locale, org, type: row.type as RequestType, note }),
    );
  });
  return getRequest(deps, orgId, requestId);
}

/** Art. 12(3): up to two more months, with reasons sent to the requester before the original due date. */
export async function extendRequest(deps: Deps, orgId: OrgId, actor: AuditActor, requestId: string, input: { months: number; reasons: string }) {
  const row = await load(deps.db, orgId, requestId);
  if (!OPEN_STATUSES.includes(row.status as RequestStatus)) throw new AppError('CONFLICT', `This request is already ${row.status}.`);
  const now = deps.clock.now();
  const extended = extendedDueDate({
    now,
    originalDueAt: row.due_at,
    alreadyExtended: row.extended_due_at !== null,
    months: input.months,
    reasons: input.reasons,
    timeZone: deps.config.timeZone,
  });
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('rights_requests')
      .set({ extended_due_at: extended.dueAt, extension_reasons: input.reasons, extension_notified_at: iso(now) })
      .where('org_id', '=', orgId)
      .where('id', '=', row.id)
      .where('extended_due_at', 'is', null)
      .execute();
    await deps.audit.append(tx, orgId, actor, {
      type: 'rights_request.extended',
      data: { requestId: row.id, months: input.months, dueAt: extended.dueAt },
    });
    await mailRequester(tx, deps, orgId, row, 'rights_request.extended', (locale, org) =>
      extensionMail({ locale, org, type: row.type as RequestType, reasons: input.reasons, dueAt: extended.dueAt, timeZone: deps.config.timeZone }),
    );
  });
  return getRequest(deps, orgId, requestId);
}

/** G30: a refusal states its reasons and the right to complain; allowed also when identity was never confirmed. */
export async function refuseRequest(deps: Deps, orgId: OrgId, actor: AuditActor, requestId: string, reasons: string) {
  const row = await load(deps.db, orgId, requestId);
  if (!OPEN_STATUSES.includes(row.status as RequestStatus)) throw new AppError('CONFLICT', `This request is already ${row.status}.`);
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('rights_requests')
      .set({ status: 'refused', refusal_reasons: reasons, completed_at: iso(deps.clock.now()), code_hash: null, code_expires_at: null })
      .where('org_id', '=', orgId)
      .where('id', '=', row.id)
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'rights_request.refused', data: { requestId: row.id } });
    await mailRequester(tx, deps, orgId, row, 'rights_request.refused', (locale, org) =>
      refusalMail({ locale, org, type: row.type as RequestType, reasons }),
    );
  });
  return getRequest(deps, orgId, requestId);
}
