import type { AuditActor, AuditEvent } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import type { UsersTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId, UserId } from '../shared/ids.ts';
import type { UserView } from './accounts.schema.ts';
import { insertUser } from './insert-user.ts';
import type { Role } from './roles.ts';
import { revokeUserSessions } from './sessions.ts';
import { deleteRecoveryCodes } from './recovery-codes.ts';
import { sendSetupLink, type SetupLinkDelivery } from './send-setup-link.ts';

function toView(row: UsersTable, lastTrainingOn: string | null): UserView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as Role,
    status: row.disabled_at ? 'disabled' : row.password_hash ? 'active' : 'invited',
    totpEnabled: row.totp_enabled_at !== null,
    lastTrainingOn,
    createdAt: row.created_at,
  };
}

async function lastTraining(db: DbOrTx, orgId: OrgId): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('training_attestations')
    .select(['user_id', (eb) => eb.fn.max('completed_on').as('last')])
    .where('org_id', '=', orgId)
    .groupBy('user_id')
    .execute();
  return new Map(rows.map((r) => [r.user_id, String(r.last)]));
}

export async function listUsers(db: DbOrTx, orgId: OrgId): Promise<UserView[]> {
  const [rows, training] = await Promise.all([
    db.selectFrom('users').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute(),
    lastTraining(db, orgId),
  ]);
  return rows.map((r) => toView(r, training.get(r.id) ?? null));
}

export async function getUser(db: DbOrTx, orgId: OrgId, userId: UserId): Promise<UserView> {
  const row = await db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
  if (!row) throw notFound('User');
  return toView(row, (await lastTraining(db, orgId)).get(row.id) ?? null);
}

/**
 * Invites a member of staff: creates the account (status "invited") and mails them a one-time set-up link
 * (src/accounts/send-setup-link.ts says when the answer carries the link itself).
 */
export async function createUser(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  input: { email: string; displayName: string; role: Role },
): Promise<{ user: UserView; setupLink: SetupLinkDelivery }> {
  return deps.db.transaction().execute(async (tx) => {
    const id = await insertUser(tx, deps, { orgId, ...input, passwordHash: null, actor });
    const setupLink = await sendSetupLink(tx, deps, { orgId, userId: id, actor, kind: 'invitation' });
    const row = await tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { user: toView(row, null), setupLink };
  });
}

/**
 * Mails a user a new set-up link (forgotten password, lost invitation); their older links stop working. An invited
 * user who never set a password gets the invitation again, anyone else a "new link" mail.
 */
export async function resendSetupLink(deps: Deps, orgId: OrgId, actor: AuditActor, userId: UserId): Promise<SetupLinkDelivery> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('users').select('password_hash').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('User');
    return sendSetupLink(tx, deps, { orgId, userId, actor, kind: row.password_hash === null ? 'invitation' : 'new_link' });
  });
}

/** At least one enabled admin must remain, or nobody could manage the organisation any more. */
async function assertAnotherAdmin(tx: DbOrTx, orgId: OrgId, userId: UserId): Promise<void> {
  const other = await tx
    .selectFrom('users')
    .select('id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where('id', '<>', userId)
    .executeTakeFirst();
  if (!other) throw new AppError('LAST_ADMIN', 'This is the last active admin: make someone else admin first.');
}

export async function updateUser(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  userId: UserId,
  input: { displayName?: string | undefined; role?: Role | undefined; disabled?: boolean | undefined },
): Promise<UserView> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('User');
    const now = iso(deps.clock.now());
    const events: AuditEvent[] = [];
    const set: Partial<UsersTable> = {};
    let endSessions = false;

    if (input.displayName !== undefined && input.displayName !== row.display_name) {
      set.display_name = input.displayName;
      events.push({ type: 'user.updated', data: { userId, fields: ['displayName'] } });
    }
    if (input.role !== undefined && input.role !== row.role) {
      if (row.role === 'admin') await assertAnotherAdmin(tx, orgId, userId);
      set.role = input.role;
      endSessions = true; // a new role may need TOTP, and old sessions carry the old role's stage
      events.push({ type: 'user.role_changed', data: { userId, from: row.role as Role, to: input.role } });
    }
    if (input.disabled !== undefined && input.disabled !== (row.disabled_at !== null)) {
      if (input.disabled && row.role === 'admin') await assertAnotherAdmin(tx, orgId, userId);
      set.disabled_at = input.disabled ? now : null;
      endSessions ||= input.disabled;
      events.push({ type: input.disabled ? 'user.disabled' : 'user.enabled', data: { userId } });
    }
    if (events.length > 0) {
      await tx.updateTable('users').set({ ...set, updated_at: now }).where('id', '=', userId).execute();
      if (endSessions) await revokeUserSessions(tx, orgId, userId);
      await deps.audit.append(tx, orgId, actor, events);
    }
    return getUser(tx, orgId, userId);
  });
}

/**
 * Removes a user's second factor and their recovery codes (lost phone); they enrol again at their next sign-in and
 * get new codes then. Every session of theirs ends. Done by an admin, audited with who did it.
 */
export async function resetTotp(deps: Deps, orgId: OrgId, actor: AuditActor, userId: UserId): Promise<UserView> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('users').select(['totp_secret_sealed']).where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('User');
    if (row.totp_secret_sealed === null) return getUser(tx, orgId, userId); // nothing to reset: no event, sessions kept
    await tx
      .updateTable('users')
      .set({ totp_secret_sealed: null, totp_enabled_at: null, totp_last_step: null, updated_at: iso(deps.clock.now()) })
      .where('id', '=', userId)
      .execute();
    await deleteRecoveryCodes(tx, orgId, userId);
    await revokeUserSessions(tx, orgId, userId);
    await deps.audit.append(tx, orgId, actor, { type: 'user.totp_reset', data: { userId } });
    return getUser(tx, orgId, userId);
  });
}
