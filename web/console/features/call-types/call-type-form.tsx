import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ApiError, fieldErrorsByPathOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { CheckboxField, RadioGroupField, SelectField, TextAreaField, TextField } from '../../../shared/ui/field.tsx';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { listRecordingKeys } from '../recording-keys/recording-keys.api.ts';
import {
  biometricFeatures,
  callTypePurposes,
  createCallType,
  LEGAL_OBLIGATION_MAX_RECORDING_DAYS,
  LEGAL_OBLIGATION_MIN_RECORDING_DAYS,
  recordingModes,
  retentionCategories,
  updateCallType,
  type BiometricFeature,
  type CallType,
  type CallTypeInput,
  type CallTypePurpose,
  type LawfulBasis,
  type RecordingMode,
  type Retention,
  type RetentionCategory,
  type RetentionPreset,
} from './call-types.api.ts';
import {
  allowedBases,
  basisExplanations,
  basisLabels,
  biometricLabels,
  fieldLabelOf,
  purposeHints,
  purposeLabels,
  recordingModeExplanations,
  recordingModeLabels,
  retentionHints,
  retentionLabels,
  staffRecordingBasisLabels,
  standardStaffRecordingInterest,
} from './explanations.ts';

interface FormState {
  readonly name: string;
  /** Whether each purpose is declared; recording, chat and call delivery follow other fields. */
  readonly declared: Readonly<Record<CallTypePurpose, boolean>>;
  readonly bases: Readonly<Record<CallTypePurpose, LawfulBasis>>;
  readonly interests: Readonly<Record<CallTypePurpose, string>>;
  readonly recordingMode: RecordingMode;
  readonly recordingLegalReference: string;
  readonly chatKept: boolean;
  readonly e2eeRequired: boolean;
  readonly lobbyEnabled: boolean;
  readonly biometricFeatures: readonly BiometricFeature[];
  readonly dpiaReference: string;
  /** The interest in recording staff, in the organisation's words (consent recording only); empty: the standard wording. */
  readonly staffRecordingInterest: string;
  /** As typed: checked for whole numbers before sending. */
  readonly retention: Readonly<Record<RetentionCategory, string>>;
}

const byPurpose = <T,>(value: (p: CallTypePurpose) => T) =>
  Object.fromEntries(callTypePurposes.map((p) => [p, value(p)])) as Record<CallTypePurpose, T>;

function toForm(ct: CallType | null, defaultRetention: Retention): FormState {
  const declared = (p: CallTypePurpose) => ct?.purposes.find((x) => x.purpose === p);
  const retention = ct?.retention ?? defaultRetention;
  return {
    name: ct?.name ?? '',
    declared: byPurpose((p) => p === 'call_delivery' || declared(p) !== undefined),
    bases: byPurpose((p) => declared(p)?.basis ?? allowedBases[p][0]!),
    interests: byPurpose((p) => declared(p)?.legitimateInterest ?? ''),
    recordingMode: ct?.recordingMode ?? 'off',
    recordingLegalReference: ct?.recordingLegalReference ?? '',
    chatKept: ct?.chatKept ?? false,
    e2eeRequired: ct?.e2eeRequired ?? false,
    lobbyEnabled: ct?.lobbyEnabled ?? true,
    biometricFeatures: ct?.biometricFeatures ?? [],
    dpiaReference: ct?.dpiaReference ?? '',
    staffRecordingInterest: ct?.staffRecordingInterest ?? '',
    retention: Object.fromEntries(retentionCategories.map((c) => [c, String(retention[c])])) as Record<RetentionCategory, string>,
  };
}

/** The purposes sent, in a fixed order: their index is how the server's messages point at them. */
const declaredPurposes = (f: FormState) => callTypePurposes.filter((p) => f.declared[p]);

function toInput(f: FormState): CallTypeInput {
  return {
    name: f.name.trim(),
    purposes: declaredPurposes(f).map((p) => ({
      purpose: p,
      basis: f.bases[p],
      legitimateInterest: f.bases[p] === 'legitimate_interest' ? f.interests[p].trim() || null : null,
    })),
    recordingMode: f.recordingMode,
    recordingLegalReference: f.recordingMode === 'legal_obligation' ? f.recordingLegalReference.trim() || null : null,
    chatKept: f.chatKept,
    e2eeRequired: f.e2eeRequired,
    lobbyEnabled: f.lobbyEnabled,
    biometricFeatures: [...f.biometricFeatures],
    dpiaReference: f.dpiaReference.trim() || null,
    staffRecordingInterest: f.recordingMode === 'consent' ? f.staffRecordingInterest.trim() || null : null,
    retention: Object.fromEntries(retentionCategories.map((c) => [c, Number(f.retention[c].trim())])) as Retention,
  };
}

const retentionProblems = (f: FormState): Record<string, string> =>
  Object.fromEntries(
    retentionCategories
      .filter((c) => !/^\d{1,4}$/.test(f.retention[c].trim()))
      .map((c) => [`retention.${c}`, 'Enter a whole number of days (0 or more).']),
  );

/**
 * Create or edit a call type. The recording mode and "keep the chat" drive their purposes, so the form cannot
 * disagree with itself; the server checks every rule again and its messages appear beside the field concerned.
 */
export function CallTypeForm(props: {
  callType: CallType | null;
  presets: readonly RetentionPreset[];
  onSaved: (callType: CallType) => void;
  onCancel: () => void;
}) {
  const api = useApi();
  const defaultPreset = props.presets.find((p) => p.isDefault) ?? props.presets[0];
  const fallback: Retention = { callMetadataDays: 30, chatDays: 7, recordingsDays: 30, consentDays: 365 };
  const [form, setForm] = useState<FormState>(() => toForm(props.callType, defaultPreset?.retention ?? fallback));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const submit = useSubmit();
  // E2EE calls are recorded through the organisation's recording key, so the form says whether there is one.
  const keys = useResource(() => listRecordingKeys(api), [api]);
  const activeKey = keys.state.status === 'ready' ? (keys.state.data.find((k) => k.active) ?? null) : undefined;
  const serverErrors = fieldErrorsByPathOf(submit.error);
  const errors = { ...serverErrors, ...localErrors };
  const order = declaredPurposes(form);
  /** A server message about `purposes.<index>.<field>`, found by the purpose it concerns. */
  const purposeError = (p: CallTypePurpose, field: 'purpose' | 'basis' | 'legitimateInterest') => {
    const i = order.indexOf(p);
    return i >= 0 ? errors[`purposes.${i}.${field}`] ?? (field === 'purpose' ? errors[`purposes.${i}`] : undefined) : undefined;
  };

  const update = (change: Partial<FormState>) => setForm((f) => ({ ...f, ...change }));
  const setDeclared = (p: CallTypePurpose, on: boolean) => setForm((f) => ({ ...f, declared: { ...f.declared, [p]: on } }));

  function setRecordingMode(mode: RecordingMode) {
    setForm((f) => {
      const recordingsDays = Number(f.retention.recordingsDays);
      const retention =
        mode === 'legal_obligation' && !(recordingsDays >= LEGAL_OBLIGATION_MIN_RECORDING_DAYS)
          ? { ...f.retention, recordingsDays: String(LEGAL_OBLIGATION_MIN_RECORDING_DAYS) }
          : f.retention;
      return {
        ...f,
        recordingMode: mode,
        retention,
        declared: { ...f.declared, recording: mode !== 'off', training_qa: mode === 'off' ? false : f.declared.training_qa },
        bases: { ...f.bases, recording: mode === 'legal_obligation' ? 'legal_obligation' : 'consent' },
        // End-to-end encryption stays as chosen: such calls are recorded in the host's browser, to the recording key.
      };
    });
  }

  function applyPreset(preset: RetentionPreset) {
    setForm((f) => {
      const r = preset.retention;
      const recordings = f.recordingMode === 'legal_obligation' ? Math.max(r.recordingsDays, LEGAL_OBLIGATION_MIN_RECORDING_DAYS) : r.recordingsDays;
      return {
        ...f,
        retention: {
          callMetadataDays: String(r.callMetadataDays),
          chatDays: String(r.chatDays),
          recordingsDays: String(recordings),
          consentDays: String(r.consentDays),
        },
      };
    });
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    const problems = retentionProblems(form);
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const input = toInput(form);
    const saved = await submit.run(() => (props.callType ? updateCallType(api, props.callType.id, input) : createCallType(api, input)));
    if (saved) props.onSaved(saved);
  }

  const basisChoices = (p: CallTypePurpose) => allowedBases[p].map((b) => ({ value: b, label: basisLabels[b] }));

  /** The basis (and stated interest) of one declared purpose. */
  const basisFields = (p: CallTypePurpose) => (
    <>
      <SelectField
        label={`Lawful basis for ${purposeLabels[p].toLowerCase()}`}
        hint={basisExplanations[form.bases[p]]}
        name={`basis-${p}`}
        choices={basisChoices(p)}
        value={form.bases[p]}
        disabled={allowedBases[p].length === 1 || p === 'recording'}
        error={purposeError(p, 'basis')}
        onValue={(basis) => setForm((f) => ({ ...f, bases: { ...f.bases, [p]: basis } }))}
      />
      {form.bases[p] === 'legitimate_interest' && (
        <TextAreaField
          label="The legitimate interest relied on"
          hint="In plain words; customers read it in the privacy notice and may object to it."
          name={`interest-${p}`}
          rows={2}
          value={form.interests[p]}
          error={purposeError(p, 'legitimateInterest')}
          onValue={(v) => setForm((f) => ({ ...f, interests: { ...f.interests, [p]: v } }))}
        />
      )}
    </>
  );

  return (
    <section class="panel" aria-labelledby="call-type-form-heading">
      <h2 id="call-type-form-heading">{props.callType ? `Edit “${props.callType.name}”` : 'New call type'}</h2>
      <p class="muted">
        A call type says what a call is for and on which legal basis, what is kept and for how long. Agents pick one for
        every call; customers are told all of it before they join.
      </p>
      <form class="form form-wide" onSubmit={onSubmit} noValidate>
        <TextField label="Name" hint="As agents and customers will see it, e.g. “Mortgage advice”." required name="name" value={form.name} error={errors.name} onValue={(name) => update({ name })} />

        <fieldset>
          <legend>Purposes and lawful bases</legend>
          <p class="field-hint">Each purpose has exactly one lawful basis (Art. 6 GDPR). Add only what you really need.</p>
          {errors.purposes && <p class="field-error">{errors.purposes}</p>}
          <div class="purpose-block">
            <p class="purpose-title">{purposeLabels.call_delivery}</p>
            <p class="field-hint">{purposeHints.call_delivery}</p>
            {basisFields('call_delivery')}
          </div>
          <div class="purpose-block">
            <CheckboxField
              label={`${purposeLabels.analytics} (optional)`}
              hint={purposeHints.analytics}
              name="purpose-analytics"
              checked={form.declared.analytics}
              error={purposeError('analytics', 'purpose')}
              onChecked={(on) => setDeclared('analytics', on)}
            />
            {form.declared.analytics && basisFields('analytics')}
          </div>
        </fieldset>

        <fieldset>
          <legend>Recording</legend>
          <RadioGroupField
            label="Is the call recorded?"
            name="recordingMode"
            value={form.recordingMode}
            error={errors.recordingMode}
            choices={recordingModes.map((m) => ({ value: m, label: recordingModeLabels[m], description: recordingModeExplanations[m] }))}
            onValue={setRecordingMode}
          />
          {form.recordingMode === 'legal_obligation' && (
            <TextField
              label="The law that requires recording"
              hint="Customers are told this, e.g. “MiFID II Art. 16(7)” or “§ 83 WpHG”."
              required
              name="recordingLegalReference"
              value={form.recordingLegalReference}
              error={errors.recordingLegalReference}
              onValue={(recordingLegalReference) => update({ recordingLegalReference })}
            />
          )}
          {form.recordingMode !== 'off' && (
            <div class="purpose-block" data-testid="staff-recording">
              <p class="purpose-title">Recording staff</p>
              <p class="field-hint">
                Whoever hosts the call is recorded too while a recording runs. Staff are never recorded on their consent, which an
                employee cannot give freely to the employer. They are told all of this in the information for staff, under Documents.
              </p>
              <p>
                Lawful basis for recording staff:{' '}
                <strong>{staffRecordingBasisLabels[form.recordingMode === 'consent' ? 'legitimate_interest' : 'legal_obligation']}</strong>
              </p>
              {form.recordingMode === 'consent' && (
                <TextAreaField
                  label="Our interest in recording staff"
                  optional
                  hint={`In plain words; staff read it in their information, and the documents state it. Left empty: “${standardStaffRecordingInterest}”.`}
                  name="staffRecordingInterest"
                  rows={2}
                  value={form.staffRecordingInterest}
                  error={errors.staffRecordingInterest}
                  onValue={(staffRecordingInterest) => update({ staffRecordingInterest })}
                />
              )}
            </div>
          )}
          {form.recordingMode !== 'off' && (
            <div class="purpose-block">
              <CheckboxField
                label={`${purposeLabels.training_qa} (optional)`}
                hint={purposeHints.training_qa}
                name="purpose-training_qa"
                checked={form.declared.training_qa}
                error={purposeError('training_qa', 'purpose') ?? purposeError('training_qa', 'basis')}
                onChecked={(on) => setDeclared('training_qa', on)}
              />
            </div>
          )}
        </fieldset>

        <fieldset>
          <legend>Chat</legend>
          <CheckboxField
            label="Keep the chat after the call"
            hint="Off: chat messages exist only during the call. On: they are kept for the chat retention period below."
            name="chatKept"
            checked={form.chatKept}
            error={errors.chatKept ?? purposeError('chat', 'purpose')}
            onChecked={(on) => setForm((f) => ({ ...f, chatKept: on, declared: { ...f.declared, chat: on } }))}
          />
          {form.chatKept && basisFields('chat')}
        </fieldset>

        <fieldset>
          <legend>Security</legend>
          <CheckboxField
            label="Lobby: an agent admits each participant"
            hint="Recommended. Nobody reaches the call with a forwarded link unless an agent lets them in."
            name="lobbyEnabled"
            checked={form.lobbyEnabled}
            onChecked={(lobbyEnabled) => update({ lobbyEnabled })}
          />
          <CheckboxField
            label="Require end-to-end encryption"
            hint="Media is always encrypted in transit. End-to-end encryption also hides it from the Parley server; every participant needs a browser that supports it. Such calls can still be recorded: the host’s browser records them, encrypted to your organisation’s recording key."
            name="e2eeRequired"
            checked={form.e2eeRequired}
            error={errors.e2eeRequired}
            onChecked={(e2eeRequired) => update({ e2eeRequired })}
          />
          {form.e2eeRequired && form.recordingMode !== 'off' && <E2eeRecordingNote activeKey={activeKey} />}
        </fieldset>

        <fieldset>
          <legend>Face and voice analysis</legend>
          <p class="field-hint">
            Biometric features process special categories of data (Art. 9 GDPR). They stay off unless a data protection impact
            assessment (Art. 35) supports them.
          </p>
          {biometricFeatures.map((feature) => (
            <CheckboxField
              key={feature}
              label={biometricLabels[feature]}
              name={`biometric-${feature}`}
              checked={form.biometricFeatures.includes(feature)}
              onChecked={(on) =>
                setForm((f) => ({
                  ...f,
                  biometricFeatures: on ? [...f.biometricFeatures, feature] : f.biometricFeatures.filter((x) => x !== feature),
                }))
              }
            />
          ))}
          {errors.biometricFeatures && <p class="field-error">{errors.biometricFeatures}</p>}
          {(form.biometricFeatures.length > 0 || form.dpiaReference !== '') && (
            <TextField
              label="DPIA reference"
              hint="Where the impact assessment is filed, e.g. “DPIA-2026-04”."
              required={form.biometricFeatures.length > 0}
              name="dpiaReference"
              value={form.dpiaReference}
              error={errors.dpiaReference}
              onValue={(dpiaReference) => update({ dpiaReference })}
            />
          )}
        </fieldset>

        <fieldset>
          <legend>Retention in days</legend>
          <p class="field-hint">
            Customers are shown these numbers as they are. Counted from the end of the call; 0 means deleted when the call ends.
            {form.recordingMode === 'legal_obligation' &&
              ` Recordings required by law are kept between ${LEGAL_OBLIGATION_MIN_RECORDING_DAYS} and ${LEGAL_OBLIGATION_MAX_RECORDING_DAYS} days (5 to 7 years).`}
          </p>
          <div class="preset-row" role="group" aria-label="Retention presets">
            <span class="muted">Fill in a preset:</span>
            {props.presets.map((p) => (
              <Button key={p.name} variant="secondary" title={p.description} onClick={() => applyPreset(p)}>
                {p.name[0]!.toUpperCase() + p.name.slice(1)}
                {p.isDefault ? ' (default)' : ''}
              </Button>
            ))}
          </div>
          {errors.retention && <p class="field-error">{errors.retention}</p>}
          <div class="field-grid">
            {retentionCategories.map((c) => (
              <TextField
                key={c}
                label={retentionLabels[c]}
                hint={retentionHints[c]}
                inputMode="numeric"
                name={`retention-${c}`}
                value={form.retention[c]}
                error={errors[`retention.${c}`]}
                onValue={(v) => setForm((f) => ({ ...f, retention: { ...f.retention, [c]: v } }))}
              />
            ))}
          </div>
        </fieldset>

        <SaveError error={submit.error} declared={order} />
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel="Saving…">
            {props.callType ? 'Save changes' : 'Create call type'}
          </SubmitButton>
          <Button variant="link" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </section>
  );
}

/**
 * E2EE with recording: said plainly rather than switched off (issue 12, finding 3). With a recording key the host's
 * browser records to it; without one the call type cannot be saved yet, and the note says who makes the key.
 */
function E2eeRecordingNote(props: { activeKey: { fingerprint: string } | null | undefined }) {
  if (props.activeKey === undefined) return null;
  if (props.activeKey === null) {
    return (
      <Alert kind="warning" title="Your organisation has no recording key yet" testId="e2ee-recording-key-missing">
        <p>
          End-to-end encrypted calls are recorded in the host’s browser, encrypted to your organisation’s recording key, so this
          call type can be saved with both only once there is one. A data protection officer creates it under{' '}
          <a href="/recording-key">Recording key</a>. Until then, choose either recording or end-to-end encryption.
        </p>
      </Alert>
    );
  }
  return (
    <Alert kind="info" testId="e2ee-recording-key">
      <p>
        Recorded through your organisation’s recording key: the host’s browser records these calls and encrypts them to the key
        with fingerprint <code>{props.activeKey.fingerprint}</code>. Only someone with its passphrase can play them back.
      </p>
    </Alert>
  );
}

/**
 * A refused save: each problem named by the field's label, as the form shows it (never a key such as
 * `retention.consentDays`), with the server's message; other failures as the API says them.
 */
function SaveError(props: { error: unknown; declared: readonly CallTypePurpose[] }) {
  const e = props.error;
  const details = e instanceof ApiError && e.code === 'VALIDATION_FAILED' && Array.isArray(e.details) ? (e.details as unknown[]) : [];
  const problems = [
    ...new Set(
      details.flatMap((d) => {
        const { path, message } = (typeof d === 'object' && d !== null ? d : {}) as { path?: unknown; message?: unknown };
        return Array.isArray(path) && typeof message === 'string' ? [`${fieldLabelOf(path.map(String).join('.'), props.declared)}: ${message}`] : [];
      }),
    ),
  ];
  if (problems.length === 0) return <ErrorAlert error={e} title="The call type was not saved" />;
  return (
    <Alert kind="error" title="The call type was not saved" testId="call-type-problems">
      <p>{problems.length === 1 ? 'One thing to change:' : `${problems.length} things to change:`}</p>
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </Alert>
  );
}
