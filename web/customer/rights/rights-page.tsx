import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { rightsApi, RightsApiError, type RequestStatusInfo, type RightsPageInfo } from './rights-api.ts';
import { rightsLocales, rightsMessages, type RequestKind, type RightsLocale, type RightsMessages } from './rights-messages.ts';

const kinds: readonly RequestKind[] = ['access', 'erasure', 'restriction', 'objection', 'rectification'];
/** The server's limit for what a person writes in the details (requests.schema.ts). */
const DETAILS_MAX = 5000;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** What the header and footer show about the organisation once a page has loaded it. */
interface OrgFacts {
  readonly legalName: string;
  readonly dpoEmail: string;
  readonly privacyPolicyUrl: string | null;
}

/**
 * The public request pages (G28, G31): `/rights/<orgId>` to make a request, `/rights/requests/<requestId>` to
 * confirm the address with the mailed code, follow the request and download an access export. They wear the join
 * page's frame (header with the organisation and the language switch, cards, fields, primary buttons), and every
 * word, error messages included, comes from rights-messages.ts in the page's language.
 */
export function RightsApp(props: { path: string; initialLocale: RightsLocale }) {
  const [locale, setLocale] = useState<RightsLocale>(props.initialLocale);
  const [org, setOrg] = useState<OrgFacts | null>(null);
  const m = rightsMessages[locale];
  const requestMatch = /^\/rights\/requests\/(req_[0-9a-z]{25})\/?$/.exec(props.path);
  const orgMatch = /^\/rights\/(org_[0-9a-z]{25})\/?$/.exec(props.path);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = m.documentTitle(org?.legalName ?? null);
  }, [locale, org, m]);

  function chooseLocale(next: RightsLocale) {
    // Kept in the address, so a reload (and the status page the form leads to) stays in this language.
    const url = new URL(location.href);
    url.searchParams.set('locale', next);
    history.replaceState(null, '', url);
    setLocale(next);
  }

  return (
    <div class="join-shell">
      <header class="join-header">
        <span class="join-brand" data-testid="rights-organisation">
          <span class="join-brand-mark" aria-hidden="true">
            {(org?.legalName ?? 'P').slice(0, 1).toUpperCase()}
          </span>
          {org?.legalName ?? 'Parley'}
        </span>
        <nav aria-label={m.languageSwitchLabel} class="join-languages">
          {rightsLocales.map((l) => (
            <a
              key={l}
              href={`?locale=${l}`}
              lang={l}
              hreflang={l}
              aria-current={l === locale ? 'true' : undefined}
              onClick={(e) => {
                e.preventDefault();
                if (l !== locale) chooseLocale(l);
              }}
            >
              {rightsMessages[l].languageName}
            </a>
          ))}
        </nav>
      </header>
      <main class="join-main">
        {requestMatch ? (
          <RequestStatusView requestId={requestMatch[1]!} locale={locale} m={m} onOrg={setOrg} />
        ) : orgMatch ? (
          <NewRequestView orgId={orgMatch[1]!} locale={locale} m={m} onOrg={setOrg} />
        ) : (
          <p class="join-card" role="alert">
            {m.notFound}
          </p>
        )}
      </main>
      <footer class="join-footer">
        {org && (
          <p>
            {m.dpo}: {org.dpoEmail}
            {org.privacyPolicyUrl && /^https:\/\//.test(org.privacyPolicyUrl) && (
              <>
                {' · '}
                <a href={org.privacyPolicyUrl} rel="noopener noreferrer" target="_blank">
                  {m.privacy}
                </a>
              </>
            )}
          </p>
        )}
        <p>{m.footer}</p>
      </footer>
    </div>
  );
}

type Field = 'email' | 'details' | 'code';
interface Problem {
  readonly field: Field | null;
  readonly text: string;
}

/** An API refusal in the page's words: which field it concerns (if any) and what to do. */
function problemOf(m: RightsMessages, err: unknown, context: { dpo: string | null; kind?: RequestKind }): Problem {
  if (!(err instanceof RightsApiError)) return { field: null, text: m.errors.other(context.dpo) };
  switch (err.code) {
    case 'NETWORK':
      return { field: null, text: m.errors.network };
    case 'VALIDATION_FAILED': {
      const field = err.fields[0];
      if (field === 'email') return { field, text: m.errors.emailInvalid };
      if (field === 'details') {
        return { field, text: context.kind === 'objection' ? m.errors.detailsRequiredObjection : m.errors.detailsRequiredRectification };
      }
      if (field === 'code') return { field, text: m.errors.codeFormat };
      return { field: null, text: m.errors.other(context.dpo) };
    }
    case 'CODE_WRONG':
      return { field: 'code', text: m.errors.codeWrong(err.attemptsLeft ?? 0) };
    case 'CODE_EXPIRED':
      return { field: 'code', text: m.errors.codeExpired };
    case 'RIGHTS_REQUEST_LOCKED':
      return { field: null, text: m.locked(context.dpo ?? '') };
    case 'RATE_LIMITED':
      return { field: null, text: m.errors.rateLimited(err.retryAfterMinutes) };
    case 'CONFLICT':
      return { field: null, text: m.errors.noExport };
    case 'EXPORT_GONE':
      return { field: null, text: m.errors.exportGone };
    case 'NOT_FOUND':
      return { field: null, text: m.errors.notFound };
    case 'CSRF_FAILED':
      return { field: null, text: m.errors.expiredForm };
    default:
      return { field: null, text: m.errors.other(context.dpo) };
  }
}

/** A labelled input with its hint and error, tied together for screen readers (aria-describedby, aria-invalid). */
function TextField(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  error: string | null;
  children: (aria: { id: string; 'aria-describedby': string | undefined; 'aria-invalid': 'true' | undefined; class: string }) => ComponentChildren;
}) {
  const described = [props.error ? `${props.id}-error` : null, props.hint ? `${props.id}-hint` : null].filter((x) => x !== null).join(' ');
  return (
    <div class={`join-field rights-field${props.error ? ' is-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children({ id: props.id, 'aria-describedby': described || undefined, 'aria-invalid': props.error ? 'true' : undefined, class: 'rights-input' })}
      {props.error && (
        <p id={`${props.id}-error`} class="rights-field-error">
          {props.error}
        </p>
      )}
      {props.hint && (
        <p id={`${props.id}-hint`} class="join-hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** An error that concerns no single field: announced, and focused so keyboard and screen-reader users land on it. */
function ProblemAlert(props: { text: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [props.text]);
  return (
    <div ref={ref} class="join-alert join-alert-error" role="alert" tabIndex={-1} data-testid="rights-error">
      <p>{props.text}</p>
    </div>
  );
}

function NewRequestView(props: { orgId: string; locale: RightsLocale; m: RightsMessages; onOrg: (org: OrgFacts) => void }) {
  const { m } = props;
  const [info, setInfo] = useState<RightsPageInfo | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [type, setType] = useState<RequestKind>('access');
  const [email, setEmail] = useState('');
  const [details, setDetails] = useState('');
  const [busy, setBusy] = useState(false);
  // What is wrong, kept as the cause (not the words), so a language switch re-says it.
  const [invalid, setInvalid] = useState<{ email?: 'format'; details?: 'required' | 'long' }>({});
  const [failure, setFailure] = useState<unknown>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const detailsRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    rightsApi.page(props.orgId).then(
      (page) => {
        setInfo(page);
        props.onOrg({ legalName: page.legalName, dpoEmail: page.dpoEmail, privacyPolicyUrl: page.privacyPolicyUrl });
      },
      (e: unknown) => setLoadError(e),
    );
  }, [props.orgId]);

  const needsDetails = type === 'rectification' || type === 'objection';
  const serverProblem = failure !== null ? problemOf(m, failure, { dpo: info?.dpoEmail ?? null, kind: type }) : null;
  const emailError = invalid.email ? m.errors.emailInvalid : serverProblem?.field === 'email' ? serverProblem.text : null;
  const detailsError =
    invalid.details === 'long'
      ? m.errors.detailsTooLong(DETAILS_MAX)
      : invalid.details === 'required'
        ? type === 'objection'
          ? m.errors.detailsRequiredObjection
          : m.errors.detailsRequiredRectification
        : serverProblem?.field === 'details'
          ? serverProblem.text
          : null;

  async function onSubmit(e: Event) {
    e.preventDefault();
    setFailure(null);
    const problems: { email?: 'format'; details?: 'required' | 'long' } = {};
    if (!EMAIL.test(email.trim())) problems.email = 'format';
    if (details.trim().length > DETAILS_MAX) problems.details = 'long';
    else if (needsDetails && details.trim() === '') problems.details = 'required';
    setInvalid(problems);
    if (problems.email) return emailRef.current?.focus();
    if (problems.details) return detailsRef.current?.focus();
    setBusy(true);
    try {
      const accepted = await rightsApi.submit(props.orgId, { type, email: email.trim(), details: details.trim(), locale: props.locale });
      location.assign(`${accepted.statusPage}?locale=${props.locale}&sent=1`);
    } catch (err) {
      setFailure(err);
      setBusy(false);
      const field = problemOf(m, err, { dpo: null, kind: type }).field;
      if (field === 'email') emailRef.current?.focus();
      if (field === 'details') detailsRef.current?.focus();
    }
  }

  if (loadError !== null) {
    const notFound = loadError instanceof RightsApiError && (loadError.code === 'NOT_FOUND' || loadError.status === 400);
    return <ProblemAlert text={notFound ? m.notFound : problemOf(m, loadError, { dpo: null }).text} />;
  }
  if (!info) {
    return (
      <p class="join-loading" role="status">
        <span class="join-spinner" aria-hidden="true" />
        {m.loading}
      </p>
    );
  }
  return (
    <section class="join-card" aria-labelledby="rights-heading">
      <h1 id="rights-heading">{m.title(info.legalName)}</h1>
      <p>{m.lead}</p>
      <form onSubmit={onSubmit} noValidate>
        <fieldset class="rights-choices">
          <legend class="rights-legend">{m.chooseLegend}</legend>
          {kinds.map((k) => {
            const id = `kind-${k}`;
            return (
              <label key={k} for={id} class={`rights-choice${type === k ? ' is-selected' : ''}`}>
                <input
                  id={id}
                  type="radio"
                  name="type"
                  value={k}
                  checked={type === k}
                  onChange={() => {
                    setType(k);
                    setInvalid((p) => ({ ...p, details: undefined }));
                  }}
                  aria-labelledby={`${id}-title`}
                  aria-describedby={`${id}-text`}
                />
                <span class="rights-choice-body">
                  <span id={`${id}-title`} class="rights-choice-title">
                    {m.kinds[k][0]}
                  </span>
                  <span id={`${id}-text`} class="rights-choice-text">
                    {m.kinds[k][1]}
                  </span>
                </span>
              </label>
            );
          })}
        </fieldset>
        <TextField id="rights-email" label={m.email} hint={m.emailHint} error={emailError}>
          {(aria) => (
            <input ref={emailRef} {...aria} type="email" name="email" autocomplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          )}
        </TextField>
        <TextField
          id="rights-details"
          label={needsDetails ? m.details : m.detailsOptional}
          hint={type === 'rectification' ? m.detailsHintRectification : type === 'objection' ? m.detailsHintObjection : m.detailsHintOther}
          error={detailsError}
        >
          {(aria) => <textarea ref={detailsRef} {...aria} name="details" rows={4} value={details} onInput={(e) => setDetails(e.currentTarget.value)} />}
        </TextField>
        {serverProblem && serverProblem.field === null && <ProblemAlert text={serverProblem.text} />}
        <p class="join-hint">{m.whatNext}</p>
        <div class="join-actions">
          <button class="join-button join-button-primary" type="submit" disabled={busy} aria-busy={busy}>
            {busy ? m.sending : m.submit}
          </button>
        </div>
      </form>
    </section>
  );
}

/** What the status page last said it did: kept as a kind, so it is said again in a newly chosen language. */
type Note = 'sent' | 'newCode' | 'confirmed' | 'downloadCode' | null;

function RequestStatusView(props: { requestId: string; locale: RightsLocale; m: RightsMessages; onOrg: (org: OrgFacts) => void }) {
  const { m, locale } = props;
  const [status, setStatus] = useState<RequestStatusInfo | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<'confirm' | 'code' | 'download' | null>(null);
  const [note, setNote] = useState<Note>(new URLSearchParams(location.search).has('sent') ? 'sent' : null);
  const [codeInvalid, setCodeInvalid] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [download, setDownload] = useState<{ url: string; validUntil: number } | null>(null);
  const [linkExpired, setLinkExpired] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  const linkRef = useRef<HTMLAnchorElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const load = () =>
    rightsApi.status(props.requestId).then(
      (s) => {
        setStatus(s);
        props.onOrg({ legalName: s.legalName, dpoEmail: s.dpoEmail, privacyPolicyUrl: null });
      },
      (e: unknown) => setLoadError(e),
    );
  useEffect(() => void load(), [props.requestId]);

  // The download link works for a few minutes only: afterwards the page says so and offers a new code again.
  useEffect(() => {
    if (!download) return;
    const timer = setTimeout(() => {
      setDownload(null);
      setLinkExpired(true);
    }, Math.max(0, download.validUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [download]);

  async function run(kind: 'confirm' | 'code' | 'download', action: () => Promise<void>) {
    setBusy(kind);
    setFailure(null);
    try {
      await action();
    } catch (err) {
      setFailure(err);
      if (err instanceof RightsApiError && err.code === 'RIGHTS_REQUEST_LOCKED') {
        setNote(null);
        void load();
      } else if (problemOf(m, err, { dpo: null }).field === 'code') {
        codeRef.current?.focus();
        codeRef.current?.select();
      }
    } finally {
      setBusy(null);
    }
  }

  /** The typed code without the spaces people put in, or null (and the field marked) when it is not six digits. */
  function checkedCode(): string | null {
    const digits = code.replace(/\s+/g, '');
    if (/^[0-9]{6}$/.test(digits)) {
      setCodeInvalid(false);
      return digits;
    }
    setFailure(null);
    setCodeInvalid(true);
    codeRef.current?.focus();
    return null;
  }

  function confirm(e: Event) {
    e.preventDefault();
    const c = checkedCode();
    if (c === null) return;
    void run('confirm', async () => {
      setStatus(await rightsApi.verify(props.requestId, c));
      setCode('');
      setNote('confirmed');
      // The "we sent you a code" of the address is done with: a reload must not say it again.
      const url = new URL(location.href);
      url.searchParams.delete('sent');
      history.replaceState(null, '', url);
      headingRef.current?.focus();
    });
  }

  function sendCode(after: Note) {
    void run('code', async () => {
      await rightsApi.newCode(props.requestId, locale);
      setCode('');
      setCodeInvalid(false);
      setLinkExpired(false);
      setNote(after);
      codeRef.current?.focus();
    });
  }

  function getDownload(e: Event) {
    e.preventDefault();
    const c = checkedCode();
    if (c === null || !status) return;
    void run('download', async () => {
      const token = await rightsApi.exportToken(props.requestId, c);
      setCode('');
      setNote(null);
      setLinkExpired(false);
      setDownload({ url: token.url, validUntil: Date.now() + status.exportLinkMinutes * 60_000 });
      requestAnimationFrame(() => linkRef.current?.focus());
    });
  }

  if (!status) {
    return loadError !== null ? (
      <ProblemAlert text={problemOf(m, loadError, { dpo: null }).text} />
    ) : (
      <p class="join-loading" role="status">
        <span class="join-spinner" aria-hidden="true" />
        {m.loading}
      </p>
    );
  }

  const dateLocale = locale === 'de' ? 'de-DE' : 'en-GB';
  const day = (iso: string) => new Intl.DateTimeFormat(dateLocale, { dateStyle: 'long' }).format(new Date(iso));
  const minutes = m.minutes(status.codeValidMinutes);
  const problem = failure !== null ? problemOf(m, failure, { dpo: status.dpoEmail }) : null;
  const codeError = codeInvalid ? m.errors.codeFormat : problem?.field === 'code' ? problem.text : null;
  const general = problem && problem.field === null && !status.locked ? <ProblemAlert text={problem.text} /> : null;
  const codeField = (
    <TextField id="rights-code" label={m.code} hint={m.codeHint} error={codeError}>
      {(aria) => (
        <input
          ref={codeRef}
          {...aria}
          class="rights-input rights-code"
          name="code"
          inputMode="numeric"
          autocomplete="one-time-code"
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
      )}
    </TextField>
  );
  const exportCodeSent = note === 'downloadCode';

  return (
    <>
      <section class="join-card" aria-labelledby="status-heading">
        <h1 id="status-heading" ref={headingRef} tabIndex={-1}>
          {m.statusTitle}
        </h1>
        <p class="rights-kind">{m.kinds[status.type][0]}</p>
        <p>
          <span class="rights-label">{m.statusLabel}: </span>
          <span data-testid="rights-status">{m.status[status.status]}</span>
        </p>
        {status.status !== 'completed' && status.status !== 'refused' && <p class="join-hint">{m.due(day(status.dueAt), status.extended)}</p>}
        {note === 'confirmed' && (
          <p class="join-alert join-alert-success" role="status">
            {m.confirmed}
          </p>
        )}
      </section>

      {status.locked ? (
        <div class="join-alert join-alert-error" role="alert" data-testid="rights-locked">
          <p>{m.locked(status.dpoEmail)}</p>
        </div>
      ) : status.status === 'unverified' ? (
        <section class="join-card" aria-labelledby="confirm-heading">
          <h2 id="confirm-heading">{m.confirmTitle}</h2>
          {(note === 'sent' || note === 'newCode') && (
            <p class="join-note" role="status">
              {note === 'sent' ? m.sent(minutes) : m.newCodeSent(minutes)}
            </p>
          )}
          <p>{m.confirmLead}</p>
          <form onSubmit={confirm} noValidate>
            {codeField}
            {general}
            <div class="join-actions">
              <button class="join-button join-button-primary" type="submit" disabled={busy !== null} aria-busy={busy === 'confirm'}>
                {busy === 'confirm' ? m.checking : m.confirm}
              </button>
            </div>
          </form>
          <p class="join-hint">{m.noMail(status.dpoEmail)}</p>
          <button class="join-button join-button-secondary" type="button" disabled={busy !== null} onClick={() => sendCode('newCode')}>
            {m.newCode}
          </button>
        </section>
      ) : (
        status.exportReady && (
          <section class="join-card" aria-labelledby="download-heading" data-testid="rights-download">
            <h2 id="download-heading">{m.downloadTitle}</h2>
            <p>{m.exportReady(day(status.exportExpiresAt ?? status.dueAt))}</p>
            {download ? (
              <div class="join-alert join-alert-success" role="status">
                <p class="join-alert-title">{m.downloadReadyTitle}</p>
                <p>
                  <a ref={linkRef} class="join-button join-button-primary" href={download.url} download>
                    {m.downloadLink}
                  </a>
                </p>
                <p>
                  {m.linkValidUntil(
                    new Intl.DateTimeFormat(dateLocale, { timeStyle: 'short' }).format(new Date(download.validUntil)),
                    m.minutes(status.exportLinkMinutes),
                  )}
                </p>
                <p>{m.whatsInside(status.exportSummaryFile ?? 'summary.html')}</p>
              </div>
            ) : (
              <>
                {linkExpired && (
                  <p class="join-note" role="status">
                    {m.linkExpired}
                  </p>
                )}
                <p>{m.whyCode}</p>
                <h3 class="rights-step">{m.stepSend}</h3>
                <button
                  class={`join-button ${exportCodeSent ? 'join-button-secondary' : 'join-button-primary'}`}
                  type="button"
                  disabled={busy !== null}
                  aria-busy={busy === 'code'}
                  onClick={() => sendCode('downloadCode')}
                >
                  {exportCodeSent ? m.sendAgain : m.sendCode}
                </button>
                {exportCodeSent && (
                  <p class="join-note rights-sent" role="status">
                    {m.downloadCodeSent(minutes)}
                  </p>
                )}
                <h3 class="rights-step">{m.stepEnter}</h3>
                <form onSubmit={getDownload} noValidate>
                  {codeField}
                  {general}
                  <div class="join-actions">
                    <button
                      class={`join-button ${exportCodeSent ? 'join-button-primary' : 'join-button-secondary'}`}
                      type="submit"
                      disabled={busy !== null}
                      aria-busy={busy === 'download'}
                    >
                      {busy === 'download' ? m.checking : m.showDownload}
                    </button>
                  </div>
                </form>
                <p class="join-hint">{m.noMail(status.dpoEmail)}</p>
              </>
            )}
          </section>
        )
      )}
    </>
  );
}
