import type { BiometricFeature, CallTypePurpose, LawfulBasis, RecordingMode, RetentionCategory, StaffRecordingBasis } from './call-types.api.ts';

export const purposeLabels: Readonly<Record<CallTypePurpose, string>> = {
  call_delivery: 'Holding the call',
  recording: 'Recording',
  chat: 'Keeping the chat',
  training_qa: 'Training and quality checks',
  analytics: 'Statistics',
};

export const purposeHints: Readonly<Record<CallTypePurpose, string>> = {
  call_delivery: 'Connecting participants and passing audio, video, screen sharing and chat; noting who took part and when. Always declared.',
  recording: 'Storing the audio and video of the call. Set by the recording mode below.',
  chat: 'Keeping chat messages after the call. Set by “Keep the chat” below.',
  training_qa: 'Reusing recordings to train staff and check quality. A purpose of its own, always on consent, asked separately.',
  analytics: 'Figures about calls (length, connection quality). Off unless you add it.',
};

export const basisLabels: Readonly<Record<LawfulBasis, string>> = {
  consent: 'Consent — Art. 6(1)(a)',
  contract: 'Contract — Art. 6(1)(b)',
  legal_obligation: 'Legal obligation — Art. 6(1)(c)',
  legitimate_interest: 'Legitimate interest — Art. 6(1)(f)',
};

/** What each lawful basis means in practice, shown under the basis chosen. */
export const basisExplanations: Readonly<Record<LawfulBasis, string>> = {
  consent:
    'The customer agrees, freely and actively, with an unticked box they can leave unticked and still join. They can withdraw at any time, as easily as they agreed; what was done before stays lawful.',
  contract:
    'Needed to perform a contract with the customer, or to take steps they asked for before one (for example advice they booked). Not for anything merely useful to you.',
  legal_obligation:
    'A law requires it (name the law). Customers cannot refuse; they are told before the call what refusing means.',
  legitimate_interest:
    'Your interest outweighs the customer’s after a balancing test. State the interest: customers are shown it and may object, after which you must stop unless you have compelling grounds.',
};

/** Which bases fit which purpose; the server enforces the same table. */
export const allowedBases: Readonly<Record<CallTypePurpose, readonly LawfulBasis[]>> = {
  call_delivery: ['contract', 'legitimate_interest', 'legal_obligation', 'consent'],
  recording: ['consent', 'legal_obligation'],
  chat: ['contract', 'consent', 'legitimate_interest', 'legal_obligation'],
  training_qa: ['consent'],
  analytics: ['consent', 'legitimate_interest'],
};

export const recordingModeLabels: Readonly<Record<RecordingMode, string>> = {
  off: 'Not recorded',
  consent: 'Recorded with each participant’s consent',
  legal_obligation: 'Recorded because the law requires it',
};

export const recordingModeExplanations: Readonly<Record<RecordingMode, string>> = {
  off: 'Nothing is recorded. The privacy-friendly default.',
  consent:
    'Everyone is asked before recording starts; whoever declines still takes part and is simply not recorded. Anyone can withdraw during the call and their recording stops within two seconds.',
  legal_obligation:
    'For regulated conversations such as investment advice under MiFID II. Agents cannot switch it off; customers are told before the call. Recordings are kept 5 to 7 years (1826–2557 days).',
};

export const biometricLabels: Readonly<Record<BiometricFeature, string>> = {
  face_recognition: 'Face recognition',
  voice_recognition: 'Voice recognition',
  emotion_inference: 'Emotion recognition',
};

export const retentionLabels: Readonly<Record<RetentionCategory, string>> = {
  callMetadataDays: 'Call details',
  chatDays: 'Chat messages',
  recordingsDays: 'Recordings',
  consentDays: 'Consent records',
};

export const retentionHints: Readonly<Record<RetentionCategory, string>> = {
  callMetadataDays: 'Who took part, when, for how long.',
  chatDays: 'Only used when the chat is kept.',
  recordingsDays: 'Only used when calls are recorded.',
  consentDays: 'Proof of consent and withdrawal; at least as long as what it covers.',
};

/** “30 days”, “0 days (deleted when the call ends)”. */
export function formatDays(days: number): string {
  if (days === 0) return 'deleted at the end of the call';
  return days === 1 ? '1 day' : `${days} days`;
}

/** The basis staff are recorded on, as the form and the list say it (G7: never consent). */
export const staffRecordingBasisLabels: Readonly<Record<StaffRecordingBasis, string>> = {
  legitimate_interest: 'Legitimate interest — Art. 6(1)(f)',
  legal_obligation: 'Legal obligation — Art. 6(1)(c), the same law as for the customers',
};

/**
 * What applies when no interest is stated: mirrors `standardStaffRecordingInterest.en` in
 * src/call-types/staff-recording.ts (the documents state that wording).
 */
export const standardStaffRecordingInterest =
  'keeping evidence of the advice given and of what was agreed in the call, for the customer and for us';

/** Each field the server can name in a refusal, as the form labels it: messages say “Consent records”, never a key. */
export function fieldLabelOf(path: string, declared: readonly CallTypePurpose[]): string {
  const [first, second, third] = path.split('.');
  const purpose = second !== undefined && /^\d+$/.test(second) ? declared[Number(second)] : undefined;
  switch (first) {
    case 'name':
      return 'Name';
    case 'purposes':
      if (!purpose) return 'Purposes and lawful bases';
      if (third === 'basis') return `Lawful basis for ${purposeLabels[purpose].toLowerCase()}`;
      if (third === 'legitimateInterest') return `Legitimate interest for ${purposeLabels[purpose].toLowerCase()}`;
      return purposeLabels[purpose];
    case 'recordingMode':
      return 'Is the call recorded?';
    case 'recordingLegalReference':
      return 'The law that requires recording';
    case 'staffRecordingInterest':
      return 'Our interest in recording staff';
    case 'chatKept':
      return 'Keep the chat after the call';
    case 'e2eeRequired':
      return 'Require end-to-end encryption';
    case 'lobbyEnabled':
      return 'Lobby';
    case 'biometricFeatures':
      return 'Face and voice analysis';
    case 'dpiaReference':
      return 'DPIA reference';
    case 'retention':
      return second && second in retentionLabels ? `${retentionLabels[second as RetentionCategory]} (retention in days)` : 'Retention in days';
    default:
      return 'The call type';
  }
}
