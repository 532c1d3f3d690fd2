import { useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { Alert } from '../../../shared/ui/alert.tsx';
import { ConfirmDialog } from '../../../shared/ui/confirm-dialog.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { callMessagesEn as t } from '../../../customer/call/call-messages.ts';
import { CallSession, type CallSnapshot } from '../../../customer/call/call-session.ts';
import { CallView, useCallSnapshot } from '../../../customer/call/call-view.tsx';

/**
 * The agent's side of a live call (`/live/<callId>`, opened from the Calls page): joins with the console session,
 * shows who waits in the lobby (admit or decline), the same grid, controls and chat as the customer, each
 * participant's connection quality, "End call for everyone", and recording: start and stop (consent mode), the
 * script to read aloud, each participant's capture state and capture failures.
 */
export function LiveCallPage() {
  const { params } = useRoute();
  const callId = params.callId ?? '';
  // One session per call id: a new address is a new call.
  return <LiveCall key={callId} callId={callId} />;
}

function LiveCall(props: { callId: string }) {
  const [session] = useState(() => new CallSession({ callId: props.callId, auth: { kind: 'session' }, locale: t.locale }));
  useEffect(() => {
    void session.start();
    return () => session.close();
  }, [session]);
  const snapshot = useCallSnapshot(session);
  const over = ['ended', 'left', 'declined', 'failed'].includes(snapshot.phase);
  // Ending is asked first (it cannot be undone), and once done the agent is told it was their doing, not "the host".
  const [confirmingEnd, setConfirmingEnd] = useState(false);
  const [endedByMe, setEndedByMe] = useState(false);
  const endedHere = endedByMe && snapshot.phase === 'ended';
  return (
    <>
      <PageHeader title="Live call">
        <p>Let waiting customers in, talk, share your screen and chat. Ending the call ends it for everyone.</p>
      </PageHeader>
      <ConfirmDialog
        open={confirmingEnd && !over}
        title="End the call for everyone?"
        confirmLabel="End call for everyone"
        cancelLabel="Stay in the call"
        testId="end-call-dialog"
        onCancel={() => setConfirmingEnd(false)}
        onConfirm={() => {
          setConfirmingEnd(false);
          setEndedByMe(true);
          session.endForEveryone();
        }}
      >
        <p>Everyone is disconnected, customers included, and nobody can join again with their link. A recording that is running stops.</p>
      </ConfirmDialog>
      {endedHere && (
        <section class="call-over" data-testid="call-over" data-phase="ended" role="status">
          <h2>You ended the call for everyone.</h2>
          <p>The customers were disconnected and their links no longer work.</p>
        </section>
      )}
      {!endedHere && (
        <CallView
          session={session}
          snapshot={snapshot}
          t={t}
          hostName="the agent"
          aside={!over && <Lobby session={session} snapshot={snapshot} />}
          banner={!over && <RecordingBanner snapshot={snapshot} />}
          extraControls={
            !over && (
              <>
                <RecordingControls session={session} snapshot={snapshot} />
                <button type="button" class="call-button call-button-danger" aria-haspopup="dialog" onClick={() => setConfirmingEnd(true)}>
                  End call for everyone
                </button>
              </>
            )
          }
        />
      )}
      {over && (
        <p>
          <a href="/calls">Back to the calls</a>
        </p>
      )}
    </>
  );
}

/** Start and stop for consent-mode recording; legal-obligation recording cannot be stopped here (G55). */
function RecordingControls(props: { session: CallSession; snapshot: CallSnapshot }) {
  const { session, snapshot: s } = props;
  const r = s.recording;
  if (!r || r.mode === 'off') return null;
  if (r.mode === 'legal_obligation') {
    return (
      <span class="call-hint recording-required" data-testid="recording-required">
        Recording is required by law for this call type and cannot be switched off.
      </span>
    );
  }
  // aria-disabled rather than disabled while the request is on its way, so keyboard focus stays on the button.
  return r.active ? (
    <button
      type="button"
      class="call-button call-button-danger"
      data-testid="recording-stop"
      aria-disabled={s.recordingPending}
      onClick={() => {
        if (!s.recordingPending) session.stopRecording();
      }}
    >
      Stop recording
    </button>
  ) : (
    <button
      type="button"
      class="call-button"
      data-testid="recording-start"
      aria-disabled={s.recordingPending}
      onClick={() => {
        if (!s.recordingPending) session.startRecording();
      }}
    >
      Start recording
    </button>
  );
}

/** Names of the languages a customer can be spoken to in, for the heading of each script. */
const languageNames: Record<'en' | 'de', string> = { en: 'English', de: 'German (Deutsch)' };

/**
 * The capture-failure alert (it stays: a failed legal-obligation recording is flagged) and, for each customer in the
 * call, what to say aloud: in that customer's language, naming the buttons as their screen shows them, and following
 * where they stand — asked, recorded, declined or withdrawn. A script the agent put away comes back when that
 * customer's state changes.
 */
function RecordingBanner(props: { snapshot: CallSnapshot }) {
  const r = props.snapshot.recording;
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const keyOf = (s: { participantId: string; state: string }) => `${r?.recordingId ?? ''}:${s.participantId}:${s.state}`;
  const scripts = r?.active ? r.scripts.filter((s) => !dismissed.has(keyOf(s))) : [];
  const nameOf = (participantId: string) => props.snapshot.peers.find((p) => p.participantId === participantId)?.displayName ?? 'the customer';
  return (
    <>
      {props.snapshot.recordingAlert !== null && (
        <Alert kind="error" title="Recording problem" testId="recording-alert">
          <p>{props.snapshot.recordingAlert}</p>
        </Alert>
      )}
      {scripts.map((s) => (
        <section
          key={s.participantId}
          class="recording-script"
          aria-labelledby={`recording-script-${s.participantId}`}
          data-testid="recording-script"
          data-state={s.state}
          lang={s.locale}
        >
          <h2 id={`recording-script-${s.participantId}`} class="call-side-heading" lang="en">
            Say this aloud to {nameOf(s.participantId)} ({languageNames[s.locale]})
          </h2>
          <p class="recording-script-text">{s.text}</p>
          <button type="button" class="call-button" lang="en" onClick={() => setDismissed(new Set([...dismissed, keyOf(s)]))}>
            Dismiss
          </button>
        </section>
      ))}
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
                <CaptureStateNote snapshot={s} participantId={p.participantId} />
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

/** A waiting customer has no tile: their capture state (while recording runs) goes beside their lobby entry. */
function CaptureStateNote(props: { snapshot: CallSnapshot; participantId: string }) {
  const r = props.snapshot.recording;
  const state = r?.active ? r.participants.find((p) => p.participantId === props.participantId)?.state : undefined;
  if (!state) return null;
  return (
    <span class="call-hint" data-testid={`capture-state-${props.participantId}`} data-state={state}>
      ({t.recording.state[state]})
    </span>
  );
}
