import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/**
 * Asks before something that cannot be undone (ending a call for everyone), in a modal `<dialog>`: the browser
 * keeps focus inside it, hides the page behind from screen readers and closes it with Escape, which here means
 * "no". Focus starts on the safe choice, so pressing Enter by habit does nothing harmful. Not `window.confirm()`:
 * that cannot say what happens, nor be styled, and some browsers let a page suppress it.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (props.open && !d.open) {
      d.showModal();
      cancel.current?.focus();
    } else if (!props.open && d.open) {
      d.close();
    }
  }, [props.open]);

  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-testid={props.testId}
      // Escape closes a modal dialog on its own: tell the owner, so its state agrees.
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div id={bodyId}>{props.children}</div>
      <div class="confirm-dialog-actions">
        <button ref={cancel} type="button" class="button button-secondary" onClick={props.onCancel}>
          {props.cancelLabel}
        </button>
        <button type="button" class="button button-danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
