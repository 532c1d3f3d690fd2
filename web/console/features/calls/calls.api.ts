import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

const participantSchema = z.object({
  id: z.string(),
  kind: z.enum(['agent', 'customer']),
  displayName: z.string(),
  userId: z.nullable(z.string()),
  subjectId: z.nullable(z.string()),
  email: z.nullable(z.string()),
});

export const callSchema = z.object({
  id: z.string(),
  callTypeId: z.string(),
  callTypeName: z.string(),
  callTypeVersion: z.number(),
  agentId: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  durationMinutes: z.number(),
  locale: z.enum(['en', 'de']),
  status: z.enum(['scheduled', 'cancelled', 'ended']),
  participants: z.array(participantSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Call = z.infer<typeof callSchema>;

/** Calls by start time; `endsAfter` leaves out those already over, `status` picks one kind. */
export const listCalls = async (api: ApiClient, query: { status?: Call['status']; from?: string; endsAfter?: string }) =>
  (await api.get('/api/calls', z.object({ calls: z.array(callSchema) }), { ...query, limit: 200 })).calls;

export interface ScheduleInput {
  callTypeId: string;
  startsAt: string;
  durationMinutes: number;
  customer: { displayName: string; email: string };
  locale: 'en' | 'de';
}

export const scheduleCall = (api: ApiClient, input: ScheduleInput) => api.post('/api/calls', callSchema, input);
export const rescheduleCall = (api: ApiClient, callId: string, input: { startsAt?: string; durationMinutes?: number }) =>
  api.patch(`/api/calls/${encodeURIComponent(callId)}`, callSchema, input);
export const cancelCall = (api: ApiClient, callId: string) => api.post(`/api/calls/${encodeURIComponent(callId)}/cancel`, callSchema);

const callTypeOption = z.object({ id: z.string(), name: z.string(), recordingMode: z.string(), archivedAt: z.nullable(z.string()) });
export const listCallTypeOptions = async (api: ApiClient) =>
  (await api.get('/api/call-types', z.object({ callTypes: z.array(callTypeOption) }))).callTypes;

const consentRecord = z.object({
  id: z.string(),
  callId: z.string(),
  purpose: z.string(),
  action: z.enum(['given', 'declined', 'withdrawn']),
  noticeVersion: z.number(),
  textHash: z.string(),
  locale: z.string(),
  method: z.string(),
  recordedAt: z.string(),
  expiresAt: z.string(),
});
export type ConsentRecord = z.infer<typeof consentRecord>;

export const subjectConsents = (api: ApiClient, subjectId: string) =>
  api.get(
    `/api/subjects/${encodeURIComponent(subjectId)}/consents`,
    z.object({ subject: z.object({ id: z.string(), displayName: z.string(), email: z.string() }), records: z.array(consentRecord) }),
  );
