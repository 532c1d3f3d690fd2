import type { Deps } from '../deps.ts';
import { createOrganisation } from '../organisations/organisations.ts';
import type { OrgId } from '../shared/ids.ts';
import { insertUser } from './insert-user.ts';
import { hashPassword } from './passwords.ts';
import { issueSetupLink, type SetupLink } from './setup-links.ts';

export type FirstRunResult =
  | { readonly kind: 'existing' }
  | { readonly kind: 'setup_link'; readonly orgId: OrgId; readonly link: SetupLink }
  | { readonly kind: 'admin_from_env'; readonly orgId: OrgId; readonly email: string };

/**
 * First run: with no account at all, create the first organisation (if none) and either the admin from
 * PARLEY_ADMIN_EMAIL/PASSWORD or a one-time set-up link. While nobody has completed set-up, each start issues a
 * fresh link (voiding the old one), so a lost terminal never locks the operator out.
 */
export async function ensureFirstAdmin(deps: Deps): Promise<FirstRunResult> {
  const anyUser = await deps.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (anyUser) return { kind: 'existing' };
  const { adminEmail, adminPassword, orgName } = deps.config.firstRun;
  const passwordHash = adminEmail && adminPassword ? await hashPassword(adminPassword) : null;

  return deps.db.transaction().execute(async (tx) => {
    const org = await tx.selectFrom('organisations').select('id').orderBy('created_at').limit(1).executeTakeFirst();
    const orgId = (org?.id as OrgId | undefined) ?? (await createOrganisation(tx, deps, { legalName: orgName }));
    if (adminEmail && passwordHash) {
      await insertUser(tx, deps, {
        orgId,
        email: adminEmail,
        displayName: 'Administrator',
        role: 'admin',
        passwordHash,
        actor: { type: 'system' },
      });
      return { kind: 'admin_from_env', orgId, email: adminEmail };
    }
    const link = await issueSetupLink(tx, deps, { orgId, userId: null, actor: { type: 'system' } });
    return { kind: 'setup_link', orgId, link };
  });
}
