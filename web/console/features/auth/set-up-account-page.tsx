import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ApiError, fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { SubmitButton } from '../../../shared/ui/button.tsx';
import { TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { useSession } from '../../session.tsx';
import { completeSetup, inspectSetupLink, type SetupInfo } from './auth.api.ts';
import { AuthLayout } from './auth-layout.tsx';

export const MIN_PASSWORD_LENGTH = 12;

const tokenInFragment = () => new URLSearchParams(window.location.hash.slice(1)).get('token');

/**
 * Reads the one-time token from the link's fragment (`/setup#token=psl_…`: a fragment never reaches server logs
 * or a Referer header) and removes it from the address bar at once, so it stays out of history and screenshots.
 * A link pasted into a tab already showing /setup changes only the fragment (no page load): that is read too.
 */
function useTokenFromFragment(): string | null {
  const [token, setToken] = useState(tokenInFragment);
  useEffect(() => {
    const take = () => {
      const found = tokenInFragment();
      if (found) setToken(found);
      if (window.location.hash) history.replaceState(history.state, '', window.location.pathname + window.location.search);
    };
    take();
    window.addEventListener('hashchange', take);
    return () => window.removeEventListener('hashchange', take);
  }, []);
  return token;
}

/** Opening a one-time set-up link: the first administrator's account, a new user's password, or a reset. */
export function SetUpAccountPage() {
  const api = useApi();
  const token = useTokenFromFragment();
  const info = useResource(async () => (token ? inspectSetupLink(api, token) : null), [api, token]);

  if (!token) {
    return (
      <AuthLayout title="Set up your account">
        <Alert kind="warning" title="The set-up link is incomplete">
          <p>
            This page needs the whole link you were sent, including the part after <code>#token=</code>. Open the link
            again exactly as you received it, or copy and paste all of it into the address bar.
          </p>
          <p>If you already used it and reloaded this page, the link is used up: sign in instead, or ask an administrator for a new one.</p>
        </Alert>
        <p>
          <a href="/login">Go to sign-in</a>
        </p>
      </AuthLayout>
    );
  }

  switch (info.state.status) {
    case 'loading':
      return (
        <AuthLayout title="Set up your account">
          <Loading label="Checking your set-up link…" />
        </AuthLayout>
      );
    case 'error': {
      const invalid = info.state.error instanceof ApiError && info.state.error.code === 'SETUP_LINK_INVALID';
      return (
        <AuthLayout title="Set up your account">
          <ErrorAlert error={info.state.error} title={invalid ? 'This link cannot be used' : 'The link could not be checked'} />
          {invalid ? (
            <p>
              Set-up links work once and for a limited time. Ask an administrator of your organisation to send you a new
              one from the Users page. Setting up Parley for the first time? Restart the server: while no account exists
              it prints a fresh link.
            </p>
          ) : (
            <p>Reload the page to try again.</p>
          )}
          <p>
            <a href="/login">Go to sign-in</a>
          </p>
        </AuthLayout>
      );
    }
    case 'ready':
      return info.state.data ? <SetupForm key={token} token={token} info={info.state.data} /> : null;
  }
}

function SetupForm(props: { token: string; info: SetupInfo }) {
  const api = useApi();
  const session = useSession();
  const { route } = useLocation();
  const firstAdmin = props.info.kind === 'first_admin';
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [formErrors, setFormErrors] = useState<Record<string, string>>({});
  const submit = useSubmit();
  const serverErrors = fieldErrorsOf(submit.error);
  const signedInAs = session.state.status === 'signed_in' ? session.state.me.user.email : null;

  function check(): Record<string, string> {
    // Every field that is missing or wrong is flagged at once, each beside itself (issue 12, finding 15).
    const errors: Record<string, string> = {};
    if (firstAdmin) {
      if (!email.trim()) errors.email = 'Enter your work email address.';
      else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = 'Enter a valid email address.';
      if (!displayName.trim()) errors.displayName = 'Enter your name.';
    }
    if (password.length < MIN_PASSWORD_LENGTH) errors.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
    if (!confirm) errors.confirm = 'Enter the password again.';
    else if (confirm !== password) errors.confirm = 'The two passwords are not the same.';
    return errors;
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    const errors = check();
    setFormErrors(errors);
    if (Object.keys(errors).length > 0) return;
    const stage = await submit.run(() =>
      completeSetup(api, { token: props.token, password, ...(firstAdmin ? { email: email.trim(), displayName: displayName.trim() } : {}) }),
    );
    if (stage === undefined) return;
    await session.refresh();
    // A pending second factor is finished on the sign-in route; an active session goes into the console.
    route(stage === 'active' ? '/' : '/login', true);
  }

  const title = firstAdmin ? 'Create the administrator account' : 'Choose your password';
  return (
    <AuthLayout
      title={title}
      intro={
        firstAdmin ? (
          <p>
            You are setting up Parley for <strong>{props.info.organisationName}</strong>. This first account is an
            administrator: it manages settings and invites everyone else. You will then set up an authenticator app.
          </p>
        ) : (
          <p>
            Welcome{props.info.displayName ? `, ${props.info.displayName}` : ''}. Choose the password for your account at{' '}
            <strong>{props.info.organisationName}</strong>.
          </p>
        )
      }
    >
      {signedInAs && (
        <Alert kind="info">
          You are signed in as {signedInAs}. Finishing this set-up signs you in with the account of this link instead.
        </Alert>
      )}
      <ErrorAlert error={submit.error} title="Your account could not be set up" />
      <form class="form" onSubmit={onSubmit} noValidate>
        {firstAdmin ? (
          <>
            <TextField
              label="Your work email address"
              hint="You sign in with it."
              type="email"
              name="email"
              autoComplete="username"
              required
              error={formErrors.email ?? serverErrors.email}
              value={email}
              onValue={setEmail}
            />
            <TextField
              label="Your name"
              hint="Shown to colleagues in the console."
              name="displayName"
              autoComplete="name"
              required
              error={formErrors.displayName ?? serverErrors.displayName}
              value={displayName}
              onValue={setDisplayName}
            />
          </>
        ) : (
          <TextField label="Email address" name="email" autoComplete="username" readOnly value={props.info.email ?? ''} onValue={() => {}} />
        )}
        <TextField
          label="Password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong password that is easy to remember.`}
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          error={formErrors.password ?? serverErrors.password}
          value={password}
          onValue={setPassword}
        />
        <TextField
          label="Password again"
          type="password"
          name="confirm"
          autoComplete="new-password"
          required
          error={formErrors.confirm}
          value={confirm}
          onValue={setConfirm}
        />
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Saving…">
            {firstAdmin ? 'Create account' : 'Set password'}
          </SubmitButton>
        </div>
      </form>
    </AuthLayout>
  );
}
