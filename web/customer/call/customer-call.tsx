import { useEffect, useState } from 'preact/hooks';
import type { CallMessages } from './call-messages.ts';
import { CallSession } from './call-session.ts';
import { CallView, useCallSnapshot } from './call-view.tsx';

/**
 * The customer's call, started by "Join the call" after the device check; the join link is the authentication. The
 * recording prompt, indicator and "Stop recording me" are part of the shared CallView.
 */
export function CustomerCall(props: { t: CallMessages; callId: string; token: string; agentName: string; devices: { camera?: string; microphone?: string } }) {
  const [session] = useState(
    // The locale is the one the call was joined in: the recording notice the server sends is written in it, and
    // switching language later does not rejoin (the answer must match the text that was shown).
    () => new CallSession({ callId: props.callId, auth: { kind: 'link', token: props.token }, devices: props.devices, locale: props.t.locale }),
  );
  useEffect(() => {
    void session.start();
    return () => session.close();
  }, [session]);
  const snapshot = useCallSnapshot(session);
  return <CallView session={session} snapshot={snapshot} t={props.t} hostName={props.agentName} />;
}
