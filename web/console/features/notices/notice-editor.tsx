import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsByPathOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { SubmitButton } from '../../../shared/ui/button.tsx';
import { ConfirmButton } from '../../../shared/ui/confirm-button.tsx';
import { TextAreaField } from '../../../shared/ui/field.tsx';
import { Tabs } from '../../../shared/ui/tabs.tsx';
import { useSubmit } from '../../../shared/use-submit.ts';
import {
  localeLabels,
  locales,
  noticeTextFields,
  publishNotice,
  requiredNoticeTextFields,
  updateNotice,
  type Locale,
  type Notice,
  type NoticeTextField,
  type NoticeTexts,
  type NoticeTextsChanges,
} from './notices.api.ts';

export const textFieldLabels: Readonly<Record<NoticeTextField, string>> = {
  recipients: 'Recipients',
  transfers: 'Transfers outside the EEA',
  legitimateInterests: 'Legitimate interests, explained',
  representative: 'Representative in the EU',
  additionalInformation: 'Further information',
};

const textFieldHints: Readonly<Record<NoticeTextField, string>> = {
  recipients:
    'Who receives customers’ data: the company that operates Parley for you (your processor), its sub-processors (hosting, email), and anyone else you pass call data to (Art. 13(1)(e)).',
  transfers:
    'Whether any recipient is outside the European Economic Area and which safeguard covers it (adequacy decision, standard contractual clauses). If there is none, say so (Art. 13(1)(f)). Where Parley itself stores data is added from the organisation settings.',
  legitimateInterests:
    'Shown for call types that rely on legitimate interest, after the interest each call type states (Art. 13(1)(d)).',
  representative: 'Only for organisations established outside the EU: your representative in the Union (Art. 27).',
  additionalInformation: 'Anything else customers should know before the call. Separate paragraphs with an empty line.',
};

/** `en.recipients` → “Recipients (English)”. */
export const describeTextField = (key: string) => {
  const [locale, field] = key.split('.') as [Locale, NoticeTextField];
  return `${textFieldLabels[field] ?? field} (${localeLabels[locale] ?? locale})`;
};

function changesBetween(saved: NoticeTexts, edited: NoticeTexts): NoticeTextsChanges {
  const changes: NoticeTextsChanges = {};
  for (const locale of locales) {
    for (const field of noticeTextFields) {
      if (edited[locale][field] !== saved[locale][field]) changes[locale] = { ...changes[locale], [field]: edited[locale][field] };
    }
  }
  return changes;
}

/**
 * A draft's texts per locale, and the publish step. Publishing is refused, with the reason beside the button,
 * while a required text is empty in any locale, the organisation lacks controller details, or edits are unsaved.
 */
export function NoticeEditor(props: {
  notice: Notice;
  organisationGaps: readonly string[];
  onChanged: (notice: Notice) => void;
}) {
  const api = useApi();
  const { notice } = props;
  const editable = notice.status === 'draft';
  const [locale, setLocale] = useState<Locale>('en');
  const [texts, setTexts] = useState<NoticeTexts>(notice.texts);
  const [savedNote, setSavedNote] = useState(false);
  const save = useSubmit();
  const publish = useSubmit();
  const errors = { ...fieldErrorsByPathOf(save.error), ...fieldErrorsByPathOf(publish.error) };
  const changes = changesBetween(notice.texts, texts);
  const dirty = Object.keys(changes).length > 0;
  const emptyRequired = (l: Locale) => requiredNoticeTextFields.filter((f) => texts[l][f].trim() === '');

  async function onSave(e: Event) {
    e.preventDefault();
    const updated = await save.run(() => updateNotice(api, notice.id, changes));
    if (!updated) return;
    setTexts(updated.texts);
    setSavedNote(true);
    props.onChanged(updated);
  }

  async function onPublish() {
    const published = await publish.run(() => publishNotice(api, notice.id));
    if (published) props.onChanged(published);
  }

  const reasons = [
    ...(dirty ? ['Save your changes first.'] : []),
    ...(notice.missingFields.length > 0 ? [`Fill in: ${notice.missingFields.map(describeTextField).join(', ')}.`] : []),
    ...(props.organisationGaps.length > 0 ? ['Complete the organisation settings (see above).'] : []),
  ];

  return (
    <form class="form form-wide" onSubmit={onSave} noValidate>
      <p class="field-hint">
        Not typed here, because they come from live settings: who you are and how to reach you and your DPO (organisation
        settings); purposes, legal bases, recording and retention periods (call types); customers’ rights (standard wording).
      </p>
      <Tabs
        label="Language"
        tabs={locales.map((l) => ({ value: l, label: localeLabels[l], ...(emptyRequired(l).length > 0 ? { mark: 'incomplete' } : {}) }))}
        value={locale}
        onValue={setLocale}
      >
        <div class="form" lang={locale}>
          {noticeTextFields.map((field) => (
            <TextAreaField
              key={`${locale}-${field}`}
              label={`${textFieldLabels[field]} (${localeLabels[locale]})`}
              hint={textFieldHints[field]}
              optional={!requiredNoticeTextFields.includes(field)}
              required={requiredNoticeTextFields.includes(field)}
              name={`${locale}-${field}`}
              rows={field === 'recipients' || field === 'transfers' ? 5 : 3}
              maxLength={5000}
              readOnly={!editable}
              value={texts[locale][field]}
              error={errors[`texts.${locale}.${field}`]}
              onValue={(value) => {
                setSavedNote(false);
                setTexts((t) => ({ ...t, [locale]: { ...t[locale], [field]: value } }));
              }}
            />
          ))}
        </div>
      </Tabs>
      {!editable && <Alert kind="info">Version {notice.version} is published and can no longer change. Start a new draft to change the notice.</Alert>}
      <ErrorAlert error={save.error} title="The draft was not saved" />
      <ErrorAlert error={publish.error} title="The draft was not published" />
      {savedNote && !dirty && (
        <Alert kind="success" testId="notice-saved">
          Draft saved.
        </Alert>
      )}
      {editable && (
        <div class="form-actions">
          <SubmitButton busy={save.busy} busyLabel="Saving…" disabled={!dirty} variant="secondary">
            Save draft
          </SubmitButton>
          <ConfirmButton
            label={`Publish version ${notice.version}`}
            confirmLabel="Publish: it cannot be changed afterwards"
            busyLabel="Publishing…"
            busy={publish.busy}
            disabled={reasons.length > 0}
            onConfirm={() => void onPublish()}
          />
          {reasons.length > 0 && (
            <span class="muted" data-testid="publish-blocked">
              Cannot publish yet: {reasons.join(' ')}
            </span>
          )}
        </div>
      )}
    </form>
  );
}
