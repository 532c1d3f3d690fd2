import { Alert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { CopyField } from '../../../shared/ui/copy-field.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import type { SetupLink, User } from './users.api.ts';

/**
 * Where a set-up link went, right after it was sent. Normally it was mailed to the person and the admin never sees it.
 * When this installation sends no mail (no mail server configured, mail is only kept in the Outbox), the link is shown
 * here once to pass on: otherwise nobody could ever join.
 */
export function SetupLinkNotice(props: { user: User; link: SetupLink; fresh: boolean; onDismiss: () => void }) {
  const { user, link } = props;
  const what = props.fresh ? 'invitation' : 'new set-up link';
  const then = user.role === 'agent' ? 'They choose their password with it.' : 'They choose their password with it and then set up an authenticator app.';
  if (link.transport === 'smtp' || link.url === null) {
    return (
      <Alert kind="success" title={`${props.fresh ? 'Invitation' : 'New set-up link'} mailed to ${user.displayName}`} testId="setup-link">
        <p>
          Parley mailed the {what} to {user.displayName} at <strong>{link.sentTo}</strong>. The link in it works once, until{' '}
          {formatDateTime(link.expiresAt)}. {then}
        </p>
        <p>
          If it does not arrive, check the address and send a new link from <em>Manage</em>; older links then stop working.
          The Outbox shows whether the mail went out.
        </p>
        <div class="form-actions">
          <Button onClick={props.onDismiss}>Done</Button>
        </div>
      </Alert>
    );
  }
  return (
    <Alert kind="warning" title={`Pass this set-up link on to ${user.displayName}`} testId="setup-link">
      <p>
        This installation sends no mail: no mail server is set up (whoever runs Parley sets PARLEY_SMTP_URL), so the {what}{' '}
        for {link.sentTo} is only kept in the Outbox and has not reached them. Send them this link yourself, directly to
        them: anyone holding it can use it.
      </p>
      <p>
        It works once, until {formatDateTime(link.expiresAt)}. {then} It is not shown again; a new link replaces it.
      </p>
      <CopyField label="One-time set-up link" value={link.url} />
      <OriginHint url={link.url} />
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
