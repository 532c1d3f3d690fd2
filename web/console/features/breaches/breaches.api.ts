import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

export const breachTypes = ['confidentiality', 'integrity', 'availability'] as const;
export type BreachType = (typeof breachTypes)[number];
export const notifyDecisions = ['pending', 'notify', 'not_notify'] as const;
export type NotifyDecision = (typeof notifyDecisions)[number];
export const subjectCommunications = ['pending', 'not_required', 'communicated', 'exempt_encrypted', 'exempt_measures', 'exempt_public_notice'] as const;
export type SubjectCommunication = (typeof subjectCommunications)[number];
export const clockStates = ['running', 'warning', 'overdue', 'notified', 'not_required'] as const;
export type ClockState = (typeof clockStates)[number];

/** Art. 33(1): 72 h from awareness; the console warns from 48 h (as the server does). */
export const NOTIFY_WITHIN_HOURS = 72;
export const WARN_AFTER_HOURS = 48;

const updateSchema = z.object({ id: z.string(), at: z.string(), text: z.string(), createdBy: z.string() });

const breachSchema = z.object({
  id: z.string(),
  awareAt: z.string(),
  types: z.array(z.enum(breachTypes)),
  approxSubjects: z.nullable(z.number()),
  approxRecords: z.nullable(z.number()),
  decision: z.enum(notifyDecisions),
  authorityNotifiedAt: z.nullable(z.string()),
  subjectCommunication: z.enum(subjectCommunications),
  subjectsCommunicatedAt: z.nullable(z.string()),
  dataCategories: z.string(),
  subjectCategories: z.string(),
  consequences: z.string(),
  measures: z.string(),
  contactPoint: z.string(),
  decisionReasons: z.nullable(z.string()),
  lateNotificationReason: z.nullable(z.string()),
  communicationDetails: z.nullable(z.string()),
  keysNotCompromisedStatement: z.nullable(z.string()),
  deadline: z.string(),
  hoursLeft: z.nullable(z.number()),
  clock: z.enum(clockStates),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updates: z.array(updateSchema),
});
export type Breach = z.infer<typeof breachSchema>;

/** What the record and edit forms send: every field (the server audits only the ones that changed). */
export interface BreachInput {
  awareAt: string;
  types: BreachType[];
  approxSubjects: number | null;
  approxRecords: number | null;
  decision: NotifyDecision;
  authorityNotifiedAt: string | null;
  subjectCommunication: SubjectCommunication;
  subjectsCommunicatedAt: string | null;
  dataCategories: string;
  subjectCategories: string;
  consequences: string;
  measures: string;
  contactPoint: string;
  decisionReasons: string | null;
  lateNotificationReason: string | null;
  communicationDetails: string | null;
  keysNotCompromisedStatement: string | null;
}

export const listBreaches = async (api: ApiClient) => (await api.get('/api/breaches', z.object({ breaches: z.array(breachSchema) }))).breaches;
export const getBreach = (api: ApiClient, id: string) => api.get(`/api/breaches/${encodeURIComponent(id)}`, breachSchema);
export const recordBreach = (api: ApiClient, input: BreachInput) => api.post('/api/breaches', breachSchema, input);
export const editBreach = (api: ApiClient, id: string, input: Partial<BreachInput>) => api.patch(`/api/breaches/${encodeURIComponent(id)}`, breachSchema, input);
export const addBreachUpdate = (api: ApiClient, id: string, text: string) => api.post(`/api/breaches/${encodeURIComponent(id)}/updates`, breachSchema, { text });
