import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { TextField } from '../../../shared/ui/field.tsx';
import { count } from '../../../shared/format.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import type { Role } from '../../roles.ts';
import { useSession } from '../../session.tsx';
import { submitRecoveryCode, submitTotp } from './auth.api.ts';
import { AuthLayout } from './auth-layout.tsx';
import { TotpCodeField } from './totp-code-field.tsx';

/**
 * Step two of signing in, for accounts with an authenticator app: a code from the app, or — phone lost or not at
 * hand — one of the recovery codes made when the app was set up.
 */
export function EnterTotpPage(props: { email: string; role: Role }) {
  const api = useApi();
  const session = useSession();
  const [mode, setMode] = useState<'app' | 'recovery'>('app');
  const [code, setCode] = useState('');
  const [recoveryCode, setRecoveryCode] = useState('');
  const [left, setLeft] = useState<number | null>(null);
  const submit = useSubmit();
  const leaving = useSubmit();
  const entering = useSubmit();

  async function onSubmit(e: Event) {
    e.preventDefault();
    const done = await submit.run(async () => {
      await submitTotp(api, code);
      return true;
    });
    if (done) await session.refresh();
    else setCode('');
  }

  async function onRecovery(e: Event) {
    e.preventDefault();
    const remaining = await submit.run(() => submitRecoveryCode(api, recoveryCode));
    setRecoveryCode('');
    if (remaining !== undefined) setLeft(remaining);
  }

  function switchTo(next: 'app' | 'recovery') {
    submit.clearError();
    setMode(next);
  }

  const signOutButton = (label: string) => (
    <Button variant="link" busy={leaving.busy} busyLabel="Signing out…" onClick={() => void leaving.run(session.signOut)}>
      {label}
    </Button>
  );

  // Signed in with a recovery code: say what it cost and what to do about a lost phone, then open the console.
  if (left !== null) {
    const isAdmin = props.role === 'admin';
    return (
      <AuthLayout title="Signed in with a recovery code">
        <Alert kind={left <= 3 ? 'warning' : 'info'} testId="recovery-codes-left">
          <p>
            That code is used up. You have {count(left, 'recovery code', 'recovery codes')} left.
            {left <= 3 && ' Make new ones in Users, under “Your recovery codes”, before they run out.'}
          </p>
        </Alert>
        <p>
          Still have your phone? Nothing more to do. Lost it?{' '}
          {isAdmin
            ? 'In Users, open your own account and reset its two-factor sign-in: you are signed out, and at your next sign-in you set up the authenticator app on your new phone (with new recovery codes). Another administrator can do this for you too.'
            : 'Ask an administrator of your organisation to reset your two-factor sign-in; at your next sign-in you then set up the authenticator app on your new phone. Until then, sign in with your recovery codes.'}
        </p>
        <ErrorAlert error={entering.error} />
        <div class="form-actions">
          <Button variant="primary" busy={entering.busy} busyLabel="Opening the console…" onClick={() => void entering.run(session.refresh)}>
            Continue to the console
          </Button>
        </div>
      </AuthLayout>
    );
  }

  if (mode === 'recovery') {
    return (
      <AuthLayout
        title="Sign in with a recovery code"
        intro={
          <p>
            Enter one of the recovery codes you saved when you set up two-factor sign-in for <strong>{props.email}</strong>. Each
            code works once.
          </p>
        }
      >
        <ErrorAlert error={submit.error ?? leaving.error} />
        <form class="form" onSubmit={onRecovery}>
          <TextField
            label="Recovery code"
            hint="12 letters and digits, like k7m2-q9xd-4hwp. Dashes and capitals do not matter."
            name="recoveryCode"
            autoComplete="off"
            required
            maxLength={40}
            value={recoveryCode}
            onValue={setRecoveryCode}
          />
          <div class="form-actions">
            <SubmitButton busy={submit.busy} busyLabel="Checking…" disabled={recoveryCode.trim() === ''}>
              Sign in
            </SubmitButton>
            <Button variant="link" onClick={() => switchTo('app')}>
              Use the authenticator app instead
            </Button>
          </div>
        </form>
        <p class="muted">No codes left either? An administrator can reset your two-factor sign-in. {signOutButton('Use a different account')}</p>
      </AuthLayout>
    );
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
          {signOutButton('Use a different account')}
        </div>
      </form>
      <p class="muted">
        Phone lost or not at hand?{' '}
        <Button variant="link" onClick={() => switchTo('recovery')}>
          Use a recovery code
        </Button>
      </p>
    </AuthLayout>
  );
}
