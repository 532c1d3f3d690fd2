import { useState } from 'preact/hooks';
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

  async function onOpen(m: MailSummary) {
    const detail = await reading.run(() => readMail(api, m.id));
    if (detail) setOpen(detail);
  }

  async function onRetry(m: MailSummary) {
    if (await retry.run(() => retryMail(api, m.id))) void list.reload();
  }

  return (
    <>
      <PageHeader title="Outbox">
        <p>
          Every message Parley sends for your organisation — invitations, confirmations, changes — with its delivery state.
          Messages are stored encrypted; opening one is recorded in the audit log, because it holds a customer's details.
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

      <form class="filters" onSubmit={(e) => e.preventDefault()}>
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

      {open && (
        <section class="panel" aria-labelledby="mail-heading" data-testid="mail-detail">
          <h2 id="mail-heading">{open.subject}</h2>
          <p class="muted">
            To {open.toName ? `${open.toName} <${open.to}>` : open.to} · {statusLabels[open.status]} · created {formatDateTime(open.createdAt)}
          </p>
          <pre class="mail-body">{open.text}</pre>
          {open.attachments.length > 0 && (
            <p>
              Attachments: {open.attachments.map((a) => `${a.filename} (${a.contentType})`).join(', ')}
            </p>
          )}
          <div class="form-actions">
            <Button onClick={() => setOpen(null)}>Close</Button>
          </div>
        </section>
      )}

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
                <tr key={m.id}>
                  <td>
                    <span class="cell-primary">{m.subject}</span>
                    <span class="cell-secondary">{m.kind}</span>
                  </td>
                  <td>{m.to}</td>
                  <td>{formatDateTime(m.createdAt)}</td>
                  <td>
                    <span class={statusBadge[m.status]}>{statusLabels[m.status]}</span>
                    {m.status === 'sent' && m.sentAt && <span class="cell-secondary">{formatDateTime(m.sentAt)}</span>}
                    {m.lastError && <span class="cell-secondary">{m.attempts} attempt(s): {m.lastError}</span>}
                  </td>
                  <td class="cell-actions">
                    <Button onClick={() => void onOpen(m)}>Open</Button>
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
