import type { DbOrTx } from '../db/database.ts';
import type { Selectable } from 'kysely';
import type { MailOutboxTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { AuditActor } from '../audit/events.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import type { OrgId } from '../shared/ids.ts';
import { enqueueJob } from '../jobs/enqueue-job.ts';
import { carriesCredential } from './mail-kinds.ts';
import { mailContentSchema } from './mail.schema.ts';
import { MAIL_SEAL_LABEL } from './queue-mail.ts';

function open(deps: Pick<Deps, 'keys'>, row: Selectable<MailOutboxTable>) {
  return mailContentSchema.parse(JSON.parse(deps.keys.open(MAIL_SEAL_LABEL, row.id, row.content_sealed)));
}

function summary(deps: Pick<Deps, 'keys'>, row: Selectable<MailOutboxTable>) {
  return {
    id: row.id,
    kind: row.kind,
    to: row.to_address,
    subject: open(deps, row).subject,
    status: row.status as 'queued' | 'sent' | 'kept' | 'failed',
    transport: row.transport,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export async function listOutbox(db: DbOrTx, deps: Pick<Deps, 'keys'>, orgId: OrgId, filter: { status?: string | undefined; limit: number }) {
  let q = db.selectFrom('mail_outbox').selectAll().where('org_id', '=', orgId);
  if (filter.status) q = q.where('status', '=', filter.status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => summary(deps, r));
}

/** What the outbox shows instead of a set-up link: the reader may be another admin or a DPO, never its holder. */
export const HIDDEN_SETUP_LINK = '[personal set-up link: not shown in the outbox — send a new one from Users if it was lost]';

/**
 * Reading a message's content is access to personal data by staff: it is an audit event (G54). A set-up link in a
 * message to a member of staff is replaced: whoever holds it can set that account's password.
 */
export async function readMail(deps: Deps, orgId: OrgId, actor: AuditActor, mailId: string) {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('mail_outbox').selectAll().where('org_id', '=', orgId).where('id', '=', mailId).executeTakeFirst();
    if (!row) throw notFound('Message');
    await deps.audit.append(tx, orgId, actor, { type: 'mail.viewed', data: { mailId: row.id } });
    const content = open(deps, row);
    const hide = (text: string) => (carriesCredential(row.kind) ? text.replace(/https?:\/\/\S*\/setup#token=\S+/g, HIDDEN_SETUP_LINK) : text);
    return {
      ...summary(deps, row),
      toName: content.toName ?? null,
      text: hide(content.text),
      html: content.html ? hide(content.html) : null,
      attachments: content.attachments,
    };
  });
}

/** Sends a failed message again (e.g. after fixing the relay settings). */
export async function retryMail(deps: Deps, orgId: OrgId, actor: AuditActor, mailId: string) {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('mail_outbox').selectAll().where('org_id', '=', orgId).where('id', '=', mailId).executeTakeFirst();
    if (!row) throw notFound('Message');
    if (row.status !== 'failed') throw new AppError('CONFLICT', 'Only a message that failed can be sent again.');
    await tx.updateTable('mail_outbox').set({ status: 'queued', last_error: null }).where('id', '=', row.id).execute();
    await enqueueJob(tx, deps.clock, orgId, 'mail.send', { mailId: row.id });
    await deps.audit.append(tx, orgId, actor, { type: 'mail.retried', data: { mailId: row.id } });
    return summary(deps, { ...row, status: 'queued', last_error: null });
  });
}
