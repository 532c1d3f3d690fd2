import type { AuditActor } from '../audit/events.ts';
import { getCallType } from '../call-types/get-call-type.ts';
import type { DbOrTx, Tx } from '../db/database.ts';
import { tagged } from '../db/personal-data.ts';
import type { CallsTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { queueMail } from '../mail/queue-mail.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { addDays, laterIso } from '../shared/dates.ts';
import { newId, type CallTypeId, type Id, type OrgId, type UserId } from '../shared/ids.ts';
import { callMail, type CallMailFacts } from './call-mails.ts';
import { joinUrl } from './join-links.ts';
import type { CallView, Locale, ScheduleCallInput } from './scheduling.schema.ts';
import { emitWebhook } from '../webhooks/emit-webhook.ts';

export type CallId = Id<'call'>;

/** Calls can be scheduled up to a year ahead; a start in the past is refused. */
const MAX_AHEAD_DAYS = 366;

function checkWindow(deps: Pick<Deps, 'clock'>, startsAt: Date) {
  const now = deps.clock.now();
  if (startsAt.getTime() < now.getTime() - 60_000) {
    throw new AppError('VALIDATION_FAILED', 'The start time is in the past.', { details: [{ path: ['startsAt'], message: 'Choose a time in the future.' }] });
  }
  if (startsAt > addDays(now, MAX_AHEAD_DAYS)) {
    throw new AppError('VALIDATION_FAILED', 'Calls can be scheduled up to one year ahead.', { details: [{ path: ['startsAt'], message: 'At most one year ahead.' }] });
  }
}

async function loadCall(db: DbOrTx, orgId: OrgId, callId: string): Promise<CallsTable> {
  const row = await db.selectFrom('calls').selectAll().where('org_id', '=', orgId).where('id', '=', callId).executeTakeFirst();
  if (!row) throw notFound('Call');
  return row;
}

export async function getCall(db: DbOrTx, orgId: OrgId, callId: string): Promise<CallView> {
  const [view] = await toViews(db, orgId, [await loadCall(db, orgId, callId)]);
  return view!;
}

/** Views of many calls in three queries, whatever their number (a list page must not cost a query per call). */
async function toViews(db: DbOrTx, orgId: OrgId, calls: readonly CallsTable[]): Promise<CallView[]> {
  if (calls.length === 0) return [];
  const [participants, callTypes] = await Promise.all([
    db
      .selectFrom('participants as p')
      .leftJoin('subjects as s', 's.id', 'p.subject_id')
      .leftJoin('users as u', 'u.id', 'p.user_id')
      .select(['p.id', 'p.call_id', 'p.kind', 'p.display_name', 'p.user_id', 'p.subject_id', 's.email as subject_email', 'u.email as user_email'])
      .where('p.org_id', '=', orgId)
      .where('p.call_id', 'in', calls.map((c) => c.id))
      .orderBy('p.kind')
      .orderBy('p.id')
      .execute(),
    db
      .selectFrom('call_types')
      .select(['id', 'name'])
      .where('org_id', '=', orgId)
      .where('id', 'in', [...new Set(calls.map((c) => c.call_type_id))])
      .execute(),
  ]);
  const typeName = new Map(callTypes.map((t) => [t.id, t.name]));
  return calls.map((call) => ({
    id: call.id,
    callTypeId: call.call_type_id,
    callTypeName: typeName.get(call.call_type_id) ?? '',
    callTypeVersion: Number(call.call_type_version),
    agentId: call.agent_id,
    startsAt: call.starts_at,
    endsAt: call.ends_at,
    durationMinutes: Math.round((new Date(call.ends_at).getTime() - new Date(call.starts_at).getTime()) / 60_000),
    locale: call.locale as Locale,
    status: call.status as CallView['status'],
    participants: participants
      .filter((p) => p.call_id === call.id)
      .map((p) => ({
        id: p.id,
        kind: p.kind as 'agent' | 'customer',
        displayName: p.display_name,
        userId: p.user_id,
        subjectId: p.subject_id,
        email: p.subject_email ?? p.user_email ?? null,
      })),
    createdAt: call.created_at,
    updatedAt: call.updated_at,
  }));
}

export async function listCalls(
  db: DbOrTx,
  orgId: OrgId,
  filter: {
    agentId?: UserId | undefined;
    from?: string | undefined;
    to?: string | undefined;
    endsAfter?: string | undefined;
    status?: string | undefined;
    limit: number;
  },
): Promise<CallView[]> {
  let q = db.selectFrom('calls').selectAll().where('org_id', '=', orgId);
  if (filter.agentId) q = q.where('agent_id', '=', filter.agentId);
  if (filter.from) q = q.where('starts_at', '>=', filter.from);
  if (filter.to) q = q.where('starts_at', '<', filter.to);
  if (filter.endsAfter) q = q.where('ends_at', '>', filter.endsAfter);
  if (filter.status) q = q.where('status', '=', filter.status);
  return toViews(db, orgId, await q.orderBy('starts_at').orderBy('id').limit(filter.limit).execute());
}

/** Everything the mails need, read inside the transaction that queues them. */
async function mailFacts(
  tx: Tx,
  deps: Deps,
  call: CallsTable,
): Promise<{ customers: (CallMailFacts & { to: string; participantId: string; subjectId: string })[]; agent: CallMailFacts & { to: string; subjectId: string } }> {
  const org = await tx.selectFrom('organisations').select(['legal_name', 'contact_email', 'privacy_policy_url']).where('id', '=', call.org_id).executeTakeFirstOrThrow();
  const callType = await getCallType(tx, call.org_id as OrgId, call.call_type_id as CallTypeId);
  const agent = await tx.selectFrom('users').select(['display_name', 'email']).where('id', '=', call.agent_id).executeTakeFirstOrThrow();
  // Every customer of the call, the first invited first: each gets their own personal link.
  const customers = await tx
    .selectFrom('participants as p')
    .innerJoin('subjects as s', 's.id', 'p.subject_id')
    .select(['p.id', 'p.display_name', 's.email', 's.id as subject_id'])
    .where('p.call_id', '=', call.id)
    .where('p.kind', '=', 'customer')
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
  const first = customers[0];
  if (!first) throw new Error(`call ${call.id} has no customer`);
  const startsAt = new Date(call.starts_at);
  const base = {
    callId: call.id,
    sequence: Number(call.sequence),
    startsAt,
    durationMinutes: Math.round((new Date(call.ends_at).getTime() - startsAt.getTime()) / 60_000),
    locale: call.locale as Locale,
    organisation: { legalName: org.legal_name, contactEmail: org.contact_email, privacyPolicyUrl: org.privacy_policy_url },
    callType,
    agentName: agent.display_name,
    customerName: first.display_name,
    rightsPageUrl: `${deps.config.publicUrl}/rights/${call.org_id}`,
    domain: new URL(deps.config.publicUrl).hostname || 'parley.local',
    timeZone: deps.config.timeZone,
  };
  return {
    customers: customers.map((c) => ({ ...base, customerName: c.display_name, joinUrl: joinUrl(deps, c.id, call.id), to: c.email, participantId: c.id, subjectId: c.subject_id })),
    // The agent's entry points to the console, never to the customer's personal link. It names the first customer:
    // queued with her subject id, so her erasure reaches it.
    agent: { ...base, joinUrl: `${deps.config.publicUrl}/calls`, to: agent.email, subjectId: first.subject_id },
  };
}

/** The organisation's subject with this email: found (name and expiry brought up to date) or created. */
async function upsertSubject(tx: Tx, orgId: OrgId, customer: { displayName: string; email: string }, now: string, expiry: string) {
  const found = await tx.selectFrom('subjects').selectAll().where('org_id', '=', orgId).where('email', '=', customer.email).executeTakeFirst();
  if (found) {
    await tx
      .updateTable('subjects')
      .set({ display_name: customer.displayName, updated_at: now, expires_at: laterIso(found.expires_at, expiry) })
      .where('id', '=', found.id)
      .execute();
    return found;
  }
  const id = newId('subject');
  await tx
    .insertInto('subjects')
    .values({ id, org_id: orgId, email: customer.email, display_name: customer.displayName, created_at: now, updated_at: now, expires_at: expiry, ...tagged('subjects') })
    .execute();
  return tx.selectFrom('subjects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Most people a call can have: the agent and this many customers (an SFU room on one node stays light). */
export const MAX_CUSTOMERS_PER_CALL = 8;

/**
 * Invites another customer to a scheduled call (a partner, a co-signer): they get their own personal link by
 * mail, and only a name and an email are asked (G23). The same person cannot be invited twice.
 */
export async function addGuest(deps: Deps, orgId: OrgId, actor: AuditActor, callId: string, customer: { displayName: string; email: string }): Promise<CallView> {
  return deps.db.transaction().execute(async (tx) => {
    const call = await loadCall(tx, orgId, callId);
    if (call.status !== 'scheduled') throw new AppError('CONFLICT', `This call is ${call.status}: nobody can be invited to it any more.`);
    const present = await tx
      .selectFrom('participants as p')
      .leftJoin('subjects as s', 's.id', 'p.subject_id')
      .select(['p.kind', 's.email'])
      .where('p.call_id', '=', call.id)
      .execute();
    if (present.some((p) => p.email === customer.email)) {
      throw new AppError('CONFLICT', 'This person is already invited to this call.', { details: [{ path: ['email'], message: 'Already invited.' }] });
    }
    if (present.filter((p) => p.kind === 'customer').length >= MAX_CUSTOMERS_PER_CALL) {
      throw new AppError('CONFLICT', `A call can have at most ${MAX_CUSTOMERS_PER_CALL} customers.`);
    }
    const now = iso(deps.clock.now());
    const subject = await upsertSubject(tx, orgId, customer, now, call.expires_at);
    const participantId = newId('participant');
    await tx
      .insertInto('participants')
      .values({
        id: participantId,
        org_id: orgId,
        call_id: call.id,
        kind: 'customer',
        user_id: null,
        subject_id: subject.id,
        display_name: customer.displayName,
        created_at: now,
        expires_at: call.expires_at,
        ...tagged('participants'),
      })
      .execute();
    const facts = await mailFacts(tx, deps, call);
    const invited = facts.customers.find((c) => c.participantId === participantId);
    if (!invited) throw new Error('the new guest is missing from the call');
    await queueMail(tx, deps, { orgId, kind: 'call.invitation', to: invited.to, subjectId: invited.subjectId, purpose: 'call_delivery', content: callMail('invitation', invited) });
    await deps.audit.append(tx, orgId, actor, { type: 'call.guest_added', data: { callId: call.id, subjectId: subject.id } });
    return getCall(tx, orgId, call.id);
  });
}

/**
 * Schedules a call for a customer known only by name and email (G23). The customer becomes (or is found as) a
 * subject of the organisation, so a later rights request finds everything about them. Invitation and the
 * agent's confirmation are queued in the same transaction and sent after it commits.
 */
export async function scheduleCall(deps: Deps, orgId: OrgId, actor: AuditActor, agentId: UserId, input: ScheduleCallInput): Promise<CallView> {
  const startsAt = new Date(input.startsAt);
  checkWindow(deps, startsAt);
  const endsAt = new Date(startsAt.getTime() + input.durationMinutes * 60_000);
  return deps.db.transaction().execute(async (tx) => {
    const callType = await getCallType(tx, orgId, input.callTypeId);
    if (callType.archivedAt) throw new AppError('CONFLICT', 'This call type is archived: choose another one.');
    const agent = await tx.selectFrom('users').select(['id', 'display_name', 'disabled_at']).where('org_id', '=', orgId).where('id', '=', agentId).executeTakeFirst();
    if (!agent || agent.disabled_at) {
      throw new AppError('VALIDATION_FAILED', 'The hosting agent is not an active user of this organisation.', { details: [{ path: ['agentId'], message: 'Choose an active user.' }] });
    }
    const now = iso(deps.clock.now());
    const callExpiry = iso(addDays(endsAt, callType.retention.callMetadataDays));

    const subject = await upsertSubject(tx, orgId, input.customer, now, callExpiry);

    const callId = newId('call');
    await tx
      .insertInto('calls')
      .values({
        id: callId,
        org_id: orgId,
        call_type_id: callType.id,
        call_type_version: callType.version,
        agent_id: agentId,
        starts_at: iso(startsAt),
        ends_at: iso(endsAt),
        locale: input.locale,
        status: 'scheduled',
        sequence: 0,
        cancelled_at: null,
        ended_at: null,
        created_at: now,
        updated_at: now,
        expires_at: callExpiry,
        ...tagged('calls'),
      })
      .execute();
    const participant = (kind: 'agent' | 'customer') => ({
      id: newId('participant'),
      org_id: orgId,
      call_id: callId,
      kind,
      user_id: kind === 'agent' ? agentId : null,
      subject_id: kind === 'customer' ? subject.id : null,
      display_name: kind === 'agent' ? agent.display_name : input.customer.displayName,
      created_at: now,
      expires_at: callExpiry,
      ...tagged('participants'),
    });
    await tx.insertInto('participants').values([participant('agent'), participant('customer')]).execute();

    const call = await loadCall(tx, orgId, callId);
    const facts = await mailFacts(tx, deps, call);
    for (const customer of facts.customers) {
      await queueMail(tx, deps, { orgId, kind: 'call.invitation', to: customer.to, subjectId: customer.subjectId, purpose: 'call_delivery', content: callMail('invitation', customer) });
    }
    await queueMail(tx, deps, {
      orgId,
      kind: 'call.agent_confirmation',
      to: facts.agent.to,
      subjectId: facts.agent.subjectId,
      purpose: 'call_delivery',
      content: callMail('agent_confirmation', facts.agent),
    });
    await deps.audit.append(tx, orgId, actor, { type: 'call.scheduled', data: { callId, callTypeId: callType.id, subjectId: subject.id } });
    await emitWebhook(tx, deps, orgId, { type: 'call.scheduled', data: { callId, callTypeId: callType.id, subjectId: subject.id } });
    return getCall(tx, orgId, callId);
  });
}

export async function rescheduleCall(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  callId: string,
  input: { startsAt?: string | undefined; durationMinutes?: number | undefined },
): Promise<CallView> {
  return deps.db.transaction().execute(async (tx) => {
    const call = await loadCall(tx, orgId, callId);
    if (call.status !== 'scheduled') throw new AppError('CONFLICT', `This call is ${call.status}: it can no longer be moved.`);
    const startsAt = input.startsAt ? new Date(input.startsAt) : new Date(call.starts_at);
    const duration = input.durationMinutes ?? Math.round((new Date(call.ends_at).getTime() - new Date(call.starts_at).getTime()) / 60_000);
    checkWindow(deps, startsAt);
    const endsAt = new Date(startsAt.getTime() + duration * 60_000);
    const callType = await getCallType(tx, orgId, call.call_type_id as CallTypeId);
    const expiry = iso(addDays(endsAt, callType.retention.callMetadataDays));
    const now = iso(deps.clock.now());
    await tx
      .updateTable('calls')
      .set({ starts_at: iso(startsAt), ends_at: iso(endsAt), sequence: Number(call.sequence) + 1, updated_at: now, expires_at: laterIso(call.expires_at, expiry) })
      .where('id', '=', call.id)
      .execute();
    await tx.updateTable('participants').set({ expires_at: laterIso(call.expires_at, expiry) }).where('call_id', '=', call.id).execute();
    const updated = await loadCall(tx, orgId, call.id);
    const facts = await mailFacts(tx, deps, updated);
    for (const customer of facts.customers) {
      await queueMail(tx, deps, { orgId, kind: 'call.rescheduled', to: customer.to, subjectId: customer.subjectId, purpose: 'call_delivery', content: callMail('rescheduled', customer) });
    }
    await deps.audit.append(tx, orgId, actor, { type: 'call.rescheduled', data: { callId: call.id } });
    return getCall(tx, orgId, call.id);
  });
}

export async function cancelCall(deps: Deps, orgId: OrgId, actor: AuditActor, callId: string): Promise<CallView> {
  return deps.db.transaction().execute(async (tx) => {
    const call = await loadCall(tx, orgId, callId);
    if (call.status === 'cancelled') return getCall(tx, orgId, call.id);
    if (call.status !== 'scheduled') throw new AppError('CONFLICT', `This call is ${call.status}: it cannot be cancelled.`);
    const now = iso(deps.clock.now());
    await tx.updateTable('calls').set({ status: 'cancelled', cancelled_at: now, updated_at: now, sequence: Number(call.sequence) + 1 }).where('id', '=', call.id).execute();
    const facts = await mailFacts(tx, deps, await loadCall(tx, orgId, call.id));
    for (const customer of facts.customers) {
      await queueMail(tx, deps, { orgId, kind: 'call.cancelled', to: customer.to, subjectId: customer.subjectId, purpose: 'call_delivery', content: callMail('cancelled', customer) });
    }
    await deps.audit.append(tx, orgId, actor, { type: 'call.cancelled', data: { callId: call.id } });
    await emitWebhook(tx, deps, orgId, { type: 'call.cancelled', data: { callId: call.id } });
    return getCall(tx, orgId, call.id);
  });
}
