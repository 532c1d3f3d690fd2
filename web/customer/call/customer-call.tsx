import { useEffect, useState } from 'preact/hooks';
import type { CallMessages } from './call-messages.ts';
import { CallSession } from './call-session.ts';
import { CallView, useCallSnapshot } from './call-view.tsx';

/** The customer's call, started by "Join the call" after the device check; the join link is the authentication. */
export function CustomerCall(props: { t: CallMessages; callId: string; token: string; agentName: string; devices: { camera?: string; microphone?: string } }) {
  const [session] = useState(
    () => new CallSession({ callId: props.callId, auth: { kind: 'link', token: props.token }, devices: props.devices }),
  );
  useEffect(() => {
    void session.start();
    return () => session.close();
  }, [session]);
  const snapshot = useCallSnapshot(session);
  return <CallView session={session} snapshot={snapshot} t={props.t} hostName={props.agentName} />;
}
