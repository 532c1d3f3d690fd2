import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

export const mailStatuses = ['queued', 'sent', 'kept', 'failed'] as const;
export type MailStatus = (typeof mailStatuses)[number];

const summarySchema = z.object({
  id: z.string(),
  kind: z.string(),
  to: z.string(),
  subject: z.string(),
  status: z.enum(mailStatuses),
  transport: z.nullable(z.string()),
  attempts: z.number(),
  lastError: z.nullable(z.string()),
  createdAt: z.string(),
  sentAt: z.nullable(z.string()),
});
export type MailSummary = z.infer<typeof summarySchema>;

const detailSchema = z.object({
  ...summarySchema.shape,
  toName: z.nullable(z.string()),
  text: z.string(),
  html: z.nullable(z.string()),
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), content: z.string() })),
});
export type MailDetail = z.infer<typeof detailSchema>;

const listSchema = z.object({ transport: z.enum(['smtp', 'outbox']), messages: z.array(summarySchema) });

export const listOutbox = (api: ApiClient, status: MailStatus | '') =>
  api.get(`/api/outbox${status ? `?status=${status}` : ''}`, listSchema);

export const readMail = (api: ApiClient, mailId: string) => api.get(`/api/outbox/${encodeURIComponent(mailId)}`, detailSchema);

export const retryMail = (api: ApiClient, mailId: string) => api.post(`/api/outbox/${encodeURIComponent(mailId)}/retry`, summarySchema);
