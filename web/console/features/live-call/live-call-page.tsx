import { useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { callMessagesEn as t } from '../../../customer/call/call-messages.ts';
import { CallSession, type CallSnapshot } from '../../../customer/call/call-session.ts';
import { CallView, useCallSnapshot } from '../../../customer/call/call-view.tsx';

/**
 * The agent's side of a live call (`/live/<callId>`, opened from the Calls page): joins with the console session,
 * shows who waits in the lobby (admit or decline), the same grid, controls and chat as the customer, each
 * participant's connection quality, and "End call for everyone".
 */
export function LiveCallPage() {
  const { params } = useRoute();
  const callId = params.callId ?? '';
  // One session per call id: a new address is a new call.
  return <LiveCall key={callId} callId={callId} />;
}

function LiveCall(props: { callId: string }) {
  const [session] = useState(() => new CallSession({ callId: props.callId, auth: { kind: 'session' } }));
  useEffect(() => {
    void session.start();
    return () => session.close();
  }, [session]);
  const snapshot = useCallSnapshot(session);
  const over = ['ended', 'left', 'declined', 'failed'].includes(snapshot.phase);
  return (
    <>
      <PageHeader title="Live call">
        <p>Let waiting customers in, talk, share your screen and chat. Ending the call ends it for everyone.</p>
      </PageHeader>
      <CallView
        session={session}
        snapshot={snapshot}
        t={t}
        hostName="the agent"
        aside={!over && <Lobby session={session} snapshot={snapshot} />}
        extraControls={
          !over && (
            <button type="button" class="call-button call-button-danger" onClick={() => session.endForEveryone()}>
              End call for everyone
            </button>
          )
        }
      />
      {over && (
        <p>
          <a href="/calls">Back to the calls</a>
        </p>
      )}
    </>
  );
}

function Lobby(props: { session: CallSession; snapshot: CallSnapshot }) {
  const { snapshot: s, session } = props;
  const waiting = s.peers.filter((p) => p.state === 'waiting');
  const present = s.peers.filter((p) => p.state !== 'waiting');
  return (
    <>
      <section aria-label="Lobby" data-testid="lobby">
        <h2 class="call-side-heading">Lobby</h2>
        {waiting.length === 0 ? (
          <p class="call-hint">Nobody is waiting.</p>
        ) : (
          <ul class="call-lobby">
            {waiting.map((p) => (
              <li key={p.participantId} data-testid="lobby-entry" data-participant={p.participantId}>
                <span>{p.displayName} is waiting</span>
                <button type="button" class="call-button" onClick={() => session.admit(p.participantId)}>
                  Admit
                </button>
                <button type="button" class="call-button call-button-danger" onClick={() => session.decline(p.participantId)}>
                  Decline
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {present.length > 0 && (
        <section aria-label="Connection quality" data-testid="quality">
          <h2 class="call-side-heading">Connection quality</h2>
          <ul class="call-lobby">
            {present.map((p) => {
              const q = s.stats.get(p.participantId);
              return (
                <li key={p.participantId}>
                  {p.displayName}:{' '}
                  {q
                    ? `${Math.round(q.bitrateInKbps)} kbit/s up, ${Math.round(q.bitrateOutKbps)} kbit/s down, ${q.packetLossPct.toFixed(1)} % loss${q.rttMs !== null ? `, ${Math.round(q.rttMs)} ms` : ''}`
                    : 'measuring…'}
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </>
  );
}
