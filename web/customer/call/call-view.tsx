import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CallMessages } from './call-messages.ts';
import { E2EE_UNSUPPORTED, type CallSession, type CallSnapshot } from './call-session.ts';
import type { CaptureState } from './protocol.ts';
import { RecordingIndicator, RecordingPromptDialog, useRecordingCues } from './recording.tsx';
import './call.css';

/** The session's current state, re-rendered on every change. */
export function useCallSnapshot(session: CallSession): CallSnapshot {
  const [snapshot, setSnapshot] = useState(session.snapshot);
  useEffect(() => {
    setSnapshot(session.snapshot);
    return session.subscribe(() => setSnapshot(session.snapshot));
  }, [session]);
  return snapshot;
}

/**
 * The call screen both sides share: the grid of participants (camera tiles, and a tile per shared screen), the
 * controls, the connection line, the recording indicator and cue, and the chat. A customer also gets the recording
 * prompt and "Stop recording me". The agent's page adds its lobby list (`aside`), its recording script and alerts
 * (`banner`), and its "End call for everyone" and recording buttons (`extraControls`).
 */
export function CallView(props: {
  session: CallSession;
  snapshot: CallSnapshot;
  t: CallMessages;
  /** Who the customer waits for in the lobby. */
  hostName: string;
  aside?: ComponentChildren;
  /** Shown between the status line and the grid: the agent's recording script and alerts. */
  banner?: ComponentChildren;
  extraControls?: ComponentChildren;
  /** Shown under the end screen's words once the call is over (the customer's link to the rights page). */
  afterCall?: ComponentChildren;
}) {
  const { session, snapshot: s, t } = props;
  const nameOf = (id: string) => (id === s.selfId ? t.you : (s.peers.find((p) => p.participantId === id)?.displayName ?? '—'));
  const over = s.phase === 'ended' || s.phase === 'left' || s.phase === 'declined' || s.phase === 'failed';
  const recording = s.recording;
  const callRef = useRef<HTMLElement>(null);
  // Leaving or the end of the call also ends the recording as far as this person is concerned: the stop cue plays.
  useRecordingCues(!over && recording?.active === true);

  if (over) {
    const text = s.phase === 'ended' ? t.ended : s.phase === 'left' ? t.left : s.phase === 'declined' ? t.declined : t.failed;
    const detail = endDetail(s, t, props.hostName);
    return (
      <section class="call-over" data-testid="call-over" data-phase={s.phase} role="status">
        <h2>{text}</h2>
        {s.message === E2EE_UNSUPPORTED ? <p data-testid="e2ee-unsupported">{t.e2ee.unsupported}</p> : detail && <p data-testid="call-over-detail">{detail}</p>}
        {props.afterCall}
      </section>
    );
  }

  const admitted = s.peers.filter((p) => p.state !== 'waiting');
  const connectionState = s.connection === 'none' ? 'none' : s.connection;
  // Agent only (others get an empty list): each participant's state toward the running recording, on their tile.
  const captureOf = (id: string | null): CaptureState | undefined =>
    recording?.active && id !== null ? recording.participants.find((p) => p.participantId === id)?.state : undefined;
  const prompt = recording?.prompt ?? null;
  const canWithdraw = s.kind === 'customer' && recording?.active === true && recording.mode === 'consent' && recording.you === 'captured';
  return (
    <>
      <section ref={callRef} class="call" data-testid="call" data-phase={s.phase} aria-label={t.participants}>
        <div class="call-header">
          <p class="call-status" role="status" data-testid="call-status">
            {s.phase === 'connecting' && t.connecting}
            {s.phase === 'lobby' && <span data-testid="lobby-waiting">{t.waiting(props.hostName)}</span>}
            {s.phase === 'reconnecting' && (
              <span class="call-reconnecting" data-testid="reconnecting">
                {t.reconnecting}
              </span>
            )}
            {s.phase === 'in-call' && (
              <span data-testid="connection" data-state={connectionState}>
                {t.connection(t.connectionStates[connectionState] ?? connectionState)}
              </span>
            )}
          </p>
          <RecordingIndicator recording={recording} t={t.recording} />
        </div>
        {s.notice !== null && (
          <p class="call-notice" role="alert" data-testid="call-notice" data-notice={s.notice === 'media' || s.notice === 'negotiation' || s.notice === 'relay' || s.notice === 'moved' ? s.notice : 'server'}>
            {s.notice === 'media' ? t.mediaProblem : s.notice === 'negotiation' ? t.negotiationProblem : s.notice === 'relay' ? t.relayProblem : s.notice === 'moved' ? t.mediaMoved : s.notice}
          </p>
        )}
        {s.e2ee && (
          <section class="call-e2ee" data-testid="e2ee" data-send-key-id={s.e2ee.sendKeyId} data-receive-key-ids={JSON.stringify(s.e2ee.receiveKeyIds)}
            data-frames={JSON.stringify(s.e2ee.frames)} aria-label={t.e2ee.title}>
            <p class="call-e2ee-title">
              <strong>{t.e2ee.title}</strong>
              {s.e2ee.safetyCode ? (
                <>
                  {' · '}
                  {t.e2ee.safetyCode}: <code data-testid="safety-code">{s.e2ee.safetyCode}</code>
                </>
              ) : (
                <> · {t.e2ee.waitingForOthers}</>
              )}
            </p>
            {s.e2ee.safetyCode && <p>{t.e2ee.compare}</p>}
            <p>{t.e2ee.protectedText}</p>
            <p>{t.e2ee.notProtectedText}</p>
          </section>
        )}
        {props.banner}
        <div class="call-body">
          <div class="call-main">
            <ul class="call-grid">
              <Tile label={t.you} video={s.local.video} muted={s.muted} t={t} testid="tile-self" local capture={captureOf(s.selfId)} captureId={s.selfId} />
              {s.local.screen && <Tile label={t.screenOf(t.you)} video={s.local.screen} t={t} testid="tile-self-screen" local screen />}
              {s.phase !== 'lobby' &&
                admitted.map((p) => {
                  const media = s.remote.get(p.participantId) ?? {};
                  return [
                    <Tile
                      key={p.participantId}
                      label={p.displayName}
                      video={p.sources.includes('video') ? (media.video ?? null) : null}
                      audio={media.audio ?? null}
                      muted={!p.sources.includes('audio')}
                      reconnecting={p.state === 'reconnecting'}
                      t={t}
                      testid="tile-remote"
                      participantId={p.participantId}
                      capture={captureOf(p.participantId)}
                      captureId={p.participantId}
                    />,
                    p.sources.includes('screen') && media.screen ? (
                      <Tile key={`${p.participantId}-screen`} label={t.screenOf(p.displayName)} video={media.screen} t={t} testid="tile-remote-screen" participantId={p.participantId} screen />
                    ) : null,
                  ];
                })}
            </ul>
            <div class="call-controls" role="toolbar" aria-label={t.controls}>
              <button type="button" class="call-button" aria-pressed={s.muted} onClick={() => session.setMuted(!s.muted)} disabled={!s.local.audio}>
                {s.muted ? t.unmute : t.mute}
              </button>
              <button type="button" class="call-button" aria-pressed={s.cameraOff} onClick={() => void session.setCameraOff(!s.cameraOff)}>
                {s.cameraOff ? t.cameraOn : t.cameraOff}
              </button>
              {'getDisplayMedia' in navigator.mediaDevices && s.phase !== 'lobby' && (
                <button
                  type="button"
                  class="call-button"
                  aria-pressed={s.local.screen !== null}
                  onClick={() => (s.local.screen ? session.stopScreenShare() : void session.startScreenShare())}
                >
                  {s.local.screen ? t.stopSharing : t.shareScreen}
                </button>
              )}
              {canWithdraw && (
                // One click, no confirmation: withdrawing must be as easy as giving consent (G12).
                <button
                  type="button"
                  class="call-button call-button-danger"
                  data-testid="recording-withdraw"
                  aria-disabled={s.recordingPending}
                  onClick={() => {
                    if (!s.recordingPending) session.withdrawRecording();
                  }}
                >
                  {t.recording.withdraw}
                </button>
              )}
              <button type="button" class="call-button call-button-leave" onClick={() => session.leave()}>
                {t.leave}
              </button>
              {props.extraControls}
            </div>
          </div>
          <div class="call-side">
            {props.aside}
            {s.phase !== 'lobby' && <Chat session={session} snapshot={s} t={t} nameOf={nameOf} />}
          </div>
        </div>
      </section>
      {prompt !== null && (
        <RecordingPromptDialog
          key={prompt.textHash}
          prompt={prompt}
          pending={s.recordingPending}
          t={t.recording}
          background={callRef}
          onAnswer={(answer) => session.answerRecording(answer)}
          onLeave={() => session.leave()}
        />
      )}
    </>
  );
}

/**
 * The end screen's second line, in the page's language (issue 12, finding 13). The server's `message` is English
 * only: it is shown on an English page when the catalogue has nothing as precise (a refused join says why), never
 * on a German one. Who ended the call is said to customers only: the agent's page has its own words for that.
 */
function endDetail(s: CallSnapshot, t: CallMessages, hostName: string): string | null {
  switch (s.phase) {
    case 'ended':
      return s.kind === 'customer' ? t.endedBy(hostName) : null;
    case 'failed':
      if (s.endCode === 'CALL_OVER') return t.endReasons.over;
      if (s.endCode === 'CALL_CANCELLED') return t.endReasons.cancelled;
      if (t.locale === 'en' && s.message) return s.message;
      return s.endCode === 'JOIN_REFUSED' ? t.endReasons.refused : t.endReasons.lost;
    default:
      return null;
  }
}

function Tile(props: {
  label: string;
  video: MediaStreamTrack | null;
  audio?: MediaStreamTrack | null;
  muted?: boolean;
  reconnecting?: boolean;
  local?: boolean;
  screen?: boolean;
  participantId?: string;
  /** The participant's state toward the running recording (agent only), and whose it is, for the test id. */
  capture?: CaptureState | undefined;
  captureId?: string | null;
  testid: string;
  t: CallMessages;
}) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  useTrack(videoRef, props.video);
  useTrack(audioRef, props.audio ?? null);
  return (
    <li class={`call-tile${props.screen ? ' call-tile-screen' : ''}`} data-testid={props.testid} data-participant={props.participantId}>
      {props.video ? (
        <video ref={videoRef} class={props.local && !props.screen ? 'call-video call-video-mirror' : 'call-video'} autoplay playsInline muted aria-label={props.label} />
      ) : (
        <div class="call-no-video" aria-hidden="true">
          {props.label.slice(0, 1).toUpperCase()}
        </div>
      )}
      {props.audio && <audio ref={audioRef} autoplay />}
      <span class="call-name">
        {props.label}
        {props.muted && !props.screen && <span class="call-badge"> · {props.t.mutedBadge}</span>}
        {props.reconnecting && <span class="call-badge"> · {props.t.reconnecting}</span>}
        {props.capture && props.captureId && (
          <span class={`call-badge call-capture call-capture-${props.capture}`} data-testid={`capture-state-${props.captureId}`} data-state={props.capture}>
            {' '}
            · {props.t.recording.state[props.capture]}
          </span>
        )}
        {!props.video && !props.screen && <span class="visually-hidden"> ({props.t.noCamera})</span>}
      </span>
    </li>
  );
}

function useTrack(ref: { current: HTMLMediaElement | null }, track: MediaStreamTrack | null) {
  useEffect(() => {
    const el = ref.current;
    if (!el || !track) return;
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => undefined); // a refused autoplay leaves the element paused; nothing to report
    return () => {
      el.srcObject = null;
    };
  }, [track, ref.current]);
}

function Chat(props: { session: CallSession; snapshot: CallSnapshot; t: CallMessages; nameOf: (id: string) => string }) {
  const { t, snapshot: s } = props;
  const [draft, setDraft] = useState('');
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [s.chat.length]);
  return (
    <section class="call-chat" aria-label={t.chat} data-testid="chat">
      <h2>{t.chat}</h2>
      {s.chat.length === 0 ? (
        <p class="call-hint">{t.noMessages}</p>
      ) : (
        <ol ref={list} class="call-chat-list" aria-live="polite">
          {s.chat.map((m) => (
            <li key={m.id} data-testid="chat-message">
              <span class="call-chat-from">{props.nameOf(m.from)}</span>
              <span class="call-chat-text">{m.text}</span>
            </li>
          ))}
        </ol>
      )}
      <form
        class="call-chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          props.session.sendChat(draft);
          setDraft('');
        }}
      >
        <label class="visually-hidden" for="call-chat-input">
          {t.chatLabel}
        </label>
        <input id="call-chat-input" value={draft} maxLength={2000} autocomplete="off" onInput={(e) => setDraft(e.currentTarget.value)} />
        <button type="submit" class="call-button" disabled={draft.trim() === ''}>
          {t.send}
        </button>
      </form>
    </section>
  );
}
