import { callTypeItems, dataSubjectItems, dataTypeItems, header, measureItems, retentionItems, staffRecordingItems, transferItems } from './describe-config.ts';
import { formatInstant } from './describe-stamp.ts';
import { reviewReasonText } from './dpia-review.ts';
import type { DocumentSources } from './document-sources.ts';
import { MarkdownDocument, md, type Md } from './markdown.ts';

const stateText = (s: DocumentSources): Md => {
  const d = s.dpia;
  const approvedOn = d.approvedAt ? formatInstant(d.approvedAt, 'en', s.timeZone) : 'an unknown date';
  switch (d.state) {
    case 'not_approved':
      return md`Not approved yet: the data protection officer has not approved this assessment.`;
    case 'approved':
      return md`Approved by the data protection officer on ${approvedOn}${d.approvedConfigText ? md` for ${d.approvedConfigText}` : md``}.`;
    case 'needs_review':
      return md`Needs review: settings this assessment rests on changed (${d.reviewReasons.map(reviewReasonText).join('; ')}) after the data protection officer's approval of ${approvedOn}.`;
    default: {
      const never: never = d.state;
      throw new Error(`unknown DPIA state ${String(never)}`);
    }
  }
};

/**
 * The mini-DPIA (G51) covering Art. 35(7)(a)–(d), each part stated from the configuration. Its state says whether
 * the data protection officer approved it for the configuration in force.
 */
export function buildDpia(s: DocumentSources): string {
  const doc = new MarkdownDocument();
  header(doc, 'Data protection impact assessment (Art. 35 GDPR)', s);
  doc.paragraph(md`**State:** ${stateText(s)}`);

  doc.heading(2, md`(a) Description of the processing and its purposes`);
  doc.paragraph(md`Video calls between ${s.organisation.legalName} and its customers, held on Parley. Each call type sets its purposes, legal bases and options:`);
  doc.list(callTypeItems(s));
  doc.heading(3, md`Personal data`).list(dataTypeItems(s));
  doc.heading(3, md`Data subjects`).list(dataSubjectItems(s));
  doc.heading(3, md`Where the data is`).list(transferItems(s));

  doc.heading(2, md`(b) Necessity and proportionality`);
  const recorded = s.callTypes.filter((ct) => ct.recordingMode !== 'off');
  doc.list([
    md`Each purpose has one legal basis, declared per call type (above); optional purposes such as recording, training and statistics are off unless the call type declares them.`,
    recorded.length === 0
      ? md`No call type records: audio and video pass through the media server and are not stored.`
      : md`Recording is limited to the call types ${recorded.map((c) => c.name).join(', ')}: customers are recorded only on their own consent or where a stated law requires it; the staff member hosting the call on the basis below, never on consent (an employee cannot consent freely to the employer).`,
    md`Data is kept only as long as its call type sets, then deleted:`,
  ]);
  doc.list(retentionItems(s));
  const staff = staffRecordingItems(s);
  if (staff.length > 0) doc.heading(3, md`Recording of staff`).list(staff);
  doc.paragraph(md`Data subjects are informed by the privacy notice shown before each call${s.notice ? md` (published version ${s.notice.version})` : md` (no notice published yet)`} and can exercise their rights through the request page.`);

  doc.heading(2, md`(c) Risks to the rights and freedoms of data subjects`);
  const risks: Md[] = [
    md`Unauthorised access to calls or stored data (confidentiality of conversations, possibly about finances or health).`,
    md`Keeping data longer than needed, or using it for a purpose the customer was not told about.`,
    md`Transfer of data outside the EEA without adequate protection.`,
    md`Staff being monitored through recordings or metadata.`,
  ];
  if (recorded.length > 0) risks.push(md`Recordings disclosed, altered or kept after consent is withdrawn (call types ${recorded.map((c) => c.name).join(', ')}).`);
  const bio = s.callTypes.filter((ct) => ct.biometricFeatures.length > 0);
  if (bio.length > 0) risks.push(md`Processing of biometric data, a special category (call types ${bio.map((c) => c.name).join(', ')}): high risk of discrimination and misidentification.`);
  doc.list(risks);

  doc.heading(2, md`(d) Measures applied to address the risks`);
  doc.paragraph(md`The measures Parley applies in this installation, as configured now:`);
  doc.list(measureItems(s));
  return doc.toString();
}
