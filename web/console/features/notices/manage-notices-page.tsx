import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { listCallTypes } from '../call-types/call-types.api.ts';
import { getOrganisation } from '../organisation/organisation.api.ts';
import { describeTextField, NoticeEditor } from './notice-editor.tsx';
import { NoticePreview } from './notice-preview.tsx';
import { createNotice, listNotices, type Notice } from './notices.api.ts';

const organisationFieldLabels: Readonly<Record<string, string>> = {
  address: 'Postal address',
  contactEmail: 'Contact email for privacy questions',
  dpoName: 'Name of the data protection officer',
  dpoEmail: 'Email of the data protection officer',
  supervisoryAuthority: 'Supervisory authority',
};

/** The privacy notice: immutable published versions, editable drafts, and a preview per locale and call type. */
export function ManageNoticesPage() {
  const api = useApi();
  const notices = useResource(() => listNotices(api), [api]);
  const organisation = useResource(() => getOrganisation(api), [api]);
  const callTypes = useResource(() => listCallTypes(api), [api]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const creating = useSubmit();

  const list = notices.state.status === 'ready' ? notices.state.data : [];
  const current = list.find((n) => n.status === 'published') ?? null;
  // The newest version is where work happens; any other can be opened from the list.
  const selected = list.find((n) => n.id === selectedId) ?? list[0] ?? null;
  const openDraft = list.find((n) => n.status === 'draft') ?? null;
  const organisationGaps = organisation.state.status === 'ready' ? organisation.state.data.missingFields : [];

  async function onNewDraft() {
    const created = await creating.run(() => createNotice(api));
    if (!created) return;
    notices.set([created, ...list]);
    setSelectedId(created.id);
  }

  const replace = (n: Notice) => notices.set(list.map((x) => (x.id === n.id ? n : x)));

  return (
    <>
      <PageHeader
        title="Privacy notices"
        actions={
          <Button variant="primary" busy={creating.busy} busyLabel="Creating…" onClick={() => void onNewDraft()}>
            New draft
          </Button>
        }
      >
        <p>
          Customers read this notice before their camera or microphone is asked for. Each published version is fixed for
          good, with a fingerprint, so you can always show what a customer was told. A new version starts as a copy of the
          current one.
        </p>
      </PageHeader>

      {organisationGaps.length > 0 && (
        <Alert kind="warning" title="The organisation settings are incomplete" testId="organisation-gaps">
          <p>
            A notice cannot be published until these are filled in on the <a href="/organisation">organisation settings</a> page:
          </p>
          <ul>
            {organisationGaps.map((f) => (
              <li key={f}>{organisationFieldLabels[f] ?? f}</li>
            ))}
          </ul>
        </Alert>
      )}
      <ErrorAlert error={creating.error} title="No draft was created" />
      {openDraft && openDraft.id !== selected?.id && (
        <Alert kind="info">
          <p>
            Version {openDraft.version} is a draft.{' '}
            <Button variant="link" onClick={() => setSelectedId(openDraft.id)}>
              Open it
            </Button>
          </p>
        </Alert>
      )}

      {notices.state.status === 'loading' && <Loading label="Loading notice versions…" />}
      {notices.state.status === 'error' && <ErrorAlert error={notices.state.error} title="The notices could not be loaded" />}
      {notices.state.status === 'ready' && list.length === 0 && (
        <p class="empty">No notice yet. Start a draft: customers cannot join calls until a notice is published.</p>
      )}
      {list.length > 0 && (
        <table class="table">
          <caption class="visually-hidden">Versions of the privacy notice</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Published</th>
              <th scope="col">Fingerprint</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((n) => (
              <tr key={n.id} aria-selected={n.id === selected?.id} data-notice-version={n.version}>
                <td class="cell-number">{n.version}</td>
                <td>
                  <span class={`badge badge-notice-${n.status}`}>
                    {n.status === 'draft' ? 'Draft' : n.id === current?.id ? 'Published, shown to customers' : 'Published, superseded'}
                  </span>
                  {n.status === 'draft' && n.missingFields.length > 0 && (
                    <span class="cell-secondary">Missing: {n.missingFields.map(describeTextField).join(', ')}</span>
                  )}
                </td>
                <td>{n.publishedAt ? formatDateTime(n.publishedAt) : <span class="muted">Not yet</span>}</td>
                <td>{n.contentHash ? <code class="hash" title={n.contentHash}>{n.contentHash.slice(0, 12)}</code> : <span class="muted">—</span>}</td>
                <td class="cell-actions">
                  <Button onClick={() => setSelectedId(n.id)} disabled={n.id === selected?.id}>
                    {n.status === 'draft' ? 'Edit' : 'View'}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {selected && (
        <section class="panel" aria-labelledby="notice-heading" key={selected.id}>
          <div class="panel-header">
            <h2 id="notice-heading">
              Version {selected.version} <span class="muted">· {selected.status === 'draft' ? 'draft' : 'published'}</span>
            </h2>
          </div>
          <NoticeEditor notice={selected} organisationGaps={organisationGaps} onChanged={replace} />
        </section>
      )}

      {selected && callTypes.state.status === 'ready' && (
        <section class="panel" aria-labelledby="notice-preview-heading">
          <h2 id="notice-preview-heading">Preview of version {selected.version}</h2>
          <p class="muted">As a customer would read it, filled in from the organisation settings and the call type as they are now.</p>
          {callTypes.state.data.length === 0 ? (
            <p class="empty">There is no call type in use to preview the notice with.</p>
          ) : (
            <NoticePreview key={`${selected.id}-${selected.updatedAt}`} callTypes={callTypes.state.data} noticeId={selected.id} />
          )}
        </section>
      )}
    </>
  );
}
