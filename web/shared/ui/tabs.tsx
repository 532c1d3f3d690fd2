import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/**
 * Tabs as the ARIA pattern describes them: a tablist of buttons, one panel. Arrow keys move between tabs.
 * `marks` flags a tab (for example a locale with missing texts) in its label, read out to screen readers too.
 */
export function Tabs<V extends string>(props: {
  label: string;
  tabs: readonly { value: V; label: string; mark?: string }[];
  value: V;
  onValue: (value: V) => void;
  children: ComponentChildren;
}) {
  const id = useId();
  const index = props.tabs.findIndex((t) => t.value === props.value);
  function onKeyDown(e: KeyboardEvent) {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    const next = props.tabs[(index + step + props.tabs.length) % props.tabs.length];
    if (next) {
      props.onValue(next.value);
      document.getElementById(`${id}-tab-${next.value}`)?.focus();
    }
  }
  return (
    <div class="tabs">
      <div role="tablist" aria-label={props.label} class="tab-list" onKeyDown={onKeyDown}>
        {props.tabs.map((t) => (
          <button
            key={t.value}
            type="button"
            role="tab"
            id={`${id}-tab-${t.value}`}
            aria-selected={t.value === props.value}
            aria-controls={`${id}-panel`}
            tabIndex={t.value === props.value ? 0 : -1}
            class="tab"
            onClick={() => props.onValue(t.value)}
          >
            {t.label}
            {t.mark && <span class="tab-mark"> · {t.mark}</span>}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${props.value}`} class="tab-panel">
        {props.children}
      </div>
    </div>
  );
}
