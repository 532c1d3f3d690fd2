import type { ComponentType } from 'preact';
import { Route, Router, useLocation } from 'preact-iso';
import { useLayoutEffect } from 'preact/hooks';
import { PageHeader } from '../shared/ui/page-header.tsx';
import type { Me } from './features/auth/auth.api.ts';
import { ManageApiTokensPage } from './features/api-tokens/manage-api-tokens-page.tsx';
import { BrowseAuditLogPage } from './features/audit/browse-audit-log-page.tsx';
import { ManageCallTypesPage } from './features/call-types/manage-call-types-page.tsx';
import { ManageCallsPage } from './features/calls/manage-calls-page.tsx';
import { LiveCallPage } from './features/live-call/live-call-page.tsx';
import { BrowseOutboxPage } from './features/outbox/browse-outbox-page.tsx';
import { ManageNoticesPage } from './features/notices/manage-notices-page.tsx';
import { OrganisationSettingsPage } from './features/organisation/organisation-settings-page.tsx';
import { RightsRequestsPage } from './features/rights-requests/rights-requests-page.tsx';
import { ReviewRecordingsPage } from './features/recordings/review-recordings-page.tsx';
import { RecordingKeysPage } from './features/recording-keys/recording-keys-page.tsx';
import { ManageUsersPage } from './features/users/manage-users-page.tsx';
import { ManageLegalHoldsPage } from './features/legal-holds/manage-legal-holds-page.tsx';
import { ManageWebhooksPage } from './features/webhooks/manage-webhooks-page.tsx';
import { ManageDocumentsPage } from './features/documents/manage-documents-page.tsx';
import { BreachRegisterPage } from './features/breaches/breach-register-page.tsx';
import { ConsoleLayout } from './layout/console-layout.tsx';
import { can, roleLabels, type Permission } from './roles.ts';

export interface Section {
  readonly path: string;
  readonly label: string;
  /** One line under the label in the navigation. */
  readonly description: string;
  /** Who sees it in the navigation and may open it. */
  readonly permission: Permission;
  readonly page: ComponentType;
}

/** The console's pages, in navigation order: adding a capability adds a line here. */
export const sections: readonly Section[] = [
  {
    path: '/organisation',
    label: 'Organisation',
    description: 'Controller, DPO, data residency',
    permission: 'organisation.read',
    page: OrganisationSettingsPage,
  },
  { path: '/calls', label: 'Calls', description: 'Schedule, move, cancel', permission: 'calls.read', page: ManageCallsPage },
  {
    path: '/recordings',
    label: 'Recordings',
    description: 'Review, play back, audit trail',
    permission: 'recordings.read',
    page: ReviewRecordingsPage,
  },
  {
    path: '/recording-key',
    label: 'Recording key',
    description: 'Opens recordings of encrypted calls',
    permission: 'recordingKeys.read',
    page: RecordingKeysPage,
  },
  {
    path: '/call-types',
    label: 'Call types',
    description: 'Purposes, lawful bases, retention',
    permission: 'callTypes.read',
    page: ManageCallTypesPage,
  },
  {
    path: '/notices',
    label: 'Privacy notices',
    description: 'What customers read before joining',
    permission: 'notices.manage',
    page: ManageNoticesPage,
  },
  {
    path: '/legal-holds',
    label: 'Legal holds',
    description: 'Keep data beyond its expiry for a case',
    permission: 'legalHolds.manage',
    page: ManageLegalHoldsPage,
  },
  { path: '/users', label: 'Users', description: 'Accounts, roles, training', permission: 'users.read', page: ManageUsersPage },
  { path: '/api-tokens', label: 'API tokens', description: 'Access for other systems', permission: 'apiTokens.manage', page: ManageApiTokensPage },
  { path: '/webhooks', label: 'Webhooks', description: 'Tell other systems of erasure and more', permission: 'webhooks.manage', page: ManageWebhooksPage },
  { path: '/documents', label: 'Documents', description: 'DPA, DPIA, records of processing, sub-processors', permission: 'documents.manage', page: ManageDocumentsPage },
  {
    path: '/rights-requests',
    label: 'Rights requests',
    description: 'Access, erasure, restriction — with due dates',
    permission: 'rightsRequests.handle',
    page: RightsRequestsPage,
  },
  {
    path: '/breaches',
    label: 'Breach register',
    description: 'Breaches, the 72 h clock, follow-up',
    permission: 'breaches.manage',
    page: BreachRegisterPage,
  },
  { path: '/outbox', label: 'Outbox', description: 'Mail sent to customers and staff', permission: 'outbox.read', page: BrowseOutboxPage },
  { path: '/audit', label: 'Audit log', description: 'Who did what, and when', permission: 'audit.read', page: BrowseAuditLogPage },
];

export const isConsolePath = (path: string) => path === '/' || sections.some((s) => s.path === path) || /^\/live\/[^/]+$/.test(path);

export const sectionsFor = (me: Me) => sections.filter((s) => can(me.user.role, s.permission));

function Home(props: { me: Me }) {
  const { route } = useLocation();
  const first = sectionsFor(props.me)[0]?.path ?? '/organisation';
  useLayoutEffect(() => route(first, true), [first]);
  return null;
}

function NotAllowed(props: { me: Me; section: Section }) {
  return (
    <PageHeader title={props.section.label}>
      <p>
        Your role ({roleLabels[props.me.user.role]}) does not include this page. If you need it for your work, ask an
        administrator of your organisation.
      </p>
    </PageHeader>
  );
}

function NotFound() {
  return (
    <PageHeader title="Page not found">
      <p>
        There is no page at this address. Choose a page from the navigation, or go to the <a href="/">start page</a>.
      </p>
    </PageHeader>
  );
}

/** The signed-in console: the layout with navigation, and the page for the path if the role allows it. */
export function ConsoleRoutes(props: { me: Me }) {
  const { me } = props;
  return (
    <ConsoleLayout me={me} sections={sectionsFor(me)}>
      <Router>
        <Route path="/" component={Home} me={me} />
        {sections.map((section) =>
          can(me.user.role, section.permission) ? (
            <Route key={section.path} path={section.path} component={section.page} />
          ) : (
            <Route key={section.path} path={section.path} component={NotAllowed} me={me} section={section} />
          ),
        )}
        {/* A live call, opened from a row of the Calls page: not in the navigation, but for whoever may see calls. */}
        <Route path="/live/:callId" component={can(me.user.role, 'calls.read') ? LiveCallPage : NotFound} />
        <Route default component={NotFound} />
      </Router>
    </ConsoleLayout>
  );
}
