import { useEffect, useRef, useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { SelectField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { useSession } from '../../session.tsx';
import { mailKindLabel } from './mail-kinds.ts';
import { listOutbox, readMail, retryMail, type MailDetail, type MailStatus, type MailSummary } from './outbox.api.ts';

const statusLabels: Readonly<Record<MailStatus, string>> = {
  queued: 'Waiting to be sent',
  sent: 'Sent',
  kept: 'Kept in outbox',
  failed: 'Failed',
};
const statusBadge: Readonly<Record<MailStatus, string>> = {
  queued: 'badge',
  sent: 'badge badge-status-active',
  kept: 'badge',
  failed: 'badge badge-status-disabled',
};

/** What each kind of message is, in words (never its code). */
const kindLabel = mailKindLabel;

/** "1 attempt", "3 attempts". */
const attempts = (n: number) => `${n} ${new Intl.PluralRules('en-GB').select(n) === 'one' ? 'attempt' : 'attempts'}`;

/** Every message Parley sent or holds for this organisation: invitations, confirmations, notices. */
export function BrowseOutboxPage() {
  const api = useApi();
  const session = useSession();
  const [status, setStatus] = useState<MailStatus | ''>('');
  const list = useResource(() => listOutbox(api, status), [api, status]);
  const [open, setOpen] = useState<MailDetail | null>(null);
  const reading = useSubmit();
  const retry = useSubmit();
  const isAdmin = session.state.status === 'signed_in' && session.state.me.user.role === 'admin';
  const [openingId, setOpeningId] = useState<string | null>(null);

  async function onOpen(m: MailSummary) {
    setOpeningId(m.id);
    const detail = await reading.run(() => readMail(api, m.id));
    setOpeningId(null);
    if (detail) setOpen(detail);
  }

  async function onRetry(m: MailSummary) {
    if (await retry.run(() => retryMail(api, m.id))) void list.reload();
  }

  return (
    <>
      <PageHeader title="Outbox">
        <p>
          Every message Parley sends for your organisation — invitations, confirmations, changes, answers to rights
          requests — with its delivery state. Messages are stored encrypted; opening one is recorded in the audit log,
          because it holds a customer's details. One-time codes and links are only ever in the message itself, never
          in its subject.
        </p>
      </PageHeader>

      {list.state.status === 'ready' && list.state.data.transport === 'outbox' && (
        <Alert kind="info" title="Mail is kept here, not sent">
          <p>
            No mail relay is configured, so messages stay in this outbox and nobody receives them. Your operator sets
            <code> PARLEY_SMTP_URL</code> to send them through your mail server.
          </p>
        </Alert>
      )}

      <form class="form filters filters-narrow" aria-label="Filter messages" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Status"
          name="status"
          choices={[{ value: '', label: 'All messages' }, ...(Object.keys(statusLabels) as MailStatus[]).map((s) => ({ value: s, label: statusLabels[s] }))]}
          value={status}
          onValue={(v) => setStatus(v as MailStatus | '')}
        />
      </form>

      <ErrorAlert error={reading.error} title="The message could not be opened" />
      <ErrorAlert error={retry.error} title="The message was not queued again" />

      {open && <MailDetailPanel key={open.id} mail={open} onClose={() => setOpen(null)} />}

      {list.state.status === 'loading' && <Loading label="Loading the outbox…" />}
      {list.state.status === 'error' && <ErrorAlert error={list.state.error} title="The outbox could not be loaded" />}
      {list.state.status === 'ready' &&
        (list.state.data.messages.length === 0 ? (
          <p class="empty">No messages{status ? ' with this status' : ''} yet.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Messages</caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.state.data.messages.map((m) => (
                <tr key={m.id} data-mail-kind={m.kind} aria-selected={open?.id === m.id}>
                  <td>
                    <span class="cell-primary">{m.subject}</span>
                    <span class="cell-secondary">{kindLabel(m.kind)}</span>
                  </td>
                  <td>{m.to}</td>
                  <td>{formatDateTime(m.createdAt)}</td>
                  <td>
                    <span class={statusBadge[m.status]}>{statusLabels[m.status]}</span>
                    {m.status === 'sent' && m.sentAt && <span class="cell-secondary">{formatDateTime(m.sentAt)}</span>}
                    {m.lastError && (
                      <span class="cell-secondary">
                        {attempts(m.attempts)}; the mail server answered: {m.lastError}
                      </span>
                    )}
                  </td>
                  <td class="cell-actions">
                    <Button busy={openingId === m.id} busyLabel="Opening…" onClick={() => void onOpen(m)}>
                      Open
                    </Button>
                    {m.status === 'failed' && isAdmin && <Button onClick={() => void onRetry(m)}>Send again</Button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}

/** One message as it was sent (or kept): shown above the list, where the reader is taken when it opens. */
function MailDetailPanel(props: { mail: MailDetail; onClose: () => void }) {
  const { mail } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="panel" aria-labelledby="mail-heading" data-testid="mail-detail">
      <div class="panel-header">
        <h2 id="mail-heading" ref={heading} tabIndex={-1}>
          {mail.subject}
        </h2>
        <Button variant="link" onClick={props.onClose}>
          Close
        </Button>
      </div>
      <p class="muted">
        {kindLabel(mail.kind)} · to {mail.toName ? `${mail.toName} <${mail.to}>` : mail.to} · {statusLabels[mail.status]} · created{' '}
        {formatDateTime(mail.createdAt)}
        {mail.status === 'sent' && mail.sentAt && `, sent ${formatDateTime(mail.sentAt)}`}
      </p>
      <pre class="mail-body">{mail.text}</pre>
      {mail.attachments.length > 0 && <p>Attachments: {mail.attachments.map((a) => `${a.filename} (${a.contentType})`).join(', ')}</p>}
    </section>
  );
}
