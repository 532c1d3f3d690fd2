import { AppError } from '../shared/app-error.ts';
import {
  LEGAL_OBLIGATION_MAX_RECORDING_DAYS,
  LEGAL_OBLIGATION_MIN_RECORDING_DAYS,
  type CallTypeConfig,
  type CallTypePurpose,
  type LawfulBasis,
  type Retention,
} from './call-type.schema.ts';

export interface RuleIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Which lawful bases fit which purpose. Recording is either opted into or required by law (G3, G55);
 * training/QA reuse is consent only and never bundled with recording (G4); analytics is opt-in or rests on a
 * stated legitimate interest the customer can object to (G19). Holding the call and keeping chat may rest on any.
 */
const allowedBases: Readonly<Record<CallTypePurpose, readonly LawfulBasis[]>> = {
  call_delivery: ['consent', 'contract', 'legal_obligation', 'legitimate_interest'],
  recording: ['consent', 'legal_obligation'],
  chat: ['consent', 'contract', 'legal_obligation', 'legitimate_interest'],
  training_qa: ['consent'],
  analytics: ['consent', 'legitimate_interest'],
};

/**
 * The words the messages use (the console's labels, web/console/features/call-types/explanations.ts): people
 * read these messages beside the field, so they name purposes, bases and fields as the form does, never by key.
 */
const purposeWords: Readonly<Record<CallTypePurpose, string>> = {
  call_delivery: 'holding the call',
  recording: 'recording',
  chat: 'keeping the chat',
  training_qa: 'training and quality checks',
  analytics: 'statistics',
};
const basisWords: Readonly<Record<LawfulBasis, string>> = {
  consent: 'consent',
  contract: 'contract',
  legal_obligation: 'legal obligation',
  legitimate_interest: 'legitimate interest',
};
const retentionWords: Readonly<Record<keyof Retention, string>> = {
  callMetadataDays: 'call details',
  chatDays: 'chat messages',
  recordingsDays: 'recordings',
  consentDays: 'consent records',
};

const basisWhy: Readonly<Partial<Record<CallTypePurpose, string>>> = {
  recording: 'Recording rests either on each participant’s consent or on a law that requires it. Choose how calls are recorded under Recording.',
  training_qa: 'Reusing recordings for training or quality checks needs its own consent, never another basis.',
  analytics: 'Statistics need consent or a stated legitimate interest that customers can object to.',
};

/**
 * The lawful-basis rules of a call type as it would be stored, after defaults and merging. Shape and ranges are
 * the schema's job; these are the rules between fields. Each issue names the field it concerns (`path`, for
 * programs) and says in words what is wrong and what to do (`message`, for people).
 */
export function checkCallTypeRules(c: CallTypeConfig, org: { readonly hasRecordingKey: boolean } = { hasRecordingKey: false }): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const add = (path: RuleIssue['path'], message: string) => issues.push({ path, message });

  // G1: each purpose once, with exactly one basis; call delivery always.
  const seen = new Set<CallTypePurpose>();
  c.purposes.forEach((p, i) => {
    if (seen.has(p.purpose)) {
      add(['purposes', i, 'purpose'], `The purpose “${purposeWords[p.purpose]}” is declared twice; each purpose has exactly one lawful basis.`);
    }
    seen.add(p.purpose);
    if (!allowedBases[p.purpose].includes(p.basis)) {
      add(['purposes', i, 'basis'], basisWhy[p.purpose] ?? `The basis “${basisWords[p.basis]}” does not fit the purpose “${purposeWords[p.purpose]}”.`);
    }
    if (p.basis === 'legitimate_interest' && !p.legitimateInterest) {
      add(['purposes', i, 'legitimateInterest'], 'State the legitimate interest relied on; customers are told it (Art. 13(1)(d) GDPR).');
    }
    if (p.basis !== 'legitimate_interest' && p.legitimateInterest) {
      add(['purposes', i, 'legitimateInterest'], 'Only a purpose based on legitimate interest states one.');
    }
  });
  if (!seen.has('call_delivery')) {
    add(['purposes'], 'Every call type declares the purpose of holding the call, with its lawful basis.');
  }
  const indexOf = (purpose: CallTypePurpose) => c.purposes.findIndex((p) => p.purpose === purpose);
  const recording = c.purposes[indexOf('recording')];

  // G3, G55: the recording mode and the recording purpose say the same thing.
  switch (c.recordingMode) {
    case 'off':
      if (recording) add(['recordingMode'], 'Recording is off, but a recording purpose is declared: remove it or choose how calls are recorded.');
      break;
    case 'consent':
      if (!recording || recording.basis !== 'consent') {
        add(['recordingMode'], 'Recording with consent needs a recording purpose based on consent.');
      }
      break;
    case 'legal_obligation':
      if (!recording || recording.basis !== 'legal_obligation') {
        add(['recordingMode'], 'Recording because the law requires it needs a recording purpose based on that legal obligation.');
      }
      if (!c.recordingLegalReference) {
        add(['recordingLegalReference'], 'Name the law that requires the recording, e.g. “MiFID II Art. 16(7)”.');
      }
      if (c.retention.recordingsDays < LEGAL_OBLIGATION_MIN_RECORDING_DAYS || c.retention.recordingsDays > LEGAL_OBLIGATION_MAX_RECORDING_DAYS) {
        add(
          ['retention', 'recordingsDays'],
          `Recordings required by law are kept at least 5 years and at most 7: between ${LEGAL_OBLIGATION_MIN_RECORDING_DAYS} and ${LEGAL_OBLIGATION_MAX_RECORDING_DAYS} days.`,
        );
      }
      break;
    default: {
      const never: never = c.recordingMode;
      throw new Error(`unknown recording mode ${String(never)}`);
    }
  }
  if (c.recordingMode !== 'legal_obligation' && c.recordingLegalReference) {
    add(
      ['recordingLegalReference'],
      'A law that requires recording is named only for calls recorded because the law requires it. Calls of this type are not, so remove the law as well.',
    );
  }
  if (c.recordingMode !== 'off' && c.retention.recordingsDays < 1) {
    add(['retention', 'recordingsDays'], 'A call type that records keeps recordings at least 1 day.');
  }
  // G7: staff are recorded on legitimate interest (consent recording) or on the law itself; an interest is stated
  // only where it is the basis.
  if (c.staffRecordingInterest && c.recordingMode === 'off') {
    add(['staffRecordingInterest'], 'Calls of this type are not recorded, so there is no recording of staff to justify: remove the stated interest as well.');
  }
  if (c.staffRecordingInterest && c.recordingMode === 'legal_obligation') {
    add(
      ['staffRecordingInterest'],
      'When the law requires the recording, staff are recorded because of that law, not on an interest: remove the stated interest.',
    );
  }
  // E2EE calls are recorded in the host's browser, encrypted to the organisation's recording key (docs/e2ee.md):
  // without one, such a call type could not record, so it is refused rather than saved with E2EE quietly off.
  if (c.recordingMode !== 'off' && c.e2eeRequired && !org.hasRecordingKey) {
    add(
      ['e2eeRequired'],
      'End-to-end encrypted calls are recorded in the host’s browser, encrypted to your organisation’s recording key, and your organisation has none yet. A data protection officer creates it under Recording key; until then, choose either recording or end-to-end encryption.',
    );
  }

  // G4: training/QA reuse is its own purpose and only exists where there are recordings to reuse.
  const training = indexOf('training_qa');
  if (training >= 0 && c.recordingMode === 'off') {
    add(['purposes', training, 'purpose'], 'Training and quality checks reuse recordings, and calls of this type are not recorded.');
  }

  // Keeping chat is processing for the chat purpose, and vice versa (G1).
  const chat = c.purposes[indexOf('chat')];
  if (c.chatKept && !chat) add(['chatKept'], 'Keeping chat messages needs the purpose of keeping the chat, with its lawful basis.');
  if (!c.chatKept && chat) add(['chatKept'], 'The purpose of keeping the chat is declared, so chat messages are kept: turn on keeping the chat or remove the purpose.');
  if (c.chatKept && c.retention.chatDays < 1) add(['retention', 'chatDays'], 'Kept chat messages are kept at least 1 day.');

  // G6: biometric features only with a DPIA.
  if (new Set(c.biometricFeatures).size !== c.biometricFeatures.length) {
    add(['biometricFeatures'], 'Each face or voice analysis feature is listed once.');
  }
  if (c.biometricFeatures.length > 0 && !c.dpiaReference) {
    add(['dpiaReference'], 'Face and voice analysis needs the reference of a data protection impact assessment (Art. 35 GDPR).');
  }

  // Art. 7(1): consent is provable for as long as what it covers is kept.
  const coveredByConsent = [
    c.recordingMode === 'consent' ? c.retention.recordingsDays : 0,
    c.chatKept && chat?.basis === 'consent' ? c.retention.chatDays : 0,
  ];
  const needed = Math.max(...coveredByConsent);
  if (c.retention.consentDays < needed) {
    add(
      ['retention', 'consentDays'],
      `Consent records must be kept at least as long as the data they cover: at least ${needed} ${needed === 1 ? 'day' : 'days'} (Art. 7(1) GDPR).`,
    );
  }
  return issues;
}

/** A field of the call type as the console's form labels it, for the one-line message people read. */
export function callTypeFieldLabel(path: readonly (string | number)[], purposes: CallTypeConfig['purposes']): string {
  const [first, second, third] = path;
  switch (first) {
    case 'name':
      return 'Name';
    case 'purposes': {
      const p = typeof second === 'number' ? purposes[second]?.purpose : undefined;
      if (!p) return 'Purposes and lawful bases';
      if (third === 'basis') return `Lawful basis for ${purposeWords[p]}`;
      if (third === 'legitimateInterest') return `Legitimate interest for ${purposeWords[p]}`;
      return `Purpose “${purposeWords[p]}”`;
    }
    case 'recordingMode':
      return 'Recording';
    case 'recordingLegalReference':
      return 'The law that requires recording';
    case 'staffRecordingInterest':
      return 'Interest in recording staff';
    case 'chatKept':
      return 'Keep the chat after the call';
    case 'e2eeRequired':
      return 'End-to-end encryption';
    case 'lobbyEnabled':
      return 'Lobby';
    case 'biometricFeatures':
      return 'Face and voice analysis';
    case 'dpiaReference':
      return 'DPIA reference';
    case 'retention':
      return typeof second === 'string' && second in retentionWords ? `Retention of ${retentionWords[second as keyof Retention]}` : 'Retention';
    default:
      return 'The call type';
  }
}

/**
 * Throws 400 VALIDATION_FAILED: the message names the first problem's field in words (as the form labels it) and
 * says how many more there are; `details` lists every issue with its path, for programs and forms.
 */
export function assertCallTypeRules(c: CallTypeConfig, org?: { readonly hasRecordingKey: boolean }): void {
  const issues = checkCallTypeRules(c, org);
  const first = issues[0];
  if (!first) return;
  const more = issues.length - 1;
  const rest = more === 0 ? '' : ` (and ${more} more ${more === 1 ? 'problem' : 'problems'})`;
  throw new AppError('VALIDATION_FAILED', `The call type was not saved. ${callTypeFieldLabel(first.path, c.purposes)}: ${first.message}${rest}`, {
    details: issues.map((i) => ({ in: 'body', path: i.path.map(String), message: i.message })),
  });
}
