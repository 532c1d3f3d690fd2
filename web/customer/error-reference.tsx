import { JoinApiError } from './join-api.ts';
import type { Messages } from './messages.ts';

/** The request id of a failed request, which an administrator can look up in the server log (it names no one). */
export function ErrorReference(props: { t: Messages; error: unknown }) {
  const id = props.error instanceof JoinApiError ? props.error.requestId : null;
  if (!id) return null;
  return (
    <p class="join-reference">
      {props.t.reference} <code>{id}</code>
    </p>
  );
}
