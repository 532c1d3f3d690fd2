import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';

/** HTTP shapes of the breach register (routes.ts, G48–G50). Times are ISO-8601; stored and returned in UTC. */

export const breachTypes = ['confidentiality', 'integrity', 'availability'] as const;
export type BreachType = (typeof breachTypes)[number];

/** The Art. 33 decision: not taken yet, notify the supervisory authority, or not (unlikely to result in a risk). */
export const notifyDecisions = ['pending', 'notify', 'not_notify'] as const;
export type NotifyDecision = (typeof notifyDecisions)[number];

/**
 * Art. 34: telling the data subjects. `not_required`: no high risk. The three exemptions of Art. 34(3):
 * `exempt_encrypted` (a: the data was unintelligible, e.g. encrypted — needs a statement that the keys were not
 * compromised, G50), `exempt_measures` (b: later measures removed the high risk), `exempt_public_notice`
 * (c: disproportionate effort, a public communication instead).
 */
export const subjectCommunications = ['pending', 'not_required', 'communicated', 'exempt_encrypted', 'exempt_measures', 'exempt_public_notice'] as const;
export type SubjectCommunication = (typeof subjectCommunications)[number];

/** Where the 72 h clock stands. `warning` from 48 h after awareness until the deadline. */
export const clockStates = ['running', 'warning', 'overdue', 'notified', 'not_required'] as const;
export type ClockState = (typeof clockStates)[number];

const instant = z.iso.datetime({ offset: true, message: 'Use an ISO-8601 time such as 2026-12-01T09:00:00+01:00.' });
const text = (max: number) => z.string().trim().min(1).max(max);
const count = z.number().int().min(0).max(1_000_000_000);

/** The free-text fields, sealed at rest. Shared by the body schemas, the view and the sealed JSON read back. */
export const breachTextsSchema = z.strictObject({
  /** Categories of personal data concerned, e.g. "names, email addresses, call recordings". */
  dataCategories: text(2000),
  /** Categories of data subjects concerned, e.g. "customers of the mortgage desk". */
  subjectCategories: text(2000),
  /** Likely consequences for the people concerned. */
  consequences: text(4000),
  /** Measures taken or proposed to address the breach and mitigate its effects. */
  measures: text(4000),
  /** The DPO or other contact point where more information can be obtained. */
  contactPoint: text(1000),
  /** Why the authority is (or is not) notified; required once the decision is taken. */
  decisionReasons: text(4000).nullable(),
  /** Why the authority was notified later than 72 h after awareness (Art. 33(1)); required then. */
  lateNotificationReason: text(4000).nullable(),
  /** How and what the data subjects were told, or why an exemption applies. */
  communicationDetails: text(4000).nullable(),
  /** For the "data was encrypted" exemption: why the keys were not compromised (G50). */
  keysNotCompromisedStatement: text(4000).nullable(),
});
export type BreachTexts = z.infer<typeof breachTextsSchema>;

const coreFields = {
  /** When the controller became aware of the breach; starts the 72 h clock. Not in the future. */
  awareAt: instant,
  types: z.array(z.enum(breachTypes)).min(1, 'Choose at least one type').max(3),
  /** Approximate number of people concerned; null when not known yet. */
  approxSubjects: count.nullable(),
  /** Approximate number of records concerned; null when not known yet. */
  approxRecords: count.nullable(),
  decision: z.enum(notifyDecisions),
  /** When the supervisory authority was notified; null until then. */
  authorityNotifiedAt: instant.nullable(),
  subjectCommunication: z.enum(subjectCommunications),
  /** When the data subjects were told (with `communicated` or `exempt_public_notice`). */
  subjectsCommunicatedAt: instant.nullable(),
};

export const recordBreachBodySchema = z.strictObject({
  ...coreFields,
  ...breachTextsSchema.shape,
  approxSubjects: coreFields.approxSubjects.default(null),
  approxRecords: coreFields.approxRecords.default(null),
  decision: coreFields.decision.default('pending'),
  authorityNotifiedAt: coreFields.authorityNotifiedAt.default(null),
  subjectCommunication: coreFields.subjectCommunication.default('pending'),
  subjectsCommunicatedAt: coreFields.subjectsCommunicatedAt.default(null),
  decisionReasons: breachTextsSchema.shape.decisionReasons.default(null),
  lateNotificationReason: breachTextsSchema.shape.lateNotificationReason.default(null),
  communicationDetails: breachTextsSchema.shape.communicationDetails.default(null),
  keysNotCompromisedStatement: breachTextsSchema.shape.keysNotCompromisedStatement.default(null),
});
export type RecordBreachBody = z.infer<typeof recordBreachBodySchema>;

/** Any subset of the fields; null clears an optional one. The result must still satisfy every rule. */
export const editBreachBodySchema = z
  .strictObject({ ...coreFields, ...breachTextsSchema.shape })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'Change at least one field.');
export type EditBreachBody = z.infer<typeof editBreachBodySchema>;

export const addBreachUpdateBodySchema = z.strictObject({ text: text(4000) });

export const breachParamsSchema = z.strictObject({ breachId: idSchema('breach') });

export const breachUpdateSchema = z.object({ id: z.string(), at: z.string(), text: z.string(), createdBy: z.string() });

export const breachSchema = z.object({
  id: z.string(),
  ...coreFields,
  awareAt: z.string(),
  authorityNotifiedAt: z.string().nullable(),
  subjectsCommunicatedAt: z.string().nullable(),
  dataCategories: z.string(),
  subjectCategories: z.string(),
  consequences: z.string(),
  measures: z.string(),
  contactPoint: z.string(),
  decisionReasons: z.string().nullable(),
  lateNotificationReason: z.string().nullable(),
  communicationDetails: z.string().nullable(),
  keysNotCompromisedStatement: z.string().nullable(),
  /** awareAt + 72 h: when the authority must have been notified (Art. 33(1)). */
  deadline: z.string(),
  /** Hours (one decimal) until the deadline, negative past it; null once the clock stopped (notified or not required). */
  hoursLeft: z.number().nullable(),
  clock: z.enum(clockStates),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Follow-up updates, oldest first (append-only). */
  updates: z.array(breachUpdateSchema),
});
export type BreachView = z.infer<typeof breachSchema>;
export type BreachUpdateView = z.infer<typeof breachUpdateSchema>;
