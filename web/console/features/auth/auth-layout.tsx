import type { ComponentChildren } from 'preact';
import { Brand } from '../../../shared/ui/brand.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';

/** The frame of every page before the console: sign-in, codes, account set-up. */
export function AuthLayout(props: { title: string; intro?: ComponentChildren; children: ComponentChildren; wide?: boolean }) {
  return (
    <div class="auth-screen">
      <main class={`auth-card${props.wide ? ' auth-card-wide' : ''}`}>
        <Brand subtitle="console" />
        <PageHeader title={props.title}>{props.intro}</PageHeader>
        {props.children}
      </main>
      <p class="auth-footer">Parley runs on your organisation's own servers. This page loads nothing from anywhere else.</p>
    </div>
  );
}
