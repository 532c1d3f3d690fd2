import { useEffect, useRef, useState } from 'preact/hooks';
import type { MediaProblem, Messages, TimeOfDay } from './messages.ts';
import { useMicLevel } from './use-mic-level.ts';

type Media = { readonly kind: 'asking' } | { readonly kind: 'live'; readonly stream: MediaStream } | { readonly kind: 'failed'; readonly problem: MediaProblem };

/** Devices the person picked; absent: the browser's default. */
export interface Selection {
  readonly camera?: string;
  readonly microphone?: string;
}

/**
 * The camera and microphone check: the only place on the join page that asks for media, and mounted only after
 * the privacy notice has been acknowledged (G15). It shows the local preview, a microphone level, and lets the
 * person pick devices (whose names the browser reveals only after permission). Nothing leaves the device here:
 * the call starts on this page when the person presses the join button (from 30 minutes before the start).
 */
export function DeviceCheck(props: {
  t: Messages;
  agentName: string;
  joinLabel: string;
  /** The call type has a lobby: the agent lets the person in. */
  lobby: boolean;
  /** Null when the person may join now; else from when (the page re-renders when that time comes). */
  opensAt: TimeOfDay | null;
  onJoin: (devices: Selection) => void;
}) {
  const { t } = props;
  const [media, setMedia] = useState<Media>({ kind: 'asking' });
  const [selection, setSelection] = useState<Selection>({});
  const [devices, setDevices] = useState<readonly MediaDeviceInfo[]>([]);
  const [attempt, setAttempt] = useState(0);
  const [ready, setReady] = useState(false);
  const stream = media.kind === 'live' ? media.stream : null;
  const level = useMicLevel(stream);

  useEffect(() => {
    const mediaDevices = navigator.mediaDevices as MediaDevices | undefined;
    // Absent outside a secure context (plain http on a real host) and in very old browsers.
    if (!mediaDevices?.getUserMedia) {
      setMedia({ kind: 'failed', problem: 'unsupported' });
      return;
    }
    let live = true;
    let acquired: MediaStream | null = null;
    setMedia({ kind: 'asking' });
    mediaDevices
      .getUserMedia({
        audio: selection.microphone ? { deviceId: { exact: selection.microphone } } : true,
        video: selection.camera ? { deviceId: { exact: selection.camera } } : true,
      })
      .then(async (s) => {
        if (!live) return stopAll(s);
        acquired = s;
        setMedia({ kind: 'live', stream: s });
        const list = await mediaDevices.enumerateDevices();
        if (live) setDevices(list);
      })
      .catch((error: unknown) => {
        if (live) setMedia({ kind: 'failed', problem: problemOf(error) });
      });
    return () => {
      live = false;
      if (acquired) stopAll(acquired);
    };
  }, [selection.camera, selection.microphone, attempt]);

  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = video.current;
    if (!el || !stream) return;
    el.srcObject = stream;
    el.play().catch(() => undefined); // autoplay of a muted element is allowed; this only covers old browsers
    return () => {
      el.srcObject = null;
    };
  }, [stream]);

  const active = (kind: 'audio' | 'video') => (stream ? (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0]?.getSettings().deviceId : undefined);
  const cameras = devices.filter((d) => d.kind === 'videoinput');
  const microphones = devices.filter((d) => d.kind === 'audioinput');

  return (
    <section class="join-card" aria-labelledby="step-heading" data-testid="device-check" data-media={media.kind}>
      <h2 id="step-heading" tabIndex={-1}>
        {t.devices.heading}
      </h2>
      {media.kind === 'asking' && (
        <p class="join-loading" role="status">
          <span class="join-spinner" aria-hidden="true" />
          {t.devices.asking}
        </p>
      )}
      {media.kind === 'failed' && (
        <div class="join-alert join-alert-error" role="alert" data-testid="media-problem" data-problem={media.problem}>
          <p class="join-alert-title">{t.devices.problem[media.problem].title}</p>
          <p>{t.devices.problem[media.problem].text}</p>
          {media.problem !== 'unsupported' && (
            <button type="button" class="join-button join-button-secondary" onClick={() => setAttempt((n) => n + 1)}>
              {t.devices.retry}
            </button>
          )}
        </div>
      )}
      {stream && (
        <>
          <figure class="preview">
            <video ref={video} class="preview-video" autoplay playsInline muted aria-label={t.devices.previewLabel} data-testid="camera-preview" />
            <figcaption class="join-hint">{t.devices.previewHint}</figcaption>
          </figure>
          <div class="mic">
            <label for="mic-level">{t.devices.micLevel}</label>
            <meter id="mic-level" class="mic-meter" min={0} max={1} value={level} aria-describedby="mic-hint" />
            <p id="mic-hint" class="join-hint">
              {t.devices.micHint}
            </p>
          </div>
          <div class="device-select">
            <DeviceSelect
              id="camera-select"
              label={t.devices.camera}
              devices={cameras}
              value={active('video')}
              fallback={(n) => t.devices.deviceFallback('camera', n)}
              onChange={(camera) => setSelection({ camera, microphone: active('audio') })}
            />
            <DeviceSelect
              id="microphone-select"
              label={t.devices.microphone}
              devices={microphones}
              value={active('audio')}
              fallback={(n) => t.devices.deviceFallback('microphone', n)}
              onChange={(microphone) => setSelection({ camera: active('video'), microphone })}
            />
          </div>
          {ready ? (
            <div class="join-alert join-alert-success" role="status" data-testid="ready">
              <p class="join-alert-title">{t.ready.heading}</p>
              {props.opensAt ? (
                <p data-testid="join-not-yet">{t.ready.notYet(props.opensAt)}</p>
              ) : (
                <>
                  <p>{t.ready.text(props.agentName, props.joinLabel, props.lobby)}</p>
                  <div class="join-actions">
                    <button
                      type="button"
                      class="join-button join-button-primary"
                      data-testid="join-call"
                      onClick={() => props.onJoin({ camera: active('video'), microphone: active('audio') })}
                    >
                      {props.joinLabel}
                    </button>
                  </div>
                </>
              )}
            </div>
          ) : (
            <div class="join-actions">
              <button type="button" class="join-button join-button-primary" onClick={() => setReady(true)}>
                {t.devices.ready}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function DeviceSelect(props: {
  id: string;
  label: string;
  devices: readonly MediaDeviceInfo[];
  value: string | undefined;
  fallback: (n: number) => string;
  onChange: (deviceId: string) => void;
}) {
  if (props.devices.length === 0) return null;
  return (
    <div class="join-field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value ?? ''} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.devices.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || props.fallback(i + 1)}
          </option>
        ))}
      </select>
    </div>
  );
}

function stopAll(stream: MediaStream) {
  for (const track of stream.getTracks()) track.stop();
}

/** The browser's reason (a DOMException name) as something the person can act on. */
function problemOf(error: unknown): MediaProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'not_found';
    case 'NotReadableError':
    case 'AbortError':
      return 'in_use';
    default:
      return 'other';
  }
}
