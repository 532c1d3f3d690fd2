import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { groupInFours } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import type { Role } from '../../roles.ts';
import { useSession } from '../../session.tsx';
import { confirmTotpEnrolment, startTotpEnrolment } from './auth.api.ts';
import { AuthLayout } from './auth-layout.tsx';
import { RecoveryCodesList } from './recovery-codes-list.tsx';
import { TotpCodeField } from './totp-code-field.tsx';

const rolePhrases: Readonly<Record<Role, string>> = {
  admin: 'an administrator',
  dpo: 'the data protection officer',
  agent: 'an agent',
};

/**
 * Setting up an authenticator app, required for admins and DPOs before they reach the console. Each visit
 * issues a new key (the server keeps it pending until a code from it is confirmed).
 */
export function EnrolTotpPage(props: { role: Role }) {
  const api = useApi();
  const session = useSession();
  const enrolment = useResource(() => startTotpEnrolment(api), [api]);
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const submit = useSubmit();
  const leaving = useSubmit();
  const entering = useSubmit();

  async function onSubmit(e: Event) {
    e.preventDefault();
    const codes = await submit.run(() => confirmTotpEnrolment(api, code));
    if (codes) setRecoveryCodes(codes);
    else setCode('');
  }

  // Two-factor sign-in is on and the session is active; the codes are shown before the console, this once.
  if (recoveryCodes) {
    return (
      <AuthLayout wide title="Save your recovery codes" intro={<p>Two-factor sign-in is on. One more step before the console.</p>}>
        <RecoveryCodesList codes={recoveryCodes} />
        <ErrorAlert error={entering.error} />
        <div class="form-actions">
          <Button variant="primary" busy={entering.busy} busyLabel="Opening the console…" onClick={() => void entering.run(session.refresh)}>
            I have saved them — continue
          </Button>
        </div>
      </AuthLayout>
    );
  }

  const signOutButton = (
    <Button variant="link" busy={leaving.busy} busyLabel="Signing out…" onClick={() => void leaving.run(session.signOut)}>
      Cancel and sign out
    </Button>
  );

  return (
    <AuthLayout
      wide
      title="Set up two-factor sign-in"
      intro={
        <p>
          As {rolePhrases[props.role]} you can see personal data, so Parley asks for a code from an
          authenticator app each time you sign in. Any app for time-based codes works, for example FreeOTP, Aegis,
          Microsoft Authenticator or Google Authenticator.
        </p>
      }
    >
      <ErrorAlert error={leaving.error} />
      {enrolment.state.status === 'loading' && <Loading label="Creating your key…" />}
      {enrolment.state.status === 'error' && (
        <>
          <ErrorAlert error={enrolment.state.error} title="The key could not be created" />
          <div class="form-actions">{signOutButton}</div>
        </>
      )}
      {enrolment.state.status === 'ready' && (
        <>
          <ol class="steps">
            <li>
              <h2>Add Parley to your app</h2>
              <div class="enrolment">
                <img
                  class="qr-code"
                  src={enrolment.state.data.qrCodeDataUrl}
                  width={220}
                  height={220}
                  alt="QR code to scan with your authenticator app"
                />
                <div>
                  <p>Scan this QR code with the app.</p>
                  <p>If you cannot scan it, choose to enter a key by hand and type this key:</p>
                  <p>
                    <code class="totp-secret" data-testid="totp-secret">
                      {groupInFours(enrolment.state.data.secret)}
                    </code>
                  </p>
                  <p class="muted">Time-based, 6 digits, every 30 seconds. Spaces do not matter.</p>
                </div>
              </div>
            </li>
            <li>
              <h2>Enter the code the app shows</h2>
              <ErrorAlert error={submit.error} />
              <form class="form" onSubmit={onSubmit}>
                <TotpCodeField value={code} onValue={setCode} />
                <div class="form-actions">
                  <SubmitButton busy={submit.busy} busyLabel="Checking…" disabled={code.length !== 6}>
                    Turn on two-factor sign-in
                  </SubmitButton>
                  {signOutButton}
                </div>
              </form>
            </li>
          </ol>
          <p class="muted">
            Reloading this page creates a new key and the one above stops working: if you already added it to your app,
            delete that entry and scan again.
          </p>
        </>
      )}
    </AuthLayout>
  );
}
