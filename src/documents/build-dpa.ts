import { callTypeItems, controllerItems, dataSubjectItems, dataTypeItems, header, measureItems, operatorItem, retentionItems, staffRecordingItems, subProcessorItems, transferItems } from './describe-config.ts';
import type { DocumentSources } from './document-sources.ts';
import { MarkdownDocument, md } from './markdown.ts';

/**
 * The data processing agreement between the organisation (controller) and the operator of this installation
 * (processor), covering every item of Art. 28(3) GDPR (G38). Section headings name the item they cover.
 */
export function buildDpa(s: DocumentSources): string {
  const doc = new MarkdownDocument();
  header(doc, 'Data processing agreement (Art. 28 GDPR)', s);
  doc.heading(2, md`Parties`).list([...controllerItems(s), operatorItem(s)]);

  doc.heading(2, md`Subject matter and duration`);
  doc.paragraph(md`The processor operates Parley, a video call service, for the controller: holding video calls between the controller's staff and its customers, and the processing listed below. The agreement lasts as long as the controller uses this installation; each category of data is kept only for the period set below.`);
  doc.heading(3, md`Retention periods`).list(retentionItems(s));

  doc.heading(2, md`Nature and purpose of the processing`);
  doc.paragraph(md`Collection, transmission, storage, retrieval and erasure of the data below, by the call types the controller has configured:`);
  doc.list(callTypeItems(s));

  doc.heading(2, md`Type of personal data`).list(dataTypeItems(s));
  doc.heading(2, md`Categories of data subjects`).list(dataSubjectItems(s));

  // G7: the controller's own staff are recorded too, never on consent; the instruction says on which basis.
  doc.heading(2, md`Recording of the controller's staff`);
  const staff = staffRecordingItems(s);
  if (staff.length === 0) {
    doc.paragraph(md`No call type records, so the controller's staff are not recorded.`);
  } else {
    doc.paragraph(md`While a recording runs, the staff member hosting the call is recorded as well (microphone, camera and any screen they share). Staff are never recorded on their consent, which an employee cannot give freely to the employer; the controller relies on the basis stated for each call type:`);
    doc.list(staff);
  }

  doc.heading(2, md`Documented instructions (Art. 28(3)(a))`);
  const instructionsTo = s.processor.effective.contactEmail ?? s.processor.effective.name;
  doc.paragraph(md`The processor processes the personal data only on the controller's documented instructions. The configuration the controller sets in Parley (call types, retention, recording modes, notices, roles) is its standing instruction; further instructions are given in writing to ${instructionsTo ?? 'the processor (contact not provided yet)'}. Transfers outside the EEA happen only as listed under "International transfers".`);

  doc.heading(2, md`Confidentiality (Art. 28(3)(b))`);
  doc.paragraph(md`Everyone the processor authorises to process the personal data is bound to confidentiality by contract or by law. Operator access to an organisation's data is recorded in that organisation's audit log.`);

  doc.heading(2, md`Security of processing (Art. 28(3)(c), Art. 32)`).list(measureItems(s));

  doc.heading(2, md`Sub-processors (Art. 28(3)(d), 28(2), 28(4))`);
  doc.paragraph(md`The processor engages only the sub-processors listed here; it informs the controller before adding or replacing one, so the controller can object, and imposes the same data protection obligations on each by contract.`);
  doc.list(subProcessorItems(s));

  doc.heading(2, md`International transfers`).list(transferItems(s));

  doc.heading(2, md`Assistance with data subject rights (Art. 28(3)(e))`);
  doc.paragraph(md`Parley gives the controller the means to answer requests under Art. 15–22: access exports, erasure, restriction and objection handling with their due dates, and the consent history of each data subject. Requests reach the controller through ${s.organisation.contactEmail || 'its contact address'} and Parley's request page.`);

  doc.heading(2, md`Assistance with security, breaches and DPIAs (Art. 28(3)(f))`);
  doc.paragraph(md`The processor notifies the controller of a personal data breach without undue delay, and assists with its notification and with the data protection impact assessment, which Parley generates from the same configuration.`);

  doc.heading(2, md`Deletion or return at the end (Art. 28(3)(g))`);
  doc.paragraph(md`When the service ends, the processor returns the controller's data as an export and then deletes all of it and its keys, unless Union or Member State law requires storage. Until then, data is deleted as the retention periods above require.`);

  doc.heading(2, md`Information and audits (Art. 28(3)(h))`);
  doc.paragraph(md`The processor makes available all information needed to demonstrate compliance — this agreement, the records of processing, the DPIA and the audit log — and allows for and contributes to audits, including inspections, by the controller or an auditor it mandates.`);
  return doc.toString();
}
