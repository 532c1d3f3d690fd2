import type { BreachesTable, BreachUpdatesTable } from '../db/schema.ts';
import type { KeyProvider } from '../keys/key-provider.ts';
import { AppError } from '../shared/app-error.ts';
import { breachClock, NOTIFY_WITHIN_HOURS, notifiedLate } from './breach-clock.ts';
import {
  breachTextsSchema,
  type BreachTexts,
  type BreachType,
  type BreachUpdateView,
  type BreachView,
  type NotifyDecision,
  type SubjectCommunication,
} from './breach.schema.ts';

/** Seal label of the register's free text; the context is the breach (or update) id, so rows cannot be swapped. */
export const BREACH_SEAL_LABEL = 'breach-register';
/**
 * How long a breach record is kept after awareness: 5 years. Art. 33(5) sets no period; the record must be there when
 * an authority asks, including during the follow-up of an inquiry or a complaint. A trade-off: longer keeps more free
 * text about people; an organisation needing another period changes this constant.
 */
export const BREACH_RECORD_YEARS = 5;

export const breachExpiry = (awareAt: Date): string => {
  const d = new Date(awareAt);
  d.setUTCFullYear(d.getUTCFullYear() + BREACH_RECORD_YEARS);
  return d.toISOString();
};

/** The state a breach must satisfy after every create or edit: everything the rules look at, decrypted. */
export interface BreachState extends BreachTexts {
  awareAt: string;
  types: BreachType[];
  approxSubjects: number | null;
  approxRecords: number | null;
  decision: NotifyDecision;
  authorityNotifiedAt: string | null;
  subjectCommunication: SubjectCommunication;
  subjectsCommunicatedAt: string | null;
}

/** A refusal about one field: `details` names it, so the console shows the message beside that field. */
const invalid = (message: string, field: keyof BreachState) => new AppError('VALIDATION_FAILED', message, { details: [{ in: 'body', path: [field], message }] });

/** Refuses a breach record that breaks a rule of Art. 33/34 (G49, G50), with a message saying what to add. */
export function checkBreachRules(state: BreachState, now: Date): void {
  const aware = new Date(state.awareAt);
  // A minute's grace for a browser clock slightly ahead of the server's.
  if (aware.getTime() > now.getTime() + 60_000) throw invalid('The time you became aware of the breach cannot be in the future.', 'awareAt');
  if (new Set(state.types).size !== state.types.length) throw invalid('Each breach type can be chosen once.', 'types');
  if (state.decision !== 'pending' && state.decisionReasons === null) {
    throw invalid(
      state.decision === 'not_notify'
        ? 'Give the reasons for not notifying the supervisory authority (why the breach is unlikely to result in a risk to people).'
        : 'Give the reasons for notifying the supervisory authority.',
      'decisionReasons',
    );
  }
  if (state.authorityNotifiedAt !== null) {
    const notified = new Date(state.authorityNotifiedAt);
    if (state.decision !== 'notify') throw invalid('A notification time needs the decision to notify the supervisory authority.', 'authorityNotifiedAt');
    if (notified.getTime() < aware.getTime()) throw invalid('The authority cannot have been notified before you became aware of the breach.', 'authorityNotifiedAt');
    if (notified.getTime() > now.getTime() + 60_000) throw invalid('The notification time cannot be in the future.', 'authorityNotifiedAt');
    if (notifiedLate(aware, notified) && state.lateNotificationReason === null) {
      const hours = Math.floor((notified.getTime() - aware.getTime()) / 3_600_000);
      const message = `The authority was notified ${hours} h after you became aware of the breach, later than ${NOTIFY_WITHIN_HOURS} h: give the reasons for the delay (Art. 33(1)).`;
      throw new AppError('LATE_NOTIFICATION_REASON_REQUIRED', message, { details: [{ in: 'body', path: ['lateNotificationReason'], message }] });
    }
  }
  if (state.subjectCommunication === 'exempt_encrypted' && state.keysNotCompromisedStatement === null) {
    const message =
      'The "data was encrypted" exemption needs a statement that the keys were not compromised (Art. 34(3)(a)): say where the keys were and why the attacker could not have them.';
    throw new AppError('KEYS_STATEMENT_REQUIRED', message, { details: [{ in: 'body', path: ['keysNotCompromisedStatement'], message }] });
  }
  if ((state.subjectCommunication === 'communicated' || state.subjectCommunication === 'exempt_public_notice') && state.subjectsCommunicatedAt === null) {
    throw invalid('Give the time the data subjects (or the public) were told.', 'subjectsCommunicatedAt');
  }
  if (state.subjectsCommunicatedAt !== null && new Date(state.subjectsCommunicatedAt).getTime() > now.getTime() + 60_000) {
    throw invalid('The time the data subjects were told cannot be in the future.', 'subjectsCommunicatedAt');
  }
}

const textKeys = Object.keys(breachTextsSchema.shape) as (keyof BreachTexts)[];

export function textsOf(state: BreachTexts): BreachTexts {
  return Object.fromEntries(textKeys.map((k) => [k, state[k]])) as unknown as BreachTexts;
}

export const sealTexts = (keys: KeyProvider, breachId: string, texts: BreachTexts): string => keys.seal(BREACH_SEAL_LABEL, breachId, JSON.stringify(textsOf(texts)));

/** Opens and validates the sealed free text (a file read back is an edge too, STYLE 5). */
export const openTexts = (keys: KeyProvider, row: Pick<BreachesTable, 'id' | 'details_sealed'>): BreachTexts =>
  breachTextsSchema.parse(JSON.parse(keys.open(BREACH_SEAL_LABEL, row.id, row.details_sealed)));

export function stateOf(keys: KeyProvider, row: BreachesTable): BreachState {
  return {
    awareAt: row.aware_at,
    types: JSON.parse(row.types) as BreachType[],
    approxSubjects: row.approx_subjects,
    approxRecords: row.approx_records,
    decision: row.decision as NotifyDecision,
    authorityNotifiedAt: row.authority_notified_at,
    subjectCommunication: row.subject_communication as SubjectCommunication,
    subjectsCommunicatedAt: row.subjects_communicated_at,
    ...openTexts(keys, row),
  };
}

export const updateViewOf = (keys: KeyProvider, row: BreachUpdatesTable): BreachUpdateView => ({
  id: row.id,
  at: row.at,
  text: keys.open(BREACH_SEAL_LABEL, row.id, row.text_sealed),
  createdBy: row.created_by,
});

export function toBreachView(keys: KeyProvider, row: BreachesTable, updates: readonly BreachUpdatesTable[], now: Date): BreachView {
  const state = stateOf(keys, row);
  const c = breachClock(
    { awareAt: new Date(state.awareAt), decision: state.decision, authorityNotifiedAt: state.authorityNotifiedAt ? new Date(state.authorityNotifiedAt) : null },
    now,
  );
  return {
    id: row.id,
    ...state,
    deadline: c.deadline.toISOString(),
    hoursLeft: c.hoursLeft,
    clock: c.clock,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    updates: updates.map((u) => updateViewOf(keys, u)),
  };
}

/** The non-text columns of a state, normalised to UTC. */
export function columnsOf(state: BreachState) {
  const utc = (v: string | null) => (v === null ? null : new Date(v).toISOString());
  return {
    aware_at: new Date(state.awareAt).toISOString(),
    types: JSON.stringify(state.types),
    approx_subjects: state.approxSubjects,
    approx_records: state.approxRecords,
    decision: state.decision,
    authority_notified_at: utc(state.authorityNotifiedAt),
    subject_communication: state.subjectCommunication,
    subjects_communicated_at: utc(state.subjectsCommunicatedAt),
  };
}
