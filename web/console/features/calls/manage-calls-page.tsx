import { useEffect, useRef, useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsByPathOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { SelectField, TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime, localInputToIso } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { useMe } from '../../session.tsx';
import { can, type Role } from '../../roles.ts';
import { purposeLabels } from '../call-types/explanations.ts';
import { cancelCall, listCallTypeOptions, listCalls, rescheduleCall, scheduleCall, subjectConsents, type Call } from './calls.api.ts';
import { CallPresence, useCallPresence, type LivePresence } from './call-presence.tsx';

const durations = [15, 30, 45, 60, 90].map((m) => ({ value: String(m), label: `${m} minutes` }));
const locales = [
  { value: 'en', label: 'English' },
  { value: 'de', label: 'Deutsch' },
] as const;
const statusLabel: Record<Call['status'], string> = { scheduled: 'Scheduled', cancelled: 'Cancelled', ended: 'Ended' };

/** The reader's time zone, named beside time fields: a `datetime-local` value carries none. */
const readerTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** An ISO-8601 instant as a `datetime-local` value in the reader's time zone (`2026-12-01T10:00`). */
function isoToLocalInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

const customerOf = (call: Call) => call.participants.find((p) => p.kind === 'customer');

/** What just happened to a call, reported above the list until the next change. */
type Outcome = { readonly kind: 'scheduled' | 'moved' | 'cancelled'; readonly call: Call };

function OutcomeNotice(props: { outcome: Outcome; role: Role }) {
  const { kind, call } = props.outcome;
  const customer = customerOf(call);
  const name = customer?.displayName ?? 'the customer';
  const address = customer?.email ?? 'the customer';
  const when = formatDateTime(call.startsAt);
  // Agents cannot open the Outbox: point them only where they can go.
  const followUp = can(props.role, 'outbox.read') ? ' You can follow its delivery in the Outbox.' : '';
  switch (kind) {
    case 'scheduled':
      return (
        <Alert kind="success" title="Call scheduled" testId="call-scheduled">
          <p>
            With {name} on {when}, {call.durationMinutes} minutes. The invitation with the join link goes to {address}, and you
            get a confirmation by email.{followUp}
          </p>
        </Alert>
      );
    case 'moved':
      return (
        <Alert kind="success" title="Call moved" testId="call-changed">
          <p>
            The call with {name} is now on {when}. The new time and an updated calendar entry go to {address}; the join link
            stays the same.{followUp}
          </p>
        </Alert>
      );
    case 'cancelled':
      return (
        <Alert kind="success" title="Call cancelled" testId="call-changed">
          <p>
            The call with {name} on {when} is cancelled. The cancellation goes to {address}, and the join link no longer
            works.{followUp}
          </p>
        </Alert>
      );
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * A call's join link works until 2 h after its scheduled end (JOIN_GRACE_MINUTES in src/scheduling/join-links.ts):
 * until then it is listed with the upcoming calls, so a call that runs late can still be opened.
 */
const OPEN_AFTER_END_MS = 2 * 3_600_000;
/** How far back ended calls are listed, to reach their recordings right after the call. */
const RECENT_MS = 24 * 3_600_000;

const byStart = (a: Call, b: Call) => a.startsAt.localeCompare(b.startsAt);

/**
 * Upcoming calls (scheduled, not over), scheduling a new one for a customer known only by name and email, and below
 * them the calls that ended recently and the cancelled ones — each in its own list, so a cancelled call is never
 * mistaken for one still to come.
 */
export function ManageCallsPage() {
  const api = useApi();
  const { role } = useMe().user;
  const [since] = useState(() => ({
    open: new Date(Date.now() - OPEN_AFTER_END_MS).toISOString(),
    recent: new Date(Date.now() - RECENT_MS).toISOString(),
  }));
  const calls = useResource(async () => {
    const [upcoming, cancelled, ended] = await Promise.all([
      listCalls(api, { status: 'scheduled', endsAfter: since.open }),
      listCalls(api, { status: 'cancelled', endsAfter: since.open }),
      listCalls(api, { status: 'ended', endsAfter: since.recent }),
    ]);
    return { upcoming, cancelled, ended };
  }, [api, since]);
  // Who is in each live call now (lobby, in the call), asked again every few seconds.
  const presence = useCallPresence(api);
  const [scheduling, setScheduling] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [historyOf, setHistoryOf] = useState<Call | null>(null);
  const lists = calls.state.status === 'ready' ? calls.state.data : { upcoming: [], cancelled: [], ended: [] };
  const mayChange = can(role, 'calls.schedule');

  function onChanged(kind: 'moved' | 'cancelled', c: Call) {
    setOutcome({ kind, call: c });
    const upcoming = lists.upcoming.filter((x) => x.id !== c.id);
    calls.set(
      kind === 'cancelled'
        ? { ...lists, upcoming, cancelled: [...lists.cancelled.filter((x) => x.id !== c.id), c].sort(byStart) }
        : { ...lists, upcoming: [...upcoming, c].sort(byStart) },
    );
  }

  const table = (list: readonly Call[], caption: string, testId: string) => (
    <table class="table" data-testid={testId}>
      <caption class="visually-hidden">{caption}</caption>
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
            presence={presence.get(call.id)}
            selected={historyOf?.id === call.id}
            mayChange={mayChange}
            mayReadConsents={can(role, 'consents.read')}
            mayReadRecordings={can(role, 'recordings.read')}
            onChanged={onChanged}
            onHistory={() => setHistoryOf(historyOf?.id === call.id ? null : call)}
          />
        ))}
      </tbody>
    </table>
  );

  return (
    <>
      <PageHeader
        title="Calls"
        actions={
          mayChange && !scheduling && (
            <Button
              variant="primary"
              onClick={() => {
                setOutcome(null);
                setScheduling(true);
              }}
            >
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

      {outcome && <OutcomeNotice outcome={outcome} role={role} />}
      {scheduling && (
        <ScheduleForm
          onCancel={() => setScheduling(false)}
          onScheduled={(call) => {
            setScheduling(false);
            setOutcome({ kind: 'scheduled', call });
            calls.set({ ...lists, upcoming: [...lists.upcoming, call].sort(byStart) });
          }}
        />
      )}

      {calls.state.status === 'loading' && <Loading label="Loading calls…" />}
      {calls.state.status === 'error' && <ErrorAlert error={calls.state.error} title="The calls could not be loaded" />}
      {calls.state.status === 'ready' && (
        <>
          <h2 class="section-heading">Upcoming calls</h2>
          {lists.upcoming.length === 0 ? <p class="empty">No upcoming calls.</p> : table(lists.upcoming, 'Upcoming calls', 'upcoming-calls')}
          {lists.ended.length > 0 && (
            <section aria-labelledby="ended-calls-heading">
              <h2 class="section-heading" id="ended-calls-heading">
                Ended in the last 24 hours
              </h2>
              {table(lists.ended, 'Calls that ended in the last 24 hours', 'ended-calls')}
            </section>
          )}
          {lists.cancelled.length > 0 && (
            <section aria-labelledby="cancelled-calls-heading">
              <h2 class="section-heading" id="cancelled-calls-heading">
                Cancelled
              </h2>
              <p class="muted">These calls will not take place: the customers were told, and their links no longer work.</p>
              {table(lists.cancelled, 'Cancelled calls', 'cancelled-calls')}
            </section>
          )}
        </>
      )}

      {historyOf && customerOf(historyOf)?.subjectId && (
        <ConsentHistory key={historyOf.id} subjectId={customerOf(historyOf)!.subjectId!} onClose={() => setHistoryOf(null)} />
      )}
    </>
  );
}

const COLUMNS = 5;

function CallRow(props: {
  call: Call;
  /** Who is in this call right now, if anyone. */
  presence: LivePresence | undefined;
  selected: boolean;
  mayChange: boolean;
  mayReadConsents: boolean;
  mayReadRecordings: boolean;
  onChanged: (kind: 'moved' | 'cancelled', c: Call) => void;
  onHistory: () => void;
}) {
  const api = useApi();
  const { call } = props;
  const customer = customerOf(call);
  const [moving, setMoving] = useState(false);
  const [when, setWhen] = useState('');
  const submit = useSubmit();
  const current = isoToLocalInput(call.startsAt);

  function startMoving() {
    submit.clearError();
    setWhen(current);
    setMoving(true);
  }

  async function onMove(e: Event) {
    e.preventDefault();
    const startsAt = localInputToIso(when);
    if (!startsAt) return;
    const moved = await submit.run(() => rescheduleCall(api, call.id, { startsAt }));
    if (moved) {
      setMoving(false);
      props.onChanged('moved', moved);
    }
  }

  async function onCancel() {
    const cancelled = await submit.run(() => cancelCall(api, call.id));
    if (cancelled) props.onChanged('cancelled', cancelled);
  }

  const open = props.mayChange && call.status === 'scheduled';
  return (
    <>
      <tr data-call={call.id} class={call.status === 'cancelled' ? 'row-inactive' : undefined} aria-selected={props.selected || moving}>
        <td class="cell-nowrap">
          <span class="cell-primary">{formatDateTime(call.startsAt)}</span>
          <span class="cell-secondary">{call.durationMinutes} min</span>
        </td>
        <td>
          <span class="cell-primary">{customer?.displayName}</span>
          <span class="cell-secondary">{customer?.email}</span>
        </td>
        <td>{call.callTypeName}</td>
        <td>
          {statusLabel[call.status]}
          <CallPresence call={call} presence={props.presence} />
        </td>
        <td class="cell-actions">
          {/* While the call is being moved, its form is the only action: "Cancel" beside it would read as "cancel the move". */}
          {!moving && (
            <span class="row-actions">
              {open && (
                <a class="button" href={`/live/${encodeURIComponent(call.id)}`}>
                  Open call
                </a>
              )}
              {open && <Button onClick={startMoving}>Reschedule</Button>}
              {open && (
                <ConfirmButton
                  label="Cancel"
                  confirmLabel="Yes, cancel the call"
                  busyLabel="Cancelling…"
                  busy={submit.busy}
                  variant="danger"
                  onConfirm={() => void onCancel()}
                />
              )}
              {props.mayReadConsents && customer?.subjectId && <Button onClick={props.onHistory}>Consent history</Button>}
              {props.mayReadRecordings && call.status !== 'cancelled' && (
                <a class="button" href={`/recordings?callId=${encodeURIComponent(call.id)}`}>
                  Recordings
                </a>
              )}
            </span>
          )}
        </td>
      </tr>
      {(moving || submit.error !== null) && (
        <tr class="row-detail" aria-selected={props.selected || moving}>
          <td colSpan={COLUMNS}>
            <ErrorAlert error={submit.error} title={moving ? 'The call was not moved' : 'The call was not cancelled'} />
            {moving && (
              <form class="form form-inline" aria-label={`Move the call with ${customer?.displayName ?? 'the customer'}`} onSubmit={onMove}>
                <TextField
                  label="New start"
                  hint={`Your local time (${readerTimeZone()}). The customer is sent the new time and an updated calendar entry.`}
                  type="datetime-local"
                  name="startsAt"
                  required
                  value={when}
                  error={fieldErrorsByPathOf(submit.error).startsAt}
                  onValue={setWhen}
                />
                <div class="form-actions">
                  <SubmitButton busy={submit.busy} busyLabel="Moving…" disabled={!when || when === current}>
                    Move and tell the customer
                  </SubmitButton>
                  <Button variant="link" onClick={() => setMoving(false)}>
                    Keep the current time
                  </Button>
                </div>
              </form>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

/** The longest customer name the server accepts (src/scheduling/scheduling.schema.ts). */
const MAX_NAME = 100;

function ScheduleForm(props: { onScheduled: (c: Call) => void; onCancel: () => void }) {
  const api = useApi();
  const types = useResource(() => listCallTypeOptions(api), [api]);
  const [callTypeId, setCallTypeId] = useState('');
  const [when, setWhen] = useState('');
  const [duration, setDuration] = useState('30');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [locale, setLocale] = useState<'en' | 'de'>('en');
  // Once sent, the form is checked again on every change: each message goes as soon as its field is right.
  const [tried, setTried] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const submit = useSubmit();
  const options = types.state.status === 'ready' ? types.state.data.filter((t) => !t.archivedAt) : [];
  const chosen = callTypeId || options[0]?.id || '';

  /** What is missing or wrong, keyed like the server's answers (`customer.email`), so both land beside the same field. */
  function check(): Record<string, string> {
    const errors: Record<string, string> = {};
    if (!chosen) {
      errors.callTypeId =
        types.state.status === 'ready' ? 'There is no call type to choose yet: an administrator or data protection officer creates one under Call types.' : 'The call types are still loading.';
    }
    const startsAt = localInputToIso(when);
    if (!when) errors.startsAt = 'Enter the date and time of the call.';
    else if (!startsAt) errors.startsAt = 'Enter a complete date and time.';
    else if (new Date(startsAt).getTime() < Date.now() - 60_000) errors.startsAt = 'Choose a time in the future.';
    if (!name.trim()) errors['customer.displayName'] = "Enter the customer's name.";
    else if (name.trim().length > MAX_NAME) errors['customer.displayName'] = `At most ${MAX_NAME} characters: this has ${name.trim().length.toLocaleString('en-GB')}.`;
    if (!email.trim()) errors['customer.email'] = "Enter the customer's email address: the invitation goes there.";
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors['customer.email'] = 'Enter a valid email address.';
    return errors;
  }

  // By whole path: name and email are both under `customer`, and each message belongs beside its own field.
  const errors: Record<string, string | undefined> = { ...fieldErrorsByPathOf(submit.error), ...(tried ? check() : {}) };

  async function onSubmit(e: Event) {
    e.preventDefault();
    setTried(true);
    const problems = check();
    const startsAt = localInputToIso(when);
    if (Object.keys(problems).length > 0 || !startsAt) {
      // To the first field to correct; its message is read out with it.
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const call = await submit.run(() =>
      scheduleCall(api, { callTypeId: chosen, startsAt, durationMinutes: Number(duration), customer: { displayName: name.trim(), email: email.trim() }, locale }),
    );
    if (call) props.onScheduled(call);
  }

  const problemCount = tried ? Object.keys(check()).length : 0;
  return (
    <section class="panel" aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Schedule a call</h2>
      <ErrorAlert error={submit.error} title="The call was not scheduled" />
      {types.state.status === 'error' && <ErrorAlert error={types.state.error} title="The call types could not be loaded" />}
      <form class="form" onSubmit={onSubmit} noValidate ref={form}>
        <SelectField
          label="Call type"
          hint="Decides the purposes, whether recording is possible, and how long data is kept."
          name="callTypeId"
          choices={options.map((t) => ({ value: t.id, label: t.name }))}
          value={chosen}
          error={errors.callTypeId}
          onValue={setCallTypeId}
        />
        <TextField
          label="Start"
          hint={`Your local time (${readerTimeZone()}). The invitation shows it in the customer's calendar.`}
          type="datetime-local"
          name="startsAt"
          required
          value={when}
          error={errors.startsAt}
          onValue={setWhen}
        />
        <SelectField label="Length" name="durationMinutes" choices={durations} value={duration} error={errors.durationMinutes} onValue={setDuration} />
        <TextField
          label="Customer's name"
          hint="As they should be greeted. Nothing else about them is asked."
          name="displayName"
          required
          maxLength={MAX_NAME}
          value={name}
          error={errors['customer.displayName']}
          onValue={setName}
        />
        <TextField label="Customer's email" type="email" name="email" required value={email} error={errors['customer.email']} onValue={setEmail} />
        <SelectField label="Language of the invitation" name="locale" choices={[...locales]} value={locale} onValue={(v) => setLocale(v as 'en' | 'de')} />
        {problemCount > 0 && (
          <p class="field-error" role="alert" data-testid="schedule-problems">
            {problemCount === 1 ? 'One field needs your attention: see the message beside it.' : `${problemCount} fields need your attention: see the messages beside them.`}
          </p>
        )}
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Scheduling…">
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
const methodLabel: Readonly<Record<string, string>> = { join_page: 'on the join page', in_call: 'during the call' };
const localeNames: Readonly<Record<string, string>> = { en: 'in English', de: 'in German' };
const purposeLabel = (purpose: string) => (Object.hasOwn(purposeLabels, purpose) ? purposeLabels[purpose as keyof typeof purposeLabels] : purpose);

function ConsentHistory(props: { subjectId: string; onClose: () => void }) {
  const api = useApi();
  const data = useResource(() => subjectConsents(api, props.subjectId), [api, props.subjectId]);
  const heading = useRef<HTMLHeadingElement>(null);
  // The panel opens below the list: bring it into view, and screen readers to its heading.
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="panel" aria-labelledby="consent-heading" data-testid="consent-history">
      <div class="panel-header">
        <h2 id="consent-heading" ref={heading} tabIndex={-1}>
          Consent history{data.state.status === 'ready' ? ` — ${data.state.data.subject.displayName}` : ''}
        </h2>
        <Button variant="link" onClick={props.onClose}>
          Close
        </Button>
      </div>
      <p class="muted">
        Every decision this customer made, in all their calls, as recorded in the append-only consent ledger: which text (by
        its fingerprint) and notice version they saw, when, and how. Withdrawals are new entries; nothing is ever overwritten.
      </p>
      {data.state.status === 'loading' && <Loading label="Loading the consent history…" />}
      {data.state.status === 'error' && <ErrorAlert error={data.state.error} title="The history could not be loaded" />}
      {data.state.status === 'ready' &&
        (data.state.data.records.length === 0 ? (
          <p class="empty">No decisions recorded yet: the customer has not gone through the join page.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Consent decisions, oldest first</caption>
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
                <tr key={r.id} data-action={r.action}>
                  <td>{formatDateTime(r.recordedAt)}</td>
                  <td>{purposeLabel(r.purpose)}</td>
                  <td>
                    <span class="cell-primary">{actionLabel[r.action]}</span>
                    <span class="cell-secondary">{methodLabel[r.method] ?? r.method.replace(/_/g, ' ')}</span>
                  </td>
                  <td>
                    Version {r.noticeVersion}, {localeNames[r.locale] ?? r.locale.toUpperCase()}
                  </td>
                  <td>
                    <code title={r.textHash}>{r.textHash.slice(0, 12)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
