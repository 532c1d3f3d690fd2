import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { SelectField, TextField, type Choice } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTimeSeconds, localInputToIso } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { listUsers } from '../users/users.api.ts';
import { listAuditEvents, verifyAuditChain, type AuditEvent, type AuditFilter, type ChainReport } from './audit.api.ts';
import { auditEventTypes, describeEventType, type AuditEventType } from './event-types.ts';
import { dataKeyLabel, eventValueInWords } from './event-words.ts';

type TypeChoice = '' | AuditEventType;
const typeChoices: readonly Choice<TypeChoice>[] = [
  { value: '', label: 'All events' },
  ...(Object.keys(auditEventTypes) as AuditEventType[]).map((t) => ({ value: t, label: auditEventTypes[t] })),
];

/**
 * The organisation's audit log, newest first. Events are hash-chained: each one's hash covers the previous one,
 * so an edited or removed row breaks the chain from that point, which "Verify chain" reports.
 */
export function BrowseAuditLogPage() {
  const api = useApi();
  const [applied, setApplied] = useState<AuditFilter>({});
  const log = useResource(() => listAuditEvents(api, applied), [api, applied]);
  // Names for the user ids in events; when this fails the ids are shown instead.
  const people = useResource(() => listUsers(api), [api]);
  const older = useSubmit();
  const verify = useSubmit();
  const [report, setReport] = useState<ChainReport | null>(null);

  const nameOf = (userId: string) => (people.state.status === 'ready' ? people.state.data.find((u) => u.id === userId)?.displayName : undefined);
  const personChoices: readonly Choice<string>[] = [
    { value: '', label: 'Anyone' },
    ...(people.state.status === 'ready' ? people.state.data.map((u) => ({ value: u.id, label: `${u.displayName} (${u.email})` })) : []),
  ];

  async function loadOlder() {
    if (log.state.status !== 'ready' || log.state.data.nextBeforeSeq === null) return;
    const current = log.state.data;
    const next = await older.run(() => listAuditEvents(api, applied, current.nextBeforeSeq ?? undefined));
    if (next) log.set({ events: [...current.events, ...next.events], nextBeforeSeq: next.nextBeforeSeq });
  }

  async function onVerify() {
    setReport(null);
    const result = await verify.run(() => verifyAuditChain(api));
    if (!result) return;
    setReport(result);
    // Verifying is itself recorded (audit.verified): show it.
    await log.reload();
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        actions={
          <Button variant="primary" busy={verify.busy} busyLabel="Verifying…" onClick={() => void onVerify()}>
            Verify chain
          </Button>
        }
      >
        <p>
          Every change to settings, accounts, tokens, call types and notices, every scheduled call, consent decision and sign-in, and every look at a customer's mail is recorded here with who did it and when. Events
          are chained by hashes, so an edited or deleted event is detected: <em>Verify chain</em> recomputes the whole chain
          (and records that you did). Events hold ids, never names or contact details.
        </p>
      </PageHeader>

      <ErrorAlert error={verify.error} title="The chain could not be verified" />
      {report && <ChainResult report={report} />}

      <FilterForm
        people={personChoices}
        error={log.state.status === 'error' ? log.state.error : null}
        onApply={(filter) => {
          setReport(null);
          setApplied(filter);
        }}
      />

      {log.state.status === 'loading' && <Loading label="Loading audit events…" />}
      {log.state.status === 'error' && <ErrorAlert error={log.state.error} title="The audit log could not be loaded" />}
      {log.state.status === 'ready' &&
        (log.state.data.events.length === 0 ? (
          <p class="empty">No events match these filters.</p>
        ) : (
          <>
            <table class="table table-audit">
              <caption class="visually-hidden">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">No.</th>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">By</th>
                  <th scope="col">Details</th>
                  <th scope="col">Hash</th>
                </tr>
              </thead>
              <tbody>
                {log.state.data.events.map((e) => (
                  <EventRow key={e.id} event={e} nameOf={nameOf} />
                ))}
              </tbody>
            </table>
            <ErrorAlert error={older.error} title="Older events could not be loaded" />
            <div class="form-actions">
              {log.state.data.nextBeforeSeq !== null ? (
                <Button busy={older.busy} busyLabel="Loading…" onClick={() => void loadOlder()}>
                  Load older events
                </Button>
              ) : (
                <span class="muted">This is the oldest event{Object.keys(applied).length > 0 ? ' matching the filters' : ''}.</span>
              )}
            </div>
          </>
        ))}
    </>
  );
}

function ChainResult(props: { report: ChainReport }) {
  const { report } = props;
  if (report.ok) {
    return (
      <Alert kind="success" title="Chain intact" testId="chain-result">
        <p>All {report.events} events were checked: none was changed or removed.</p>
      </Alert>
    );
  }
  return (
    <Alert kind="error" title={`Chain broken at event no. ${report.firstBrokenSeq ?? '?'}`} testId="chain-result">
      <p>{report.firstBreak ?? 'An event does not match the chain.'}</p>
      <p>
        Events from that point on cannot be trusted as recorded. Keep this page's result, check your database backups, and
        inform your data protection officer.
      </p>
    </Alert>
  );
}

function FilterForm(props: { people: readonly Choice<string>[]; error: unknown; onApply: (filter: AuditFilter) => void }) {
  const [type, setType] = useState<TypeChoice>('');
  const [actorId, setActorId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  function onSubmit(e: Event) {
    e.preventDefault();
    const filter: AuditFilter = {
      ...(type ? { type } : {}),
      ...(actorId ? { actorId } : {}),
      ...(from ? { from: localInputToIso(from) } : {}),
      ...(to ? { to: localInputToIso(to) } : {}),
    };
    props.onApply(filter);
  }

  function onReset() {
    setType('');
    setActorId('');
    setFrom('');
    setTo('');
    props.onApply({});
  }

  const errors = fieldErrorsOf(props.error);
  return (
    <form class="form filters" onSubmit={onSubmit} aria-label="Filter events">
      <SelectField label="Event type" name="type" choices={typeChoices} value={type} onValue={setType} />
      <SelectField label="Done by" name="actorId" choices={props.people} value={actorId} onValue={setActorId} />
      <TextField label="From" hint="Your local time." type="datetime-local" name="from" error={errors.from} value={from} onValue={setFrom} />
      <TextField label="To" hint="Your local time." type="datetime-local" name="to" error={errors.to} value={to} onValue={setTo} />
      <div class="form-actions">
        <SubmitButton busy={false} busyLabel="">
          Apply filters
        </SubmitButton>
        <button type="button" class="button button-link" onClick={onReset}>
          Clear
        </button>
      </div>
    </form>
  );
}

const actorTypeLabels: Readonly<Record<string, string>> = {
  system: 'Parley (system)',
  anonymous: 'Not signed in',
};

function EventRow(props: { event: AuditEvent; nameOf: (userId: string) => string | undefined }) {
  const { event, nameOf } = props;
  const actor = event.actor;
  const who =
    actor.type === 'user' && actor.id
      ? (nameOf(actor.id) ?? actor.id)
      : actor.type === 'api_token' && actor.id
        ? `API token ${actor.id}`
        : (actorTypeLabels[actor.type] ?? actor.type);
  return (
    <tr data-event-type={event.type}>
      <td class="cell-number">{event.seq}</td>
      <td class="cell-nowrap">{formatDateTimeSeconds(event.createdAt)}</td>
      <td>
        {/* The event's code (for the API and webhooks) on hover; the reader sees what happened. */}
        <span class="cell-primary" title={event.type}>
          {describeEventType(event.type)}
        </span>
      </td>
      <td title={actor.id ?? undefined}>{who}</td>
      <td>
        <EventData type={event.type} data={event.data} nameOf={nameOf} />
      </td>
      <td>
        <code class="hash" title={event.hash}>
          {event.hash.slice(0, 10)}…
        </code>
      </td>
    </tr>
  );
}

function EventData(props: { type: string; data: Record<string, unknown>; nameOf: (userId: string) => string | undefined }) {
  const entries = Object.entries(props.data);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="event-data">
      {entries.map(([key, value]) => (
        <div key={key} data-key={key}>
          <dt>{dataKeyLabel(key)}</dt>
          <dd>{eventValueInWords(props.type, key, value, props.nameOf)}</dd>
        </div>
      ))}
    </dl>
  );
}
