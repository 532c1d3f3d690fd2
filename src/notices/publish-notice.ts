import type { AuditActor } from '../audit/events.ts';
import type { Deps } from '../deps.ts';
import { getOrganisation } from '../organisations/organisations.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { NoticeId, OrgId } from '../shared/ids.ts';
import { actorRef, lockNoticeVersions } from './create-notice.ts';
import { getLatestPublishedNotice, toNoticeView } from './get-notice.ts';
import { hashNoticeTexts } from './hash-notice-texts.ts';
import type { NoticeView } from './notice.schema.ts';

/**
 * Publishes a draft: from now on it is what customers are shown, and it can never change (G14). Refused while
 * any required text is empty in any locale, or the organisation lacks controller details the notice shows
 * (G15); refused when a newer version is already out, or when nothing differs from the current one (a new
 * version makes every customer consent again, G14, so it should mean something).
 */
export async function publishNotice(deps: Deps, orgId: OrgId, actor: AuditActor, noticeId: NoticeId): Promise<NoticeView> {
  return deps.db.transaction().execute(async (tx) => {
    await lockNoticeVersions(tx, deps.dialect, orgId);
    const row = await tx.selectFrom('privacy_notices').selectAll().where('org_id', '=', orgId).where('id', '=', noticeId).executeTakeFirst();
    if (!row) throw notFound('Privacy notice');
    if (row.status !== 'draft') throw new AppError('CONFLICT', `Version ${row.version} is already published.`);
    const draft = toNoticeView(row);

    const organisation = await getOrganisation(tx, orgId);
    const gaps = [
      ...draft.missingFields.map((f) => ({ in: 'body', path: ['texts', ...f.split('.')], message: 'Required before publishing.' })),
      ...organisation.missingFields.map((f) => ({ in: 'body', path: ['organisation', f], message: 'Fill this in the organisation settings.' })),
    ];
    if (gaps.length > 0) {
      const parts = [
        draft.missingFields.length > 0 ? `these texts are empty: ${draft.missingFields.join(', ')}` : null,
        organisation.missingFields.length > 0 ? `the organisation settings lack: ${organisation.missingFields.join(', ')}` : null,
      ].filter(Boolean);
      throw new AppError('VALIDATION_FAILED', `This version cannot be published yet (G15): ${parts.join('; ')}.`, { details: gaps });
    }

    const latest = await getLatestPublishedNotice(tx, orgId);
    if (latest && latest.version > draft.version) {
      throw new AppError('CONFLICT', `Version ${latest.version} is newer and already published. Create a new draft from it.`);
    }
    const contentHash = hashNoticeTexts(draft.texts);
    if (latest?.contentHash === contentHash) {
      throw new AppError('CONFLICT', `This draft is identical to the published version ${latest.version}; there is nothing new to publish.`);
    }
    const now = iso(deps.clock.now());
    const published = { status: 'published', content_hash: contentHash, published_at: now, published_by: actorRef(actor), updated_at: now };
    await tx
      .updateTable('privacy_notices')
      .set(published)
      .where('org_id', '=', orgId)
      .where('id', '=', noticeId)
      .where('status', '=', 'draft')
      .execute();
    await deps.audit.append(tx, orgId, actor, {
      type: 'privacy_notice.published',
      data: { noticeId, version: draft.version, contentHash },
    });
    return toNoticeView({ ...row, ...published });
  });
}
