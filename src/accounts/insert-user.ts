import type { AuditActor } from '../audit/events.ts';
import type { Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId, type UserId } from '../shared/ids.ts';
import type { Role } from './roles.ts';

/**
 * The one place a user row is written (invitation, first-run admin, admin from the environment), with its
 * purpose and category and the `user.created` event in the same transaction. Emails are unique across the
 * installation, since sign-in is by email alone.
 */
export async function insertUser(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'audit'>,
  input: { orgId: OrgId; email: string; displayName: string; role: Role; passwordHash: string | null; actor: AuditActor },
): Promise<UserId> {
  const taken = await tx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
  if (taken) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists.');
  const id = newId('user');
  const now = iso(deps.clock.now());
  await tx
    .insertInto('users')
    .values({
      id,
      org_id: input.orgId,
      email: input.email,
      display_name: input.displayName,
      role: input.role,
      password_hash: input.passwordHash,
      totp_secret_sealed: null,
      totp_enabled_at: null,
      totp_last_step: null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
      ...tagged('users'),
    })
    .execute();
  await deps.audit.append(tx, input.orgId, input.actor, { type: 'user.created', data: { userId: id, role: input.role } });
  return id;
}
