import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { SubmitButton } from '../../../shared/ui/button.tsx';
import { TextField } from '../../../shared/ui/field.tsx';
import { useSubmit } from '../../../shared/use-submit.ts';
import { useSession, type SignedOutReason } from '../../session.tsx';
import { signIn } from './auth.api.ts';
import { AuthLayout } from './auth-layout.tsx';

const notices: Readonly<Record<SignedOutReason, string | null>> = {
  start: null,
  signed_out: 'You have signed out.',
  session_lost: 'Your session ended, so you were signed out. Sign in again to continue.',
};

/** Step one of signing in: email and password. The session then says whether a code is needed. */
export function SignInPage(props: { reason: SignedOutReason }) {
  const api = useApi();
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = useSubmit();
  const notice = notices[props.reason];

  async function onSubmit(e: Event) {
    e.preventDefault();
    const done = await submit.run(async () => {
      await signIn(api, { email, password });
      return true;
    });
    if (done) await session.refresh();
    else setPassword('');
  }

  return (
    <AuthLayout
      title="Sign in"
      intro={<p>Use the email address and password of your Parley account. Administrators and data protection officers then enter a code from their authenticator app.</p>}
    >
      {notice && !submit.error && <Alert kind="info">{notice}</Alert>}
      <ErrorAlert error={submit.error} title="Sign-in failed" />
      <form class="form" onSubmit={onSubmit}>
        <TextField label="Email address" type="email" name="email" autoComplete="username" required value={email} onValue={setEmail} />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Signing in…">
            Sign in
          </SubmitButton>
        </div>
      </form>
      <p class="muted">
        Forgot your password, or new here? An administrator can send you a one-time set-up link from the Users page.
      </p>
    </AuthLayout>
  );
}
