import { useState } from 'preact/hooks';
import { Button } from './button.tsx';

/**
 * A button for something hard to undo: the first press asks, the second does it. No modal dialog,
 * so keyboard and screen-reader users stay where they are.
 */
export function ConfirmButton(props: {
  label: string;
  confirmLabel: string;
  busyLabel: string;
  busy: boolean;
  onConfirm: () => void;
  variant?: 'secondary' | 'danger';
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (props.busy) {
    return (
      <Button variant={props.variant ?? 'secondary'} busy busyLabel={props.busyLabel} onClick={() => {}}>
        {props.label}
      </Button>
    );
  }
  if (!asking) {
    return (
      <Button variant={props.variant ?? 'secondary'} disabled={props.disabled ?? false} onClick={() => setAsking(true)}>
        {props.label}
      </Button>
    );
  }
  return (
    <span class="confirm-group">
      <Button
        variant="danger"
        onClick={() => {
          props.onConfirm();
          setAsking(false);
        }}
      >
        {props.confirmLabel}
      </Button>
      <Button variant="link" onClick={() => setAsking(false)}>
        Cancel
      </Button>
    </span>
  );
}
