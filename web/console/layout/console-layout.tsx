import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { ErrorAlert } from '../../shared/ui/alert.tsx';
import { Brand } from '../../shared/ui/brand.tsx';
import { Button } from '../../shared/ui/button.tsx';
import { useSubmit } from '../../shared/use-submit.ts';
import type { Section } from '../console-routes.tsx';
import type { Me } from '../features/auth/auth.api.ts';
import { roleLabels } from '../roles.ts';
import { useSession } from '../session.tsx';

/** Header (organisation, person, role, sign-out), the navigation the role may use, and the page. */
export function ConsoleLayout(props: { me: Me; sections: readonly Section[]; children: ComponentChildren }) {
  const { me } = props;
  const { path } = useLocation();
  const session = useSession();
  const leaving = useSubmit();

  return (
    <div class="console">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="console-header">
        <div class="console-header-start">
          <Brand />
          <span class="org-name" data-testid="org-name" title="Your organisation">
            {me.organisation.legalName}
          </span>
        </div>
        <div class="console-header-end">
          <span class="user-name">{me.user.displayName}</span>
          <span class={`badge badge-role-${me.user.role}`}>{roleLabels[me.user.role]}</span>
          <Button variant="secondary" busy={leaving.busy} busyLabel="Signing out…" onClick={() => void leaving.run(session.signOut)}>
            Sign out
          </Button>
        </div>
      </header>
      <div class="console-body">
        <nav class="console-nav" aria-label="Console">
          <ul>
            {props.sections.map((s) => (
              <li key={s.path}>
                <a href={s.path} aria-current={path === s.path ? 'page' : undefined}>
                  <span class="nav-label">{s.label}</span>
                  <span class="nav-description">{s.description}</span>
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" class="console-main" tabIndex={-1}>
          <ErrorAlert error={leaving.error} title="Signing out failed" />
          {props.children}
        </main>
      </div>
    </div>
  );
}
