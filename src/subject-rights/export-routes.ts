import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { RouteModule } from '../http/app.ts';
import { errorBodySchema } from '../http/errors.ts';
import { DataKeyError, unwrapDataKey } from '../keys/data-keys.ts';
import type { Logger } from '../logging/logger.ts';
import { AppError } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { BlobIntegrityError, decryptRange } from '../storage/blob-format.ts';
import { verifiedStream } from '../storage/verified-stream.ts';
import { BlobNotFoundError } from '../storage/blob-store.ts';
import { subjectRestricted } from './access-export.ts';
import { verifyExportDownloadToken } from './codes.ts';
import { exportParamsSchema, exportQuerySchema } from './export.schema.ts';
import { isSubjectRestricted } from './restriction.ts';

/**
 * The download of an access export (G33): public, authorised by the short-lived token the request page hands out
 * after a fresh one-time code (codes.ts). The ZIP is decrypted on the fly as it is sent — never written down in
 * plaintext. Each download is audited; the first one is stamped on the export.
 */

const linkInvalid = () =>
  new AppError('EXPORT_LINK_INVALID', 'This download link is not valid. Open your request page again to get a new one.');

export interface ExportDownload {
  readonly filename: string;
  readonly size: number;
  readonly body: Readable;
}

export async function openExportDownload(deps: Deps, exportId: string, token: string, log: Logger): Promise<ExportDownload> {
  const verified = verifyExportDownloadToken(deps, token);
  if (verified === 'invalid') throw linkInvalid();
  if (verified === 'expired') {
    // Only a genuine (signed) token can be found expired.
    throw new AppError('EXPORT_LINK_EXPIRED', 'This download link has expired. Open your request page again and confirm with a new code to get a fresh one.');
  }
  if (verified.exportId !== exportId) throw linkInvalid();
  const orgId = verified.orgId as OrgId;
  const row = await deps.db.selectFrom('subject_exports').selectAll().where('org_id', '=', orgId).where('id', '=', exportId).executeTakeFirst();
  if (!row) throw linkInvalid();
  const gone = () => new AppError('EXPORT_GONE', 'This export is no longer available (it expired or was deleted). You can make a new access request.');
  if (row.status === 'erased' || row.status === 'failed' || new Date(row.expires_at) <= deps.clock.now()) throw gone();
  if (row.status !== 'ready' || row.wrapped_key === null || row.kek_version === null || row.ciphertext_bytes === null) {
    throw new AppError('NOT_READY', 'Your export is still being prepared. Try again in a few minutes.');
  }
  if (await isSubjectRestricted(deps.db, orgId, row.subject_id)) throw subjectRestricted();

  let dataKey: Buffer;
  try {
    dataKey = await unwrapDataKey(deps.db, deps.keys, orgId, row.id, { kekVersion: Number(row.kek_version), wrapped: row.wrapped_key });
  } catch (err) {
    if (!(err instanceof DataKeyError)) throw err;
    log.error({ exportId, reason: err.reason }, 'data key of an access export does not open');
    throw new AppError('INTERNAL', 'The key of this export could not be opened. The error was logged.', { internal: err.message });
  }
  const blobKey = row.blob_key;
  const pieces = decryptRange((s, e) => deps.blobs.read(blobKey, s, e), Number(row.ciphertext_bytes), dataKey, { requireFinal: true });
  // The first piece is decrypted (and the final chunk verified) before any header goes out.
  let body: Readable;
  try {
    body = await verifiedStream(pieces, (err) =>
      log.error({ exportId, reason: err instanceof BlobIntegrityError ? err.reason : 'read' }, 'access export failed its integrity check while streaming'),
    );
  } catch (err) {
    if (err instanceof BlobIntegrityError || err instanceof BlobNotFoundError) {
      log.error({ exportId, reason: err instanceof BlobIntegrityError ? err.reason : 'missing' }, 'access export failed its integrity check');
      throw new AppError('INTERNAL', 'This export cannot be read (it was damaged in storage). The incident was logged.', { internal: err.message });
    }
    throw err;
  }

  await deps.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('subject_exports')
      .set({ downloaded_at: iso(deps.clock.now()) })
      .where('org_id', '=', orgId)
      .where('id', '=', exportId)
      .where('downloaded_at', 'is', null)
      .execute();
    await deps.audit.append(tx, orgId, { type: 'anonymous' }, { type: 'rights_request.export_downloaded', data: { requestId: row.request_id, exportId } });
  });

  return { filename: `parley-export-${exportId}.zip`, size: Number(row.plaintext_bytes ?? 0), body };
}

export const exportRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/public/exports/:exportId',
    {
      // Authorised by the token in the link, not by a session (the requester has no account).
      config: { access: 'public' },
      schema: {
        tags: ['rights requests'],
        summary: 'Download an access export (application/zip, decrypted on the fly) with the token from the request page; audited.',
        params: exportParamsSchema,
        querystring: exportQuerySchema,
        response: {
          200: z.any().describe('application/zip: manifest.json, data.json (docs/export-schema.json), recordings/*.webm'),
          400: errorBodySchema,
          404: errorBodySchema,
          410: errorBodySchema,
          423: errorBodySchema,
          500: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const download = await openExportDownload(deps, request.params.exportId, request.query.token, request.log);
      return reply
        .code(200)
        .headers({
          'content-type': 'application/zip',
          'content-length': String(download.size),
          'content-disposition': `attachment; filename="${download.filename}"`,
          'x-content-type-options': 'nosniff',
        })
        .send(download.body);
    },
  );
};
