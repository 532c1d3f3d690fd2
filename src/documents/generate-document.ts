import type { Deps } from '../deps.ts';
import type { Locale } from '../notices/notice.schema.ts';
import type { OrgId } from '../shared/ids.ts';
import { buildDpa } from './build-dpa.ts';
import { buildDpia } from './build-dpia.ts';
import { buildPolicySnippet } from './build-policy-snippet.ts';
import { buildRopa } from './build-ropa.ts';
import { buildStaffNotice } from './build-staff-notice.ts';
import { buildSubProcessorList } from './build-sub-processor-list.ts';
import { loadDocumentSources, type DocumentSources } from './document-sources.ts';
import { documentTitle, type DocumentKind } from './documents.schema.ts';

export interface GeneratedDocument {
  readonly kind: DocumentKind;
  readonly title: string;
  readonly lang: Locale;
  /** The source every format is rendered from. */
  readonly markdown: string;
  readonly sources: DocumentSources;
}

/** Builds one document's Markdown from the configuration as it is now (read in one snapshot). */
export function buildDocument(sources: DocumentSources, kind: DocumentKind, locale: Locale): { markdown: string; lang: Locale } {
  switch (kind) {
    case 'dpa':
      return { markdown: buildDpa(sources), lang: 'en' };
    case 'dpia':
      return { markdown: buildDpia(sources), lang: 'en' };
    case 'ropa':
      return { markdown: buildRopa(sources), lang: 'en' };
    case 'sub-processors':
      return { markdown: buildSubProcessorList(sources), lang: 'en' };
    case 'policy-snippet':
      return { markdown: buildPolicySnippet(sources, locale), lang: locale };
    case 'staff-notice':
      return { markdown: buildStaffNotice(sources, locale), lang: locale };
    default: {
      const never: never = kind;
      throw new Error(`unknown document ${String(never)}`);
    }
  }
}

export async function generateDocument(deps: Deps, orgId: OrgId, kind: DocumentKind, locale: Locale): Promise<GeneratedDocument> {
  // One transaction: the organisation, call types and sub-processors are read as one consistent configuration.
  const sources = await deps.db.transaction().execute((tx) => loadDocumentSources(deps, tx, orgId));
  const { markdown, lang } = buildDocument(sources, kind, locale);
  return { kind, title: documentTitle(kind, lang), lang, markdown, sources };
}
