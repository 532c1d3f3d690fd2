import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DbOrTx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';
import { isId, type Id, type OrgId } from '../shared/ids.ts';

/** How long after the scheduled end a join link still works (a call that runs late). */
export const JOIN_GRACE_MINUTES = 120;

/**
 * A join link names one participant of one call and is signed with a key derived from the master key:
 * `/j/<participantId>.<HMAC-SHA256(participantId:callId)>`. The participant id alone is 128 random bits; the
 * signature binds it to its call, so a link cannot be edited into another one. Expiry and cancellation are read
 * from the call at use, so a reschedule keeps the link valid for the new time.
 */
function sign(deps: Pick<Deps, 'keys'>, participantId: string, callId: string): string {
  return createHmac('sha256', deps.keys.deriveKey('join-links')).update(`${participantId}:${callId}`).digest('base64url');
}

export function joinToken(deps: Pick<Deps, 'keys'>, participantId: string, callId: string): string {
  return `${participantId}.${sign(deps, participantId, callId)}`;
}

export function joinUrl(deps: Pick<Deps, 'keys' | 'config'>, participantId: string, callId: string): string {
  return `${deps.config.publicUrl}/j/${joinToken(deps, participantId, callId)}`;
}

export type JoinLinkState =
  | { readonly status: 'invalid' }
  | { readonly status: 'cancelled' | 'expired' | 'ok'; readonly orgId: OrgId; readonly callId: Id<'call'>; readonly participantId: Id<'participant'>; readonly subjectId: Id<'subject'> | null };

export async function resolveJoinToken(db: DbOrTx, deps: Pick<Deps, 'keys' | 'clock'>, token: string): Promise<JoinLinkState> {
  const [participantId, signature, ...rest] = token.split('.');
  if (!participantId || !signature || rest.length > 0 || !isId('participant', participantId)) return { status: 'invalid' };
  const row = await db
    .selectFrom('participants as p')
    .innerJoin('calls as c', 'c.id', 'p.call_id')
    .select(['p.id', 'p.org_id', 'p.call_id', 'p.subject_id', 'c.status', 'c.ends_at'])
    .where('p.id', '=', participantId)
    .executeTakeFirst();
  if (!row) return { status: 'invalid' };
  const expected = Buffer.from(sign(deps, row.id, row.call_id));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { status: 'invalid' };
  const base = {
    orgId: row.org_id as OrgId,
    callId: row.call_id as Id<'call'>,
    participantId: row.id as Id<'participant'>,
    subjectId: row.subject_id as Id<'subject'> | null,
  };
  if (row.status === 'cancelled') return { status: 'cancelled', ...base };
  const closes = new Date(new Date(row.ends_at).getTime() + JOIN_GRACE_MINUTES * 60_000);
  if (row.status === 'ended' || iso(deps.clock.now()) > iso(closes)) return { status: 'expired', ...base };
  return { status: 'ok', ...base };
}
