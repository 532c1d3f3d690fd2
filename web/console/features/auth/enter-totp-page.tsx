import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { useSubmit } from '../../../shared/use-submit.ts';
import { useSession } from '../../session.tsx';
import { submitTotp } from './auth.api.ts';
import { AuthLayout } from './auth-layout.tsx';
import { TotpCodeField } from './totp-code-field.tsx';

/** Step two of signing in, for accounts with an authenticator app. */
export function EnterTotpPage(props: { email: string }) {
  const api = useApi();
  const session = useSession();
  const [code, setCode] = useState('');
  const submit = useSubmit();
  const leaving = useSubmit();

  async function onSubmit(e: Event) {
    e.preventDefault();
    const done = await submit.run(async () => {
      await submitTotp(api, code);
      return true;
    });
    if (done) await session.refresh();
    else setCode('');
  }

  return (
    <AuthLayout
      title="Enter your sign-in code"
      intro={
        <p>
          Open the authenticator app on your phone and enter the code it shows for Parley (<strong>{props.email}</strong>).
        </p>
      }
    >
      <ErrorAlert error={submit.error ?? leaving.error} />
      <form class="form" onSubmit={onSubmit}>
        <TotpCodeField value={code} onValue={setCode} />
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Checking…" disabled={code.length !== 6}>
            Continue
          </SubmitButton>
          <Button variant="link" busy={leaving.busy} busyLabel="Signing out…" onClick={() => void leaving.run(session.signOut)}>
            Use a different account
          </Button>
        </div>
      </form>
      <p class="muted">Lost your phone? An administrator can reset your two-factor sign-in; you then set it up again.</p>
    </AuthLayout>
  );
}
