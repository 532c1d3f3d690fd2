/** The product mark: drawn in CSS from a class, so it needs no image request and no inline style. */
export function Brand(props: { subtitle?: string }) {
  return (
    <span class="brand">
      <span class="brand-mark" aria-hidden="true">
        P
      </span>
      <span class="brand-name">Parley</span>
      {props.subtitle && <span class="brand-subtitle">{props.subtitle}</span>}
    </span>
  );
}
