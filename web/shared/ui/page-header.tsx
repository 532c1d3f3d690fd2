import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/** Every page opens with what it is and what it is for; the tab title follows the heading. */
export function PageHeader(props: { title: string; children?: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · Parley`;
  }, [props.title]);
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.children && <div class="page-intro">{props.children}</div>}
      </div>
      {props.actions && <div class="page-actions">{props.actions}</div>}
    </header>
  );
}
