import type { CallTypeView } from '../call-types/call-type.schema.ts';
import { staffRecordingInterestOf } from '../call-types/staff-recording.ts';
import { noticeMessages } from '../notices/messages.ts';
import { describeStamp, formatInstant } from './describe-stamp.ts';
import { join, md, type Md, type MarkdownDocument } from './markdown.ts';
import type { DocumentSources } from './document-sources.ts';
import type { SubProcessorView, TransferTool } from './sub-processor.schema.ts';

/**
 * English wording shared by the DPA, the DPIA and the records of processing. Every statement that depends on the
 * installation is built from `DocumentSources` (G38, G42, G51): nothing here names a number of days, a party or a
 * measure that the configuration does not say.
 */

const en = noticeMessages.en;
export const NOT_PROVIDED = '[not provided yet]';

export const orNotProvided = (value: string | null | undefined): string => (value && value.trim() !== '' ? value : NOT_PROVIDED);

export const days = (n: number): string => (n === 0 ? 'deleted when the call ends' : n === 1 ? '1 day' : `${n} days`);

export const transferToolLabels: Readonly<Record<TransferTool, string>> = {
  adequacy_decision: 'adequacy decision (Art. 45 GDPR)',
  sccs_tia: 'standard contractual clauses with a transfer impact assessment (Art. 46(2)(c) GDPR)',
  none: 'none (within the EEA)',
};

/**
 * How a call type records, customers and staff apart (G3, G7): customers each on their own consent or because the law
 * requires it; the staff member hosting the call never on consent, but on the organisation's legitimate interest
 * (consent recording) or the same legal obligation.
 */
const recordingModeText = (ct: CallTypeView): Md => {
  switch (ct.recordingMode) {
    case 'off':
      return md`not recorded`;
    case 'consent':
      return md`recorded: each customer only with their own consent (whoever declines is not recorded); ${staffRecordingText(ct)}`;
    case 'legal_obligation':
      return md`recorded under a legal obligation (${orNotProvided(ct.recordingLegalReference)}), customers and ${staffRecordingText(ct)}`;
    default: {
      const never: never = ct.recordingMode;
      throw new Error(`unknown recording mode ${String(never)}`);
    }
  }
};

/** The basis for recording the staff member who hosts a call of this type (G7), for the English documents. */
export function staffRecordingText(ct: CallTypeView): Md {
  switch (ct.staffRecordingBasis) {
    case null:
      return md`staff are not recorded`;
    case 'legitimate_interest':
      return md`the staff member hosting the call on the controller's legitimate interest (Art. 6(1)(f) GDPR), never on consent: ${staffRecordingInterestOf(ct, 'en')}`;
    case 'legal_obligation':
      return md`the staff member hosting the call on the same legal obligation (Art. 6(1)(c) GDPR), never on consent`;
    default: {
      const never: never = ct.staffRecordingBasis;
      throw new Error(`unknown staff recording basis ${String(never)}`);
    }
  }
}

/**
 * One line per recording call type: on which basis the controller's staff are recorded, and for how long (G7). Empty
 * when no call type records.
 */
export function staffRecordingItems(s: DocumentSources): Md[] {
  return s.callTypes
    .filter((ct) => ct.recordingMode !== 'off')
    .map((ct) => md`**${ct.name}**: ${staffRecordingText(ct)}. Recordings are kept ${days(ct.retention.recordingsDays)}.`);
}

/** The generation date and configuration in words: "17 March 2026 at 14:05 CET, from organisation settings version 3, …". */
export function generatedLine(s: DocumentSources, locale: 'en' | 'de' = 'en'): string {
  return `${formatInstant(s.generatedAt, locale, s.timeZone)}, ${locale === 'de' ? 'Grundlage:' : 'from'} ${describeStamp(s.stamp, locale)}`;
}

/** The top of every document: title, who it is for, and the configuration stamp and date, in words (issues 7, 12). */
export function header(doc: MarkdownDocument, title: string, s: DocumentSources): void {
  doc.heading(1, md`${title}`);
  doc.paragraph(md`**Organisation:** ${s.organisation.legalName}`);
  doc.paragraph(md`**Generated:** ${generatedLine(s)}.`);
  doc.paragraph(md`This document is generated from Parley's live configuration. It is accurate as of the date above; generate it again after any change.`);
}

export function controllerItems(s: DocumentSources): Md[] {
  const o = s.organisation;
  return [
    md`Controller: ${o.legalName}, ${orNotProvided(o.address)}; contact ${orNotProvided(o.contactEmail)}`,
    md`Data protection officer: ${orNotProvided(o.dpoName)}, ${orNotProvided(o.dpoEmail)}${o.dpoPhone ? md`, ${o.dpoPhone}` : md``}`,
    md`Supervisory authority: ${orNotProvided(o.supervisoryAuthority)}`,
  ];
}

/** The processor as the organisation named it in the console, else as the installation's settings do (finding 17). */
export function operatorItem(s: DocumentSources): Md {
  const op = s.processor.effective;
  return md`Processor (operator of this Parley installation): ${orNotProvided(op.name)}, ${orNotProvided(op.address)}; contact ${orNotProvided(op.contactEmail)}`;
}

/** One line per call type: purposes with their bases, recording, chat, E2EE, lobby, biometrics. */
export function callTypeItems(s: DocumentSources): Md[] {
  if (s.callTypes.length === 0) return [md`No active call types: no calls can be held.`];
  return s.callTypes.map((ct) => {
    const purposes = join(
      ct.purposes.map((p) => md`${en.purposes.labels[p.purpose]} (${en.purposes.bases[p.basis]}${p.legitimateInterest ? md`; interest: ${p.legitimateInterest}` : md``})`),
      '; ',
    );
    return md`**${ct.name}** (version ${ct.version}): purposes ${purposes}. Calls are ${recordingModeText(ct)}; chat ${ct.chatKept ? 'kept after the call' : 'not kept after the call'}; end-to-end encryption ${ct.e2eeRequired ? 'required' : 'not required'}; lobby ${ct.lobbyEnabled ? 'on' : 'off'}; biometric features ${
      ct.biometricFeatures.length > 0 ? md`${ct.biometricFeatures.map((f) => en.biometrics.features[f]).join(', ')} (DPIA reference ${orNotProvided(ct.dpiaReference)})` : md`none`
    }.`;
  });
}

/** Retention per call type and data category, in days, as configured now (G25). */
export function retentionItems(s: DocumentSources): Md[] {
  const items = s.callTypes.map((ct) => {
    const r = ct.retention;
    return md`**${ct.name}**: call metadata ${days(r.callMetadataDays)}; chat ${ct.chatKept ? days(r.chatDays) : 'not kept'}; recordings ${
      ct.recordingMode === 'off' ? 'not made' : days(r.recordingsDays)
    }; consent records ${days(r.consentDays)}`;
  });
  items.push(md`Messages in the outbox: ${days(s.settings.mailRetentionDays)}`);
  items.push(md`Expired data is deleted by the retention purge, which runs every ${s.settings.purgeIntervalHours} hours.`);
  return items;
}

export function dataSubjectItems(s: DocumentSources): Md[] {
  const items = [
    md`Customers and guests invited to calls`,
    md`The organisation's staff who hold calls (agents) and who administer Parley (administrators, data protection officer)`,
  ];
  if (s.callTypes.some((ct) => ct.recordingMode !== 'off')) {
    items.push(md`Anyone who speaks or appears in a recorded call, including the staff member hosting it (recorded on the basis stated per call type, never on consent)`);
  }
  return items;
}

export function dataTypeItems(s: DocumentSources): Md[] {
  const items = [
    md`Identity and contact data: names and email addresses of invited participants and staff`,
    md`Call metadata: who took part, when and for how long, the call type, connection quality`,
    md`Audio, video, screen sharing and chat passed between participants during a call`,
    md`Consent records and the privacy notice version shown`,
    md`Data subject requests and the answers given`,
    md`Staff accounts: role, sign-in and two-factor data, GDPR training attestations`,
  ];
  const recorded = s.callTypes.filter((ct) => ct.recordingMode !== 'off');
  if (recorded.length > 0) items.push(md`Recordings of audio and video (call types ${recorded.map((c) => c.name).join(', ')})`);
  const chat = s.callTypes.filter((ct) => ct.chatKept);
  if (chat.length > 0) items.push(md`Chat messages kept after the call (call types ${chat.map((c) => c.name).join(', ')})`);
  const bio = s.callTypes.filter((ct) => ct.biometricFeatures.length > 0);
  if (bio.length > 0) items.push(md`Biometric data, a special category under Art. 9 GDPR (call types ${bio.map((c) => c.name).join(', ')})`);
  return items;
}

export function subProcessorItem(sp: SubProcessorView): Md {
  return md`**${sp.name}**: ${sp.purpose}. Location: ${sp.location} (${sp.country}, ${sp.inEea ? 'in the EEA' : 'outside the EEA'}). Transfer tool: ${transferToolLabels[sp.transferTool]}.`;
}

export function subProcessorItems(s: DocumentSources): Md[] {
  if (s.subProcessors.length === 0) return [md`None: the operator processes the data on its own infrastructure, with no sub-processors.`];
  return s.subProcessors.map(subProcessorItem);
}

/** Where data is stored and whether it leaves the EEA (G52, G53). */
export function transferItems(s: DocumentSources): Md[] {
  const o = s.organisation;
  const items = [
    o.residencyRegion === 'EEA'
      ? md`Data residency: the EEA.`
      : md`Data residency: ${o.residencyRegion}, outside the EEA, under this safeguard: ${orNotProvided(o.residencySafeguard)}.`,
    md`Recordings are stored in: ${s.blobLocation.description} (${s.blobLocation.eea ? 'in the EEA' : 'outside the EEA'}).`,
  ];
  const outside = s.subProcessors.filter((sp) => !sp.inEea);
  items.push(
    outside.length === 0
      ? md`No sub-processor outside the EEA.`
      : md`Sub-processors outside the EEA: ${join(outside.map((sp) => md`${sp.name} (${sp.country}; ${transferToolLabels[sp.transferTool]})`), '; ')}.`,
  );
  return items;
}

const roleWords: Readonly<Record<DocumentSources['organisation']['playbackRoles'][number], string>> = {
  admin: 'administrators',
  dpo: 'the data protection officer',
  agent: 'agents (their own calls only)',
};

const listInWords = (items: readonly string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/**
 * The technical and organisational measures Parley applies (Art. 32), each stated from the configuration: what
 * encryption, which call types, which roles, which periods.
 */
export function measureItems(s: DocumentSources): Md[] {
  const names = (cts: readonly CallTypeView[]) => (cts.length > 0 ? cts.map((c) => c.name).join(', ') : 'none');
  const recorded = s.callTypes.filter((ct) => ct.recordingMode !== 'off');
  const e2ee = s.callTypes.filter((ct) => ct.e2eeRequired);
  const lobby = s.callTypes.filter((ct) => ct.lobbyEnabled);
  const bio = s.callTypes.filter((ct) => ct.biometricFeatures.length > 0);
  const st = s.settings;
  return [
    md`Encryption in transit: media between browsers and the media server is encrypted with DTLS-SRTP in every call; pages, API and signalling use TLS${
      st.publicUrlHttps ? md`` : md` (the public address of this installation is not https yet: it must be served through a TLS reverse proxy)`
    }. Relay (TURN) servers: ${st.turnConfigured ? 'configured, with time-limited credentials' : 'none configured'}.`,
    md`End-to-end encryption required for call types: ${names(e2ee)}.${
      e2ee.some((ct) => ct.recordingMode !== 'off')
        ? md` Of these, ${names(e2ee.filter((ct) => ct.recordingMode !== 'off'))} are recorded in the host's browser, encrypted there to the organisation's recording key, whose private key is held only under a passphrase of the data protection officer: the service provider cannot read those recordings.`
        : md``
    }`,
    md`Encryption at rest: recordings are encrypted with AES-256-GCM, with a separate data key for each recorded track, wrapped by the organisation's key-encryption key. Call types that record: ${names(recorded)}. Storage: ${s.blobLocation.description}.`,
    md`Deletion: when a recording expires or is erased, its data key is destroyed (crypto-shredding) and the encrypted file deleted; the retention purge runs every ${st.purgeIntervalHours} hours and deletes each category after the period its call type sets.`,
    md`Access control: least-privilege roles (administrator, data protection officer, agent); recordings can be played back only by ${listInWords(s.organisation.playbackRoles.map((r) => roleWords[r]))}, only after a GDPR training attested within ${st.trainingValidDays} days, through links valid for ${st.recordingLinkMinutes} minutes and bound to the person who asked for them.`,
    md`Authentication: two-factor authentication (TOTP) for administrators and the data protection officer; sessions last ${st.sessionTtlHours} hours; an account is locked for ${st.loginLockoutMinutes} minutes after ${st.loginMaxFailures} failed sign-ins.`,
    md`Accountability: an append-only, hash-chained audit log per organisation records consents, configuration changes, recording access, erasures and approvals; logs hold pseudonymous ids, never names or emails.`,
    recorded.length > 0
      ? md`Transparency towards staff: staff are told what is recorded of them, why, on which basis, who may play it and for how long, in the information for staff generated from this configuration; everyone in a call sees an indicator while it is recorded.`
      : md`Transparency towards staff: no call type records, which the information for staff generated from this configuration says.`,
    md`Lobby (the host admits each participant) for call types: ${names(lobby)}.`,
    bio.length > 0
      ? md`Biometric features are enabled only for ${join(bio.map((c) => md`${c.name} (DPIA reference ${orNotProvided(c.dpiaReference)})`), ', ')}.`
      : md`Biometric features (face or voice recognition, emotion inference) are off for every call type.`,
  ];
}
