import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId, type UserId } from '../shared/ids.ts';

/**
 * Attestations that a user completed GDPR training, with its date. Recording playback requires one completed within
 * PARLEY_TRAINING_VALID_DAYS (src/recording/playback.ts).
 *
 * Rules (issue 12):
 * - Someone else attests: an admin or the data protection officer records another person's training, never their own
 *   (an attestation is worth what the person vouching for it is worth). An API token counts as the person who made it.
 *   There is no exception for a sole admin: they invite their data protection officer, who records it.
 * - A completion date in the future is refused.
 * - A date older than the validity is accepted, with a warning that it grants nothing: it is true history and proof
 *   of past training (accountability), and refusing it would tempt people to enter a made-up recent date instead.
 */
export interface TrainingView {
  readonly id: string;
  readonly userId: string;
  readonly course: string;
  readonly completedOn: string;
  /** The last day it counts (completedOn + PARLEY_TRAINING_VALID_DAYS). */
  readonly validUntil: string;
  readonly recordedBy: string;
  readonly createdAt: string;
}

const DAY_MS = 86_400_000;

function validUntil(completedOn: string, validDays: number): string {
  return new Date(Date.parse(`${completedOn}T00:00:00Z`) + validDays * DAY_MS).toISOString().slice(0, 10);
}

/** `2026-03-01` → "1 March 2026", as the message reads it. */
function inWords(isoDate: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${isoDate}T00:00:00Z`));
}

export async function listTraining(deps: Pick<Deps, 'config'>, db: DbOrTx, orgId: OrgId, userId: UserId): Promise<TrainingView[]> {
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
    validUntil: validUntil(r.completed_on, deps.config.recording.trainingValidDays),
    recordedBy: r.recorded_by,
    createdAt: r.created_at,
  }));
}

/** The person behind an actor: a user, or the user who made the API token. */
async function personBehind(tx: Tx, orgId: OrgId, actor: AuditActor): Promise<string | null> {
  if (actor.type === 'user') return actor.id;
  if (actor.type !== 'api_token') return null;
  const token = await tx.selectFrom('api_tokens').select('created_by').where('org_id', '=', orgId).where('id', '=', actor.id).executeTakeFirst();
  return token?.created_by ?? null;
}

/** Says who can attest instead, by what the organisation has: another admin, a DPO, or nobody yet. */
async function selfAttestationError(tx: Tx, orgId: OrgId, userId: UserId): Promise<AppError> {
  const others = await tx
    .selectFrom('users')
    .select('role')
    .where('org_id', '=', orgId)
    .where('id', '<>', userId)
    .where('role', 'in', ['admin', 'dpo'])
    .where('disabled_at', 'is', null)
    .where('password_hash', 'is not', null)
    .execute();
  const first = 'You cannot record your own GDPR training: someone else must confirm it.';
  if (others.length > 0) {
    return new AppError('SELF_ATTESTATION', `${first} Ask your data protection officer or another administrator to record it for you.`);
  }
  return new AppError(
    'SELF_ATTESTATION',
    `${first} Nobody else in your organisation can record it yet: invite your data protection officer in Users (role: data protection officer); they then record your training.`,
  );
}

export async function attestTraining(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  userId: UserId,
  input: { course: string; completedOn: string },
): Promise<TrainingView & { warning: string | null }> {
  const today = iso(deps.clock.now()).slice(0, 10);
  if (input.completedOn > today) {
    throw new AppError('VALIDATION_FAILED', 'The completion date is in the future. Enter the day the training was completed.', {
      details: [{ path: ['completedOn'], message: 'Enter today or an earlier day.' }],
    });
  }
  const validDays = deps.config.recording.trainingValidDays;
  return deps.db.transaction().execute(async (tx) => {
    const user = await tx.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
    if (!user) throw notFound('User');
    if ((await personBehind(tx, orgId, actor)) === userId) throw await selfAttestationError(tx, orgId, userId);
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
    const until = validUntil(input.completedOn, validDays);
    const warning =
      until < today
        ? `Recorded, but this training no longer counts: it was completed on ${inWords(input.completedOn)}, and a training counts for ${validDays} day${validDays === 1 ? '' : 's'} (it ran out on ${inWords(until)}). It does not allow playing recordings. Record a more recent training once the person has taken one.`
        : null;
    return { id, userId, course: input.course, completedOn: input.completedOn, validUntil: until, recordedBy, createdAt, warning };
  });
}
