import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../../shared/api/api-error.ts';
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
  chatMessages: 'chat messages they sent',
  chatMentions: 'their name or address in chat messages of others (replaced)',
  consentRecords: 'consent records',
  recordings: 'recordings',
  recordingTracks: 'recorded tracks',
  exports: 'data exports',
  mails: 'emails to or about them',
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
  previewErasure,
  produceExport,
  refuseRequest,
  requestStatuses,
  restrictSubject,
  type ErasurePreview,
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

/** "1 item", "3 items". */
const items = (n: number) => `${n} ${new Intl.PluralRules('en-GB').select(n) === 'one' ? 'item' : 'items'}`;

/**
 * What the erasure would do, before it does it: what goes, what is kept and why (the exception, its reference and
 * until when). Nothing has changed yet; only "Erase now" erases, and only if that is still exactly what happens.
 */
function ErasurePreviewPanel(props: { preview: ErasurePreview; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const { preview } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [preview.fingerprint]);
  return (
    <section class="panel" aria-labelledby="erasure-preview-heading" data-testid="erasure-preview">
      <h3 id="erasure-preview-heading" ref={heading} tabIndex={-1}>
        Before you erase: what goes and what is kept
      </h3>
      <p>Nothing has been erased yet. This is what erasing now would do; the requester is then mailed this report.</p>
      {!preview.subjectFound ? (
        <p data-testid="erasure-preview-nothing">
          Nothing is on file for this address. Erasing completes the request and tells the requester that no data was stored.
        </p>
      ) : (
        <>
          <h4>Erased</h4>
          {preview.erased.length === 0 ? (
            <p>Nothing (everything found is kept under an exception).</p>
          ) : (
            <ul data-testid="erasure-preview-erased">
              {preview.erased.map((e) => (
                <li key={e.category}>
                  {categoryLabels[e.category] ?? 'other data'}: {items(e.count)}
                </li>
              ))}
            </ul>
          )}
          <h4>Kept, and why</h4>
          {preview.kept.length === 0 ? (
            <p>Nothing is kept.</p>
          ) : (
            <ul data-testid="erasure-preview-kept">
              {preview.kept.map((k) => (
                <li key={`${k.category}-${k.reason}-${k.reference}-${k.until}`}>
                  {categoryLabels[k.category] ?? 'other data'}: {items(k.count)} — {keptReasonLabels[k.reason] ?? 'an exception'} ({k.reference}) until{' '}
                  {formatUntil(k.until)}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <div class="form-actions">
        <Button variant="danger" busy={props.busy} busyLabel="Erasing…" onClick={props.onConfirm}>
          Erase now
        </Button>
        <Button variant="link" onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
    </section>
  );
}

function RequestPanel(props: { id: string; onChanged: () => void; onClose: () => void }) {
  const api = useApi();
  const request = useResource(() => getRequest(api, props.id), [api, props.id]);
  const action = useSubmit();
  const [text, setText] = useState('');
  const [months, setMonths] = useState<'1' | '2'>('2');
  const [preview, setPreview] = useState<ErasurePreview | null>(null);
  const previewing = useSubmit();

  /** Erasure happens in two steps: this computes what it would do (nothing changes yet). */
  async function showPreview() {
    const p = await previewing.run(() => previewErasure(api, props.id));
    if (p) setPreview(p);
  }

  async function confirmErasure(fingerprint: string) {
    const done = await action.run(() => eraseSubject(api, props.id, fingerprint));
    if (done) {
      setPreview(null);
      request.set(done);
      props.onChanged();
    }
  }

  // A preview the erasure no longer matches (data or holds changed meanwhile) is replaced by the current one.
  useEffect(() => {
    if (action.error instanceof ApiError && action.error.code === 'ERASURE_PREVIEW_STALE' && preview) void showPreview();
  }, [action.error]);

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
                Erased: {categoryLabels[e.category] ?? 'other data'} ({e.count})
              </li>
            ))}
            {r.outcome.report.kept.map((k) => (
              <li key={k.itemId}>
                Kept: {categoryLabels[k.category] ?? 'other data'} — {keptReasonLabels[k.reason] ?? 'an exception'} ({k.reference}) until {formatUntil(k.until)}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {r.outcome?.action === 'export_produced' && <Alert kind="info" title="Export produced">The requester was sent a link to download it with a fresh code.</Alert>}

      {action.error !== null && <ErrorAlert error={action.error} />}

      {isOpen && r.type === 'access' && <Button variant="primary" busy={action.busy} onClick={() => void act(() => produceExport(api, r.id))}>Produce the export</Button>}
      {isOpen && r.type === 'erasure' && !preview && (
        <Button variant="primary" busy={previewing.busy} busyLabel="Working out what would be erased…" onClick={() => void showPreview()}>
          Erase…
        </Button>
      )}
      {previewing.error !== null && <ErrorAlert error={previewing.error} title="The erasure preview could not be made" />}
      {isOpen && r.type === 'erasure' && preview && (
        <ErasurePreviewPanel
          preview={preview}
          busy={action.busy}
          onConfirm={() => void confirmErasure(preview.fingerprint)}
          onCancel={() => {
            setPreview(null);
            action.clearError();
          }}
        />
      )}
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
