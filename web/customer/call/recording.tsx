import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { RecordingMessages } from './call-messages.ts';
import type { RecordingPrompt, RecordingState } from './protocol.ts';
import { createCuePlayer, type CuePlayer } from './recording-cue.ts';

/**
 * The red "● Recording" badge with the viewer's own state in words, shown to everyone for as long as recording runs
 * (G18). The polite live region around it always exists, so screen readers announce the badge when it appears and
 * each change of the viewer's state.
 */
export function RecordingIndicator(props: { recording: RecordingState | null; t: RecordingMessages }) {
  const r = props.recording;
  return (
    <div class="recording-live" aria-live="polite">
      {r?.active && (
        <p class="recording-indicator" role="status" data-testid="recording-indicator" data-you={r.you} data-mode={r.mode}>
          <span class="recording-badge">
            <span aria-hidden="true">● </span>
            {props.t.badge}
          </span>
          <span class="recording-you" data-testid="recording-you">
            {props.t.you[r.you]}
          </span>
        </p>
      )}
    </div>
  );
}

/** Plays the start cue when recording becomes active and the stop cue when it ends (G18). */
export function useRecordingCues(active: boolean): void {
  const player = useRef<CuePlayer | null>(null);
  const was = useRef(false);
  useEffect(() => {
    if (active === was.current) return;
    was.current = active;
    player.current ??= createCuePlayer();
    player.current.play(active ? 'start' : 'stop');
  }, [active]);
  useEffect(
    () => () => {
      player.current?.close();
      player.current = null;
    },
    [],
  );
}

const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

/**
 * The customer's recording question, modal until answered: no close button, Escape and clicks outside do nothing,
 * focus stays inside. Consent (G8): two equally prominent choices, neither focused nor pre-selected — focus goes to
 * the dialog itself. Acknowledgement (legal obligation): "I understand" or leave the call.
 *
 * While an answer is on its way the buttons are `aria-disabled` rather than `disabled`, so focus is not lost to the
 * page behind the dialog.
 */
export function RecordingPromptDialog(props: {
  prompt: RecordingPrompt;
  pending: boolean;
  t: RecordingMessages;
  /** The page behind the dialog, made inert while it is open. */
  background: { readonly current: HTMLElement | null };
  onAnswer: (answer: { given: boolean; textHash: string }) => void;
  onLeave: () => void;
}) {
  const { prompt, t } = props;
  const ref = useRef<HTMLDivElement>(null);

  // The dialog makes the call behind inert itself, in this order: read who has focus, go inert, focus the dialog;
  // and back in reverse, so focus returns to where it was (an `inert` prop would blur it before it could be read).
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const behind = props.background.current;
    if (behind) behind.inert = true;
    dialog.focus();
    const keepFocusInside = (event: FocusEvent) => {
      if (event.target instanceof Node && !dialog.contains(event.target)) dialog.focus();
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        // A choice is required: Escape must not close this, nor anything else behind it.
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      if (event.key !== 'Tab') return;
      const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
      const first = items[0];
      const last = items.at(-1);
      if (!first || !last) {
        event.preventDefault();
        return;
      }
      const active = document.activeElement;
      const inside = active instanceof Node && dialog.contains(active) && active !== dialog;
      if (event.shiftKey && (!inside || active === first)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (!inside || active === last)) {
        event.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('focusin', keepFocusInside);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('focusin', keepFocusInside);
      document.removeEventListener('keydown', onKey, true);
      if (behind) behind.inert = false;
      if (before?.isConnected) before.focus();
    };
  }, []);

  const answer = (given: boolean) => {
    if (!props.pending) props.onAnswer({ given, textHash: prompt.textHash });
  };
  const consent = prompt.kind === 'consent';
  return (
    // The backdrop has no click handler on purpose: clicking outside must not answer or dismiss.
    <div class="recording-backdrop">
      <div
        ref={ref}
        class="recording-prompt"
        role="dialog"
        aria-modal="true"
        aria-labelledby="recording-prompt-title"
        aria-describedby="recording-prompt-until"
        tabIndex={-1}
        data-testid="recording-prompt"
        data-kind={prompt.kind}
      >
        <h2 id="recording-prompt-title">{consent ? t.consentTitle : t.acknowledgeTitle}</h2>
        <p id="recording-prompt-until" class="recording-prompt-until">
          {t.untilAnswered}
        </p>
        <div class="recording-prompt-text" data-testid="recording-prompt-text">
          {prompt.text}
        </div>
        {prompt.legalReference !== null && (
          <p class="recording-prompt-legal" data-testid="recording-legal-reference">
            {t.legalReference(prompt.legalReference)}
          </p>
        )}
        {consent ? (
          <>
            <p>{t.noKeepsCall}</p>
            <p>{t.canWithdraw}</p>
            <div class="recording-prompt-choices">
              <button type="button" class="call-button recording-choice" aria-disabled={props.pending} data-testid="recording-consent-yes" onClick={() => answer(true)}>
                {t.consentYes}
              </button>
              <button type="button" class="call-button recording-choice" aria-disabled={props.pending} data-testid="recording-consent-no" onClick={() => answer(false)}>
                {t.consentNo}
              </button>
            </div>
          </>
        ) : (
          <>
            <p>{t.acknowledgeOrLeave}</p>
            <div class="recording-prompt-choices">
              <button type="button" class="call-button recording-choice" aria-disabled={props.pending} data-testid="recording-acknowledge" onClick={() => answer(true)}>
                {t.acknowledge}
              </button>
              <button type="button" class="call-button call-button-leave recording-choice" data-testid="recording-leave" onClick={props.onLeave}>
                {t.leaveCall}
              </button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
