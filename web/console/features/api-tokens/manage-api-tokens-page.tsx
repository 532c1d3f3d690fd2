import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { CopyField } from '../../../shared/ui/copy-field.tsx';
import { SelectField, TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { roleLabels, roles, type Role } from '../../roles.ts';
import { listUsers } from '../users/users.api.ts';
import { createApiToken, listApiTokens, revokeApiToken, type ApiToken } from './api-tokens.api.ts';

const roleChoices = roles.map((r) => ({ value: r, label: roleLabels[r] }));

/** What a token of each role can reach (a token never needs a second factor: it is not a person signing in). */
const tokenRoleHints: Readonly<Record<Role, string>> = {
  agent: 'Can do what an agent can: the least access, enough for scheduling calls.',
  dpo: 'Can read users and the audit log and edit privacy settings, like a data protection officer.',
  admin: 'Full access, including users and settings. Only for systems that really manage Parley.',
};

/** Tokens other systems (a CRM, a booking tool) use to call Parley's API without a person signing in. */
export function ManageApiTokensPage() {
  const api = useApi();
  const tokens = useResource(() => listApiTokens(api), [api]);
  // Only to show who created each token by name; the ids stay visible when this fails.
  const people = useResource(() => listUsers(api), [api]);
  const [created, setCreated] = useState<{ token: string; apiToken: ApiToken } | null>(null);
  const [creating, setCreating] = useState(false);
  const revoke = useSubmit();
  const [revoking, setRevoking] = useState<string | null>(null);

  const list = tokens.state.status === 'ready' ? tokens.state.data : [];
  const nameOf = (userId: string) => (people.state.status === 'ready' ? people.state.data.find((u) => u.id === userId)?.displayName : undefined) ?? userId;

  async function onRevoke(token: ApiToken) {
    setRevoking(token.id);
    const revoked = await revoke.run(() => revokeApiToken(api, token.id));
    setRevoking(null);
    if (revoked) tokens.set(list.map((t) => (t.id === revoked.id ? revoked : t)));
  }

  return (
    <>
      <PageHeader
        title="API tokens"
        actions={
          !creating && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              Create a token
            </Button>
          )
        }
      >
        <p>
          An API token lets another of your systems call Parley's API, acting with the role you choose. Treat it like a
          password: store it in that system's secret store, give each system its own token, and revoke a token as soon as it
          is no longer needed. Every use is checked against the token's role.
        </p>
      </PageHeader>

      {created && (
        <Alert kind="success" title={`Token “${created.apiToken.name}” created`} testId="new-token">
          <p>
            <strong>Copy the token now: it cannot be shown again.</strong> Parley stores only a fingerprint of it. If it is lost,
            revoke it and create a new one.
          </p>
          <CopyField label="API token" value={created.token} />
          <div class="form-actions">
            <Button onClick={() => setCreated(null)}>I have stored it</Button>
          </div>
        </Alert>
      )}

      {creating && (
        <CreateTokenForm
          onCancel={() => setCreating(false)}
          onCreated={(result) => {
            setCreating(false);
            setCreated(result);
            tokens.set([result.apiToken, ...list]);
          }}
        />
      )}

      <ErrorAlert error={revoke.error} title="The token was not revoked" />
      {tokens.state.status === 'loading' && <Loading label="Loading API tokens…" />}
      {tokens.state.status === 'error' && <ErrorAlert error={tokens.state.error} title="The API tokens could not be loaded" />}
      {tokens.state.status === 'ready' &&
        (list.length === 0 ? (
          <p class="empty">No API tokens yet. Create one when another system needs to call Parley.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((t) => (
                <tr key={t.id} class={t.revokedAt ? 'row-inactive' : undefined}>
                  <td>
                    <span class="cell-primary">{t.name}</span>
                    <span class="cell-secondary">
                      <code>{t.id}</code>
                    </span>
                  </td>
                  <td>{roleLabels[t.role]}</td>
                  <td>
                    {formatDateTime(t.createdAt)}
                    <span class="cell-secondary">by {nameOf(t.createdBy)}</span>
                  </td>
                  <td>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : <span class="muted">Never</span>}</td>
                  <td>
                    {t.revokedAt ? (
                      <span class="badge badge-status-disabled">Revoked {formatDateTime(t.revokedAt)}</span>
                    ) : (
                      <span class="badge badge-status-active">Active</span>
                    )}
                  </td>
                  <td class="cell-actions">
                    {!t.revokedAt && (
                      <ConfirmButton
                        label="Revoke"
                        confirmLabel="Yes, revoke"
                        busyLabel="Revoking…"
                        busy={revoking === t.id}
                        variant="danger"
                        onConfirm={() => void onRevoke(t)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}

function CreateTokenForm(props: { onCreated: (result: { token: string; apiToken: ApiToken }) => void; onCancel: () => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const result = await submit.run(() => createApiToken(api, { name: name.trim(), role }));
    if (result) props.onCreated(result);
  }

  return (
    <section class="panel" aria-labelledby="create-token-heading">
      <h2 id="create-token-heading">Create an API token</h2>
      <ErrorAlert error={submit.error} title="The token was not created" />
      <form class="form" onSubmit={onSubmit} noValidate>
        <TextField label="Name" hint="Which system uses it, e.g. “CRM appointment sync”." name="name" required maxLength={100} error={errors.name} value={name} onValue={setName} />
        <SelectField
          label="Role"
          hint={`${tokenRoleHints[role]} Choose the least the system needs.`}
          name="role"
          choices={roleChoices}
          value={role}
          error={errors.role}
          onValue={setRole}
        />
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Creating…" disabled={name.trim() === ''}>
            Create token
          </SubmitButton>
          <Button variant="link" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </section>
  );
}
