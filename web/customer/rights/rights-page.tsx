import { useEffect, useState } from 'preact/hooks';
import { rightsApi, RightsApiError, type RequestStatusInfo, type RightsPageInfo } from './rights-api.ts';
import { rightsMessages, type RequestKind, type RightsLocale } from './rights-messages.ts';

const kinds: readonly RequestKind[] = ['access', 'erasure', 'restriction', 'objection', 'rectification'];

/**
 * The public request pages (G28, G31): `/rights/<orgId>` to make a request, `/rights/requests/<requestId>` to
 * confirm the address with the mailed code, follow the request and download an access export.
 */
export function RightsApp(props: { path: string; initialLocale: RightsLocale }) {
  const [locale, setLocale] = useState<RightsLocale>(props.initialLocale);
  const m = rightsMessages[locale];
  const requestMatch = /^\/rights\/requests\/(req_[0-9a-z]{25})\/?$/.exec(props.path);
  const orgMatch = /^\/rights\/(org_[0-9a-z]{25})\/?$/.exec(props.path);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <main class="join-shell">
      <p class="join-languages">
        <a href="#" onClick={(e) => (e.preventDefault(), setLocale(locale === 'en' ? 'de' : 'en'))}>
          {m.language}
        </a>
      </p>
      {requestMatch ? (
        <RequestStatusView requestId={requestMatch[1]!} locale={locale} />
      ) : orgMatch ? (
        <NewRequestView orgId={orgMatch[1]!} locale={locale} />
      ) : (
        <p class="join-card">{m.notFound}</p>
      )}
    </main>
  );
}

function errorText(err: unknown): string {
  return err instanceof RightsApiError ? err.message : 'Something went wrong.';
}

function NewRequestView(props: { orgId: string; locale: RightsLocale }) {
  const m = rightsMessages[props.locale];
  const [info, setInfo] = useState<RightsPageInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [type, setType] = useState<RequestKind>('access');
  const [email, setEmail] = useState('');
  const [details, setDetails] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    rightsApi.page(props.orgId).then(setInfo, (e: unknown) => setLoadError(errorText(e)));
  }, [props.orgId]);

  async function onSubmit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const accepted = await rightsApi.submit(props.orgId, { type, email, details, locale: props.locale });
      location.assign(`${accepted.statusPage}?locale=${props.locale}&sent=1`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  if (loadError) return <p class="join-card" role="alert">{loadError}</p>;
  if (!info) return <p class="join-card">…</p>;
  const needsDetails = type === 'rectification' || type === 'objection';
  return (
    <section class="join-card">
      <h1>{m.title(info.legalName)}</h1>
      <p class="join-paragraph">{m.lead}</p>
      <form onSubmit={onSubmit}>
        <fieldset>
          {kinds.map((k) => (
            <label key={k} class="rights-choice">
              <input type="radio" name="type" value={k} checked={type === k} onChange={() => setType(k)} />
              <strong>{m.kinds[k][0]}</strong>
              <span class="join-hint">{m.kinds[k][1]}</span>
            </label>
          ))}
        </fieldset>
        <label>
          {m.email}
          <input type="email" name="email" required autocomplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <p class="join-hint">{m.emailHint}</p>
        <label>
          {m.details}
          <textarea name="details" rows={4} required={needsDetails} value={details} onInput={(e) => setDetails(e.currentTarget.value)} />
        </label>
        <p class="join-hint">{type === 'rectification' ? m.detailsHintRectification : type === 'objection' ? m.detailsHintObjection : m.detailsOptional}</p>
        {error && <p role="alert">{error}</p>}
        <div class="join-actions">
          <button class="join-button" type="submit" disabled={busy}>
            {busy ? m.sending : m.submit}
          </button>
        </div>
      </form>
      <p class="join-footer">
        {m.dpo}: {info.dpoEmail}
        {info.privacyPolicyUrl && (
          <>
            {' · '}
            <a href={info.privacyPolicyUrl} rel="noopener noreferrer">{m.privacy}</a>
          </>
        )}
      </p>
    </section>
  );
}

function RequestStatusView(props: { requestId: string; locale: RightsLocale }) {
  const m = rightsMessages[props.locale];
  const [status, setStatus] = useState<RequestStatusInfo | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(new URLSearchParams(location.search).has('sent') ? m.sent(15) : null);
  const [error, setError] = useState<string | null>(null);
  const [download, setDownload] = useState<string | null>(null);

  const load = () => rightsApi.status(props.requestId).then(setStatus, (e: unknown) => setError(errorText(e)));
  useEffect(() => void load(), [props.requestId]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorText(err));
      void load();
    } finally {
      setBusy(false);
    }
  }

  if (!status) return <p class="join-card" role={error ? 'alert' : undefined}>{error ?? '…'}</p>;
  const due = new Intl.DateTimeFormat(props.locale === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'long' }).format(new Date(status.dueAt));
  const wantsCode = status.status === 'unverified' || (status.exportReady && !download);
  return (
    <section class="join-card">
      <h1>{m.statusTitle} — {status.legalName}</h1>
      <p class="join-paragraph">{m.kinds[status.type][0]}</p>
      <p class="join-paragraph" data-testid="rights-status">{m.status[status.status]}</p>
      {status.status !== 'completed' && status.status !== 'refused' && <p class="join-hint">{m.due(due, status.extended)}</p>}
      {status.locked ? (
        <p role="alert">{m.locked(status.dpoEmail)}</p>
      ) : (
        wantsCode && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void run(async () => {
                if (status.status === 'unverified') {
                  setStatus(await rightsApi.verify(props.requestId, code));
                  setNote(null);
                } else {
                  setDownload((await rightsApi.exportToken(props.requestId, code)).url);
                }
                setCode('');
              });
            }}
          >
            {status.exportReady && <p class="join-paragraph">{m.exportReady}</p>}
            <label>
              {m.code}
              <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
            </label>
            <div class="join-actions">
              <button class="join-button" type="submit" disabled={busy}>
                {status.status === 'unverified' ? m.confirm : m.download}
              </button>
              <button
                class="join-button join-button-secondary"
                type="button"
                disabled={busy}
                onClick={() => void run(async () => (await rightsApi.newCode(props.requestId, props.locale), setNote(m.codeSent)))}
              >
                {status.exportReady ? m.downloadCode : m.newCode}
              </button>
            </div>
          </form>
        )
      )}
      {download && (
        <p>
          <a href={download} download>{m.downloadLink}</a>
        </p>
      )}
      {note && <p class="join-hint" role="status">{note}</p>}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
