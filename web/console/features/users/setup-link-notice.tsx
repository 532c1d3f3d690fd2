import { Alert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { CopyField } from '../../../shared/ui/copy-field.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import type { SetupLink, User } from './users.api.ts';

/** A set-up link is shown once, right after it is made: the server keeps only its hash. */
export function SetupLinkNotice(props: { user: User; link: SetupLink; onDismiss: () => void }) {
  return (
    <Alert kind="success" title={`Set-up link for ${props.user.displayName}`} testId="setup-link">
      <p>
        Send this link to the person ({props.user.email}); it works once, until {formatDateTime(props.link.expiresAt)}. They
        choose their password with it{props.user.role === 'agent' ? '' : ' and then set up an authenticator app'}.
      </p>
      <p>Anyone holding the link can use it, so send it directly to them. It is not shown again; a new link replaces it.</p>
      <CopyField label="One-time set-up link" value={props.link.url} />
      <OriginHint url={props.link.url} />
      <div class="form-actions">
        <Button onClick={props.onDismiss}>Done</Button>
      </div>
    </Alert>
  );
}

/**
 * Links are built from the server's PARLEY_PUBLIC_URL. When it differs from the address this console was opened
 * at, the link may not work for the recipient: say so, since only the operator can fix it.
 */
function OriginHint(props: { url: string }) {
  let origin: string;
  try {
    origin = new URL(props.url).origin;
  } catch {
    return null;
  }
  if (origin === window.location.origin) return null;
  return (
    <p class="field-hint">
      This link points to {origin}, but you opened the console at {window.location.origin}. If the person cannot open
      it, ask whoever runs Parley to set PARLEY_PUBLIC_URL to the address people use.
    </p>
  );
}
