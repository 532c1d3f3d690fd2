import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { SelectField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { Tabs } from '../../../shared/ui/tabs.tsx';
import { useResource } from '../../../shared/use-resource.ts';
import type { CallType } from '../call-types/call-types.api.ts';
import { localeLabels, locales, previewNotice, type Locale, type RenderedNotice } from './notices.api.ts';

/** `organisation.dpoEmail` → “DPO email (organisation settings)”; `texts.de.recipients` → “Recipients (Deutsch)”. */
const gapLabels: Readonly<Record<string, string>> = {
  'organisation.address': 'Postal address (organisation settings)',
  'organisation.contactEmail': 'Contact email (organisation settings)',
  'organisation.dpoName': 'DPO name (organisation settings)',
  'organisation.dpoEmail': 'DPO email (organisation settings)',
  'organisation.supervisoryAuthority': 'Supervisory authority (organisation settings)',
};
function describeGap(gap: string): string {
  const text = /^texts\.(en|de)\.(\w+)$/.exec(gap);
  if (text) return `${text[2] === 'recipients' ? 'Recipients' : text[2] === 'transfers' ? 'Transfers' : text[2]} (${localeLabels[text[1] as Locale]})`;
  return gapLabels[gap] ?? gap;
}

/**
 * The privacy notice exactly as a customer of one call type would read it, per locale: built by the server from
 * the notice version, the organisation settings and the call type as they are now.
 */
export function NoticePreview(props: { callTypes: readonly CallType[]; callTypeId?: string; noticeId?: string | undefined }) {
  const api = useApi();
  const [locale, setLocale] = useState<Locale>('en');
  const [chosen, setChosen] = useState<string>(props.callTypeId ?? props.callTypes[0]?.id ?? '');
  const callTypeId = props.callTypeId ?? chosen;
  const notice = useResource(
    () => (callTypeId ? previewNotice(api, callTypeId, locale, props.noticeId) : Promise.resolve(null)),
    [api, callTypeId, locale, props.noticeId],
  );

  return (
    <div class="notice-preview-frame" data-testid="notice-preview">
      {!props.callTypeId && props.callTypes.length > 0 && (
        <SelectField
          label="Preview for the call type"
          hint="Purposes, recording and retention in the notice come from the call type."
          name="previewCallType"
          choices={props.callTypes.map((c) => ({ value: c.id, label: c.name }))}
          value={chosen}
          onValue={setChosen}
        />
      )}
      <Tabs label="Language of the preview" tabs={locales.map((l) => ({ value: l, label: localeLabels[l] }))} value={locale} onValue={setLocale}>
        {notice.state.status === 'loading' && <Loading label="Rendering the notice…" />}
        {notice.state.status === 'error' && <ErrorAlert error={notice.state.error} title="The notice could not be shown" />}
        {notice.state.status === 'ready' && notice.state.data && <RenderedNoticeView notice={notice.state.data} />}
      </Tabs>
    </div>
  );
}

function RenderedNoticeView(props: { notice: RenderedNotice }) {
  const n = props.notice;
  return (
    <>
      {n.missing.length > 0 && (
        <Alert kind="warning" title="This notice has gaps: customers cannot be shown it like this" testId="notice-gaps">
          <ul>
            {n.missing.map((gap) => (
              <li key={gap}>{describeGap(gap)}</li>
            ))}
          </ul>
        </Alert>
      )}
      {n.notice.status === 'draft' && (
        <Alert kind="info">
          <p>Preview of a draft. Customers see the latest published version until this one is published.</p>
        </Alert>
      )}
      <article class="notice-preview" lang={n.locale}>
        <h2>{n.title}</h2>
        <p class="notice-intro">{n.intro}</p>
        {n.sections.map((s) => (
          <section key={s.key} data-section={s.key}>
            <h3>{s.heading}</h3>
            {s.paragraphs.map((p, i) => (
              <p key={`p${i}`}>{p}</p>
            ))}
            {s.items.length > 0 && (
              <ul>
                {s.items.map((item, i) => (
                  <li key={`i${i}`}>{item}</li>
                ))}
              </ul>
            )}
            {s.links.map((l) => (
              <p key={l.href}>
                <a href={l.href} rel="noopener noreferrer" target="_blank">
                  {l.label}
                </a>
              </p>
            ))}
          </section>
        ))}
        <p class="notice-footer">{n.footer}</p>
      </article>
    </>
  );
}
