import type { CallTypeView } from '../call-types/call-type.schema.ts';
import { getCallType } from '../call-types/get-call-type.ts';
import type { DbOrTx } from '../db/database.ts';
import type { OrganisationView } from '../organisations/organisation.schema.ts';
import { getOrganisation } from '../organisations/organisations.ts';
import { AppError } from '../shared/app-error.ts';
import type { CallTypeId, NoticeId, OrgId } from '../shared/ids.ts';
import { getLatestPublishedNotice, getNotice } from './get-notice.ts';
import { hashNoticeTexts } from './hash-notice-texts.ts';
import { noticeMessages } from './messages.ts';
import {
  requiredNoticeTextFields,
  type Locale,
  type NoticeSection,
  type NoticeStatus,
  type NoticeTexts,
  type RenderedNotice,
  type SectionKey,
} from './notice.schema.ts';

export interface NoticeParts {
  readonly organisation: OrganisationView;
  readonly callType: CallTypeView;
  readonly notice: {
    readonly id: string;
    readonly version: number;
    readonly status: NoticeStatus;
    readonly texts: NoticeTexts;
    readonly contentHash: string | null;
  };
  readonly locale: Locale;
}

/**
 * The organisation's public rights page, as a path on this Parley installation (`/rights/<orgId>`, served by the
 * customer bundle): the pages that show the notice are on the same origin, so the link needs no public URL and
 * keeps working whatever host name the page was opened under.
 */
export const rightsPagePath = (orgId: string): string => `/rights/${orgId}`;

/** A stored text as paragraphs: blank lines separate them. */
const paragraphsOf = (text: string): string[] =>
  text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');

/**
 * Builds the Art. 13 notice for one call type in one locale from three live sources: the organisation (who is
 * responsible, whom to contact, where data lives), the call type (purposes and bases, legitimate interests,
 * retention per category, recording mode — G16) and the notice version (recipients, transfers, anything else
 * the controller wrote). Pure: the same parts give the same notice.
 */
export function buildNotice(parts: NoticeParts): RenderedNotice {
  const { organisation: org, callType: ct, notice, locale } = parts;
  const m = noticeMessages[locale];
  const texts = notice.texts[locale];
  const missing: string[] = [];
  const sections: NoticeSection[] = [];

  const orgValue = (field: keyof OrganisationView & string, value: string) => {
    if (value.trim() !== '') return value;
    missing.push(`organisation.${field}`);
    return m.missing;
  };
  for (const field of requiredNoticeTextFields) {
    if (texts[field].trim() === '') missing.push(`texts.${locale}.${field}`);
  }
  const section = (key: SectionKey, content: Partial<Omit<NoticeSection, 'key' | 'heading'>>) =>
    sections.push({ key, heading: m.headings[key], paragraphs: [], items: [], links: [], ...content });

  const contactEmail = orgValue('contactEmail', org.contactEmail);

  section('controller', {
    paragraphs: [
      m.controller.responsible(org.legalName),
      orgValue('address', org.address),
      m.controller.contact(contactEmail),
      ...(texts.representative.trim() ? [m.controller.representative, ...paragraphsOf(texts.representative)] : []),
    ],
  });
  section('dpo', {
    paragraphs: [m.dpo({ name: orgValue('dpoName', org.dpoName), email: orgValue('dpoEmail', org.dpoEmail), phone: org.dpoPhone })],
  });

  const interestPurposes = ct.purposes.filter((p) => p.basis === 'legitimate_interest');
  const consentPurposes = ct.purposes.filter((p) => p.basis === 'consent');
  section('purposes', {
    paragraphs: [m.purposes.intro, ...(interestPurposes.length > 0 ? paragraphsOf(texts.legitimateInterests) : [])],
    items: ct.purposes.map((p) => {
      const parts = [m.purposes.item({ label: m.purposes.labels[p.purpose], description: m.purposes.descriptions[p.purpose], basis: m.purposes.bases[p.basis] })];
      if (p.legitimateInterest) parts.push(m.purposes.interest(p.legitimateInterest));
      if (p.purpose === 'recording' && p.basis === 'legal_obligation' && ct.recordingLegalReference) {
        parts.push(m.purposes.legalReference(ct.recordingLegalReference));
      }
      return parts.join(' ');
    }),
  });

  if (ct.biometricFeatures.length > 0) {
    section('biometrics', { paragraphs: [m.biometrics.text(ct.biometricFeatures.map((f) => m.biometrics.features[f]).join(', '))] });
  }

  const recording: string[] = [];
  switch (ct.recordingMode) {
    case 'off':
      recording.push(m.recording.off);
      break;
    case 'consent':
      recording.push(m.recording.consent);
      break;
    case 'legal_obligation':
      recording.push(m.recording.legalObligation(ct.recordingLegalReference ?? m.missing));
      break;
    default: {
      const never: never = ct.recordingMode;
      throw new Error(`unknown recording mode ${String(never)}`);
    }
  }
  if (ct.purposes.some((p) => p.purpose === 'training_qa')) recording.push(m.recording.trainingQa);
  section('recording', { paragraphs: recording });
  section('provision', { paragraphs: [...m.provision] });

  section('recipients', { paragraphs: texts.recipients.trim() ? paragraphsOf(texts.recipients) : [m.missing] });
  section('transfers', {
    paragraphs: [
      org.residencyRegion === 'EEA'
        ? m.transfers.eea
        : m.transfers.outside({ region: m.transfers.regions[org.residencyRegion], safeguard: org.residencySafeguard ?? m.missing }),
      ...(texts.transfers.trim() ? paragraphsOf(texts.transfers) : [m.missing]),
    ],
  });

  // G16: every number here is read from the call type as it is now.
  const r = ct.retention;
  const retentionItems = [
    m.retention.item(m.retention.callMetadata, m.retention.days(r.callMetadataDays)),
    m.retention.item(m.retention.chat, ct.chatKept ? m.retention.days(r.chatDays) : m.retention.chatNotKept),
    m.retention.item(m.retention.recordings, ct.recordingMode === 'off' ? m.retention.notRecorded : m.retention.days(r.recordingsDays)),
  ];
  if (consentPurposes.length > 0) retentionItems.push(m.retention.item(m.retention.consent, m.retention.days(r.consentDays)));
  section('retention', { paragraphs: [m.retention.intro], items: retentionItems });

  // The organisation's public rights page (issue 12, finding 7). Parley's fixed wording, like the rest of this
  // section: the content hash covers only the texts the controller wrote (hash-notice-texts.ts), so adding the link
  // leaves every published version's hash, and the consents that point at it, as they were.
  section('rights', {
    paragraphs: [m.rights.intro(contactEmail)],
    items: [...m.rights.items],
    // In the notice's language: the rights page opens in it too.
    links: [{ href: `${rightsPagePath(org.id)}?locale=${locale}`, label: m.rights.linkLabel }],
  });
  section('objection', {
    paragraphs: [
      interestPurposes.length > 0
        ? m.objection.relied({ purposes: interestPurposes.map((p) => m.purposes.labels[p.purpose]).join(', '), email: contactEmail })
        : m.objection.none,
    ],
  });
  section('withdrawal', {
    paragraphs: [m.withdrawal.text(contactEmail), ...(consentPurposes.length === 0 ? [m.withdrawal.none] : [])],
  });
  section('complaint', { paragraphs: [m.complaint(orgValue('supervisoryAuthority', org.supervisoryAuthority))] });
  section('automatedDecisions', { paragraphs: [m.automatedDecisions] });
  if (texts.additionalInformation.trim()) section('additional', { paragraphs: paragraphsOf(texts.additionalInformation) });
  if (org.privacyPolicyUrl) {
    section('privacyPolicy', { paragraphs: [m.privacyPolicy.text], links: [{ href: org.privacyPolicyUrl, label: m.privacyPolicy.linkLabel }] });
  }

  const contentHash = notice.contentHash ?? hashNoticeTexts(notice.texts);
  return {
    locale,
    title: m.title,
    intro: m.intro({ organisation: org.legalName, callType: ct.name }),
    sections,
    footer: m.footer({ version: notice.version, hash: contentHash, draft: notice.status === 'draft' }),
    notice: { id: notice.id, version: notice.version, status: notice.status, contentHash },
    callType: { id: ct.id, name: ct.name, version: ct.version },
    organisation: { id: org.id, configVersion: org.configVersion },
    privacyPolicyUrl: org.privacyPolicyUrl,
    missing: [...new Set(missing)].sort(),
  };
}

/**
 * The notice a customer of this call type is shown, in one locale: the latest published version unless a
 * specific one (a draft, for a preview) is asked for. Exported for the customer's join page.
 */
export async function renderNotice(
  db: DbOrTx,
  input: { orgId: OrgId; callTypeId: CallTypeId; locale: Locale; noticeId?: NoticeId | undefined },
): Promise<RenderedNotice> {
  const callType = await getCallType(db, input.orgId, input.callTypeId);
  const notice = input.noticeId ? await getNotice(db, input.orgId, input.noticeId) : await getLatestPublishedNotice(db, input.orgId);
  if (!notice) {
    throw new AppError('CONFLICT', 'No privacy notice has been published yet. Publish one before customers can join calls.');
  }
  const organisation = await getOrganisation(db, input.orgId);
  return buildNotice({ organisation, callType, notice, locale: input.locale });
}
