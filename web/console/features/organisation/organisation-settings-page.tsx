import { useState } from 'preact/hooks';
import * as z from 'zod/mini';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { SubmitButton } from '../../../shared/ui/button.tsx';
import { CheckboxField, SelectField, TextAreaField, TextField, type Choice } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { can, roleLabels, roles, roleSchema, type Role } from '../../roles.ts';
import { useMe, useSession } from '../../session.tsx';
import {
  getOrganisation,
  getProcessor,
  processorFields,
  updateOrganisation,
  updateProcessor,
  type EditableField,
  type Organisation,
  type OrganisationChanges,
  type Processor,
  type ProcessorChanges,
  type ProcessorField,
  type ResidencyRegion,
} from './organisation.api.ts';
import { RightsPageLink } from './rights-page-link.tsx';

const fieldLabels: Readonly<Record<EditableField, string>> = {
  legalName: 'Legal name',
  address: 'Postal address',
  contactEmail: 'Contact email for privacy questions',
  dpoName: 'Name of the data protection officer',
  dpoEmail: 'Email of the data protection officer',
  dpoPhone: 'Phone of the data protection officer',
  supervisoryAuthority: 'Supervisory authority',
  residencyRegion: 'Where data is stored',
  residencySafeguard: 'Transfer safeguard',
  privacyPolicyUrl: 'Your full privacy policy (web address)',
};

const labelOf = (field: string) => (field in fieldLabels ? fieldLabels[field as EditableField] : field);

const regionChoices: readonly Choice<ResidencyRegion>[] = [
  { value: 'EEA', label: 'European Economic Area (EEA)' },
  { value: 'CH', label: 'Switzerland' },
  { value: 'UK', label: 'United Kingdom' },
  { value: 'US', label: 'United States' },
  { value: 'other', label: 'Elsewhere' },
];
const regionLabel = (region: ResidencyRegion) => regionChoices.find((c) => c.value === region)?.label ?? region;

/** The organisation as the controller of personal data: the details privacy notices are built from. */
export function OrganisationSettingsPage() {
  const api = useApi();
  const me = useMe();
  const organisation = useResource(() => getOrganisation(api), [api]);
  const editable = can(me.user.role, 'organisation.edit');

  return (
    <>
      <PageHeader title="Organisation settings">
        <p>
          Your organisation is the <em>controller</em> of the personal data handled in calls. Privacy notices shown to
          customers, and the records you keep under the GDPR, are filled in from these details.
        </p>
        {!editable && <p>Only administrators and data protection officers can change them.</p>}
      </PageHeader>
      {organisation.state.status === 'loading' && <Loading label="Loading the organisation settings…" />}
      {organisation.state.status === 'error' && <ErrorAlert error={organisation.state.error} title="The settings could not be loaded" />}
      {organisation.state.status === 'ready' && (
        <>
          <MissingFields fields={organisation.state.data.missingFields} />
          {editable ? (
            <OrganisationForm organisation={organisation.state.data} onSaved={organisation.set} />
          ) : (
            <OrganisationSummary organisation={organisation.state.data} />
          )}
          <PlaybackRolesSettings editable={editable} onSaved={() => void organisation.reload()} />
          {editable && <ProcessorSettings onSaved={() => void organisation.reload()} />}
          <RightsPageLink orgId={organisation.state.data.id} />
        </>
      )}
    </>
  );
}

function MissingFields(props: { fields: readonly string[] }) {
  if (props.fields.length === 0) return null;
  return (
    <Alert kind="warning" title="Some details are still missing" testId="missing-fields">
      <p>Privacy notices need these before customers can be shown them:</p>
      <ul>
        {props.fields.map((f) => (
          <li key={f}>{labelOf(f)}</li>
        ))}
      </ul>
    </Alert>
  );
}

type FormValues = Readonly<Record<EditableField, string>> & { readonly residencyRegion: ResidencyRegion };

const toForm = (o: Organisation): FormValues => ({
  legalName: o.legalName,
  address: o.address,
  contactEmail: o.contactEmail,
  dpoName: o.dpoName,
  dpoEmail: o.dpoEmail,
  dpoPhone: o.dpoPhone ?? '',
  supervisoryAuthority: o.supervisoryAuthority,
  residencyRegion: o.residencyRegion,
  residencySafeguard: o.residencySafeguard ?? '',
  privacyPolicyUrl: o.privacyPolicyUrl ?? '',
});

/**
 * Only changed fields are sent, so the audit event names what really changed. Optional fields left empty are
 * sent as null; in the EEA no safeguard applies, so a previous one is cleared rather than left behind.
 */
function changesBetween(o: Organisation, form: FormValues): OrganisationChanges {
  const changes: OrganisationChanges = {};
  for (const field of ['legalName', 'address', 'contactEmail', 'dpoName', 'dpoEmail', 'supervisoryAuthority'] as const) {
    const value = form[field].trim();
    if (value !== o[field]) changes[field] = value;
  }
  const phone = form.dpoPhone.trim() || null;
  if (phone !== o.dpoPhone) changes.dpoPhone = phone;
  if (form.residencyRegion !== o.residencyRegion) changes.residencyRegion = form.residencyRegion;
  const safeguard = form.residencyRegion === 'EEA' ? null : form.residencySafeguard.trim() || null;
  if (safeguard !== o.residencySafeguard) changes.residencySafeguard = safeguard;
  const policy = form.privacyPolicyUrl.trim() || null;
  if (policy !== o.privacyPolicyUrl) changes.privacyPolicyUrl = policy;
  return changes;
}

function OrganisationForm(props: { organisation: Organisation; onSaved: (o: Organisation) => void }) {
  const api = useApi();
  const session = useSession();
  const [form, setForm] = useState<FormValues>(() => toForm(props.organisation));
  const [saved, setSaved] = useState<Organisation | null>(null);
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);
  const changes = changesBetween(props.organisation, form);
  const dirty = Object.keys(changes).length > 0;

  const bind = (field: EditableField) => ({
    value: form[field],
    onValue: (value: string) => {
      setSaved(null);
      setForm((f) => ({ ...f, [field]: value }));
    },
    error: errors[field],
    name: field,
  });

  async function onSubmit(e: Event) {
    e.preventDefault();
    const updated = await submit.run(() => updateOrganisation(api, changes));
    if (!updated) return;
    props.onSaved(updated);
    setForm(toForm(updated));
    setSaved(updated);
    // The header shows the legal name.
    if (changes.legalName !== undefined) await session.refresh();
  }

  return (
    <form class="form form-wide" onSubmit={onSubmit} noValidate>
      <fieldset>
        <legend>Controller</legend>
        <TextField label={fieldLabels.legalName} hint="As registered, e.g. “Musterbank AG”." required autoComplete="organization" {...bind('legalName')} />
        <TextAreaField label={fieldLabels.address} hint="Where customers can write to you." autoComplete="street-address" {...bind('address')} />
        <TextField
          label={fieldLabels.contactEmail}
          hint="Customers write here to exercise their rights (access, erasure…)."
          type="email"
          {...bind('contactEmail')}
        />
      </fieldset>
      <fieldset>
        <legend>Data protection officer</legend>
        <TextField label={fieldLabels.dpoName} {...bind('dpoName')} />
        <TextField label={fieldLabels.dpoEmail} type="email" {...bind('dpoEmail')} />
        <TextField label={fieldLabels.dpoPhone} type="tel" optional {...bind('dpoPhone')} />
      </fieldset>
      <fieldset>
        <legend>Supervision</legend>
        <TextField
          label={fieldLabels.supervisoryAuthority}
          hint="The data protection authority customers may complain to, usually the one where you have your main establishment."
          {...bind('supervisoryAuthority')}
        />
      </fieldset>
      <fieldset>
        <legend>Privacy policy</legend>
        <TextField
          label={fieldLabels.privacyPolicyUrl}
          hint="Optional. Customers find a link to it on every page and in every email Parley shows them. Must start with https://."
          type="url"
          optional
          placeholder="https://www.example.com/privacy"
          {...bind('privacyPolicyUrl')}
        />
      </fieldset>
      <fieldset>
        <legend>Data residency</legend>
        <SelectField
          label={fieldLabels.residencyRegion}
          hint="The region of the servers that store call data, recordings and backups."
          name="residencyRegion"
          choices={regionChoices}
          value={form.residencyRegion}
          error={errors.residencyRegion}
          onValue={(residencyRegion) => {
            setSaved(null);
            setForm((f) => ({ ...f, residencyRegion }));
          }}
        />
        {form.residencyRegion !== 'EEA' && (
          <TextAreaField
            label={fieldLabels.residencySafeguard}
            hint="Outside the EEA a transfer needs a legal basis: an adequacy decision, or standard contractual clauses with a transfer impact assessment."
            required
            {...bind('residencySafeguard')}
          />
        )}
      </fieldset>
      <ErrorAlert error={submit.error} title="The settings were not saved" />
      {saved && (
        <Alert kind="success" testId="organisation-saved">
          Saved. These settings are now version {saved.configVersion} (changed {formatDateTime(saved.updatedAt)}).
        </Alert>
      )}
      <div class="form-actions">
        <SubmitButton busy={submit.busy} busyLabel="Saving…" disabled={!dirty}>
          Save changes
        </SubmitButton>
        {!dirty && !saved && <span class="muted">No unsaved changes.</span>}
        {dirty && (
          <button type="button" class="button button-link" onClick={() => setForm(toForm(props.organisation))}>
            Discard changes
          </button>
        )}
      </div>
      <p class="muted">
        Settings version {props.organisation.configVersion}, last changed {formatDateTime(props.organisation.updatedAt)}. Every
        change is recorded in the audit log.
      </p>
    </form>
  );
}

function OrganisationSummary(props: { organisation: Organisation }) {
  const o = props.organisation;
  const rows: [EditableField, string | null][] = [
    ['legalName', o.legalName],
    ['address', o.address],
    ['contactEmail', o.contactEmail],
    ['dpoName', o.dpoName],
    ['dpoEmail', o.dpoEmail],
    ['dpoPhone', o.dpoPhone],
    ['supervisoryAuthority', o.supervisoryAuthority],
    ['residencyRegion', regionLabel(o.residencyRegion)],
    ...(o.residencyRegion === 'EEA' ? [] : ([['residencySafeguard', o.residencySafeguard]] as [EditableField, string | null][])),
    ['privacyPolicyUrl', o.privacyPolicyUrl],
  ];
  return (
    <dl class="summary">
      {rows.map(([field, value]) => (
        <div key={field} class="summary-row">
          <dt>{fieldLabels[field]}</dt>
          <dd>{value ? value : <span class="muted">Not provided yet</span>}</dd>
        </div>
      ))}
    </dl>
  );
}

const playbackSchema = z.object({ playbackRoles: z.array(roleSchema), configVersion: z.number() });

const playbackHints: Readonly<Record<Role, string>> = {
  dpo: 'The privacy-protective default: the compliance role alone.',
  admin: 'Administrators also manage users and settings.',
  agent: 'Agents would see recordings of their own calls only, and still need a recent GDPR training.',
};

/**
 * Who may play back and download recordings (G22: the DPO alone by default). Whoever is chosen also needs a recent
 * GDPR training, recorded under Users; every play, download and refusal is audited.
 */
function PlaybackRolesSettings(props: { editable: boolean; onSaved: () => void }) {
  const api = useApi();
  const current = useResource(() => api.get('/api/organisation', playbackSchema), [api]);
  const [chosen, setChosen] = useState<readonly Role[] | null>(null);
  const [saved, setSaved] = useState(false);
  const submit = useSubmit();
  if (current.state.status === 'loading') return <Loading label="Loading the playback settings…" />;
  if (current.state.status === 'error') return <ErrorAlert error={current.state.error} title="The playback settings could not be loaded" />;
  const stored = current.state.data.playbackRoles;
  const selection = chosen ?? stored;
  const dirty = [...selection].sort().join() !== [...stored].sort().join();
  const none = selection.length === 0;

  if (!props.editable) {
    return (
      <section class="panel" aria-labelledby="playback-heading">
        <h2 id="playback-heading">Recording playback</h2>
        <p>
          Recordings can be played and downloaded by: {stored.map((r) => roleLabels[r]).join(', ')} (with a recent GDPR training).
        </p>
      </section>
    );
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (none) return;
    const updated = await submit.run(() => api.patch('/api/organisation', playbackSchema, { playbackRoles: [...selection] }));
    if (!updated) return;
    current.set(updated);
    setChosen(null);
    setSaved(true);
    props.onSaved();
  }

  return (
    <form class="form form-wide" onSubmit={onSubmit} noValidate aria-labelledby="playback-heading">
      <fieldset>
        <legend id="playback-heading">Recording playback</legend>
        <p class="field-hint">
          Which roles may play back and download recordings. Each person also needs a GDPR training completed within the
          validity period (recorded under Users). Every play, download and refused attempt is written to the audit log.
        </p>
        {roles.map((role) => (
          <CheckboxField
            key={role}
            name={`playbackRoles.${role}`}
            label={roleLabels[role]}
            hint={playbackHints[role]}
            checked={selection.includes(role)}
            onChecked={(checked) => {
              setSaved(false);
              setChosen(checked ? [...selection, role] : selection.filter((r) => r !== role));
            }}
          />
        ))}
        {none && <p class="field-error">Choose at least one role (the data protection officer alone is the privacy-protective choice).</p>}
      </fieldset>
      <ErrorAlert error={submit.error} title="The playback roles were not saved" />
      {saved && (
        <Alert kind="success" testId="playback-roles-saved">
          Saved: recordings can now be played by {stored.map((r) => roleLabels[r]).join(', ')}.
        </Alert>
      )}
      <div class="form-actions">
        <SubmitButton busy={submit.busy} busyLabel="Saving…" disabled={!dirty || none}>
          Save playback roles
        </SubmitButton>
      </div>
    </form>
  );
}

const processorLabels: Readonly<Record<ProcessorField, string>> = {
  name: 'Legal name of the processor',
  address: 'Postal address of the processor',
  contactEmail: 'Data protection contact of the processor',
};

const processorGapLabels: Readonly<Record<ProcessorField, string>> = {
  name: 'its legal name',
  address: 'its postal address',
  contactEmail: 'its data protection contact',
};

const processorHints: Readonly<Record<ProcessorField, string>> = {
  name: 'The company that runs this Parley installation for you, as in your contract with it, e.g. “Hosting Müller GmbH”; your own organisation if you run it yourselves.',
  address: 'Where the processor can be written to.',
  contactEmail: 'Where you send instructions, audit requests and questions about breaches.',
};

type ProcessorForm = Readonly<Record<ProcessorField, string>>;
const toProcessorForm = (p: Processor): ProcessorForm => ({ name: p.own.name ?? '', address: p.own.address ?? '', contactEmail: p.own.contactEmail ?? '' });
const inWords = (items: readonly string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/**
 * The processor as the DPA and the records of processing name it (issue 12, finding 17). The installation's
 * PARLEY_OPERATOR_* settings are the defaults; what is entered here wins for this organisation's documents. While
 * neither provides a detail, the documents say “not provided yet”, and this section and the Documents page warn.
 */
function ProcessorSettings(props: { onSaved: () => void }) {
  const api = useApi();
  const processor = useResource(() => getProcessor(api), [api]);
  const [form, setForm] = useState<ProcessorForm | null>(null);
  const [saved, setSaved] = useState(false);
  const submit = useSubmit();
  const errors = fieldErrorsOf(submit.error);
  if (processor.state.status === 'loading') return <Loading label="Loading the processor details…" />;
  if (processor.state.status === 'error') return <ErrorAlert error={processor.state.error} title="The processor details could not be loaded" />;
  const current = processor.state.data;
  const values = form ?? toProcessorForm(current);
  const changes: ProcessorChanges = {};
  for (const f of processorFields) {
    const value = values[f].trim() || null;
    if (value !== current.own[f]) changes[f] = value;
  }
  const dirty = Object.keys(changes).length > 0;

  async function onSubmit(e: Event) {
    e.preventDefault();
    const updated = await submit.run(() => updateProcessor(api, changes));
    if (!updated) return;
    processor.set(updated);
    setForm(null);
    setSaved(true);
    props.onSaved();
  }

  const bind = (field: ProcessorField) => {
    const fallback = current.installation[field];
    return {
      label: processorLabels[field],
      hint: `${processorHints[field]} ${fallback ? `Left empty: “${fallback.replace(/\s*\n\s*/g, ', ')}”, as set for this installation.` : 'Not set for this installation either.'}`,
      // Optional only where the installation's setting fills the gap; otherwise the DPA lacks it until entered here.
      optional: fallback !== null,
      name: `processor-${field}`,
      value: values[field],
      error: errors[field],
      onValue: (value: string) => {
        setSaved(false);
        setForm({ ...values, [field]: value });
      },
    };
  };

  return (
    <form class="form form-wide" onSubmit={onSubmit} noValidate aria-labelledby="processor-heading" data-testid="processor-settings">
      <fieldset>
        <legend id="processor-heading">Processor</legend>
        <p class="field-hint">
          Whoever runs this Parley installation for you processes your data on your behalf. The data processing agreement and the
          records of processing name them with these details.
        </p>
        {current.missing.length > 0 && (
          <Alert kind="warning" title="Your documents do not name the processor yet" testId="processor-gaps">
            <p>Still missing: {inWords(current.missing.map((f) => processorGapLabels[f]))}.</p>
          </Alert>
        )}
        <TextField {...bind('name')} />
        <TextAreaField {...bind('address')} />
        <TextField type="email" {...bind('contactEmail')} />
      </fieldset>
      <ErrorAlert error={submit.error} title="The processor details were not saved" />
      {saved && (
        <Alert kind="success" testId="processor-saved">
          Saved. Documents generated from now on name the processor with these details.
        </Alert>
      )}
      <div class="form-actions">
        <SubmitButton busy={submit.busy} busyLabel="Saving…" disabled={!dirty}>
          Save processor details
        </SubmitButton>
      </div>
    </form>
  );
}
