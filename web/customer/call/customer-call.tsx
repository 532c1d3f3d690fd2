import { useEffect, useState } from 'preact/hooks';
import type { CallMessages } from './call-messages.ts';
import { CallSession } from './call-session.ts';
import { CallView, useCallSnapshot } from './call-view.tsx';

/**
 * The customer's call, started by "Join the call" after the device check; the join link is the authentication. The
 * recording prompt, indicator and "Stop recording me" are part of the shared CallView.
 */
export function CustomerCall(props: {
  t: CallMessages;
  callId: string;
  token: string;
  agentName: string;
  /** The organisation's legal name and its public rights page (a path on this site), linked when the call is over. */
  organisationName: string;
  rightsPage: string;
  devices: { camera?: string; microphone?: string };
  /** Told once when the call is over for this person (ended, left, declined, failed). */
  onOver?: () => void;
}) {
  const [session] = useState(
    // The locale is the one the call was joined in: the recording notice the server sends is written in it, and
    // switching language later does not rejoin (the answer must match the text that was shown).
    // Unmounted during the call (the back button): she leaves, and the agent sees it at once.
    () => new CallSession({ callId: props.callId, auth: { kind: 'link', token: props.token }, devices: props.devices, locale: props.t.locale, leaveOnClose: true }),
  );
  useEffect(() => {
    void session.start();
    return () => session.close();
  }, [session]);
  const snapshot = useCallSnapshot(session);
  const over = snapshot.phase === 'ended' || snapshot.phase === 'left' || snapshot.phase === 'declined' || snapshot.phase === 'failed';
  const { onOver } = props;
  useEffect(() => {
    if (over) onOver?.();
  }, [over]);
  const { t } = props;
  return (
    <CallView
      session={session}
      snapshot={snapshot}
      t={t}
      hostName={props.agentName}
      afterCall={
        <>
          {(snapshot.phase === 'ended' || snapshot.phase === 'left') && <p>{t.closePage}</p>}
          <p class="call-over-rights">
            <a href={`${props.rightsPage}?locale=${t.locale}`} data-testid="call-over-rights">
              {t.rightsLink(props.organisationName)}
            </a>
            <br />
            <span class="call-hint">{t.rightsHint}</span>
          </p>
        </>
      }
    />
  );
}
