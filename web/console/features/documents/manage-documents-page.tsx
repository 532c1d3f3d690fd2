import { useEffect, useRef, useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { SelectField, TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { can } from '../../roles.ts';
import { useMe } from '../../session.tsx';
import {
  addSubProcessor,
  approveDpia,
  changeSubProcessor,
  documentUrl,
  listDocuments,
  listSubProcessors,
  removeSubProcessor,
  transferTools,
  type DocumentKind,
  type DocumentList,
  type DpiaState,
  type SubProcessor,
  type TransferTool,
} from './documents.api.ts';

const transferToolLabels: Readonly<Record<TransferTool, string>> = {
  none: 'None (inside the EEA)',
  adequacy_decision: 'Adequacy decision (Art. 45)',
  sccs_tia: 'Standard contractual clauses + transfer impact assessment (Art. 46)',
};

const dpiaLabels: Readonly<Record<DpiaState['state'], string>> = {
  not_approved: 'Not approved yet',
  approved: 'Approved',
  needs_review: 'Needs review',
};

const languageNames: Readonly<Record<'en' | 'de', string>> = { en: 'English', de: 'German' };

const processorFieldLabels: Readonly<Record<DocumentList['processorMissing'][number], string>> = {
  name: 'its legal name',
  address: 'its postal address',
  contactEmail: 'its contact email for data protection',
};

const inWords = (items: readonly string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/**
 * Accountability documents (issue 7): DPA, mini-DPIA, records of processing, sub-processors and the privacy-policy
 * snippet, generated from the configuration as it is now; the DPIA's approval; the sub-processor list.
 */
export function ManageDocumentsPage() {
  const api = useApi();
  const me = useMe();
  const docs = useResource(() => listDocuments(api), [api]);
  const [viewing, setViewing] = useState<{ kind: DocumentKind; locale: 'en' | 'de' } | null>(null);
  const approving = useSubmit();

  async function onApprove() {
    if (await approving.run(() => approveDpia(api))) void docs.reload();
  }

  return (
    <>
      <PageHeader title="Documents">
        <p>
          Each document is generated from Parley's configuration as it is now — organisation, call types, retention, notice,
          sub-processors, storage location and the measures Parley applies — and stamped with the configuration version and
          date. Generate it again after a change.
        </p>
      </PageHeader>

      {docs.state.status === 'loading' && <Loading label="Loading documents…" />}
      {docs.state.status === 'error' && <ErrorAlert error={docs.state.error} title="The documents could not be loaded" />}
      {docs.state.status === 'ready' && (
        <>
          <p data-testid="documents-stamp">
            Generated now, the documents state the settings in force: {docs.state.data.stamp.description} · as of{' '}
            {formatDateTime(docs.state.data.generatedAt)}
          </p>
          {docs.state.data.processorMissing.length > 0 && (
            <Alert kind="warning" title="The data processing agreement does not name the processor yet" testId="processor-missing">
              <p>
                Missing: {inWords(docs.state.data.processorMissing.map((f) => processorFieldLabels[f]))} of whoever runs this Parley
                installation for you. Until they are entered the documents say “not provided yet”. An administrator or data protection
                officer enters them in the <a href="/organisation">organisation settings</a>, under Processor.
              </p>
            </Alert>
          )}
          <section aria-label="DPIA state">
            <h2>Data protection impact assessment</h2>
            <p>
              <span class={`badge ${docs.state.data.dpia.state === 'approved' ? 'badge-status-active' : ''}`}>{dpiaLabels[docs.state.data.dpia.state]}</span>{' '}
              {docs.state.data.dpia.approvedAt &&
                `Last approved ${formatDateTime(docs.state.data.dpia.approvedAt)}${
                  docs.state.data.dpia.approvedConfigText ? ` for ${docs.state.data.dpia.approvedConfigText}` : ''
                }.`}
            </p>
            {docs.state.data.dpia.state === 'needs_review' && (
              <Alert kind="warning" title="Settings the DPIA rests on changed">
                <p>Changed since the approval: {inWords(docs.state.data.dpia.reviewReasonTexts)}. Read the assessment again and approve it.</p>
              </Alert>
            )}
            {me.user.role === 'dpo' && docs.state.data.dpia.state !== 'approved' && (
              <Button variant="primary" busy={approving.busy} busyLabel="Approving…" onClick={() => void onApprove()}>
                Approve
              </Button>
            )}
            <ErrorAlert error={approving.error} title="The DPIA was not approved" />
          </section>

          <table class="table">
            <caption class="visually-hidden">Generated documents</caption>
            <thead>
              <tr>
                <th scope="col">Document</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {docs.state.data.documents.flatMap((d) =>
                d.locales.map((locale) => (
                  <tr key={`${d.kind}-${locale}`}>
                    <td>
                      <span class="cell-primary">{d.title}</span>
                      <span class="cell-secondary">{languageNames[locale]}</span>
                    </td>
                    <td class="cell-actions">
                      <Button onClick={() => setViewing({ kind: d.kind, locale })}>View</Button>{' '}
                      <a class="button button-secondary" href={documentUrl(d.kind, 'pdf', locale)} download>
                        PDF
                      </a>{' '}
                      <a class="button button-secondary" href={documentUrl(d.kind, 'md', locale)} download>
                        Markdown
                      </a>
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>

          {viewing && (
            <DocumentViewer
              title={docs.state.data.documents.find((d) => d.kind === viewing.kind)?.title ?? ''}
              language={languageNames[viewing.locale]}
              url={documentUrl(viewing.kind, 'html', viewing.locale)}
              onClose={() => setViewing(null)}
            />
          )}
        </>
      )}

      {can(me.user.role, 'documents.manage') && <SubProcessorEditor onChanged={() => void docs.reload()} />}
    </>
  );
}

/**
 * The document in a dialog that fills the window (a small frame in the page was hard to read), or on a page of its own
 * in a new tab. Sandboxed with no permissions: the document is shown, nothing in it can run. Escape closes it.
 */
function DocumentViewer(props: { title: string; language: string; url: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={dialog} class="document-viewer" aria-label="Document preview" onClose={props.onClose}>
      <div class="document-viewer-bar">
        <h2>
          {props.title} <span class="muted">({props.language})</span>
        </h2>
        <a class="button button-secondary" href={props.url} target="_blank" rel="noopener">
          Open in a new tab
        </a>
        <Button onClick={props.onClose}>Close preview</Button>
      </div>
      <iframe title="Document preview" class="document-preview" sandbox="" src={props.url} />
    </dialog>
  );
}

const empty = { name: '', purpose: '', location: '', country: '', transferTool: 'none' as TransferTool };

/** The sub-processor list (G39); the server refuses a non-EEA entry without a transfer tool (G53). */
function SubProcessorEditor(props: { onChanged: () => void }) {
  const api = useApi();
  const list = useResource(() => listSubProcessors(api), [api]);
  const [form, setForm] = useState(empty);
  const [editing, setEditing] = useState<string | null>(null);
  const saving = useSubmit();
  const removing = useSubmit();
  const set = (field: keyof typeof empty) => (value: string) => setForm({ ...form, [field]: value });

  async function onSave(e: Event) {
    e.preventDefault();
    const input = { ...form, country: form.country.trim() };
    const saved = await saving.run(() => (editing ? changeSubProcessor(api, editing, input) : addSubProcessor(api, input)));
    if (saved) {
      setForm(empty);
      setEditing(null);
      void list.reload();
      props.onChanged();
    }
  }

  function onEdit(sp: SubProcessor) {
    setEditing(sp.id);
    setForm({ name: sp.name, purpose: sp.purpose, location: sp.location, country: sp.country, transferTool: sp.transferTool });
  }

  async function onRemove(sp: SubProcessor) {
    if (await removing.run(() => removeSubProcessor(api, sp.id))) {
      void list.reload();
      props.onChanged();
    }
  }

  return (
    <section aria-label="Sub-processors">
      <h2>Sub-processors</h2>
      {list.state.status === 'loading' && <Loading label="Loading sub-processors…" />}
      {list.state.status === 'error' && <ErrorAlert error={list.state.error} title="The sub-processors could not be loaded" />}
      {list.state.status === 'ready' &&
        (list.state.data.length === 0 ? (
          <p class="empty">No sub-processors declared.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Sub-processors</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Location</th>
                <th scope="col">Transfer tool</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.state.data.map((sp) => (
                <tr key={sp.id}>
                  <td>
                    <span class="cell-primary">{sp.name}</span>
                    <span class="cell-secondary">{sp.purpose}</span>
                  </td>
                  <td>
                    {sp.location} ({sp.country}, {sp.inEea ? 'EEA' : 'outside the EEA'})
                  </td>
                  <td>{transferToolLabels[sp.transferTool]}</td>
                  <td class="cell-actions">
                    <Button onClick={() => onEdit(sp)}>Edit</Button>{' '}
                    <ConfirmButton label="Remove" confirmLabel={`Remove ${sp.name}`} busyLabel="Removing…" busy={removing.busy} variant="danger" onConfirm={() => void onRemove(sp)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      <ErrorAlert error={removing.error} title="The sub-processor was not removed" />

      <form class="form" aria-label={editing ? 'Change sub-processor' : 'Add sub-processor'} onSubmit={(e) => void onSave(e)}>
        <TextField label="Company name" name="name" value={form.name} onValue={set('name')} required />
        <TextField label="Purpose" name="purpose" hint="What it does for the calls, e.g. server hosting." value={form.purpose} onValue={set('purpose')} required />
        <TextField label="Location" name="location" hint="Where it processes the data, e.g. Falkenstein." value={form.location} onValue={set('location')} required />
        <TextField label="Country" name="country" hint="Two-letter code, e.g. DE or US. Decides whether it is in the EEA." value={form.country} onValue={set('country')} required />
        <SelectField
          label="Transfer tool"
          name="transferTool"
          hint="Required outside the EEA (Art. 44–46 GDPR)."
          choices={transferTools.map((t) => ({ value: t, label: transferToolLabels[t] }))}
          value={form.transferTool}
          onValue={(v) => setForm({ ...form, transferTool: v as TransferTool })}
        />
        <SubmitButton busy={saving.busy} busyLabel="Saving…">
          {editing ? 'Save changes' : 'Add sub-processor'}
        </SubmitButton>
        {editing && (
          <Button
            onClick={() => {
              setEditing(null);
              setForm(empty);
            }}
          >
            Cancel
          </Button>
        )}
      </form>
      <ErrorAlert error={saving.error} title="The sub-processor was not saved" />
    </section>
  );
}
