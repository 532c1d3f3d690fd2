import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { DbOrTx, Tx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { queueMail } from '../mail/queue-mail.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { addMinutes, iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { codeMail, type RequestLocale } from './request-mails.ts';

/**
 * The one-time codes that check a requester's identity through the address they gave (G31): proportionate, no
 * ID documents. A code is six digits, valid for CODE_TTL_MINUTES, used once, stored only as a keyed hash bound to
 * the request. Wrong attempts count per request across codes (asking for a new code does not reset them), so
 * guessing stops after MAX_ATTEMPTS: the request locks and only the DPO can help.
 */
export const CODE_TTL_MINUTES = 15;
export const MAX_CODE_ATTEMPTS = 5;
/** Download links for a finished access export live this long (minutes). */
export const EXPORT_TOKEN_TTL_MINUTES = 15;

/** Key labels (deriveKey): the code hash, the sealed address and details, the download-token HMAC. */
export const RIGHTS_CODE_KEY = 'rights-code';
export const RIGHTS_SEAL_LABEL = 'rights-requests';
const EXPORT_TOKEN_KEY = 'rights-export-download';

export type CodeCheck = 'ok' | 'wrong' | 'locked' | 'expired';

function codeHash(deps: Pick<Deps, 'keys'>, requestId: string, code: string): string {
  return createHmac('sha256', deps.keys.deriveKey(RIGHTS_CODE_KEY)).update(`${requestId}:${code}`).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The requester's address, unsealed for sending mail only (the seal is bound to the request id). */
export function requestEmail(deps: Pick<Deps, 'keys'>, row: { id: string; email_sealed: string }): string {
  return deps.keys.open(RIGHTS_SEAL_LABEL, `${row.id}:email`, row.email_sealed);
}

/**
 * Issues a fresh code inside the caller's transaction (replacing any earlier one) and queues the mail with it.
 * Throws RIGHTS_REQUEST_LOCKED when the request is locked.
 */
export async function issueCodeTx(tx: Tx, deps: Deps, orgId: OrgId, requestId: string, locale: RequestLocale): Promise<void> {
  const row = await tx
    .selectFrom('rights_requests')
    .select(['id', 'email_sealed', 'locked_at', 'subject_id'])
    .where('org_id', '=', orgId)
    .where('id', '=', requestId)
    .executeTakeFirst();
  if (!row) throw notFound('Request');
  if (row.locked_at) throw await lockedError(tx, orgId);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await tx
    .updateTable('rights_requests')
    .set({ code_hash: codeHash(deps, requestId, code), code_expires_at: iso(addMinutes(deps.clock.now(), CODE_TTL_MINUTES)) })
    .where('org_id', '=', orgId)
    .where('id', '=', requestId)
    .execute();
  const org = await tx.selectFrom('organisations').select(['legal_name']).where('id', '=', orgId).executeTakeFirstOrThrow();
  await queueMail(tx, deps, {
    orgId,
    kind: 'rights_request.code',
    to: requestEmail(deps, row),
    subjectId: row.subject_id,
    purpose: 'rights_requests',
    // The code is in the body only (never the subject, which the outbox list and lock screens show).
    content: codeMail({
      locale,
      code,
      org: { legalName: org.legal_name, rightsPageUrl: rightsPageUrl(deps, orgId) },
      requestUrl: requestPageUrl(deps, requestId),
      ttlMinutes: CODE_TTL_MINUTES,
    }),
  });
  await deps.audit.append(tx, orgId, { type: 'anonymous' }, { type: 'rights_request.code_sent', data: { requestId } });
}

/** 6 digits, stored as a keyed hash with a 15-minute expiry, mailed to the request's address. */
export async function issueCode(deps: Deps, orgId: OrgId, requestId: string, locale: 'en' | 'de'): Promise<void> {
  await deps.db.transaction().execute((tx) => issueCodeTx(tx, deps, orgId, requestId, locale));
}

/** The organisation's public rights page, linked from every mail to a customer (issue 12, finding 7). */
export function rightsPageUrl(deps: Pick<Deps, 'config'>, orgId: string): string {
  return `${deps.config.publicUrl}/rights/${orgId}`;
}

/** The status page of one request, where the requester enters codes and downloads an export. */
export function requestPageUrl(deps: Pick<Deps, 'config'>, requestId: string): string {
  return `${deps.config.publicUrl}/rights/requests/${requestId}`;
}

export async function lockedError(tx: DbOrTx, orgId: OrgId): Promise<AppError> {
  const org = await tx.selectFrom('organisations').select(['dpo_email']).where('id', '=', orgId).executeTakeFirst();
  const contact = org?.dpo_email ? ` — contact the data protection officer at ${org.dpo_email}` : ' — contact the data protection officer';
  return new AppError('RIGHTS_REQUEST_LOCKED', `Too many wrong codes: this request is locked${contact}.`, {
    details: { dpoEmail: org?.dpo_email ?? null },
  });
}

/**
 * Checks a code, counting a wrong one; the fifth wrong attempt locks the request. A right code is consumed.
 * `attemptsLeft` says how many wrong codes remain before the lock.
 */
export async function checkCodeTx(
  tx: Tx,
  deps: Deps,
  orgId: OrgId,
  requestId: string,
  code: string,
): Promise<{ result: CodeCheck; attemptsLeft: number }> {
  const row = await tx
    .selectFrom('rights_requests')
    .select(['id', 'code_hash', 'code_expires_at', 'code_attempts', 'locked_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', requestId)
    .executeTakeFirst();
  if (!row) throw notFound('Request');
  const attempts = Number(row.code_attempts);
  if (row.locked_at) return { result: 'locked', attemptsLeft: 0 };
  const now = deps.clock.now();
  if (!row.code_hash || !row.code_expires_at || new Date(row.code_expires_at) <= now) {
    return { result: 'expired', attemptsLeft: MAX_CODE_ATTEMPTS - attempts };
  }
  if (/^[0-9]{6}$/.test(code) && sameHex(row.code_hash, codeHash(deps, requestId, code))) {
    await tx
      .updateTable('rights_requests')
      .set({ code_hash: null, code_expires_at: null, code_attempts: 0 })
      .where('org_id', '=', orgId)
      .where('id', '=', requestId)
      .execute();
    return { result: 'ok', attemptsLeft: MAX_CODE_ATTEMPTS };
  }
  const failed = attempts + 1;
  const lock = failed >= MAX_CODE_ATTEMPTS;
  await tx
    .updateTable('rights_requests')
    .set({ code_attempts: failed, ...(lock ? { locked_at: iso(now), code_hash: null, code_expires_at: null } : {}) })
    .where('org_id', '=', orgId)
    .where('id', '=', requestId)
    .execute();
  await deps.audit.append(tx, orgId, { type: 'anonymous' }, [
    { type: 'rights_request.code_failed', data: { requestId, attempt: failed } },
    ...(lock ? [{ type: 'rights_request.locked' as const, data: { requestId } }] : []),
  ]);
  return { result: lock ? 'locked' : 'wrong', attemptsLeft: MAX_CODE_ATTEMPTS - failed };
}

/** 5 wrong attempts lock the request (clear message: contact the DPO); codes are single use. */
export async function checkCode(deps: Deps, orgId: OrgId, requestId: string, code: string): Promise<CodeCheck> {
  return (await deps.db.transaction().execute((tx) => checkCodeTx(tx, deps, orgId, requestId, code))).result;
}

/**
 * A short-lived download token for one access export: `payload.mac`, the payload being base64url JSON of the
 * organisation, the export and the expiry (ms since epoch), the MAC an HMAC-SHA-256 with a derived key. Stateless,
 * so the export route needs no table; it is handed out only after a fresh one-time code.
 */
export function exportDownloadToken(
  deps: Pick<Deps, 'keys' | 'clock' | 'config'>,
  orgId: string,
  exportId: string,
): { token: string; expiresAt: string } {
  const expires = addMinutes(deps.clock.now(), EXPORT_TOKEN_TTL_MINUTES);
  const payload = Buffer.from(JSON.stringify({ o: orgId, e: exportId, x: expires.getTime() })).toString('base64url');
  const mac = createHmac('sha256', deps.keys.deriveKey(EXPORT_TOKEN_KEY)).update(payload).digest('base64url');
  return { token: `${payload}.${mac}`, expiresAt: iso(expires) };
}

export function verifyExportDownloadToken(
  deps: Pick<Deps, 'keys' | 'clock'>,
  token: string,
): { orgId: string; exportId: string } | 'invalid' | 'expired' {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 1000) return 'invalid';
  const [payload, mac] = parts as [string, string];
  const expected = createHmac('sha256', deps.keys.deriveKey(EXPORT_TOKEN_KEY)).update(payload).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  const p = parsed as { o?: unknown; e?: unknown; x?: unknown };
  if (typeof p.o !== 'string' || typeof p.e !== 'string' || typeof p.x !== 'number') return 'invalid';
  if (p.x <= deps.clock.now().getTime()) return 'expired';
  return { orgId: p.o, exportId: p.e };
}
