import type { DbOrTx } from '../db/database.ts';
import type { PrivacyNoticesTable } from '../db/schema.ts';
import { notFound } from '../shared/app-error.ts';
import type { NoticeId, OrgId } from '../shared/ids.ts';
import {
  noticeTextFields,
  noticeTextsSchema,
  requiredNoticeTextFields,
  supportedLocales,
  type LocaleTexts,
  type NoticeTexts,
  type NoticeView,
} from './notice.schema.ts';

const emptyLocale = (): LocaleTexts =>
  Object.fromEntries(noticeTextFields.map((f) => [f, ''])) as unknown as LocaleTexts;

export const emptyNoticeTexts = (): NoticeTexts => ({ en: emptyLocale(), de: emptyLocale() });

/** Required texts still empty in any supported locale, as `locale.field` (G15). */
export function missingNoticeFields(texts: NoticeTexts): string[] {
  return supportedLocales.flatMap((locale) =>
    requiredNoticeTextFields.filter((field) => texts[locale][field].trim() === '').map((field) => `${locale}.${field}`),
  );
}

export function parseNoticeTexts(json: string): NoticeTexts {
  return noticeTextsSchema.parse(JSON.parse(json));
}

export function toNoticeView(row: PrivacyNoticesTable): NoticeView {
  const texts = parseNoticeTexts(row.texts);
  return {
    id: row.id,
    version: Number(row.version),
    status: row.status as NoticeView['status'],
    texts,
    contentHash: row.content_hash,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    publishedBy: row.published_by,
    publishedAt: row.published_at,
    missingFields: missingNoticeFields(texts),
  };
}

export async function getNotice(db: DbOrTx, orgId: OrgId, noticeId: NoticeId): Promise<NoticeView> {
  const row = await db.selectFrom('privacy_notices').selectAll().where('org_id', '=', orgId).where('id', '=', noticeId).executeTakeFirst();
  if (!row) throw notFound('Privacy notice');
  return toNoticeView(row);
}

/** The version customers are shown: the highest published one, or null before the first is published. */
export async function getLatestPublishedNotice(db: DbOrTx, orgId: OrgId): Promise<NoticeView | null> {
  const row = await db
    .selectFrom('privacy_notices')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '=', 'published')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toNoticeView(row) : null;
}
