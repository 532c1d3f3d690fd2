import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ErrorAlert } from '../../../shared/ui/alert.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { SelectField } from '../../../shared/ui/field.tsx';
import { useSubmit } from '../../../shared/use-submit.ts';
import { roleDescriptions, roleLabels, roles, type Role } from '../../roles.ts';
import { issueSetupLink, resetTotp, updateUser, type SetupLink, type User } from './users.api.ts';

const roleChoices = roles.map((r) => ({ value: r, label: roleLabels[r] }));

/** An admin's controls over one account: role, disabling, a new set-up link, resetting the second factor. */
export function UserAccessPanel(props: {
  user: User;
  isSelf: boolean;
  onChanged: (user: User) => void;
  onLink: (user: User, link: SetupLink) => void;
}) {
  const { user } = props;
  const api = useApi();
  const [role, setRole] = useState<Role>(user.role);
  const roleSave = useSubmit();
  const status = useSubmit();
  const link = useSubmit();
  const totp = useSubmit();

  async function onSaveRole(e: Event) {
    e.preventDefault();
    const updated = await roleSave.run(() => updateUser(api, user.id, { role }));
    if (updated) props.onChanged(updated);
  }

  const disabled = user.status === 'disabled';
  return (
    <div class="panel-grid">
      <section>
        <h3>Role</h3>
        <ErrorAlert error={roleSave.error} title="The role was not changed" />
        <form class="form" onSubmit={onSaveRole}>
          <SelectField label="New role" hint={roleDescriptions[role]} name="role" choices={roleChoices} value={role} onValue={setRole} />
          <p class="muted">Changing the role signs the person out everywhere; they sign in again with the new role.</p>
          <div class="form-actions">
            <SubmitButton busy={roleSave.busy} busyLabel="Saving…" disabled={role === user.role}>
              Change role
            </SubmitButton>
          </div>
        </form>
      </section>
      <section>
        <h3>Access</h3>
        <ErrorAlert error={status.error ?? link.error ?? totp.error} />
        <dl class="actions-list">
          <dt>{disabled ? 'Enable the account' : 'Disable the account'}</dt>
          <dd>
            <p class="muted">
              {disabled
                ? 'The person can sign in again with their password.'
                : `Signs ${props.isSelf ? 'you' : 'the person'} out at once and refuses sign-in. Records are kept; nothing is deleted.`}
            </p>
            {disabled ? (
              <Button busy={status.busy} busyLabel="Enabling…" onClick={() => void status.run(() => updateUser(api, user.id, { disabled: false })).then((u) => u && props.onChanged(u))}>
                Enable account
              </Button>
            ) : (
              <ConfirmButton
                label="Disable account"
                confirmLabel={props.isSelf ? 'Yes, disable my own account' : `Yes, disable ${user.displayName}`}
                busyLabel="Disabling…"
                busy={status.busy}
                variant="danger"
                onConfirm={() => void status.run(() => updateUser(api, user.id, { disabled: true })).then((u) => u && props.onChanged(u))}
              />
            )}
          </dd>
          <dt>New set-up link</dt>
          <dd>
            <p class="muted">
              For a forgotten password or a lost invitation: Parley mails {props.isSelf ? 'you' : 'the person'} a new link to
              choose a password ({user.email}). Older links stop working.
            </p>
            <Button busy={link.busy} busyLabel="Sending link…" disabled={disabled} onClick={() => void link.run(() => issueSetupLink(api, user.id)).then((l) => l && props.onLink(user, l))}>
              Send new set-up link
            </Button>
          </dd>
          <dt>Two-factor sign-in</dt>
          <dd>
            <p class="muted">
              {user.totpEnabled
                ? props.isSelf
                  ? 'Set up. Resetting it signs you out everywhere and removes your recovery codes; you set up a new authenticator app when you sign in again.'
                  : 'Set up. Reset it when the person lost their phone and their recovery codes: it signs them out and removes their codes; they set up a new authenticator app at their next sign-in.'
                : 'Not set up yet.'}
            </p>
            {user.totpEnabled && (
              <ConfirmButton
                label="Reset two-factor sign-in"
                confirmLabel="Yes, reset it"
                busyLabel="Resetting…"
                busy={totp.busy}
                onConfirm={() => void totp.run(() => resetTotp(api, user.id)).then((u) => u && props.onChanged(u))}
              />
            )}
          </dd>
        </dl>
      </section>
    </div>
  );
}
