import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';

/** Locales every notice is written in; the first is the fallback when the browser asks for none of them. */
export const supportedLocales = ['en', 'de'] as const;
export type Locale = (typeof supportedLocales)[number];
export const DEFAULT_LOCALE: Locale = 'en';
export const localeSchema = z.enum(supportedLocales, { error: `Choose one of the supported locales: ${supportedLocales.join(', ')}.` });

/**
 * The notice's own Art. 13 texts, per locale: only what cannot come from live configuration. Controller and
 * DPO details, the supervisory authority and data residency come from the organisation; purposes, bases,
 * legitimate interests, retention and the recording mode from the call type; the rights from the message
 * catalogue. Typing retention here is deliberately impossible (G16).
 *
 * - `recipients` (required, Art. 13(1)(e)): who receives the data, including the processor operating Parley
 *   and its sub-processors (G15);
 * - `transfers` (required, Art. 13(1)(f)): transfers outside the EEA and their safeguards, or that there are
 *   none (G15, G52, G53);
 * - `legitimateInterests` (optional, Art. 13(1)(d)): a fuller explanation of the interests the call types state;
 * - `representative` (optional, Art. 13(1)(a), Art. 27): the controller's representative in the Union, if any;
 * - `additionalInformation` (optional): anything else the controller wants to say.
 */
export const noticeTextFields = ['recipients', 'transfers', 'legitimateInterests', 'representative', 'additionalInformation'] as const;
export type NoticeTextField = (typeof noticeTextFields)[number];
export const requiredNoticeTextFields: readonly NoticeTextField[] = ['recipients', 'transfers'];

export const NOTICE_TEXT_MAX = 5000;
const text = z.string().trim().max(NOTICE_TEXT_MAX, `At most ${NOTICE_TEXT_MAX} characters.`);

export const localeTextsSchema = z.strictObject({
  recipients: text,
  transfers: text,
  legitimateInterests: text,
  representative: text,
  additionalInformation: text,
});
export type LocaleTexts = z.infer<typeof localeTextsSchema>;

export const noticeTextsSchema = z.strictObject({ en: localeTextsSchema, de: localeTextsSchema });
export type NoticeTexts = z.infer<typeof noticeTextsSchema>;

/** Texts sent by a client: any subset of locales and fields; what is left out stays as it was. */
export const noticeTextsInputSchema = z.strictObject({ en: localeTextsSchema.partial().optional(), de: localeTextsSchema.partial().optional() });
export type NoticeTextsInput = z.infer<typeof noticeTextsInputSchema>;

export const noticeStatuses = ['draft', 'published'] as const;
export type NoticeStatus = (typeof noticeStatuses)[number];

export const noticeSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  status: z.enum(noticeStatuses),
  texts: noticeTextsSchema,
  /** SHA-256 (hex) of the canonical JSON of `texts`; set when published. */
  contentHash: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedBy: z.string().nullable(),
  publishedAt: z.string().nullable(),
  /** Required texts still empty, as `locale.field` (publishing needs none). */
  missingFields: z.array(z.string()),
});
export type NoticeView = z.infer<typeof noticeSchema>;

export const createNoticeSchema = z.strictObject({
  /** Overrides on top of the latest published version's texts (or empty texts when there is none). */
  texts: noticeTextsInputSchema.optional(),
});
export type CreateNoticeInput = z.infer<typeof createNoticeSchema>;

export const updateNoticeSchema = z.strictObject({ texts: noticeTextsInputSchema });
export type UpdateNoticeInput = z.infer<typeof updateNoticeSchema>;

const dropEmpty = (q: unknown) => (q && typeof q === 'object' ? Object.fromEntries(Object.entries(q).filter(([, v]) => v !== '')) : q);

export const noticePreviewQuerySchema = z.preprocess(
  dropEmpty,
  z.strictObject({
    /** Overrides Accept-Language; an unsupported value is refused (400) rather than silently replaced. */
    locale: localeSchema.optional(),
    /** A specific version, e.g. a draft; absent: the latest published one. */
    noticeId: idSchema('notice').optional(),
  }),
);

export const sectionKeys = [
  'controller',
  'dpo',
  'purposes',
  'biometrics',
  'recording',
  'provision',
  'recipients',
  'transfers',
  'retention',
  'rights',
  'objection',
  'withdrawal',
  'complaint',
  'automatedDecisions',
  'additional',
  'privacyPolicy',
] as const;
export type SectionKey = (typeof sectionKeys)[number];

export const noticeSectionSchema = z.object({
  key: z.enum(sectionKeys),
  heading: z.string(),
  paragraphs: z.array(z.string()),
  /** A bulleted list after the paragraphs. */
  items: z.array(z.string()),
  links: z.array(z.object({ href: z.string(), label: z.string() })),
});
export type NoticeSection = z.infer<typeof noticeSectionSchema>;

/** A notice rendered for one call type and locale: structured, so each page lays it out its own way. */
export const renderedNoticeSchema = z.object({
  locale: z.enum(supportedLocales),
  title: z.string(),
  intro: z.string(),
  sections: z.array(noticeSectionSchema),
  footer: z.string(),
  notice: z.object({
    id: z.string(),
    version: z.number().int(),
    status: z.enum(noticeStatuses),
    /** The published hash; for a draft, the hash its texts would have if published now. */
    contentHash: z.string(),
  }),
  callType: z.object({ id: z.string(), name: z.string(), version: z.number().int() }),
  organisation: z.object({ id: z.string(), configVersion: z.number().int() }),
  privacyPolicyUrl: z.string().nullable(),
  /** What is still empty (`organisation.dpoEmail`, `texts.de.recipients`): a notice with gaps must not be shown to customers. */
  missing: z.array(z.string()),
});
export type RenderedNotice = z.infer<typeof renderedNoticeSchema>;
