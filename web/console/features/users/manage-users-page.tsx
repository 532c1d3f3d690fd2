import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDate } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { can, roleLabels } from '../../roles.ts';
import { useMe } from '../../session.tsx';
import { AccountSecurityPanel } from '../auth/account-security-panel.tsx';
import { InviteUserForm } from './invite-user-form.tsx';
import { SetupLinkNotice } from './setup-link-notice.tsx';
import { TrainingRecords } from './training-records.tsx';
import { UserAccessPanel } from './user-access-panel.tsx';
import { listUsers, type SetupLink, type User } from './users.api.ts';

const statusLabels: Readonly<Record<User['status'], string>> = {
  invited: 'Invited',
  active: 'Active',
  disabled: 'Disabled',
};

/** Everyone with a console account in the organisation; admins manage accounts, admins and DPOs record training. */
export function ManageUsersPage() {
  const api = useApi();
  const me = useMe();
  const users = useResource(() => listUsers(api), [api]);
  const [inviting, setInviting] = useState(false);
  const [issued, setIssued] = useState<{ user: User; link: SetupLink; fresh: boolean } | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const manage = can(me.user.role, 'users.manage');

  const list = users.state.status === 'ready' ? users.state.data : [];
  const selected = list.find((u) => u.id === selectedId) ?? null;
  const nameOf = (userId: string) => list.find((u) => u.id === userId)?.displayName ?? userId;
  const replace = (user: User) => users.set(list.map((u) => (u.id === user.id ? user : u)));

  return (
    <>
      <PageHeader
        title="Users"
        actions={
          manage &&
          !inviting && (
            <Button variant="primary" onClick={() => setInviting(true)}>
              Invite a user
            </Button>
          )
        }
      >
        <p>
          The people who use Parley for your organisation. Administrators and data protection officers must sign in with an
          authenticator app. Record each person's GDPR training here so you can show who was trained, and when.
        </p>
      </PageHeader>

      {issued && <SetupLinkNotice user={issued.user} link={issued.link} fresh={issued.fresh} onDismiss={() => setIssued(null)} />}
      {me.recoveryCodesLeft !== null && <AccountSecurityPanel left={me.recoveryCodesLeft} />}
      {inviting && (
        <InviteUserForm
          onCancel={() => setInviting(false)}
          onInvited={(user, link) => {
            setInviting(false);
            setIssued({ user, link, fresh: true });
            users.set([...list, user]);
          }}
        />
      )}

      {users.state.status === 'loading' && <Loading label="Loading users…" />}
      {users.state.status === 'error' && <ErrorAlert error={users.state.error} title="The users could not be loaded" />}
      {users.state.status === 'ready' && (
        <table class="table">
          <caption class="visually-hidden">Users of {me.organisation.legalName}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Two-factor</th>
              <th scope="col">Last training</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((u) => (
              <tr key={u.id} aria-selected={u.id === selectedId}>
                <td>
                  <span class="cell-primary">{u.displayName}</span>
                  {u.id === me.user.id && <span class="muted"> (you)</span>}
                  <span class="cell-secondary">{u.email}</span>
                </td>
                <td>{roleLabels[u.role]}</td>
                <td>
                  <span class={`badge badge-status-${u.status}`}>{statusLabels[u.status]}</span>
                </td>
                <td>{u.totpEnabled ? 'On' : u.role === 'agent' ? 'Off' : <span class="text-warning">Not set up yet</span>}</td>
                <td>{u.lastTrainingOn ? formatDate(u.lastTrainingOn) : <span class="muted">None recorded</span>}</td>
                <td class="cell-actions">
                  <Button onClick={() => setSelectedId(u.id === selectedId ? null : u.id)}>
                    {u.id === selectedId ? 'Close' : manage ? 'Manage' : 'Training'}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {selected && (
        <section class="panel" aria-labelledby="user-panel-heading" key={selected.id}>
          <div class="panel-header">
            <h2 id="user-panel-heading">
              {selected.displayName} <span class="muted">· {selected.email}</span>
            </h2>
            <Button variant="link" onClick={() => setSelectedId(null)}>
              Close
            </Button>
          </div>
          {manage && (
            <UserAccessPanel user={selected} isSelf={selected.id === me.user.id} onChanged={replace} onLink={(user, link) => setIssued({ user, link, fresh: false })} />
          )}
          {can(me.user.role, 'training.record') && (
            <TrainingRecords user={selected} isSelf={selected.id === me.user.id} nameOf={nameOf} onRecorded={() => void users.reload()} />
          )}
        </section>
      )}
    </>
  );
}
