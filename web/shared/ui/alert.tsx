import type { ComponentChildren } from 'preact';
import { ApiError, messageOf } from '../api/api-error.ts';

type Kind = 'error' | 'warning' | 'success' | 'info';

/** A message box. Errors and warnings are announced at once (role=alert); the others politely (role=status). */
export function Alert(props: { kind: Kind; title?: string; children?: ComponentChildren; testId?: string }) {
  const urgent = props.kind === 'error' || props.kind === 'warning';
  return (
    <div class={`alert alert-${props.kind}`} role={urgent ? 'alert' : 'status'} data-testid={props.testId}>
      {props.title && <p class="alert-title">{props.title}</p>}
      {props.children}
    </div>
  );
}

/** The API's own message, plus the request id an administrator can look up in the server log. */
export function ErrorAlert(props: { error: unknown; title?: string }) {
  if (!props.error) return null;
  const requestId = props.error instanceof ApiError ? props.error.requestId : null;
  return (
    <Alert kind="error" {...(props.title ? { title: props.title } : {})}>
      <p>{messageOf(props.error)}</p>
      {requestId && <p class="alert-reference">Reference for support: <code>{requestId}</code></p>}
    </Alert>
  );
}
