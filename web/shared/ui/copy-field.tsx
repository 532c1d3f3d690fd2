import { useId, useRef, useState } from 'preact/hooks';

/**
 * A secret or link shown once, read-only, with a Copy button. The clipboard API needs a secure context
 * (https, or http on localhost); elsewhere the text is selected so the person can copy it by hand.
 */
export function CopyField(props: { label: string; value: string; testId?: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');

  async function copy() {
    try {
      await navigator.clipboard.writeText(props.value);
      setState('copied');
    } catch {
      input.current?.select();
      setState('manual');
    }
  }

  return (
    <div class="field copy-field">
      <label for={id}>{props.label}</label>
      <div class="copy-row">
        <input
          ref={input}
          id={id}
          type="text"
          readOnly
          value={props.value}
          spellcheck={false}
          data-testid={props.testId}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" class="button button-secondary" onClick={() => void copy()}>
          {state === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p class="field-hint" aria-live="polite">
        {state === 'copied' && 'Copied to the clipboard.'}
        {state === 'manual' && 'Copying is not allowed here: the text is selected, press Ctrl+C (⌘C on a Mac).'}
      </p>
    </div>
  );
}
