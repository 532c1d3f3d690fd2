import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import type { LegalHoldsTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import type { HoldScope, LegalHoldView, PlaceHoldBody } from './legal-hold.schema.ts';
import { activeHold, utcDate } from './protections.ts';

type HoldDeps = Pick<Deps, 'db' | 'clock' | 'audit'>;

const targetTable = { subject: 'subjects', call: 'calls', recording: 'recordings' } as const satisfies Record<HoldScope, string>;
const targetPrefix = { subject: 'subj_', call: 'call_', recording: 'rec_' } as const satisfies Record<HoldScope, string>;

export function toHoldView(row: LegalHoldsTable, today: string): LegalHoldView {
  return {
    id: row.id,
    scope: row.scope as HoldScope,
    targetId: row.target_id,
    reference: row.reference,
    reason: row.reason,
    endsOn: row.ends_on,
    createdBy: row.created_by,
    createdAt: row.created_at,
    releasedAt: row.released_at,
    releasedBy: row.released_by,
    active: row.released_at === null && row.ends_on >= today,
  };
}

/**
 * Places a legal hold (G37): deletion of what it covers — by the purge or on request — is suspended until it is
 * released or its end date has passed. The target must be an item of the organisation (else 404, as for any id of
 * another organisation).
 */
export async function placeLegalHold(deps: HoldDeps, orgId: OrgId, actor: AuditActor, by: string, body: PlaceHoldBody): Promise<LegalHoldView> {
  const today = utcDate(deps.clock.now());
  if (!body.targetId.startsWith(targetPrefix[body.scope])) {
    throw new AppError('VALIDATION_FAILED', `A ${body.scope} hold needs a ${body.scope} id (${targetPrefix[body.scope]}…).`);
  }
  if (body.endsOn <= today) throw new AppError('VALIDATION_FAILED', `The hold must end after today (${today}).`);
  return deps.db.transaction().execute(async (tx) => {
    const target = await tx.selectFrom(targetTable[body.scope]).select('id').where('org_id', '=', orgId).where('id', '=', body.targetId).executeTakeFirst();
    if (!target) throw notFound(`The ${body.scope}`);
    const row: LegalHoldsTable = {
      id: newId('legalHold'),
      org_id: orgId,
      scope: body.scope,
      target_id: body.targetId,
      reference: body.reference,
      reason: body.reason,
      ends_on: body.endsOn,
      created_by: by,
      created_at: iso(deps.clock.now()),
      released_at: null,
      released_by: null,
    };
    await tx.insertInto('legal_holds').values(row).execute();
    await deps.audit.append(tx, orgId, actor, {
      type: 'legal_hold.placed',
      data: { holdId: row.id, scope: body.scope, targetId: body.targetId, endsOn: body.endsOn },
    });
    return toHoldView(row, today);
  });
}

export async function releaseLegalHold(deps: HoldDeps, orgId: OrgId, actor: AuditActor, by: string, holdId: string): Promise<LegalHoldView> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('legal_holds').selectAll().where('org_id', '=', orgId).where('id', '=', holdId).executeTakeFirst();
    if (!row) throw notFound('The legal hold');
    if (row.released_at !== null) throw new AppError('CONFLICT', `This legal hold was already released on ${row.released_at.slice(0, 10)}.`);
    const released = { ...row, released_at: iso(now), released_by: by };
    await tx.updateTable('legal_holds').set({ released_at: released.released_at, released_by: by }).where('id', '=', holdId).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'legal_hold.released', data: { holdId } });
    return toHoldView(released, utcDate(now));
  });
}

export async function listLegalHolds(db: DbOrTx, orgId: OrgId, now: Date, options: { active?: boolean }): Promise<LegalHoldView[]> {
  const today = utcDate(now);
  let q = db.selectFrom('legal_holds').selectAll().where('org_id', '=', orgId);
  if (options.active === true) q = q.where(activeHold(today));
  if (options.active === false) q = q.where((eb) => eb.or([eb('released_at', 'is not', null), eb('ends_on', '<', today)]));
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(500).execute();
  return rows.map((r) => toHoldView(r, today));
}

/** The active hold covering a recording (directly, through its call, or through a subject recorded in it), if any. */
export async function holdCoveringRecording(db: DbOrTx, orgId: OrgId, now: Date, recording: { id: string; callId: string }): Promise<LegalHoldsTable | undefined> {
  const subjects = await db.selectFrom('participants').select('subject_id').where('org_id', '=', orgId).where('call_id', '=', recording.callId).where('subject_id', 'is not', null).execute();
  return db
    .selectFrom('legal_holds')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(activeHold(utcDate(now)))
    .where((eb) =>
      eb.or([
        eb.and([eb('scope', '=', 'recording'), eb('target_id', '=', recording.id)]),
        eb.and([eb('scope', '=', 'call'), eb('target_id', '=', recording.callId)]),
        ...(subjects.length > 0 ? [eb.and([eb('scope', '=', 'subject'), eb('target_id', 'in', subjects.map((s) => s.subject_id!))])] : []),
      ]),
    )
    .orderBy('ends_on', 'desc')
    .executeTakeFirst();
}
