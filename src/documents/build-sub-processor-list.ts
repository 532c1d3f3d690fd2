import { header, subProcessorItems } from './describe-config.ts';
import type { DocumentSources } from './document-sources.ts';
import { MarkdownDocument, md } from './markdown.ts';

/** The sub-processor list (G39) as a readable document; the same data is served as JSON too. */
export function buildSubProcessorList(s: DocumentSources): string {
  const doc = new MarkdownDocument();
  header(doc, 'Sub-processors', s);
  doc.paragraph(md`The companies the processor engages to process personal data for ${s.organisation.legalName}, with where they process it and the tool that makes a transfer outside the EEA lawful (Art. 28(2), 44–46 GDPR).`);
  doc.heading(2, md`List`).list(subProcessorItems(s));
  return doc.toString();
}
