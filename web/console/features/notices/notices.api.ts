import * as z from 'zod/mini';
import type { ApiClient } from '../../../shared/api/client.ts';

/** Mirrors src/notices/notice.schema.ts. */
export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];
export const localeLabels: Readonly<Record<Locale, string>> = { en: 'English', de: 'Deutsch' };

export const noticeTextFields = ['recipients', 'transfers', 'legitimateInterests', 'representative', 'additionalInformation'] as const;
export type NoticeTextField = (typeof noticeTextFields)[number];
export const requiredNoticeTextFields: readonly NoticeTextField[] = ['recipients', 'transfers'];

const localeTextsSchema = z.object({
  recipients: z.string(),
  transfers: z.string(),
  legitimateInterests: z.string(),
  representative: z.string(),
  additionalInformation: z.string(),
});
export type LocaleTexts = z.infer<typeof localeTextsSchema>;
const textsSchema = z.object({ en: localeTextsSchema, de: localeTextsSchema });
export type NoticeTexts = z.infer<typeof textsSchema>;
export type NoticeTextsChanges = { [L in Locale]?: Partial<LocaleTexts> };

export const noticeSchema = z.object({
  id: z.string(),
  version: z.number(),
  status: z.enum(['draft', 'published']),
  texts: textsSchema,
  contentHash: z.nullable(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedBy: z.nullable(z.string()),
  publishedAt: z.nullable(z.string()),
  missingFields: z.array(z.string()),
});
export type Notice = z.infer<typeof noticeSchema>;

const sectionSchema = z.object({
  key: z.string(),
  heading: z.string(),
  paragraphs: z.array(z.string()),
  items: z.array(z.string()),
  links: z.array(z.object({ href: z.string(), label: z.string() })),
});
export type RenderedSection = z.infer<typeof sectionSchema>;

export const renderedNoticeSchema = z.object({
  locale: z.enum(locales),
  title: z.string(),
  intro: z.string(),
  sections: z.array(sectionSchema),
  footer: z.string(),
  notice: z.object({ id: z.string(), version: z.number(), status: z.enum(['draft', 'published']), contentHash: z.string() }),
  callType: z.object({ id: z.string(), name: z.string(), version: z.number() }),
  organisation: z.object({ id: z.string(), configVersion: z.number() }),
  privacyPolicyUrl: z.nullable(z.string()),
  missing: z.array(z.string()),
});
export type RenderedNotice = z.infer<typeof renderedNoticeSchema>;

const path = (id: string) => `/api/notices/${encodeURIComponent(id)}`;

export const listNotices = async (api: ApiClient) => (await api.get('/api/notices', z.object({ notices: z.array(noticeSchema) }))).notices;

export const createNotice = (api: ApiClient) => api.post('/api/notices', noticeSchema, {});

export const updateNotice = (api: ApiClient, id: string, texts: NoticeTextsChanges) => api.patch(path(id), noticeSchema, { texts });

export const publishNotice = (api: ApiClient, id: string) => api.post(`${path(id)}/publish`, noticeSchema);

/** The notice as a customer of the call type would see it; `noticeId` previews a specific version (a draft). */
export const previewNotice = (api: ApiClient, callTypeId: string, locale: Locale, noticeId?: string) =>
  api.get(`/api/call-types/${encodeURIComponent(callTypeId)}/notice`, renderedNoticeSchema, { locale, noticeId });
