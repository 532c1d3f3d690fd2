import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { SelectField, TextAreaField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDate, formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';

/** The erasure report's categories and reasons as the console shows them. */
const categoryLabels: Record<string, string> = {
  subject: 'customer record',
  subjectContact: 'name and email (record kept, pseudonymised)',
  participants: 'call participations',
  calls: 'calls',
  attendance: 'attendance',
  chatMessages: 'chat messages',
  consentRecords: 'consent records',
  recordings: 'recordings',
  recordingTracks: 'recorded tracks',
  exports: 'data exports',
  mails: 'emails',
  rightsRequests: 'rights requests',
};
const keptReasonLabels: Record<string, string> = { legal_hold: 'legal hold', legal_obligation: 'legal obligation', consent_proof: 'proof of consent' };
import {
  completeWithNote,
  eraseSubject,
  extendRequest,
  getRequest,
  liftRestriction,
  listRequests,
  produceExport,
  refuseRequest,
  requestStatuses,
  restrictSubject,
  type RequestDetail,
  type RequestStatus,
  type RequestType,
} from './rights-requests.api.ts';

const typeLabels: Readonly<Record<RequestType, string>> = {
  access: 'Access (Art. 15)',
  erasure: 'Erasure (Art. 17)',
  restriction: 'Restriction (Art. 18)',
  objection: 'Objection (Art. 21)',
  rectification: 'Rectification (Art. 16)',
};
const statusLabels: Readonly<Record<RequestStatus, string>> = {
  unverified: 'Address not confirmed yet',
  open: 'Open',
  completed: 'Completed',
  refused: 'Refused',
  withdrawn: 'Withdrawn',
  expired: 'Expired',
};

/** A kept item's end: a legal hold's last day (`YYYY-MM-DD`), else an instant (ISO-8601). */
const formatUntil = (until: string) => (/^\d{4}-\d{2}-\d{2}$/.test(until) ? formatDate(until) : formatDateTime(until));

/** The DPO's queue of data-subject requests, most urgent first, and one request with its actions. */
export function RightsRequestsPage() {
  const api = useApi();
  const [status, setStatus] = useState<RequestStatus | ''>('');
  const list = useResource(() => listRequests(api, status), [api, status]);
  const [openId, setOpenId] = useState<string | null>(null);

  return (
    <>
      <PageHeader title="Rights requests">
        <p>
          Requests people made on your public request page. Each must be answered within one month of receipt (Art. 12(3) GDPR);
          you may extend by up to two months, with reasons, before the due date.
        </p>
      </PageHeader>
      <form class="form filters filters-narrow" aria-label="Filter requests" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Status"
          name="status"
          value={status}
          onValue={setStatus}
          choices={[{ value: '' as const, label: 'All' }, ...requestStatuses.map((s) => ({ value: s, label: statusLabels[s] }))]}
        />
      </form>
      {list.state.status === 'loading' && <Loading label="Loading requests" />}
      {list.state.status === 'error' && <ErrorAlert error={list.state.error} />}
      {list.state.status === 'ready' &&
        (list.state.data.requests.length === 0 ? (
          <p>No requests.</p>
        ) : (
          <table class="table" data-testid="rights-requests">
            <thead>
              <tr>
                <th>Type</th>
                <th>Status</th>
                <th>Received</th>
                <th>Due</th>
                <th>Subject on file</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.state.data.requests.map((r) => (
                <tr key={r.id} data-overdue={r.overdue ? 'true' : undefined}>
                  <td>{typeLabels[r.type]}</td>
                  <td>
                    {statusLabels[r.status]}
                    {r.locked && <span class="badge badge-status-disabled"> Locked</span>}
                  </td>
                  <td>{formatDateTime(r.receivedAt)}</td>
                  <td>
                    {formatDateTime(r.effectiveDueAt)}
                    {r.extendedDueAt && <span class="badge"> Extended</span>}
                    {r.overdue && <span class="badge badge-status-disabled"> Overdue</span>}
                  </td>
                  <td>{r.verified ? (r.subjectFound ? 'Yes' : 'No') : '—'}</td>
                  <td>
                    <Button onClick={() => setOpenId(r.id)}>Open</Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {/* Keyed by request: a note typed for one request must not carry over to (and be sent with) another. */}
      {openId && <RequestPanel key={openId} id={openId} onChanged={() => void list.reload()} onClose={() => setOpenId(null)} />}
    </>
  );
}

function RequestPanel(props: { id: string; onChanged: () => void; onClose: () => void }) {
  const api = useApi();
  const request = useResource(() => getRequest(api, props.id), [api, props.id]);
  const action = useSubmit();
  const [text, setText] = useState('');
  const [months, setMonths] = useState<'1' | '2'>('2');

  async function act(run: () => Promise<RequestDetail>) {
    const done = await action.run(run);
    if (done) {
      request.set(done);
      setText('');
      props.onChanged();
    }
  }

  if (request.state.status === 'loading') return <Loading label="Loading the request" />;
  if (request.state.status === 'error') return <ErrorAlert error={request.state.error} />;
  const r = request.state.data;
  const isOpen = r.status === 'open';
  const canClose = r.status === 'open' || r.status === 'unverified';
  const restricted = r.outcome?.action === 'restricted' && !r.outcome.liftedAt;

  return (
    <section class="panel" aria-label="Request" data-testid="rights-request">
      <h2>{typeLabels[r.type]}</h2>
      <dl class="facts">
        <dt>Status</dt>
        <dd>{statusLabels[r.status]}{r.locked ? ' — locked after wrong codes' : ''}</dd>
        <dt>Requester</dt>
        <dd>{r.email} ({r.locale === 'de' ? 'German' : 'English'})</dd>
        <dt>Received</dt>
        <dd>{formatDateTime(r.receivedAt)}</dd>
        <dt>Due</dt>
        <dd>
          {formatDateTime(r.dueAt)}
          {r.extendedDueAt && ` — extended to ${formatDateTime(r.extendedDueAt)}: ${r.extensionReasons ?? ''}`}
          {r.overdue && ' — overdue'}
        </dd>
        <dt>Subject on file</dt>
        <dd>{!r.verified ? 'Known once the requester confirms the address' : r.subjectFound ? `Yes (${r.subjectId})` : 'No data on file for this address'}</dd>
        {r.details && (
          <>
            <dt>What they wrote</dt>
            <dd>
              <pre>{r.details}</pre>
            </dd>
          </>
        )}
        {r.refusalReasons && (
          <>
            <dt>Refused because</dt>
            <dd>{r.refusalReasons}</dd>
          </>
        )}
      </dl>

      {r.outcome?.report && (
        <Alert kind="info" title="Erasure report (sent to the requester)">
          <ul>
            {r.outcome.report.erased.map((e) => (
              <li key={e.category}>
                Erased: {categoryLabels[e.category] ?? e.category} ({e.count})
              </li>
            ))}
            {r.outcome.report.kept.map((k) => (
              <li key={k.itemId}>
                Kept: {categoryLabels[k.category] ?? k.category} — {keptReasonLabels[k.reason] ?? k.reason} ({k.reference}) until {formatUntil(k.until)}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {r.outcome?.action === 'export_produced' && <Alert kind="info" title="Export produced">The requester was sent a link to download it with a fresh code.</Alert>}

      {action.error !== null && <ErrorAlert error={action.error} />}

      {isOpen && r.type === 'access' && <Button variant="primary" busy={action.busy} onClick={() => void act(() => produceExport(api, r.id))}>Produce the export</Button>}
      {isOpen && r.type === 'erasure' && <Button variant="primary" busy={action.busy} onClick={() => void act(() => eraseSubject(api, r.id))}>Erase</Button>}
      {isOpen && r.type === 'restriction' && <Button variant="primary" busy={action.busy} onClick={() => void act(() => restrictSubject(api, r.id))}>Restrict</Button>}

      {(restricted || (isOpen && (r.type === 'objection' || r.type === 'rectification')) || canClose) && (
        <TextAreaField
          label={restricted ? 'Notice to the requester before lifting the restriction' : 'Note, reasons or notice (sent to the requester)'}
          name="text"
          value={text}
          onValue={setText}
        />
      )}
      {restricted && (
        <Button busy={action.busy} disabled={text.trim() === ''} onClick={() => void act(() => liftRestriction(api, r.id, text))}>
          Lift restriction
        </Button>
      )}
      {isOpen && (r.type === 'objection' || r.type === 'rectification') && (
        <Button busy={action.busy} disabled={text.trim() === ''} onClick={() => void act(() => completeWithNote(api, r.id, text))}>
          Complete with this note
        </Button>
      )}
      {r.canExtend && (
        <>
          <SelectField label="Extend by" name="months" value={months} onValue={setMonths} choices={[{ value: '1', label: 'One month' }, { value: '2', label: 'Two months' }]} />
          <Button busy={action.busy} disabled={text.trim() === ''} onClick={() => void act(() => extendRequest(api, r.id, Number(months), text))}>
            Extend with these reasons
          </Button>
        </>
      )}
      {canClose && (
        <Button busy={action.busy} disabled={text.trim() === ''} onClick={() => void act(() => refuseRequest(api, r.id, text))}>
          Refuse with these reasons
        </Button>
      )}
      <Button onClick={props.onClose}>Close</Button>
    </section>
  );
}
