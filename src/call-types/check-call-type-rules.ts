import { AppError } from '../shared/app-error.ts';
import {
  LEGAL_OBLIGATION_MAX_RECORDING_DAYS,
  LEGAL_OBLIGATION_MIN_RECORDING_DAYS,
  type CallTypeConfig,
  type CallTypePurpose,
  type LawfulBasis,
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

const basisWhy: Readonly<Partial<Record<CallTypePurpose, string>>> = {
  recording: 'Recording rests on consent (recording mode "consent") or on a legal obligation (mode "legal_obligation") (G3).',
  training_qa: 'Reusing recordings for training or quality checks needs its own consent, never another basis (G4).',
  analytics: 'Analytics needs consent or a stated legitimate interest that customers can object to.',
};

/**
 * The lawful-basis rules of a call type as it would be stored, after defaults and merging. Shape and ranges are
 * the schema's job; these are the rules between fields. Each issue names the field it concerns.
 */
export function checkCallTypeRules(c: CallTypeConfig, org: { readonly hasRecordingKey: boolean } = { hasRecordingKey: false }): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const add = (path: RuleIssue['path'], message: string) => issues.push({ path, message });

  // G1: each purpose once, with exactly one basis; call delivery always.
  const seen = new Set<CallTypePurpose>();
  c.purposes.forEach((p, i) => {
    if (seen.has(p.purpose)) {
      add(['purposes', i, 'purpose'], `The purpose ${p.purpose} is declared twice; each purpose has exactly one lawful basis (G1).`);
    }
    seen.add(p.purpose);
    if (!allowedBases[p.purpose].includes(p.basis)) {
      add(['purposes', i, 'basis'], basisWhy[p.purpose] ?? `The basis ${p.basis} does not fit the purpose ${p.purpose}.`);
    }
    if (p.basis === 'legitimate_interest' && !p.legitimateInterest) {
      add(['purposes', i, 'legitimateInterest'], 'State the legitimate interest relied on; customers are told it (Art. 13(1)(d)).');
    }
    if (p.basis !== 'legitimate_interest' && p.legitimateInterest) {
      add(['purposes', i, 'legitimateInterest'], 'Only a purpose based on legitimate interest states one.');
    }
  });
  if (!seen.has('call_delivery')) {
    add(['purposes'], 'Every call type declares the call_delivery purpose with its lawful basis (G1).');
  }
  const indexOf = (purpose: CallTypePurpose) => c.purposes.findIndex((p) => p.purpose === purpose);
  const recording = c.purposes[indexOf('recording')];

  // G3, G55: the recording mode and the recording purpose say the same thing.
  switch (c.recordingMode) {
    case 'off':
      if (recording) add(['recordingMode'], 'Recording is off, but a recording purpose is declared: remove it or choose a recording mode (G3).');
      break;
    case 'consent':
      if (!recording || recording.basis !== 'consent') {
        add(['recordingMode'], 'Recording with consent needs a recording purpose with the basis consent (G3).');
      }
      break;
    case 'legal_obligation':
      if (!recording || recording.basis !== 'legal_obligation') {
        add(['recordingMode'], 'Recording on a legal obligation needs a recording purpose with the basis legal_obligation (G3, G55).');
      }
      if (!c.recordingLegalReference) {
        add(['recordingLegalReference'], 'Name the law that requires the recording, e.g. "MiFID II Art. 16(7)" (G55).');
      }
      if (c.retention.recordingsDays < LEGAL_OBLIGATION_MIN_RECORDING_DAYS || c.retention.recordingsDays > LEGAL_OBLIGATION_MAX_RECORDING_DAYS) {
        add(
          ['retention', 'recordingsDays'],
          `Recordings required by law are kept at least 5 years and at most 7: between ${LEGAL_OBLIGATION_MIN_RECORDING_DAYS} and ${LEGAL_OBLIGATION_MAX_RECORDING_DAYS} days (G56).`,
        );
      }
      break;
    default: {
      const never: never = c.recordingMode;
      throw new Error(`unknown recording mode ${String(never)}`);
    }
  }
  if (c.recordingMode !== 'legal_obligation' && c.recordingLegalReference) {
    add(['recordingLegalReference'], 'A legal reference belongs to the recording mode legal_obligation only.');
  }
  if (c.recordingMode !== 'off' && c.retention.recordingsDays < 1) {
    add(['retention', 'recordingsDays'], 'A call type that records keeps recordings at least 1 day.');
  }
  if (c.recordingMode !== 'off' && c.e2eeRequired && !org.hasRecordingKey) {
    add(
      ['e2eeRequired'],
      "With end-to-end encryption the server cannot see the media: the agent's browser records it, encrypted to your organisation's recording key, and there is none yet. A data protection officer creates it in Recording key; until then turn recording off or E2EE off.",
    );
  }

  // G4: training/QA reuse is its own purpose and only exists where there are recordings to reuse.
  const training = indexOf('training_qa');
  if (training >= 0 && c.recordingMode === 'off') {
    add(['purposes', training, 'purpose'], 'Training and quality checks reuse recordings; this call type does not record (G4).');
  }

  // Keeping chat is processing for the chat purpose, and vice versa (G1).
  const chat = c.purposes[indexOf('chat')];
  if (c.chatKept && !chat) add(['chatKept'], 'Keeping chat messages needs the chat purpose with its lawful basis (G1).');
  if (!c.chatKept && chat) add(['chatKept'], 'The chat purpose is declared, so chat messages are kept: turn on chatKept or remove the purpose.');
  if (c.chatKept && c.retention.chatDays < 1) add(['retention', 'chatDays'], 'Kept chat messages are kept at least 1 day.');

  // G6: biometric features only with a DPIA.
  if (new Set(c.biometricFeatures).size !== c.biometricFeatures.length) {
    add(['biometricFeatures'], 'Each biometric feature is listed once.');
  }
  if (c.biometricFeatures.length > 0 && !c.dpiaReference) {
    add(['dpiaReference'], 'Biometric features need the reference of a data protection impact assessment (G6, Art. 35).');
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
      `Consent records must be kept at least as long as the data they cover: at least ${needed} days (Art. 7(1)).`,
    );
  }
  return issues;
}

/** Throws 400 VALIDATION_FAILED naming the first field in its message and listing every issue in `details`. */
export function assertCallTypeRules(c: CallTypeConfig, org?: { readonly hasRecordingKey: boolean }): void {
  const issues = checkCallTypeRules(c, org);
  const first = issues[0];
  if (!first) return;
  throw new AppError('VALIDATION_FAILED', `The call type is invalid. ${first.path.join('.')}: ${first.message}`, {
    details: issues.map((i) => ({ in: 'body', path: i.path.map(String), message: i.message })),
  });
}
