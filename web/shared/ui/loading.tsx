/** Shown while a page waits for the server; the label says what is being loaded. */
export function Loading(props: { label: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {props.label}
    </p>
  );
}
