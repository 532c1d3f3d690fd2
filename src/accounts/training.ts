import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId, type UserId } from '../shared/ids.ts';

/**
 * Attestations that a user completed GDPR training, with its date. Later capabilities (recording playback)
 * require a recent one.
 */
export async function listTraining(db: DbOrTx, orgId: OrgId, userId: UserId) {
  const user = await db.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
  if (!user) throw notFound('User');
  const rows = await db
    .selectFrom('training_attestations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .orderBy('completed_on', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    course: r.course,
    completedOn: r.completed_on,
    recordedBy: r.recorded_by,
    createdAt: r.created_at,
  }));
}

export async function attestTraining(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  userId: UserId,
  input: { course: string; completedOn: string },
) {
  const today = iso(deps.clock.now()).slice(0, 10);
  if (input.completedOn > today) {
    throw new AppError('VALIDATION_FAILED', 'The completion date cannot be in the future.', {
      details: [{ path: ['completedOn'], message: 'Must be today or earlier.' }],
    });
  }
  return deps.db.transaction().execute(async (tx) => {
    const user = await tx.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
    if (!user) throw notFound('User');
    const id = newId('training');
    const recordedBy = actor.type === 'user' || actor.type === 'api_token' ? actor.id : actor.type;
    const createdAt = iso(deps.clock.now());
    await tx
      .insertInto('training_attestations')
      .values({
        id,
        org_id: orgId,
        user_id: userId,
        course: input.course,
        completed_on: input.completedOn,
        recorded_by: recordedBy,
        created_at: createdAt,
        ...tagged('training_attestations'),
      })
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'user.training_attested', data: { userId, attestationId: id } });
    return { id, userId, course: input.course, completedOn: input.completedOn, recordedBy, createdAt };
  });
}
