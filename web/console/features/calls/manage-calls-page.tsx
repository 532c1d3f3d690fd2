import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { SelectField, TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime, localInputToIso } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { useSession } from '../../session.tsx';
import { can } from '../../roles.ts';
import { cancelCall, listCallTypeOptions, listCalls, rescheduleCall, scheduleCall, subjectConsents, type Call } from './calls.api.ts';

const durations = [15, 30, 45, 60, 90].map((m) => ({ value: String(m), label: `${m} minutes` }));
const locales = [
  { value: 'en', label: 'English' },
  { value: 'de', label: 'Deutsch' },
] as const;
const statusLabel: Record<Call['status'], string> = { scheduled: 'Scheduled', cancelled: 'Cancelled', ended: 'Ended' };

/** Upcoming calls, and scheduling a new one for a customer known only by name and email. */
export function ManageCallsPage() {
  const api = useApi();
  const session = useSession();
  const role = session.state.status === 'signed_in' ? session.state.me.user.role : 'agent';
  const [from] = useState(() => new Date(Date.now() - 2 * 3_600_000).toISOString());
  const calls = useResource(() => listCalls(api, from), [api, from]);
  const [scheduling, setScheduling] = useState(false);
  const [done, setDone] = useState<Call | null>(null);
  const [history, setHistory] = useState<string | null>(null);
  const list = calls.state.status === 'ready' ? calls.state.data : [];
  const mayChange = can(role, 'calls.schedule');

  return (
    <>
      <PageHeader
        title="Calls"
        actions={
          mayChange && !scheduling && (
            <Button variant="primary" onClick={() => setScheduling(true)}>
              Schedule a call
            </Button>
          )
        }
      >
        <p>
          Schedule a video call with a customer. Parley asks only for their name and email address; the invitation carries a
          short privacy notice, the right to object and a calendar entry, and the full notice is shown before their camera
          is ever asked for.
        </p>
      </PageHeader>

      {done && (
        <Alert kind="success" title="Call scheduled">
          <p>
            The invitation to {done.participants.find((p) => p.kind === 'customer')?.displayName} is on its way (see the Outbox),
            for {formatDateTime(done.startsAt)}.
          </p>
        </Alert>
      )}
      {scheduling && (
        <ScheduleForm
          onCancel={() => setScheduling(false)}
          onScheduled={(call) => {
            setScheduling(false);
            setDone(call);
            calls.set([...list, call].sort((a, b) => a.startsAt.localeCompare(b.startsAt)));
          }}
        />
      )}

      {calls.state.status === 'loading' && <Loading label="Loading calls…" />}
      {calls.state.status === 'error' && <ErrorAlert error={calls.state.error} title="The calls could not be loaded" />}
      {calls.state.status === 'ready' &&
        (list.length === 0 ? (
          <p class="empty">No upcoming calls.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Upcoming calls</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Customer</th>
                <th scope="col">Call type</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((call) => (
                <CallRow
                  key={call.id}
                  call={call}
                  mayChange={mayChange}
                  mayReadConsents={can(role, 'consents.read')}
                  onChanged={(c) => calls.set(list.map((x) => (x.id === c.id ? c : x)))}
                  onHistory={setHistory}
                />
              ))}
            </tbody>
          </table>
        ))}

      {history && <ConsentHistory subjectId={history} onClose={() => setHistory(null)} />}
    </>
  );
}

function CallRow(props: { call: Call; mayChange: boolean; mayReadConsents: boolean; onChanged: (c: Call) => void; onHistory: (subjectId: string) => void }) {
  const api = useApi();
  const { call } = props;
  const customer = call.participants.find((p) => p.kind === 'customer');
  const [moving, setMoving] = useState(false);
  const [when, setWhen] = useState('');
  const submit = useSubmit();

  async function onMove(e: Event) {
    e.preventDefault();
    const startsAt = localInputToIso(when);
    if (!startsAt) return;
    const moved = await submit.run(() => rescheduleCall(api, call.id, { startsAt }));
    if (moved) {
      setMoving(false);
      props.onChanged(moved);
    }
  }

  async function onCancel() {
    const cancelled = await submit.run(() => cancelCall(api, call.id));
    if (cancelled) props.onChanged(cancelled);
  }

  return (
    <tr class={call.status === 'cancelled' ? 'row-inactive' : undefined}>
      <td>
        <span class="cell-primary">{formatDateTime(call.startsAt)}</span>
        <span class="cell-secondary">{call.durationMinutes} min</span>
      </td>
      <td>
        <span class="cell-primary">{customer?.displayName}</span>
        <span class="cell-secondary">{customer?.email}</span>
      </td>
      <td>{call.callTypeName}</td>
      <td>{statusLabel[call.status]}</td>
      <td class="cell-actions">
        <ErrorAlert error={submit.error} title="That did not work" />
        {props.mayChange && call.status === 'scheduled' && !moving && <Button onClick={() => setMoving(true)}>Reschedule</Button>}
        {moving && (
          <form class="form form-inline" onSubmit={onMove}>
            <TextField label="New start" type="datetime-local" name="startsAt" required value={when} onValue={setWhen} />
            <SubmitButton busy={submit.busy} busyLabel="Moving…" disabled={!when}>
              Move and tell the customer
            </SubmitButton>
            <Button variant="link" onClick={() => setMoving(false)}>
              Keep
            </Button>
          </form>
        )}
        {props.mayChange && call.status === 'scheduled' && (
          <ConfirmButton label="Cancel" confirmLabel="Yes, cancel the call" busyLabel="Cancelling…" busy={submit.busy} variant="danger" onConfirm={() => void onCancel()} />
        )}
        {props.mayReadConsents && customer?.subjectId && <Button onClick={() => props.onHistory(customer.subjectId!)}>Consent history</Button>}
      </td>
    </tr>
  );
}

function ScheduleForm(props: { onScheduled: (c: Call) => void; onCancel: () => void }) {
  const api = useApi();
  const types = useResource(() => listCallTypeOptions(api), [api]);
  const [callTypeId, setCallTypeId] = useState('');
  const [when, setWhen] = useState('');
  const [duration, setDuration] = useState('30');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [locale, setLocale] = useState<'en' | 'de'>('en');
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);
  const options = types.state.status === 'ready' ? types.state.data.filter((t) => !t.archivedAt) : [];
  const chosen = callTypeId || options[0]?.id || '';

  async function onSubmit(e: Event) {
    e.preventDefault();
    const startsAt = localInputToIso(when);
    if (!startsAt || !chosen) return;
    const call = await submit.run(() =>
      scheduleCall(api, { callTypeId: chosen, startsAt, durationMinutes: Number(duration), customer: { displayName: name.trim(), email: email.trim() }, locale }),
    );
    if (call) props.onScheduled(call);
  }

  return (
    <section class="panel" aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Schedule a call</h2>
      <ErrorAlert error={submit.error} title="The call was not scheduled" />
      {types.state.status === 'error' && <ErrorAlert error={types.state.error} title="The call types could not be loaded" />}
      <form class="form" onSubmit={onSubmit} noValidate>
        <SelectField
          label="Call type"
          hint="Decides the purposes, whether recording is possible, and how long data is kept."
          name="callTypeId"
          choices={options.map((t) => ({ value: t.id, label: t.name }))}
          value={chosen}
          error={errors.callTypeId}
          onValue={setCallTypeId}
        />
        <TextField label="Start" type="datetime-local" name="startsAt" required value={when} error={errors.startsAt} onValue={setWhen} />
        <SelectField label="Length" name="durationMinutes" choices={durations} value={duration} error={errors.durationMinutes} onValue={setDuration} />
        <TextField label="Customer's name" hint="As they should be greeted. Nothing else about them is asked." name="displayName" required maxLength={100} value={name} error={errors.customer} onValue={setName} />
        <TextField label="Customer's email" type="email" name="email" required value={email} error={errors.customer} onValue={setEmail} />
        <SelectField label="Language of the invitation" name="locale" choices={[...locales]} value={locale} onValue={(v) => setLocale(v as 'en' | 'de')} />
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Scheduling…" disabled={!when || !name.trim() || !email.trim() || !chosen}>
            Schedule and send the invitation
          </SubmitButton>
          <Button variant="link" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </section>
  );
}

const actionLabel = { given: 'Consent given', declined: 'Declined', withdrawn: 'Withdrawn' } as const;

function ConsentHistory(props: { subjectId: string; onClose: () => void }) {
  const api = useApi();
  const data = useResource(() => subjectConsents(api, props.subjectId), [api, props.subjectId]);
  return (
    <section class="panel" aria-labelledby="consent-heading" data-testid="consent-history">
      <h2 id="consent-heading">Consent history{data.state.status === 'ready' ? ` — ${data.state.data.subject.displayName}` : ''}</h2>
      <p class="muted">
        Every decision this customer made, as recorded in the append-only consent ledger: which text (by its fingerprint) and
        notice version they saw, when, and how. Withdrawals are new entries; nothing is ever overwritten.
      </p>
      {data.state.status === 'loading' && <Loading label="Loading the consent history…" />}
      {data.state.status === 'error' && <ErrorAlert error={data.state.error} title="The history could not be loaded" />}
      {data.state.status === 'ready' &&
        (data.state.data.records.length === 0 ? (
          <p class="empty">No decisions recorded yet (the customer has not opened the join page).</p>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Purpose</th>
                <th scope="col">Decision</th>
                <th scope="col">Notice</th>
                <th scope="col">Text fingerprint</th>
              </tr>
            </thead>
            <tbody>
              {data.state.data.records.map((r) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.recordedAt)}</td>
                  <td>{r.purpose}</td>
                  <td>{actionLabel[r.action]}</td>
                  <td>
                    v{r.noticeVersion} ({r.locale})
                  </td>
                  <td>
                    <code>{r.textHash.slice(0, 12)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      <div class="form-actions">
        <Button onClick={props.onClose}>Close</Button>
      </div>
    </section>
  );
}
