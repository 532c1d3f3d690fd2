import type { DbOrTx } from '../db/database.ts';
import type { OrgId } from '../shared/ids.ts';

/**
 * Everything Parley holds about one data subject in one organisation (G33, G36): the single query behind both
 * the access export and erasure, so what a subject is shown and what erasure reaches can never drift apart.
 *
 * - `subject`: the subject row itself (contact details);
 * - `participants`: their seats in calls (kind `customer`, `subject_id` = theirs);
 * - `calls`: the calls those seats belong to;
 * - `attendance`: join/leave rows of those seats;
 * - `chatMessages`: chat messages THEY sent (other people's messages are not theirs: 15(4));
 * - `consentRecords`: their consent ledger;
 * - `recordingTracks`: tracks of their own seats only (G34), erased ones included (the row remains until erasure);
 * - `recordings`: the recordings those tracks belong to;
 * - `rightsRequests`: requests linked to the subject;
 * - `exports`: access exports still holding data (not `erased`), of the subject or of their requests;
 * - `mails`: outbox messages addressed to the subject's email, or queued for them or about them (`subject_id`, e.g.
 *   the agent's confirmation naming them).
 *
 * Id lists are sorted, so two inventories compare with a plain deep equality.
 */
export interface SubjectInventory {
  subject: {
    id: string;
    email: string;
    displayName: string;
    createdAt: string;
    expiresAt: string;
    restrictedAt: string | null;
  } | null;
  participants: string[];
  calls: string[];
  attendance: string[];
  chatMessages: string[];
  consentRecords: string[];
  recordingTracks: string[];
  recordings: string[];
  rightsRequests: string[];
  exports: string[];
  mails: string[];
}

export type InventoryCategory = Exclude<keyof SubjectInventory, 'subject'>;
export const inventoryCategories: readonly InventoryCategory[] = [
  'participants',
  'calls',
  'attendance',
  'chatMessages',
  'consentRecords',
  'recordingTracks',
  'recordings',
  'rightsRequests',
  'exports',
  'mails',
];

const ids = (rows: readonly { id: string }[]) => [...new Set(rows.map((r) => r.id))].sort();

export async function findSubjectData(db: DbOrTx, orgId: OrgId, subjectId: string): Promise<SubjectInventory> {
  const row = await db.selectFrom('subjects').selectAll().where('org_id', '=', orgId).where('id', '=', subjectId).executeTakeFirst();
  const participants = ids(
    await db.selectFrom('participants').select('id').where('org_id', '=', orgId).where('subject_id', '=', subjectId).execute(),
  );
  const inParticipants = participants.length > 0 ? participants : ['-'];

  const calls = ids(
    await db.selectFrom('participants').select('call_id as id').where('org_id', '=', orgId).where('id', 'in', inParticipants).execute(),
  );
  const attendance = ids(
    await db.selectFrom('call_attendance').select('id').where('org_id', '=', orgId).where('participant_id', 'in', inParticipants).execute(),
  );
  const chatMessages = ids(
    await db.selectFrom('call_chat_messages').select('id').where('org_id', '=', orgId).where('participant_id', 'in', inParticipants).execute(),
  );
  const consentRecords = ids(
    await db
      .selectFrom('consent_records')
      .select('id')
      .where('org_id', '=', orgId)
      .where((eb) => eb.or([eb('subject_id', '=', subjectId), eb('participant_id', 'in', inParticipants)]))
      .execute(),
  );
  const trackRows = await db
    .selectFrom('recording_tracks')
    .select(['id', 'recording_id'])
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('subject_id', '=', subjectId), eb('participant_id', 'in', inParticipants)]))
    .execute();
  const recordingTracks = ids(trackRows);
  const recordings = [...new Set(trackRows.map((t) => t.recording_id))].sort();
  const rightsRequests = ids(
    await db.selectFrom('rights_requests').select('id').where('org_id', '=', orgId).where('subject_id', '=', subjectId).execute(),
  );
  const inRequests = rightsRequests.length > 0 ? rightsRequests : ['-'];
  const exports = ids(
    await db
      .selectFrom('subject_exports')
      .select('id')
      .where('org_id', '=', orgId)
      .where('status', '<>', 'erased')
      .where((eb) => eb.or([eb('subject_id', '=', subjectId), eb('request_id', 'in', inRequests)]))
      .execute(),
  );
  // Addresses are stored as typed; compare case-insensitively (the domain part is, and people mix case). A message
  // to someone else that names the subject carries their id (migration 0015).
  const mails = ids(
    await db
      .selectFrom('mail_outbox')
      .select('id')
      .where('org_id', '=', orgId)
      .where((eb) =>
        eb.or([eb('subject_id', '=', subjectId), ...(row ? [eb(eb.fn('lower', ['to_address']), '=', row.email.toLowerCase())] : [])]),
      )
      .execute(),
  );

  return {
    subject: row
      ? {
          id: row.id,
          email: row.email,
          displayName: row.display_name,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
          restrictedAt: row.restricted_at,
        }
      : null,
    participants,
    calls,
    attendance,
    chatMessages,
    consentRecords,
    recordingTracks,
    recordings,
    rightsRequests,
    exports,
    mails,
  };
}

/** Whether the inventory holds nothing at all (no subject row and no item in any category). */
export function isEmptyInventory(inv: SubjectInventory): boolean {
  return inv.subject === null && inventoryCategories.every((c) => inv[c].length === 0);
}
