import type { Tx } from '../db/database.ts';
import type { Purpose } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { enqueueJob } from '../jobs/enqueue-job.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type Id, type OrgId } from '../shared/ids.ts';
import { mailKinds, type MailKind } from './mail-kinds.ts';
import { mailContentSchema, type MailContent } from './mail.schema.ts';

export const MAIL_SEAL_LABEL = 'mail-outbox';

/**
 * Puts a message in the outbox and queues its delivery, inside the caller's transaction: the mail exists only if
 * the change that caused it commits, and it is sent after the commit by the job runner, retried until it goes
 * out — also across restarts. The content is sealed at rest: bodies carry join links.
 *
 * `subjectId`: the customer (data subject) the message is to or about, when there is one on file. Erasure and the
 * access export find a customer's messages by it as well as by the address — the only way to reach a message to
 * someone else that names them (the agent's confirmation). Kinds that name a customer must give it.
 */
export async function queueMail(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'keys' | 'config'>,
  input: { orgId: OrgId; kind: MailKind; to: string; subjectId?: string | null | undefined; purpose: Purpose; content: MailContent },
): Promise<Id<'mail'>> {
  const content = mailContentSchema.parse(input.content);
  if (/[\r\n\u0000]/.test(input.to)) throw new Error('mail address contains a line break');
  if (mailKinds[input.kind].namesCustomer && !input.subjectId) throw new Error(`a ${input.kind} mail names a customer: give their subject id`);
  const id = newId('mail');
  await tx
    .insertInto('mail_outbox')
    .values({
      id,
      org_id: input.orgId,
      kind: input.kind,
      to_address: input.to,
      subject_id: input.subjectId ?? null,
      content_sealed: deps.keys.seal(MAIL_SEAL_LABEL, id, JSON.stringify(content)),
      status: 'queued',
      transport: null,
      attempts: 0,
      last_error: null,
      created_at: iso(deps.clock.now()),
      sent_at: null,
      // Kept for the mail retention period, sent or not (G25); the purge deletes it then.
      expires_at: iso(addDays(deps.clock.now(), deps.config.mail.retentionDays)),
      purpose: input.purpose,
      data_category: 'communications',
    })
    .execute();
  await enqueueJob(tx, deps.clock, input.orgId, 'mail.send', { mailId: id });
  return id;
}
