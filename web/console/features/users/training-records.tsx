import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { SubmitButton } from '../../../shared/ui/button.tsx';
import { TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { formatDate, formatDateTime, todayIsoDate } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { listTraining, recordTraining, type User } from './users.api.ts';

/**
 * GDPR training attestations of one person. Playing back recordings needs a training that still counts, so admins
 * and DPOs record each course here with the day it was completed — for other people: nobody attests their own.
 */
export function TrainingRecords(props: { user: User; isSelf: boolean; nameOf: (userId: string) => string; onRecorded: () => void }) {
  const api = useApi();
  const { user } = props;
  const records = useResource(() => listTraining(api, user.id), [api, user.id]);
  const [course, setCourse] = useState('');
  const [completedOn, setCompletedOn] = useState(todayIsoDate());
  const [recorded, setRecorded] = useState<{ warning: string | null } | null>(null);
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);
  const today = todayIsoDate();

  async function onSubmit(e: Event) {
    e.preventDefault();
    setRecorded(null);
    const done = await submit.run(() => recordTraining(api, user.id, { course: course.trim(), completedOn }));
    if (!done) return;
    setCourse('');
    setRecorded({ warning: done.warning });
    await records.reload();
    props.onRecorded();
  }

  return (
    <section>
      <h3>GDPR training</h3>
      {records.state.status === 'loading' && <Loading label="Loading training records…" />}
      {records.state.status === 'error' && <ErrorAlert error={records.state.error} title="Training records could not be loaded" />}
      {records.state.status === 'ready' &&
        (records.state.data.length === 0 ? (
          <p class="muted">No training recorded for {props.isSelf ? 'you' : user.displayName} yet.</p>
        ) : (
          <table class="table table-compact">
            <caption class="visually-hidden">Training of {user.displayName}</caption>
            <thead>
              <tr>
                <th scope="col">Course</th>
                <th scope="col">Completed on</th>
                <th scope="col">Counts until</th>
                <th scope="col">Recorded by</th>
              </tr>
            </thead>
            <tbody>
              {records.state.data.map((r) => (
                <tr key={r.id}>
                  <td>{r.course}</td>
                  <td>{formatDate(r.completedOn)}</td>
                  <td>{r.validUntil < today ? <span class="muted">No longer counts (ran out {formatDate(r.validUntil)})</span> : formatDate(r.validUntil)}</td>
                  <td title={formatDateTime(r.createdAt)}>{props.nameOf(r.recordedBy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {props.isSelf ? (
        <p class="muted" data-testid="own-training">
          Your own training is recorded by someone else — your data protection officer or another administrator — so that
          each record is confirmed by a second person. If nobody else can yet, invite your data protection officer here in
          Users.
        </p>
      ) : (
        <>
          <form class="form form-inline" onSubmit={onSubmit} noValidate>
            <TextField label="Course" hint="e.g. “GDPR for client advisers 2026”" name="course" required error={errors.course} value={course} onValue={setCourse} />
            <TextField
              label="Completed on"
              type="date"
              name="completedOn"
              required
              max={today}
              error={errors.completedOn}
              value={completedOn}
              onValue={setCompletedOn}
            />
            <div class="form-actions">
              <SubmitButton busy={submit.busy} busyLabel="Recording…" disabled={course.trim() === '' || completedOn === ''}>
                Record training
              </SubmitButton>
            </div>
          </form>
          <ErrorAlert error={submit.error} title="The training was not recorded" />
          {recorded &&
            (recorded.warning ? (
              <Alert kind="warning" title="Recorded, but it does not count" testId="training-warning">
                <p>{recorded.warning}</p>
              </Alert>
            ) : (
              <Alert kind="success">Training recorded.</Alert>
            ))}
        </>
      )}
    </section>
  );
}
