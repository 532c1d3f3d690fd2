import { z } from 'zod';
import type { DbOrTx } from '../../db/database.ts';
import type { OrgId, UserId } from '../../shared/ids.ts';
import type { PresenceEntry } from './live-call.ts';

export const callPresenceSchema = z.object({
  /** Only calls someone is in right now; a call nobody has opened (or everyone left) is not listed. */
  calls: z.array(
    z.object({
      callId: z.string(),
      participants: z.array(
        z.object({
          participantId: z.string(),
          kind: z.enum(['agent', 'customer']),
          /** `waiting`: in the lobby, for the agent to let in; `in_call`: let in and connected; `reconnecting`: their connection dropped a moment ago. */
          state: z.enum(['waiting', 'in_call', 'reconnecting']),
          /** Since when they wait, or since they were let in (ISO 8601). */
          since: z.string(),
        }),
      ),
    }),
  ),
});
export type CallPresence = z.infer<typeof callPresenceSchema>;

/**
 * Who is in the organisation's live calls now, from the call hub's own state (not the database): the agent's calls
 * list shows "Customer waiting in the lobby" and "In call" from it. Ids and states only; the list already has the
 * names. An agent gets their own calls only, as with every other call endpoint.
 */
export async function livePresence(db: DbOrTx, live: ReadonlyMap<string, readonly PresenceEntry[]>, orgId: OrgId, onlyAgent: UserId | undefined): Promise<CallPresence> {
  if (live.size === 0) return { calls: [] };
  let visible = [...live.keys()];
  if (onlyAgent) {
    const own = await db.selectFrom('calls').select('id').where('org_id', '=', orgId).where('agent_id', '=', onlyAgent).where('id', 'in', visible).execute();
    const ids = new Set(own.map((c) => c.id));
    visible = visible.filter((id) => ids.has(id));
  }
  return { calls: visible.sort().map((callId) => ({ callId, participants: live.get(callId)!.map((p) => ({ ...p })) })) };
}
