import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useApi } from '../shared/api/api-context.tsx';
import { ApiError } from '../shared/api/api-error.ts';
import { getMe, isSignedIn, signOut as postSignOut, type Me } from './features/auth/auth.api.ts';

/** Why the sign-in page is showing, so it can say so. */
export type SignedOutReason = 'start' | 'signed_out' | 'session_lost';

/**
 * Who is using the console, as `GET /api/me` says. The session cookie is httpOnly: this page never sees it,
 * it only asks the server. `signed_in` covers every stage; the app shell picks the page for the stage.
 */
export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed_out'; readonly reason: SignedOutReason }
  | { readonly status: 'signed_in'; readonly me: Me }
  | { readonly status: 'unreachable'; readonly error: unknown };

export interface Session {
  readonly state: SessionState;
  /** Asks the server again (after sign-in steps, or after a change shown in the header such as the org name). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
  /** Where a signed-out visitor was going, to continue there after signing in. */
  returnTo: string | null;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider(props: { children: ComponentChildren }) {
  const api = useApi();
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const returnTo = useRef<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      if (!(await isSignedIn(api))) {
        setState((s) => ({ status: 'signed_out', reason: s.status === 'signed_in' ? 'session_lost' : 'start' }));
        return;
      }
      const me = await getMe(api);
      setState({ status: 'signed_in', me });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') {
        setState((s) => ({ status: 'signed_out', reason: s.status === 'signed_in' ? 'session_lost' : 'start' }));
      } else {
        setState({ status: 'unreachable', error });
      }
    }
  }, [api]);

  useEffect(() => {
    // The CSRF token first, so the first form sent does not need a retry; then who we are.
    void api
      .refreshCsrf()
      .catch(() => undefined)
      .then(refresh);
    return api.onSessionLost(() =>
      setState((s) => (s.status === 'signed_in' ? { status: 'signed_out', reason: 'session_lost' } : s)),
    );
  }, [api, refresh]);

  const signOut = useCallback(async () => {
    try {
      await postSignOut(api);
    } catch (error) {
      // Already signed out on the server is what we wanted; anything else is worth showing.
      if (!(error instanceof ApiError && error.code === 'UNAUTHENTICATED')) throw error;
    }
    returnTo.current = null;
    setState({ status: 'signed_out', reason: 'signed_out' });
  }, [api]);

  const session = useMemo<Session>(
    () => ({
      state,
      refresh,
      signOut,
      get returnTo() {
        return returnTo.current;
      },
      set returnTo(path: string | null) {
        returnTo.current = path;
      },
    }),
    [state, refresh, signOut],
  );

  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside <SessionProvider>');
  return session;
}

/** The signed-in person, for pages inside the console (rendered only for an active session). */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'signed_in') throw new Error('useMe() without a signed-in session');
  return state.me;
}
