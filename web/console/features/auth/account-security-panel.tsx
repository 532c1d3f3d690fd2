import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { count } from '../../../shared/format.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { regenerateRecoveryCodes } from './auth.api.ts';
import { RecoveryCodesList } from './recovery-codes-list.tsx';
import { TotpCodeField } from './totp-code-field.tsx';

/** Few enough left that the person should make new codes before they run out. */
const LOW = 3;

/**
 * The signed-in person's own recovery codes: how many are left, and making a new set (which needs a current code from
 * the authenticator app and voids the old set). Shown to everyone with two-factor sign-in on.
 */
export function AccountSecurityPanel(props: { left: number }) {
  const api = useApi();
  const [left, setLeft] = useState(props.left);
  const [making, setMaking] = useState(false);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const made = await submit.run(() => regenerateRecoveryCodes(api, code));
    setCode('');
    if (!made) return;
    setCodes(made);
    setLeft(made.length);
    setMaking(false);
  }

  const low = left <= LOW;
  return (
    <section class="panel" aria-labelledby="account-security-heading" data-testid="account-security">
      <h2 id="account-security-heading">Your recovery codes</h2>
      {codes ? (
        <Alert kind="success" title="New recovery codes made">
          <p>Your old codes no longer work.</p>
          <RecoveryCodesList codes={codes} />
          <div class="form-actions">
            <Button onClick={() => setCodes(null)}>I have saved them</Button>
          </div>
        </Alert>
      ) : (
        <p class={low ? 'text-warning' : 'muted'} data-testid="recovery-codes-left">
          {left === 0
            ? 'You have no recovery codes left. Make new ones now: without them, a lost phone locks you out until another administrator resets your two-factor sign-in.'
            : `You have ${count(left, 'unused recovery code', 'unused recovery codes')}. Each one signs you in once if you do not have your phone.${low ? ' Make new ones before they run out.' : ''}`}
        </p>
      )}
      {!codes && !making && (
        <div class="form-actions">
          <Button onClick={() => setMaking(true)}>Make new recovery codes</Button>
        </div>
      )}
      {making && (
        <form class="form" onSubmit={onSubmit}>
          <p class="muted">Enter a code from your authenticator app to confirm it is you. Your current recovery codes stop working.</p>
          <ErrorAlert error={submit.error} title="No new codes were made" />
          <TotpCodeField value={code} onValue={setCode} error={errors.code} />
          <div class="form-actions">
            <SubmitButton busy={submit.busy} busyLabel="Making codes…" disabled={code.length !== 6}>
              Make new codes
            </SubmitButton>
            <Button variant="link" onClick={() => setMaking(false)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
