import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.ts';

/** Why an expired item is kept: the reasons the purge reports, strongest first. */
export const keepReasons = ['legal_hold', 'restriction', 'legal_minimum', 'still_referenced'] as const;
export type KeepReason = (typeof keepReasons)[number];

/** What an item is linked to, by id: the links a hold or a restriction can reach it through. */
export interface ItemLinks {
  readonly subjectId?: string | null;
  readonly callId?: string | null;
  readonly recordingId?: string | null;
  readonly participantId?: string | null;
  /** Mail has no subject id: it is linked by the address it went to. */
  readonly email?: string | null;
}

/**
 * What suspends deletion right now, for every organisation (ids are globally unique, so one set per kind):
 * - legal holds (G37) active while `released_at is null and ends_on >= today`. A hold on a subject covers their rows
 *   and every call they took part in (with its recordings); a hold on a call covers the call and its recordings; a
 *   hold on a recording covers it and its tracks;
 * - restriction (G20) of a subject (their rows and their participants' rows) or of a recording (it and its tracks);
 * - the legal minimum of legal-obligation recordings (G56): not before `retain_until`.
 */
export interface Protections {
  readonly heldSubjects: ReadonlySet<string>;
  readonly heldCalls: ReadonlySet<string>;
  readonly heldRecordings: ReadonlySet<string>;
  readonly restrictedSubjects: ReadonlySet<string>;
  readonly restrictedParticipants: ReadonlySet<string>;
  readonly restrictedRecordings: ReadonlySet<string>;
  /** Addresses of held subjects (and of the customers of held calls), and of restricted subjects, lower-cased. */
  readonly heldEmails: ReadonlySet<string>;
  readonly restrictedEmails: ReadonlySet<string>;
  /** Legal-obligation recordings still inside their minimum period, with its end. */
  readonly legalUntil: ReadonlyMap<string, string>;
}

/** The UTC calendar date of an instant: what `ends_on` (inclusive) is compared with. */
export const utcDate = (d: Date): string => d.toISOString().slice(0, 10);

/** The active legal holds' SQL condition, for the purge and for the refusal of a manual deletion alike. */
export const activeHold = (today: string) => sql<boolean>`released_at is null and ends_on >= ${today}`;

export async function loadProtections(db: DbOrTx, now: Date): Promise<Protections> {
  const today = utcDate(now);
  const holds = await db.selectFrom('legal_holds').select(['scope', 'target_id']).where(activeHold(today)).execute();
  const heldSubjects = new Set(holds.filter((h) => h.scope === 'subject').map((h) => h.target_id));
  const heldCalls = new Set(holds.filter((h) => h.scope === 'call').map((h) => h.target_id));
  const heldRecordings = new Set(holds.filter((h) => h.scope === 'recording').map((h) => h.target_id));
  for (const ids of chunks([...heldSubjects], 500)) {
    const rows = await db.selectFrom('participants').select('call_id').distinct().where('subject_id', 'in', ids).execute();
    for (const r of rows) heldCalls.add(r.call_id);
  }
  for (const ids of chunks([...heldCalls], 500)) {
    const rows = await db.selectFrom('recordings').select('id').where('call_id', 'in', ids).execute();
    for (const r of rows) heldRecordings.add(r.id);
  }

  const heldEmails = new Set<string>();
  const heldCustomers = new Set(heldSubjects);
  for (const ids of chunks([...heldCalls], 500)) {
    const rows = await db.selectFrom('participants').select('subject_id').where('call_id', 'in', ids).where('subject_id', 'is not', null).execute();
    for (const r of rows) heldCustomers.add(r.subject_id!);
  }
  for (const ids of chunks([...heldCustomers], 500)) {
    const rows = await db.selectFrom('subjects').select('email').where('id', 'in', ids).execute();
    for (const r of rows) heldEmails.add(r.email.toLowerCase());
  }
  const restricted = await db.selectFrom('subjects').select(['id', 'email']).where('restricted_at', 'is not', null).execute();
  const restrictedSubjects = new Set(restricted.map((r) => r.id));
  const restrictedEmails = new Set(restricted.map((r) => r.email.toLowerCase()));
  const restrictedParticipants = new Set<string>();
  for (const ids of chunks([...restrictedSubjects], 500)) {
    const rows = await db.selectFrom('participants').select('id').where('subject_id', 'in', ids).execute();
    for (const r of rows) restrictedParticipants.add(r.id);
  }
  const restrictedRecordings = new Set(
    (await db.selectFrom('recordings').select('id').where('restricted_at', 'is not', null).execute()).map((r) => r.id),
  );

  // Legal-obligation recordings written before migration 0007 have no retain_until: their expiry stands in.
  const nowIso = now.toISOString();
  const legal = await db
    .selectFrom('recordings')
    .select(['id', sql<string>`coalesce(retain_until, expires_at)`.as('until')])
    .where('mode', '=', 'legal_obligation')
    .where(sql<boolean>`coalesce(retain_until, expires_at) > ${nowIso}`)
    .execute();
  const legalUntil = new Map(legal.map((r) => [r.id, r.until]));

  return { heldSubjects, heldCalls, heldRecordings, restrictedSubjects, restrictedParticipants, restrictedRecordings, heldEmails, restrictedEmails, legalUntil };
}

/** The strongest reason an item with these links must stay, or null when nothing protects it. */
export function protectionOf(p: Protections, links: ItemLinks): Exclude<KeepReason, 'still_referenced'> | null {
  const { subjectId, callId, recordingId, participantId } = links;
  const email = links.email?.toLowerCase();
  if (
    (subjectId && p.heldSubjects.has(subjectId)) ||
    (callId && p.heldCalls.has(callId)) ||
    (recordingId && p.heldRecordings.has(recordingId)) ||
    (email && p.heldEmails.has(email))
  ) {
    return 'legal_hold';
  }
  if (
    (subjectId && p.restrictedSubjects.has(subjectId)) ||
    (participantId && p.restrictedParticipants.has(participantId)) ||
    (recordingId && p.restrictedRecordings.has(recordingId)) ||
    (email && p.restrictedEmails.has(email))
  ) {
    return 'restriction';
  }
  if (recordingId && p.legalUntil.has(recordingId)) return 'legal_minimum';
  return null;
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
