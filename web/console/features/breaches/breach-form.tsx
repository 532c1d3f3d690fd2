import { useRef, useState } from 'preact/hooks';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { SubmitButton } from '../../../shared/ui/button.tsx';
import { CheckboxField, RadioGroupField, SelectField, TextAreaField, TextField } from '../../../shared/ui/field.tsx';
import { localInputToIso } from '../../../shared/format.ts';
import {
  breachTypes,
  NOTIFY_WITHIN_HOURS,
  subjectCommunications,
  type Breach,
  type BreachInput,
  type BreachType,
  type NotifyDecision,
  type SubjectCommunication,
} from './breaches.api.ts';

export const typeLabels: Readonly<Record<BreachType, string>> = {
  confidentiality: 'Confidentiality (disclosed or accessed)',
  integrity: 'Integrity (altered)',
  availability: 'Availability (lost or unavailable)',
};

export const decisionLabels: Readonly<Record<NotifyDecision, string>> = {
  pending: 'Not decided yet',
  notify: 'Notify the supervisory authority',
  not_notify: 'Do not notify (unlikely to result in a risk to people)',
};

export const communicationLabels: Readonly<Record<SubjectCommunication, string>> = {
  pending: 'Not decided yet',
  not_required: 'Not required (no high risk to people)',
  communicated: 'The people concerned were told',
  exempt_encrypted: 'Exempt: the data was encrypted (keys not compromised)',
  exempt_measures: 'Exempt: later measures removed the high risk',
  exempt_public_notice: 'Exempt: disproportionate effort, told by a public notice instead',
};

/** ISO-8601 → a `datetime-local` value in the reader's time zone. */
const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const orNull = (v: string) => (v.trim() === '' ? null : v);
const countOrNull = (v: string) => (v.trim() === '' ? null : Number.parseInt(v, 10));

type Errors = Partial<Record<keyof BreachInput, string>>;

const whole = /^\d+$/;

/**
 * Recording or editing a breach. The late-notification reason appears once the notification time is past the 72 h
 * deadline; the key statement once the "data was encrypted" exemption is chosen. The form checks what it can before
 * sending and says what is missing beside each field (not in the browser's own pop-ups, which vanish and cannot be
 * read again); the server checks the same rules, and its answers about a field are shown beside that field too.
 */
export function BreachForm(props: { initial?: Breach; busy: boolean; submitLabel: string; error?: unknown; onSubmit: (input: BreachInput) => void }) {
  const b = props.initial;
  const form = useRef<HTMLFormElement>(null);
  // Checked once the form was sent, then again as each field changes, so a message goes as soon as it is answered.
  const [tried, setTried] = useState(false);
  const [awareAt, setAwareAt] = useState(toLocalInput(b?.awareAt ?? null));
  const [types, setTypes] = useState<BreachType[]>(b?.types ?? ['confidentiality']);
  const [dataCategories, setDataCategories] = useState(b?.dataCategories ?? '');
  const [subjectCategories, setSubjectCategories] = useState(b?.subjectCategories ?? '');
  const [approxSubjects, setApproxSubjects] = useState(b?.approxSubjects?.toString() ?? '');
  const [approxRecords, setApproxRecords] = useState(b?.approxRecords?.toString() ?? '');
  const [consequences, setConsequences] = useState(b?.consequences ?? '');
  const [measures, setMeasures] = useState(b?.measures ?? '');
  const [contactPoint, setContactPoint] = useState(b?.contactPoint ?? '');
  const [decision, setDecision] = useState<NotifyDecision>(b?.decision ?? 'pending');
  const [decisionReasons, setDecisionReasons] = useState(b?.decisionReasons ?? '');
  const [notifiedAt, setNotifiedAt] = useState(toLocalInput(b?.authorityNotifiedAt ?? null));
  const [lateReason, setLateReason] = useState(b?.lateNotificationReason ?? '');
  const [communication, setCommunication] = useState<SubjectCommunication>(b?.subjectCommunication ?? 'pending');
  const [communicatedAt, setCommunicatedAt] = useState(toLocalInput(b?.subjectsCommunicatedAt ?? null));
  const [communicationDetails, setCommunicationDetails] = useState(b?.communicationDetails ?? '');
  const [keysStatement, setKeysStatement] = useState(b?.keysNotCompromisedStatement ?? '');

  const awareIso = localInputToIso(awareAt);
  const notifiedIso = decision === 'notify' ? localInputToIso(notifiedAt) : undefined;
  const late = awareIso !== undefined && notifiedIso !== undefined && new Date(notifiedIso).getTime() > new Date(awareIso).getTime() + NOTIFY_WITHIN_HOURS * 3_600_000;
  const needsCommunicatedAt = communication === 'communicated' || communication === 'exempt_public_notice';

  /** What is missing or wrong, by field; empty when the form can be sent. */
  function check(): Errors {
    const errors: Errors = {};
    const now = Date.now();
    if (!awareIso) errors.awareAt = 'Enter when your organisation became aware of the breach.';
    else if (new Date(awareIso).getTime() > now + 60_000) errors.awareAt = 'This cannot be in the future.';
    if (types.length === 0) errors.types = 'Choose at least one type.';
    if (!dataCategories.trim()) errors.dataCategories = 'Say which kinds of personal data are concerned.';
    if (!subjectCategories.trim()) errors.subjectCategories = 'Say which groups of people are concerned.';
    if (approxSubjects.trim() && !whole.test(approxSubjects.trim())) errors.approxSubjects = 'Enter a whole number, or leave it empty if not known yet.';
    if (approxRecords.trim() && !whole.test(approxRecords.trim())) errors.approxRecords = 'Enter a whole number, or leave it empty if not known yet.';
    if (!consequences.trim()) errors.consequences = 'Describe the likely consequences for the people concerned.';
    if (!measures.trim()) errors.measures = 'Describe the measures taken or proposed.';
    if (!contactPoint.trim()) errors.contactPoint = 'Say where the authority and the people concerned can learn more.';
    if (decision !== 'pending' && !decisionReasons.trim()) {
      errors.decisionReasons = decision === 'notify' ? 'Give the reasons for notifying the authority.' : 'Give the reasons for not notifying the authority.';
    }
    if (decision === 'notify' && notifiedAt && notifiedIso && awareIso && new Date(notifiedIso) < new Date(awareIso)) {
      errors.authorityNotifiedAt = 'The authority cannot have been notified before you became aware of the breach.';
    } else if (decision === 'notify' && notifiedIso && new Date(notifiedIso).getTime() > now + 60_000) {
      errors.authorityNotifiedAt = 'This cannot be in the future.';
    }
    if (late && !lateReason.trim()) errors.lateNotificationReason = `Give the reasons for notifying later than ${NOTIFY_WITHIN_HOURS} h.`;
    if (needsCommunicatedAt && !localInputToIso(communicatedAt)) errors.subjectsCommunicatedAt = 'Enter when they were told.';
    if (communication === 'exempt_encrypted' && !keysStatement.trim()) errors.keysNotCompromisedStatement = 'Say where the keys were and why they were safe.';
    return errors;
  }

  function submit(e: Event) {
    e.preventDefault();
    const errors = check();
    setTried(true);
    if (Object.keys(errors).length > 0) {
      // Take the reader to the first field to correct (its message is read out with it).
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    props.onSubmit({
      awareAt: awareIso ?? awareAt,
      types,
      approxSubjects: countOrNull(approxSubjects),
      approxRecords: countOrNull(approxRecords),
      dataCategories,
      subjectCategories,
      consequences,
      measures,
      contactPoint,
      decision,
      decisionReasons: decision === 'pending' ? orNull(decisionReasons) : decisionReasons,
      authorityNotifiedAt: notifiedIso ?? null,
      lateNotificationReason: late ? lateReason : orNull(lateReason),
      subjectCommunication: communication,
      subjectsCommunicatedAt: needsCommunicatedAt ? (localInputToIso(communicatedAt) ?? null) : null,
      communicationDetails: orNull(communicationDetails),
      keysNotCompromisedStatement: communication === 'exempt_encrypted' ? keysStatement : null,
    });
  }

  // The form's own findings first; then what the server said about a field.
  const server = fieldErrorsOf(props.error) as Errors;
  const errors: Errors = { ...server, ...(tried ? check() : {}) };

  const toggle = (t: BreachType, on: boolean) => setTypes((ts) => (on ? [...ts.filter((x) => x !== t), t] : ts.filter((x) => x !== t)));

  return (
    <form class="form" aria-label={props.submitLabel} onSubmit={submit} noValidate ref={form}>
      <TextField
        label="Became aware at"
        name="awareAt"
        type="datetime-local"
        hint={`When your organisation became reasonably certain a breach happened: the ${NOTIFY_WITHIN_HOURS} h to notify the authority start here.`}
        value={awareAt}
        onValue={setAwareAt}
        error={errors.awareAt}
        required
      />
      <fieldset class={`radio-group${errors.types ? ' field-invalid' : ''}`} aria-describedby={errors.types ? 'breach-types-error' : undefined}>
        <legend>Type of breach</legend>
        {breachTypes.map((t) => (
          <CheckboxField key={t} name={`type-${t}`} label={typeLabels[t]} checked={types.includes(t)} onChecked={(on) => toggle(t, on)} />
        ))}
        {errors.types && (
          <p class="field-error" id="breach-types-error">
            {errors.types}
          </p>
        )}
      </fieldset>
      <TextAreaField label="Categories of personal data" name="dataCategories" hint="E.g. names, email addresses, call recordings." value={dataCategories} onValue={setDataCategories} error={errors.dataCategories} required />
      <TextAreaField label="Categories of people" name="subjectCategories" hint="E.g. customers of one desk, staff." value={subjectCategories} onValue={setSubjectCategories} error={errors.subjectCategories} required />
      <TextField label="Approximate number of people" name="approxSubjects" inputMode="numeric" value={approxSubjects} onValue={setApproxSubjects} error={errors.approxSubjects} optional />
      <TextField label="Approximate number of records" name="approxRecords" inputMode="numeric" value={approxRecords} onValue={setApproxRecords} error={errors.approxRecords} optional />
      <TextAreaField label="Likely consequences" name="consequences" value={consequences} onValue={setConsequences} error={errors.consequences} required />
      <TextAreaField label="Measures taken or proposed" name="measures" value={measures} onValue={setMeasures} error={errors.measures} required />
      <TextField label="Contact point" name="contactPoint" hint="Where the authority and the people concerned can learn more (usually the DPO)." value={contactPoint} onValue={setContactPoint} error={errors.contactPoint} required />

      <RadioGroupField
        label="Notify the supervisory authority?"
        name="decision"
        value={decision}
        onValue={setDecision}
        choices={(['pending', 'notify', 'not_notify'] as const).map((d) => ({ value: d, label: decisionLabels[d] }))}
        error={errors.decision}
      />
      {decision !== 'pending' && (
        <TextAreaField label="Reasons for the decision" name="decisionReasons" value={decisionReasons} onValue={setDecisionReasons} error={errors.decisionReasons} required />
      )}
      {decision === 'notify' && (
        <TextField
          label="Authority notified at"
          name="authorityNotifiedAt"
          type="datetime-local"
          hint="Leave empty until you have notified it."
          value={notifiedAt}
          onValue={setNotifiedAt}
          error={errors.authorityNotifiedAt}
          optional
        />
      )}
      {late && (
        <TextAreaField
          label="Reasons for the late notification"
          name="lateNotificationReason"
          hint={`The notification came more than ${NOTIFY_WITHIN_HOURS} h after you became aware: the authority must be told why (Art. 33(1)).`}
          value={lateReason}
          onValue={setLateReason}
          error={errors.lateNotificationReason}
          required
        />
      )}

      <SelectField
        label="Telling the people concerned"
        name="subjectCommunication"
        hint="Required without undue delay when the breach is likely to result in a high risk to them (Art. 34)."
        value={communication}
        onValue={setCommunication}
        choices={subjectCommunications.map((c) => ({ value: c, label: communicationLabels[c] }))}
        error={errors.subjectCommunication}
      />
      {needsCommunicatedAt && (
        <TextField label="Told at" name="subjectsCommunicatedAt" type="datetime-local" value={communicatedAt} onValue={setCommunicatedAt} error={errors.subjectsCommunicatedAt} required />
      )}
      {communication === 'exempt_encrypted' && (
        <TextAreaField
          label="Why the keys were not compromised"
          name="keysNotCompromisedStatement"
          hint="The exemption holds only if whoever got the data cannot read it: say where the keys were and why they were safe."
          value={keysStatement}
          onValue={setKeysStatement}
          error={errors.keysNotCompromisedStatement}
          required
        />
      )}
      <TextAreaField
        label="How they were told, or why exempt"
        name="communicationDetails"
        value={communicationDetails}
        onValue={setCommunicationDetails}
        error={errors.communicationDetails}
        optional
      />
      {Object.keys(errors).length > 0 && (
        <p class="field-error" role="alert" data-testid="breach-form-problems">
          {Object.keys(errors).length === 1 ? 'One field needs your attention: see the message beside it.' : `${Object.keys(errors).length} fields need your attention: see the messages beside them.`}
        </p>
      )}

      <SubmitButton busy={props.busy} busyLabel="Saving…">
        {props.submitLabel}
      </SubmitButton>
    </form>
  );
}
