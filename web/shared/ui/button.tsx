import type { ComponentChildren } from 'preact';

type Variant = 'primary' | 'secondary' | 'danger' | 'link';

/** A form's submit button: disabled, and saying what it is doing, while the request runs. */
export function SubmitButton(props: { busy: boolean; busyLabel: string; children: ComponentChildren; variant?: Variant; disabled?: boolean }) {
  return (
    <button type="submit" class={`button button-${props.variant ?? 'primary'}`} disabled={props.busy || props.disabled} aria-busy={props.busy}>
      {props.busy ? props.busyLabel : props.children}
    </button>
  );
}

export function Button(props: {
  onClick: () => void;
  children: ComponentChildren;
  variant?: Variant;
  disabled?: boolean;
  busy?: boolean;
  busyLabel?: string;
  title?: string;
}) {
  const busy = props.busy ?? false;
  return (
    <button
      type="button"
      class={`button button-${props.variant ?? 'secondary'}`}
      onClick={props.onClick}
      disabled={busy || props.disabled}
      aria-busy={busy}
      title={props.title}
    >
      {busy && props.busyLabel ? props.busyLabel : props.children}
    </button>
  );
}
