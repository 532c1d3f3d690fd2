import { z } from 'zod';
import type { DbOrTx } from '../../db/database.ts';
import { notFound } from '../../shared/app-error.ts';
import type { OrgId, UserId } from '../../shared/ids.ts';

export const attendanceEntrySchema = z.object({
  participantId: z.string(),
  kind: z.enum(['agent', 'customer']),
  displayName: z.string(),
  joinedAt: z.string(),
  admittedAt: z.string().nullable(),
  leftAt: z.string().nullable(),
  leaveReason: z.enum(['left', 'timeout', 'declined', 'ended', 'closed']).nullable(),
});
export const callAttendanceSchema = z.object({
  callId: z.string(),
  status: z.enum(['scheduled', 'cancelled', 'ended']),
  endedAt: z.string().nullable(),
  /** One entry per presence, in the order people joined (a participant who left and came back has two). */
  attendance: z.array(attendanceEntrySchema),
});
export type CallAttendance = z.infer<typeof callAttendanceSchema>;

/**
 * Who was in a call and when, for the console's call history. An agent sees only the calls they host: anyone
 * else's answers 404, as another organisation's would.
 */
export async function getCallAttendance(db: DbOrTx, orgId: OrgId, callId: string, onlyAgent: UserId | undefined): Promise<CallAttendance> {
  const call = await db.selectFrom('calls').select(['id', 'agent_id', 'status', 'ended_at']).where('org_id', '=', orgId).where('id', '=', callId).executeTakeFirst();
  if (!call || (onlyAgent && call.agent_id !== onlyAgent)) throw notFound('Call');
  const rows = await db
    .selectFrom('call_attendance as a')
    .innerJoin('participants as p', 'p.id', 'a.participant_id')
    .select(['a.participant_id', 'p.kind', 'p.display_name', 'a.joined_at', 'a.admitted_at', 'a.left_at', 'a.leave_reason'])
    .where('a.org_id', '=', orgId)
    .where('a.call_id', '=', call.id)
    .orderBy('a.joined_at')
    .orderBy('a.id')
    .execute();
  return {
    callId: call.id,
    status: call.status as CallAttendance['status'],
    endedAt: call.ended_at,
    attendance: rows.map((r) => ({
      participantId: r.participant_id,
      kind: r.kind === 'agent' ? 'agent' : 'customer',
      displayName: r.display_name,
      joinedAt: r.joined_at,
      admittedAt: r.admitted_at,
      leftAt: r.left_at,
      leaveReason: r.leave_reason as CallAttendance['attendance'][number]['leaveReason'],
    })),
  };
}
