import type { Deps } from '../deps.ts';
import { JobError, type JobContext } from '../jobs/job-runner.ts';
import { iso } from '../shared/clock.ts';
import type { MailTransport } from './mail-transport.ts';
import { mailContentSchema } from './mail.schema.ts';
import { MAIL_SEAL_LABEL } from './queue-mail.ts';

const EMAIL_LIKE = /[^\s<>()\[\]"',;:@]+@[^\s<>()\[\]"',;:@]+\.[^\s<>()\[\]"',;:@]+/g;

/**
 * A relay's answer often repeats the recipient ("550 5.1.1 <zoe@example.com>: Recipient address rejected"). The
 * message is stored twice — on the outbox row, which erasure deletes, and on the job row, which stays as
 * bookkeeping — so every address (and the recipient's name) is replaced before it is stored anywhere: erasure then
 * needs to reach only the outbox row. What is left still says what went wrong.
 */
export function withoutAddresses(message: string, known: readonly (string | undefined)[]): string {
  let out = message;
  for (const k of known) if (k && k.trim().length > 1) out = out.split(k).join('<recipient>');
  return out.replace(EMAIL_LIKE, '<address>');
}

/**
 * The `mail.send` job: delivers one outbox message. Idempotent — a message already sent or kept is left alone —
 * and a stable Message-ID lets receivers drop the duplicate should a crash come between sending and marking.
 */
export function createSendMailHandler(deps: Pick<Deps, 'db' | 'clock' | 'keys' | 'config'>, transport: MailTransport) {
  const domain = new URL(deps.config.publicUrl).hostname || 'parley.local';
  return async ({ mailId }: { mailId: string }, job: JobContext) => {
    const row = await deps.db.selectFrom('mail_outbox').selectAll().where('id', '=', mailId).executeTakeFirst();
    if (!row) throw new JobError('MAIL_GONE', 'the message no longer exists (erased?)', { retry: false });
    if (row.status === 'sent' || row.status === 'kept') return;
    const content = mailContentSchema.parse(JSON.parse(deps.keys.open(MAIL_SEAL_LABEL, row.id, row.content_sealed)));
    try {
      await transport.deliver({
        messageId: `<${row.id}@${domain}>`,
        from: deps.config.mail.from,
        to: { name: content.toName, address: row.to_address },
        subject: content.subject,
        text: content.text,
        html: content.html,
        attachments: content.attachments,
      });
    } catch (err) {
      const code = (err as { code?: string; responseCode?: number }).code ?? 'SMTP';
      const message = withoutAddresses(err instanceof Error ? err.message : String(err), [row.to_address, content.toName]);
      // A permanent SMTP refusal (5xx) will not get better by retrying.
      const responseCode = (err as { responseCode?: unknown }).responseCode;
      const permanent = typeof responseCode === 'number' && responseCode >= 500;
      await deps.db
        .updateTable('mail_outbox')
        .set({
          attempts: job.attempt,
          last_error: `${code}: ${message}`.slice(0, 1000),
          ...(permanent || job.lastAttempt ? { status: 'failed' } : {}),
        })
        .where('id', '=', row.id)
        .execute();
      throw new JobError(`SMTP_${code}`, message, { retry: !permanent });
    }
    await deps.db
      .updateTable('mail_outbox')
      .set({
        status: transport.kind === 'smtp' ? 'sent' : 'kept',
        transport: transport.kind,
        attempts: job.attempt,
        last_error: null,
        sent_at: iso(deps.clock.now()),
      })
      .where('id', '=', row.id)
      .execute();
  };
}
