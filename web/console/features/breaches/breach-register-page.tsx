import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { TextAreaField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { count, formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { BreachClockBadge, useNow } from './breach-clock-badge.tsx';
import { BreachForm, communicationLabels, decisionLabels, typeLabels } from './breach-form.tsx';
import { addBreachUpdate, editBreach, getBreach, listBreaches, NOTIFY_WITHIN_HOURS, recordBreach, type Breach, type BreachInput } from './breaches.api.ts';

/**
 * The breach register (G48–G50): every personal-data breach with its 72 h clock to notify the supervisory
 * authority, the decision and its reasons, what the people concerned were told, and the follow-up.
 */
export function BreachRegisterPage() {
  const api = useApi();
  const now = useNow();
  const list = useResource(() => listBreaches(api), [api]);
  const [recording, setRecording] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const record = useSubmit();

  async function onRecord(input: BreachInput) {
    const created = await record.run(() => recordBreach(api, input));
    if (created) {
      setRecording(false);
      setSelected(created.id);
      void list.reload();
    }
  }

  return (
    <>
      <PageHeader title="Breach register" actions={!recording && <Button onClick={() => setRecording(true)}>Record a breach</Button>}>
        <p>
          Record every personal-data breach here, even one you need not notify. The supervisory authority must be notified
          within {NOTIFY_WITHIN_HOURS} hours of your becoming aware of it, unless it is unlikely to result in a risk to
          people; the clock turns amber a day before the deadline. Write no more about people than the record needs: the
          text is encrypted, and every change is in the audit log.
        </p>
      </PageHeader>

      {recording && (
        <section class="panel" aria-label="Record a breach">
          <h2>Record a breach</h2>
          <BreachForm busy={record.busy} submitLabel="Record breach" error={record.error} onSubmit={(input) => void onRecord(input)} />
          <ErrorAlert error={record.error} title="The breach was not recorded" />
          <Button onClick={() => setRecording(false)}>Cancel</Button>
        </section>
      )}

      {list.state.status === 'loading' && <Loading label="Loading the breach register…" />}
      {list.state.status === 'error' && <ErrorAlert error={list.state.error} title="The breach register could not be loaded" />}
      {list.state.status === 'ready' &&
        (list.state.data.length === 0 ? (
          <p class="empty">No breaches recorded.</p>
        ) : (
          <table class="table" data-testid="breaches">
            <caption class="visually-hidden">Breaches</caption>
            <thead>
              <tr>
                <th scope="col">Became aware</th>
                <th scope="col">Type</th>
                <th scope="col">Authority</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.state.data.map((b) => (
                <tr key={b.id} data-breach={b.id}>
                  <td>
                    <span class="cell-primary">{formatDateTime(b.awareAt)}</span>
                    <span class="cell-secondary">Deadline {formatDateTime(b.deadline)}</span>
                  </td>
                  <td>{b.types.map((t) => typeLabels[t].split(' ')[0]).join(', ')}</td>
                  <td>
                    <BreachClockBadge breach={b} now={now} />
                  </td>
                  <td class="cell-actions">
                    <Button onClick={() => setSelected(b.id)}>Open</Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}

      {selected && <BreachDetail key={selected} id={selected} now={now} onChanged={() => void list.reload()} />}
    </>
  );
}

function BreachDetail(props: { id: string; now: Date; onChanged: () => void }) {
  const api = useApi();
  const breach = useResource(() => getBreach(api, props.id), [api, props.id]);
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const saving = useSubmit();
  const adding = useSubmit();
  const [emptyUpdate, setEmptyUpdate] = useState(false);

  if (breach.state.status === 'loading') return <Loading label="Loading the breach…" />;
  if (breach.state.status === 'error') return <ErrorAlert error={breach.state.error} title="The breach could not be loaded" />;
  const b: Breach = breach.state.data;

  async function onSave(input: BreachInput) {
    const saved = await saving.run(() => editBreach(api, b.id, input));
    if (saved) {
      breach.set(saved);
      setEditing(false);
      props.onChanged();
    }
  }

  async function onAddUpdate(e: Event) {
    e.preventDefault();
    if (!text.trim()) {
      setEmptyUpdate(true);
      return;
    }
    const saved = await adding.run(() => addBreachUpdate(api, b.id, text));
    if (saved) {
      breach.set(saved);
      setText('');
      props.onChanged();
    }
  }

  return (
    <section class="panel" aria-label="Breach" data-testid="breach">
      <h2>Breach of {formatDateTime(b.awareAt)}</h2>
      <p>
        <BreachClockBadge breach={b} now={props.now} />
      </p>
      {editing ? (
        <>
          <BreachForm initial={b} busy={saving.busy} submitLabel="Save changes" error={saving.error} onSubmit={(input) => void onSave(input)} />
          <ErrorAlert error={saving.error} title="The changes were not saved" />
          <Button onClick={() => setEditing(false)}>Cancel</Button>
        </>
      ) : (
        <>
          <dl class="facts">
            <dt>Type</dt>
            <dd>{b.types.map((t) => typeLabels[t]).join('; ')}</dd>
            <dt>Personal data</dt>
            <dd>{b.dataCategories}</dd>
            <dt>People</dt>
            <dd>{b.subjectCategories}</dd>
            <dt>Approximate numbers</dt>
            <dd data-testid="breach-numbers">
              {b.approxSubjects === null ? 'Number of people not known yet' : `About ${count(b.approxSubjects, 'person', 'people')}`},{' '}
              {b.approxRecords === null ? 'number of records not known yet' : `${count(b.approxRecords, 'record', 'records')}`}
            </dd>
            <dt>Likely consequences</dt>
            <dd>{b.consequences}</dd>
            <dt>Measures</dt>
            <dd>{b.measures}</dd>
            <dt>Contact point</dt>
            <dd>{b.contactPoint}</dd>
            <dt>Decision</dt>
            <dd>
              {decisionLabels[b.decision]}
              {b.decisionReasons && `: ${b.decisionReasons}`}
            </dd>
            <dt>Authority notified</dt>
            <dd>{b.authorityNotifiedAt ? formatDateTime(b.authorityNotifiedAt) : 'Not yet'}</dd>
            {b.lateNotificationReason && (
              <>
                <dt>Reasons for the delay</dt>
                <dd>{b.lateNotificationReason}</dd>
              </>
            )}
            <dt>People concerned</dt>
            <dd>
              {communicationLabels[b.subjectCommunication]}
              {b.subjectsCommunicatedAt && ` (${formatDateTime(b.subjectsCommunicatedAt)})`}
              {b.communicationDetails && `: ${b.communicationDetails}`}
            </dd>
            {b.keysNotCompromisedStatement && (
              <>
                <dt>Keys not compromised</dt>
                <dd>{b.keysNotCompromisedStatement}</dd>
              </>
            )}
          </dl>
          <Button onClick={() => setEditing(true)}>Edit</Button>
        </>
      )}

      <h3>Follow-up</h3>
      {b.updates.length === 0 ? (
        <p class="empty">No follow-up yet.</p>
      ) : (
        <ol>
          {b.updates.map((u) => (
            <li key={u.id}>
              <span class="cell-secondary">{formatDateTime(u.at)}</span> {u.text}
            </li>
          ))}
        </ol>
      )}
      <form class="form" aria-label="Add a follow-up" onSubmit={(e) => void onAddUpdate(e)} noValidate>
        <TextAreaField
          label="Follow-up"
          name="update"
          hint="What was learnt or done since. Follow-ups cannot be changed later."
          value={text}
          onValue={(v) => {
            setText(v);
            setEmptyUpdate(false);
          }}
          error={emptyUpdate ? 'Write the follow-up first.' : fieldErrorsOf(adding.error).text}
          required
        />
        <SubmitButton busy={adding.busy} busyLabel="Adding…">
          Add follow-up
        </SubmitButton>
      </form>
      <ErrorAlert error={adding.error} title="The follow-up was not added" />
      {b.clock === 'overdue' && (
        <Alert kind="warning" title="Past the 72 h deadline">
          Notify the authority now and record the reasons for the delay with the notification time.
        </Alert>
      )}
    </section>
  );
}
