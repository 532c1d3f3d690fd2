import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { SelectField, TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { holdScopes, listLegalHolds, placeLegalHold, releaseLegalHold, type HoldScope, type LegalHold } from './legal-holds.api.ts';

const scopeLabels: Readonly<Record<HoldScope, string>> = {
  subject: 'A customer (everything about them)',
  call: 'A call (and its recordings)',
  recording: 'A recording',
};
const idHints: Readonly<Record<HoldScope, string>> = { subject: 'subj_…', call: 'call_…', recording: 'rec_…' };

/** Legal holds (G37): what must not be deleted — by the purge or on request — while a case or an inquiry runs. */
export function ManageLegalHoldsPage() {
  const api = useApi();
  const [filter, setFilter] = useState<'' | 'true' | 'false'>('true');
  const list = useResource(() => listLegalHolds(api, filter), [api, filter]);
  const [scope, setScope] = useState<HoldScope>('call');
  const [targetId, setTargetId] = useState('');
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const [endsOn, setEndsOn] = useState('');
  const placing = useSubmit();
  const releasing = useSubmit();

  async function onPlace(e: Event) {
    e.preventDefault();
    const placed = await placing.run(() => placeLegalHold(api, { scope, targetId: targetId.trim(), reference, reason, endsOn }));
    if (placed) {
      setTargetId('');
      setReference('');
      setReason('');
      void list.reload();
    }
  }

  async function onRelease(hold: LegalHold) {
    if (await releasing.run(() => releaseLegalHold(api, hold.id))) void list.reload();
  }

  return (
    <>
      <PageHeader title="Legal holds">
        <p>
          A legal hold keeps a customer's data, a call or a recording beyond its expiry while a case, an audit or an
          authority's inquiry needs it. Nothing it covers is deleted until you release it or its end date passes. Name the
          case in the reference, not the person: the hold is shown to everyone who manages retention.
        </p>
      </PageHeader>

      <form class="form" aria-label="Place a legal hold" onSubmit={(e) => void onPlace(e)}>
        <SelectField label="What to hold" name="scope" choices={holdScopes.map((s) => ({ value: s, label: scopeLabels[s] }))} value={scope} onValue={(v) => setScope(v as HoldScope)} />
        <TextField label="Id" name="targetId" hint={`The id from the Calls or Recordings page (${idHints[scope]}).`} value={targetId} onValue={setTargetId} required />
        <TextField label="Reference" name="reference" hint="The case or authority reference, e.g. LG Frankfurt 2-03 O 123/26." value={reference} onValue={setReference} required />
        <TextField label="Reason" name="reason" value={reason} onValue={setReason} required />
        <TextField label="Ends on" name="endsOn" type="date" hint="The last day the hold applies (it can be released earlier)." value={endsOn} onValue={setEndsOn} required />
        <SubmitButton busy={placing.busy} busyLabel="Placing…">
          Place hold
        </SubmitButton>
      </form>
      <ErrorAlert error={placing.error} title="The hold was not placed" />
      <ErrorAlert error={releasing.error} title="The hold was not released" />

      <form class="form filters filters-narrow" aria-label="Filter holds" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Show"
          name="active"
          choices={[
            { value: 'true', label: 'Holds in force' },
            { value: 'false', label: 'Released or ended' },
            { value: '', label: 'All holds' },
          ]}
          value={filter}
          onValue={(v) => setFilter(v as '' | 'true' | 'false')}
        />
      </form>

      {list.state.status === 'loading' && <Loading label="Loading legal holds…" />}
      {list.state.status === 'error' && <ErrorAlert error={list.state.error} title="The legal holds could not be loaded" />}
      {list.state.status === 'ready' &&
        (list.state.data.length === 0 ? (
          <p class="empty">No legal holds here.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Legal holds</caption>
            <thead>
              <tr>
                <th scope="col">Holds</th>
                <th scope="col">Reference</th>
                <th scope="col">Until</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.state.data.map((h) => (
                <tr key={h.id}>
                  <td>
                    <span class="cell-primary">{scopeLabels[h.scope]}</span>
                    <span class="cell-secondary">{h.targetId}</span>
                  </td>
                  <td>
                    <span class="cell-primary">{h.reference}</span>
                    <span class="cell-secondary">{h.reason}</span>
                  </td>
                  <td>{h.endsOn}</td>
                  <td>{h.active ? <span class="badge badge-status-active">In force</span> : <span class="badge">{h.releasedAt ? `Released ${formatDateTime(h.releasedAt)}` : 'Ended'}</span>}</td>
                  <td class="cell-actions">{h.active && <Button onClick={() => void onRelease(h)}>Release</Button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}
