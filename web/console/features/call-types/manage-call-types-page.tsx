import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { SelectField, type Choice } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { can } from '../../roles.ts';
import { useMe } from '../../session.tsx';
import { NoticePreview } from '../notices/notice-preview.tsx';
import { CallTypeForm } from './call-type-form.tsx';
import { archiveCallType, listCallTypes, listRetentionPresets, type CallType, type CallTypeStatus } from './call-types.api.ts';
import { basisLabels, formatDays, purposeLabels, recordingModeLabels } from './explanations.ts';

const statusChoices: readonly Choice<CallTypeStatus>[] = [
  { value: 'active', label: 'In use' },
  { value: 'archived', label: 'Archived' },
  { value: 'all', label: 'All' },
];

type Panel = { kind: 'create' } | { kind: 'edit'; id: string } | { kind: 'preview'; id: string } | null;

/** Call types: what each kind of call is for, on which legal basis, and how long its data is kept. */
export function ManageCallTypesPage() {
  const api = useApi();
  const me = useMe();
  const manage = can(me.user.role, 'callTypes.manage');
  const [status, setStatus] = useState<CallTypeStatus>('active');
  const callTypes = useResource(() => listCallTypes(api, status), [api, status]);
  const presets = useResource(() => listRetentionPresets(api), [api]);
  const [panel, setPanel] = useState<Panel>(null);
  const [saved, setSaved] = useState<CallType | null>(null);
  const archive = useSubmit();

  const list = callTypes.state.status === 'ready' ? callTypes.state.data : [];
  const selected = panel && panel.kind !== 'create' ? list.find((c) => c.id === panel.id) ?? null : null;

  async function onArchive(ct: CallType) {
    const archived = await archive.run(() => archiveCallType(api, ct.id));
    if (!archived) return;
    if (panel && panel.kind !== 'create' && panel.id === ct.id) setPanel(null);
    void callTypes.reload();
  }

  return (
    <>
      <PageHeader
        title="Call types"
        actions={
          manage &&
          panel?.kind !== 'create' && (
            <Button
              variant="primary"
              onClick={() => {
                setSaved(null);
                setPanel({ kind: 'create' });
              }}
            >
              New call type
            </Button>
          )
        }
      >
        <p>
          Every call has a type. It declares the purposes of the call, each with its lawful basis, whether it is recorded,
          whether the chat is kept, and how long each kind of data is kept. Customers read all of this in the privacy notice
          before they join, rendered from these settings as they are now.
        </p>
        {!manage && <p>Administrators and data protection officers change call types; you can read them and preview the notice.</p>}
      </PageHeader>

      {saved && (
        <Alert kind="success" testId="call-type-saved">
          “{saved.name}” saved (version {saved.version}).
        </Alert>
      )}
      <ErrorAlert error={archive.error} title="The call type was not archived" />

      {panel?.kind === 'create' && presets.state.status === 'ready' && (
        <CallTypeForm
          callType={null}
          presets={presets.state.data}
          onCancel={() => setPanel(null)}
          onSaved={(ct) => {
            setSaved(ct);
            setPanel(null);
            void callTypes.reload();
          }}
        />
      )}

      <form class="filters form" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Show" name="status" choices={statusChoices} value={status} onValue={setStatus} />
      </form>

      {callTypes.state.status === 'loading' && <Loading label="Loading call types…" />}
      {callTypes.state.status === 'error' && <ErrorAlert error={callTypes.state.error} title="The call types could not be loaded" />}
      {callTypes.state.status === 'ready' &&
        (list.length === 0 ? (
          <p class="empty">No call types here.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Call types</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Purposes and bases</th>
                <th scope="col">Recording</th>
                <th scope="col">Retention</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((ct) => (
                <tr key={ct.id} class={ct.archivedAt ? 'row-inactive' : undefined} aria-selected={selected?.id === ct.id} data-call-type={ct.name}>
                  <td>
                    <span class="cell-primary">{ct.name}</span>
                    <span class="cell-secondary">
                      Version {ct.version}
                      {ct.archivedAt ? `, archived ${formatDateTime(ct.archivedAt)}` : ''}
                    </span>
                  </td>
                  <td>
                    <ul class="plain-list">
                      {ct.purposes.map((p) => (
                        <li key={p.purpose}>
                          {purposeLabels[p.purpose]}: <span class="muted">{basisLabels[p.basis]}</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    {recordingModeLabels[ct.recordingMode]}
                    {ct.recordingLegalReference && <span class="cell-secondary">{ct.recordingLegalReference}</span>}
                    {ct.staffRecordingBasis && (
                      <span class="cell-secondary">
                        Staff: {ct.staffRecordingBasis === 'legitimate_interest' ? 'on legitimate interest' : 'on the same legal obligation'}
                      </span>
                    )}
                    {ct.e2eeRequired && ct.recordingMode !== 'off' && <span class="cell-secondary">End-to-end encrypted, to the recording key</span>}
                  </td>
                  <td>
                    <ul class="plain-list">
                      <li>Call details: {formatDays(ct.retention.callMetadataDays)}</li>
                      <li>Chat: {ct.chatKept ? formatDays(ct.retention.chatDays) : 'not kept'}</li>
                      {ct.recordingMode !== 'off' && <li>Recordings: {formatDays(ct.retention.recordingsDays)}</li>}
                      <li>Consent records: {formatDays(ct.retention.consentDays)}</li>
                    </ul>
                  </td>
                  <td class="cell-actions">
                    <Button onClick={() => setPanel(panel?.kind === 'preview' && panel.id === ct.id ? null : { kind: 'preview', id: ct.id })}>
                      Preview notice
                    </Button>
                    {manage && !ct.archivedAt && (
                      <>
                        <Button
                          onClick={() => {
                            setSaved(null);
                            setPanel({ kind: 'edit', id: ct.id });
                          }}
                        >
                          Edit
                        </Button>
                        <ConfirmButton
                          label="Archive"
                          confirmLabel={`Archive “${ct.name}”`}
                          busyLabel="Archiving…"
                          busy={archive.busy}
                          onConfirm={() => void onArchive(ct)}
                        />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}

      {panel?.kind === 'edit' && selected && presets.state.status === 'ready' && (
        <CallTypeForm
          key={selected.id}
          callType={selected}
          presets={presets.state.data}
          onCancel={() => setPanel(null)}
          onSaved={(ct) => {
            setSaved(ct);
            setPanel(null);
            callTypes.set(list.map((c) => (c.id === ct.id ? ct : c)));
          }}
        />
      )}
      {panel?.kind === 'preview' && selected && (
        <section class="panel" aria-labelledby="preview-heading">
          <div class="panel-header">
            <h2 id="preview-heading">What customers of “{selected.name}” read before joining</h2>
            <Button variant="link" onClick={() => setPanel(null)}>
              Close
            </Button>
          </div>
          <NoticePreview callTypes={list} callTypeId={selected.id} />
        </section>
      )}
    </>
  );
}
