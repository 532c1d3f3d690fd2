import { useLocation } from 'preact-iso';
import { useLayoutEffect } from 'preact/hooks';
import { ErrorAlert } from '../shared/ui/alert.tsx';
import { Button } from '../shared/ui/button.tsx';
import { Loading } from '../shared/ui/loading.tsx';
import { ConsoleRoutes, isConsolePath } from './console-routes.tsx';
import { AuthLayout } from './features/auth/auth-layout.tsx';
import { EnrolTotpPage } from './features/auth/enrol-totp-page.tsx';
import { EnterTotpPage } from './features/auth/enter-totp-page.tsx';
import { SetUpAccountPage } from './features/auth/set-up-account-page.tsx';
import { SignInPage } from './features/auth/sign-in-page.tsx';
import { useSession } from './session.tsx';

const LOGIN = '/login';
const SETUP = '/setup';

/** Replaces the address (no history entry) and renders nothing meanwhile. */
function Redirect(props: { to: string }) {
  const { route } = useLocation();
  useLayoutEffect(() => route(props.to, true), [props.to]);
  return null;
}

/**
 * The gate: the session decides which page a path shows. Signed-out visitors and sessions still waiting for a
 * second factor live on /login; /setup is open in every state (a link can be opened at any time); the console
 * pages need an active session.
 */
export function App() {
  const session = useSession();
  const { path, url } = useLocation();
  const { state } = session;

  if (state.status === 'loading') {
    return (
      <div class="auth-screen">
        <Loading label="Opening the Parley console…" />
      </div>
    );
  }
  if (state.status === 'unreachable') {
    return (
      <AuthLayout title="Parley is not answering">
        <ErrorAlert error={state.error} />
        <p>The console could not reach its server. It may be restarting; try again in a moment.</p>
        <div class="form-actions">
          <Button variant="primary" onClick={() => void session.refresh()}>
            Try again
          </Button>
        </div>
      </AuthLayout>
    );
  }
  if (path === SETUP) return <SetUpAccountPage />;

  if (state.status === 'signed_out' || state.me.stage !== 'active') {
    if (path !== LOGIN) {
      // Continue where they were going after a session expired or a bookmark was opened, but not after signing out.
      const resumable = state.status === 'signed_out' ? state.reason !== 'signed_out' : true;
      if (resumable && isConsolePath(path)) session.returnTo = url;
      return <Redirect to={LOGIN} />;
    }
    if (state.status === 'signed_out') return <SignInPage reason={state.reason} />;
    return state.me.stage === 'totp' ? <EnterTotpPage email={state.me.user.email} role={state.me.user.role} /> : <EnrolTotpPage role={state.me.user.role} />;
  }

  if (path === LOGIN) {
    const next = session.returnTo ?? '/';
    session.returnTo = null;
    return <Redirect to={next} />;
  }
  return <ConsoleRoutes me={state.me} />;
}
