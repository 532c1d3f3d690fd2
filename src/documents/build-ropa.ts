import { noticeMessages } from '../notices/messages.ts';
import { callTypeItems, controllerItems, dataSubjectItems, dataTypeItems, header, measureItems, operatorItem, orNotProvided, retentionItems, staffRecordingItems, subProcessorItems, transferItems } from './describe-config.ts';
import type { DocumentSources } from './document-sources.ts';
import { MarkdownDocument, join, md } from './markdown.ts';

/** Records of processing activities (G42): the controller's record (Art. 30(1)(a)–(g)) and the processor's (Art. 30(2)). */
export function buildRopa(s: DocumentSources): string {
  const en = noticeMessages.en;
  const doc = new MarkdownDocument();
  header(doc, 'Records of processing activities (Art. 30 GDPR)', s);

  doc.heading(2, md`Controller's record (Art. 30(1))`);
  doc.heading(3, md`(a) Controller and data protection officer`).list(controllerItems(s));
  const representative = s.notice?.texts.en.representative.trim();
  if (representative) doc.list([md`Representative in the Union: ${representative}`]);

  doc.heading(3, md`(b) Purposes of the processing`);
  const purposes = [...new Set(s.callTypes.flatMap((ct) => ct.purposes.map((p) => p.purpose)))];
  doc.list([
    ...purposes.map((p) => md`${en.purposes.labels[p]}: ${en.purposes.descriptions[p]}`),
    md`Per call type: ${join(s.callTypes.map((ct) => md`${ct.name} (${ct.purposes.map((p) => en.purposes.labels[p.purpose]).join(', ')})`), '; ')}`,
  ]);
  const staff = staffRecordingItems(s);
  if (staff.length > 0) {
    doc.paragraph(md`Recording of the staff member hosting a recorded call (a data subject too, never recorded on consent):`);
    doc.list(staff);
  }

  doc.heading(3, md`(c) Categories of data subjects and of personal data`);
  doc.list(dataSubjectItems(s));
  doc.list(dataTypeItems(s));

  doc.heading(3, md`(d) Categories of recipients`);
  doc.list([
    md`The participants of each call, and the controller's staff by role`,
    operatorItem(s),
    ...subProcessorItems(s),
    md`As stated in the privacy notice: ${orNotProvided(s.notice?.texts.en.recipients)}`,
  ]);

  doc.heading(3, md`(e) Transfers to third countries`).list(transferItems(s));
  doc.heading(3, md`(f) Time limits for erasure`).list(retentionItems(s));
  doc.heading(3, md`(g) Technical and organisational security measures`).list(measureItems(s));

  doc.heading(2, md`Processor's record (Art. 30(2))`);
  doc.heading(3, md`(a) Processor, controller and data protection officer`).list([operatorItem(s), ...controllerItems(s)]);
  doc.heading(3, md`(b) Categories of processing carried out for the controller`);
  doc.paragraph(md`Hosting and operating video calls and the storage, retrieval and erasure that the call types require:`);
  doc.list(callTypeItems(s));
  doc.heading(3, md`(c) Transfers to third countries`).list(transferItems(s));
  doc.heading(3, md`(d) Technical and organisational security measures`).list(measureItems(s));
  return doc.toString();
}
