import { z } from 'zod';
import type { RouteModule } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { actorOf } from '../http/principal.ts';
import { supportedLocales } from '../notices/notice.schema.ts';
import { AppError } from '../shared/app-error.ts';
import { idSchema } from '../shared/ids.ts';
import { approveDpia, dpiaStateSchema, getDpiaState } from './dpia-review.ts';
import { loadDocumentSources } from './document-sources.ts';
import { describeStamp } from './describe-stamp.ts';
import { documentKinds, documentListSchema, documentParamsSchema, documentQuerySchema, documentTitles, localisedKinds } from './documents.schema.ts';
import { generateDocument } from './generate-document.ts';
import { renderHtmlPage } from './render-html.ts';
import { renderPdf } from './render-pdf.ts';
import { createSubProcessorSchema, subProcessorSchema, updateSubProcessorSchema } from './sub-processor.schema.ts';
import { createSubProcessor, deleteSubProcessor, listSubProcessors, updateSubProcessor } from './sub-processors.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
/** Accountability documents are for compliance staff; agents neither read nor change them. */
const COMPLIANCE = { roles: ['admin', 'dpo'] } as const;
const params = z.strictObject({ subProcessorId: idSchema('subProcessor') });

export const documentRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/sub-processors',
    {
      config: { access: COMPLIANCE },
      schema: { tags: ['documents'], summary: 'The organisation\'s sub-processors (G39)', response: { 200: z.object({ subProcessors: z.array(subProcessorSchema) }), ...errors } },
    },
    async (request) => ({ subProcessors: await listSubProcessors(deps.db, principalOf(request).orgId) }),
  );

  app.post(
    '/api/sub-processors',
    {
      config: { access: COMPLIANCE },
      schema: {
        tags: ['documents'],
        summary: 'Add a sub-processor; outside the EEA only with a transfer tool (G53)',
        body: createSubProcessorSchema,
        response: { 201: subProcessorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await createSubProcessor(deps, p.orgId, actorOf(p), request.body));
    },
  );

  app.patch(
    '/api/sub-processors/:subProcessorId',
    {
      config: { access: COMPLIANCE },
      schema: { tags: ['documents'], params, body: updateSubProcessorSchema, response: { 200: subProcessorSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return updateSubProcessor(deps, p.orgId, actorOf(p), request.params.subProcessorId, request.body);
    },
  );

  app.delete(
    '/api/sub-processors/:subProcessorId',
    {
      config: { access: COMPLIANCE },
      schema: { tags: ['documents'], params, response: { 200: z.object({ deleted: z.literal(true) }), ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      await deleteSubProcessor(deps, p.orgId, actorOf(p), request.params.subProcessorId);
      return { deleted: true as const };
    },
  );

  app.get(
    '/api/documents',
    {
      config: { access: COMPLIANCE },
      schema: {
        tags: ['documents'],
        summary: 'The generated documents, the configuration version they would be stamped with now, and the DPIA state',
        response: { 200: documentListSchema, ...errors },
      },
    },
    async (request) => {
      const s = await deps.db.transaction().execute((tx) => loadDocumentSources(deps, tx, principalOf(request).orgId));
      return {
        documents: documentKinds.map((kind) => ({ kind, title: documentTitles[kind], locales: localisedKinds.includes(kind) ? [...supportedLocales] : ['en' as const] })),
        stamp: { configVersion: s.stamp.configVersion, callTypes: [...s.stamp.callTypes], label: s.stamp.label, description: describeStamp(s.stamp) },
        generatedAt: s.generatedAt,
        dpia: s.dpia,
        processorMissing: [...s.processor.missing],
      };
    },
  );

  app.get(
    '/api/documents/sub-processors.json',
    {
      config: { access: COMPLIANCE },
      schema: {
        tags: ['documents'],
        summary: 'The sub-processor list, machine-readable (G39)',
        response: {
          200: z.object({
            organisation: z.object({ id: z.string(), legalName: z.string() }),
            configVersion: z.number().int(),
            generatedAt: z.string(),
            subProcessors: z.array(subProcessorSchema),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const s = await deps.db.transaction().execute((tx) => loadDocumentSources(deps, tx, principalOf(request).orgId));
      return {
        organisation: { id: s.organisation.id, legalName: s.organisation.legalName },
        configVersion: s.stamp.configVersion,
        generatedAt: s.generatedAt,
        subProcessors: [...s.subProcessors],
      };
    },
  );

  app.get(
    '/api/documents/:kind',
    {
      config: { access: COMPLIANCE },
      schema: {
        tags: ['documents'],
        summary:
          'One generated document (dpa, dpia, ropa, sub-processors, policy-snippet, staff-notice) as text/html, text/markdown or application/pdf',
        params: documentParamsSchema,
        querystring: documentQuerySchema,
        response: { 200: z.any().describe('text/html, text/markdown or application/pdf'), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { kind } = request.params;
      const { format, locale } = request.query;
      if (locale !== 'en' && !localisedKinds.includes(kind)) {
        throw new AppError(
          'VALIDATION_FAILED',
          'Only the privacy-policy snippet and the information for staff are written in German too; the other documents are in English.',
        );
      }
      const doc = await generateDocument(deps, p.orgId, kind, locale);
      const base = `parley-${kind}${localisedKinds.includes(kind) ? `-${locale}` : ''}-v${doc.sources.stamp.configVersion}`;
      reply.headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-parley-config-version': doc.sources.stamp.label });
      switch (format) {
        case 'html':
          // The page holds configuration text only, but it is still served so that nothing in it could run.
          reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
          return reply.type('text/html; charset=utf-8').send(renderHtmlPage(doc.markdown, { title: doc.title, lang: doc.lang }));
        case 'md':
          reply.header('content-disposition', `attachment; filename="${base}.md"`);
          return reply.type('text/markdown; charset=utf-8').send(doc.markdown);
        case 'pdf':
          reply.header('content-disposition', `attachment; filename="${base}.pdf"`);
          return reply.type('application/pdf').send(await renderPdf(doc.markdown, { title: doc.title, lang: doc.lang }));
        default: {
          const never: never = format;
          throw new Error(`unknown format ${String(never)}`);
        }
      }
    },
  );

  app.post(
    '/api/documents/dpia/approve',
    {
      config: { access: { roles: ['dpo'] } },
      schema: {
        tags: ['documents'],
        summary: 'The DPO approves the mini-DPIA as generated from the configuration now (audit event documents.dpia_approved)',
        response: { 200: dpiaStateSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const actor = actorOf(p);
      if (actor.type !== 'user') throw new AppError('FORBIDDEN', 'Only a signed-in data protection officer can approve the DPIA, not an API token.');
      return deps.db.transaction().execute(async (tx) => {
        const s = await loadDocumentSources(deps, tx, p.orgId);
        await approveDpia(tx, deps, p.orgId, actor, s.stamp);
        return getDpiaState(tx, p.orgId);
      });
    },
  );
};
