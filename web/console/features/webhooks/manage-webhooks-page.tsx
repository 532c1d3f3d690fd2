import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { CopyField } from '../../../shared/ui/copy-field.tsx';
import { CheckboxField, TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  rightsEvents,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
  webhookEventLabels,
  webhookEventTypes,
  type Delivery,
  type Webhook,
} from './webhooks.api.ts';

const labelOf = (type: string) => (type in webhookEventLabels ? webhookEventLabels[type as keyof typeof webhookEventLabels] : type);

/**
 * Signed webhooks (G21): other systems that hold copies of customer data are told of erasure, restriction and
 * rectification (and, if they want, calls, recordings, consent and requests) — by ids only, never names or emails.
 */
export function ManageWebhooksPage() {
  const api = useApi();
  const hooks = useResource(() => listWebhooks(api), [api]);
  const [secret, setSecret] = useState<{ secret: string; webhook: Webhook; rotated: boolean } | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const action = useSubmit();
  const list = hooks.state.status === 'ready' ? hooks.state.data : [];
  const replace = (w: Webhook) => hooks.set(list.map((x) => (x.id === w.id ? w : x)));

  async function onToggle(w: Webhook) {
    const updated = await action.run(() => updateWebhook(api, w.id, { enabled: !w.enabled }));
    if (updated) replace(updated);
  }
  async function onDelete(w: Webhook) {
    const deleted = await action.run(() => deleteWebhook(api, w.id));
    if (deleted) hooks.set(list.filter((x) => x.id !== deleted.id));
  }
  async function onRotate(w: Webhook) {
    const result = await action.run(() => rotateWebhookSecret(api, w.id));
    if (result) {
      replace(result.webhook);
      setSecret({ ...result, rotated: true });
    }
  }

  return (
    <>
      <PageHeader
        title="Webhooks"
        actions={
          !creating && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              Add an endpoint
            </Button>
          )
        }
      >
        <p>
          A webhook tells another of your systems (a CRM, an archive) when something happens in Parley — above all when a
          customer's data is erased, restricted or rectified, so that system can do the same with its copy (Art. 19 GDPR).
          Each delivery carries ids only and is signed with the endpoint's secret; see the documentation for how to check it.
        </p>
      </PageHeader>

      {secret && (
        <Alert kind="success" title={secret.rotated ? 'New signing secret' : `Endpoint added`} testId="webhook-secret">
          <p>
            <strong>Copy the signing secret now: it cannot be shown again.</strong> Store it in the receiving system, which uses it
            to check that each delivery comes from Parley. {secret.rotated && 'Deliveries from now on are signed with this secret only.'}
          </p>
          <CopyField label="Signing secret" value={secret.secret} testId="webhook-secret-value" />
          <div class="form-actions">
            <Button onClick={() => setSecret(null)}>I have stored it</Button>
          </div>
        </Alert>
      )}

      {creating && (
        <WebhookForm
          onCancel={() => setCreating(false)}
          onSaved={(result) => {
            setCreating(false);
            setSecret({ ...result, rotated: false });
            hooks.set([result.webhook, ...list]);
          }}
        />
      )}

      <ErrorAlert error={action.error} title="That did not work" />
      {hooks.state.status === 'loading' && <Loading label="Loading webhooks…" />}
      {hooks.state.status === 'error' && <ErrorAlert error={hooks.state.error} title="The webhooks could not be loaded" />}
      {hooks.state.status === 'ready' &&
        (list.length === 0 ? (
          <p class="empty">No webhook endpoints yet. Add one for every system that keeps a copy of customer data.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <Fragment key={w.id}>
                  <tr class={w.enabled ? undefined : 'row-inactive'}>
                    <td>
                      <span class="cell-primary">{w.description || w.url}</span>
                      <span class="cell-secondary">
                        <code>{w.url}</code>
                      </span>
                      <span class="cell-secondary">
                        Added {formatDateTime(w.createdAt)}
                        {w.secretRotatedAt && `, secret replaced ${formatDateTime(w.secretRotatedAt)}`}
                      </span>
                    </td>
                    <td>
                      <ul class="plain-list">
                        {w.events.map((e) => (
                          <li key={e}>{labelOf(e)}</li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      {w.enabled ? <span class="badge badge-status-active">Enabled</span> : <span class="badge badge-status-disabled">Disabled</span>}
                    </td>
                    <td class="cell-actions">
                      <Button onClick={() => setOpen(open === w.id ? null : w.id)}>{open === w.id ? 'Hide deliveries' : 'Deliveries'}</Button>
                      <Button onClick={() => setEditing(editing === w.id ? null : w.id)}>Edit events</Button>
                      <Button onClick={() => void action.run(() => sendTestEvent(api, w.id)).then(() => setOpen(w.id))}>Send test</Button>
                      <Button onClick={() => void onToggle(w)}>{w.enabled ? 'Disable' : 'Enable'}</Button>
                      <ConfirmButton label="Rotate secret" confirmLabel="Yes, replace the secret" busyLabel="Replacing…" busy={action.busy} onConfirm={() => void onRotate(w)} />
                      <ConfirmButton label="Delete" confirmLabel="Yes, delete" busyLabel="Deleting…" busy={action.busy} variant="danger" onConfirm={() => void onDelete(w)} />
                    </td>
                  </tr>
                  {editing === w.id && (
                    <tr key={`${w.id}-edit`}>
                      <td colSpan={4}>
                        <WebhookForm
                          webhook={w}
                          onCancel={() => setEditing(null)}
                          onSaved={(result) => {
                            setEditing(null);
                            replace(result.webhook);
                          }}
                        />
                      </td>
                    </tr>
                  )}
                  {open === w.id && (
                    <tr key={`${w.id}-deliveries`}>
                      <td colSpan={4}>
                        <Deliveries webhookId={w.id} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}

const statusBadge: Record<Delivery['status'], string> = {
  pending: 'badge-status-invited',
  delivered: 'badge-status-active',
  failed: 'badge-status-disabled',
};

function Deliveries(props: { webhookId: string }) {
  const api = useApi();
  const deliveries = useResource(() => listDeliveries(api, props.webhookId), [api, props.webhookId]);
  if (deliveries.state.status === 'loading') return <Loading label="Loading deliveries…" />;
  if (deliveries.state.status === 'error') return <ErrorAlert error={deliveries.state.error} title="The deliveries could not be loaded" />;
  const list = deliveries.state.data;
  return (
    <section aria-label="Recent deliveries">
      <div class="form-actions">
        <Button onClick={() => void deliveries.reload()}>Refresh</Button>
      </div>
      {list.length === 0 ? (
        <p class="empty">Nothing sent to this endpoint in the last 30 days.</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">Recent deliveries</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Queued</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Next retry</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.id}>
                <td>
                  <span class="cell-primary">{labelOf(d.eventType)}</span>
                  <span class="cell-secondary">
                    <code>{d.id}</code>
                  </span>
                </td>
                <td>{formatDateTime(d.createdAt)}</td>
                <td>
                  <span class={`badge ${statusBadge[d.status]}`}>{d.status === 'delivered' ? 'Delivered' : d.status === 'failed' ? 'Failed' : 'Pending'}</span>
                </td>
                <td>{d.attempts}</td>
                <td>{d.lastStatus !== null ? `HTTP ${d.lastStatus}` : d.lastError !== null ? describeDeliveryError(d.lastError) : <span class="muted">—</span>}</td>
                <td>{d.nextAttemptAt ? formatDateTime(d.nextAttemptAt) : <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Add an endpoint (URL, description, events), or edit the events and description of one. */
function WebhookForm(props: { webhook?: Webhook; onSaved: (result: { secret: string; webhook: Webhook }) => void; onCancel: () => void }) {
  const api = useApi();
  const editing = props.webhook;
  const [url, setUrl] = useState(editing?.url ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [events, setEvents] = useState<string[]>(editing?.events ?? [...rightsEvents]);
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const result = await submit.run(async () =>
      editing
        ? { secret: '', webhook: await updateWebhook(api, editing.id, { events, description: description.trim() }) }
        : createWebhook(api, { url: url.trim(), events, description: description.trim() }),
    );
    if (result) props.onSaved(result);
  }
  const toggle = (type: string, on: boolean) => setEvents(on ? [...events, type] : events.filter((x) => x !== type));

  return (
    <section class="panel" aria-labelledby="webhook-form-heading">
      <h2 id="webhook-form-heading">{editing ? 'Edit events' : 'Add a webhook endpoint'}</h2>
      <ErrorAlert error={submit.error} title={editing ? 'The endpoint was not changed' : 'The endpoint was not added'} />
      <form class="form" onSubmit={onSubmit} noValidate>
        {!editing && (
          <TextField
            label="Address"
            hint="https only (http is accepted for localhost while testing). No user name or password in it: deliveries are signed instead."
            name="url"
            required
            maxLength={2000}
            error={errors.url}
            value={url}
            onValue={setUrl}
          />
        )}
        <TextField label="Description" hint="Which system receives it, e.g. “CRM”." name="description" optional maxLength={200} error={errors.description} value={description} onValue={setDescription} />
        <fieldset>
          <legend>Events</legend>
          {errors.events && <p class="field-error">{errors.events}</p>}
          {webhookEventTypes.map((type) => (
            <CheckboxField key={type} label={`${webhookEventLabels[type]} (${type})`} checked={events.includes(type)} onChecked={(on) => toggle(type, on)} />
          ))}
        </fieldset>
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Saving…" disabled={events.length === 0 || (!editing && url.trim() === '')}>
            {editing ? 'Save events' : 'Add endpoint'}
          </SubmitButton>
          <Button variant="link" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </section>
  );
}

/** A failed attempt without an HTTP answer, in words (the code stays visible for support). */
function describeDeliveryError(code: string): string {
  if (code === 'blocked_address') return 'Not sent: the address is on an internal network (blocked_address)';
  if (code === 'timeout') return 'No answer within 10 seconds (timeout)';
  if (code === 'endpoint_disabled') return 'Not sent: the endpoint is disabled';
  if (code.startsWith('network_')) return `Could not connect (${code.slice('network_'.length)})`;
  return code;
}
