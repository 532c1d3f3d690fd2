import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { SelectField, TextField } from '../../../shared/ui/field.tsx';
import { useSubmit } from '../../../shared/use-submit.ts';
import { roleDescriptions, roleLabels, roles, type Role } from '../../roles.ts';
import { inviteUser, type SetupLink, type User } from './users.api.ts';

const roleChoices = roles.map((r) => ({ value: r, label: roleLabels[r] }));

/** Creates the account (status "invited"); Parley mails the person a one-time set-up link. */
export function InviteUserForm(props: { onInvited: (user: User, link: SetupLink) => void; onCancel: () => void }) {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const result = await submit.run(() => inviteUser(api, { email: email.trim(), displayName: displayName.trim(), role }));
    if (result) props.onInvited(result.user, result.setupLink);
  }

  return (
    <section class="panel" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite a user</h2>
      <p class="muted">Parley creates the account and mails the person a one-time link to choose their password.</p>
      <ErrorAlert error={submit.error} title="The user was not invited" />
      <form class="form" onSubmit={onSubmit} noValidate>
        <TextField label="Email address" type="email" name="email" required error={errors.email} value={email} onValue={setEmail} />
        <TextField label="Name" hint="As colleagues know them." name="displayName" required error={errors.displayName} value={displayName} onValue={setDisplayName} />
        <SelectField label="Role" hint={roleDescriptions[role]} name="role" choices={roleChoices} value={role} error={errors.role} onValue={setRole} />
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Inviting…">
            Invite and send link
          </SubmitButton>
          <Button variant="link" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </section>
  );
}
