import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConsentStep } from './consent-step.tsx';
import { CustomerCall } from './call/customer-call.tsx';
import { callMessagesDe, callMessagesEn } from './call/call-messages.ts';
import { DeviceCheck, type Selection } from './device-check.tsx';
import { JoinApiError, type ConsentState, type JoinApi, type JoinInfo } from './join-api.ts';
import { LinkProblemPage } from './link-problem.tsx';
import { browserLocale, locales, messages, type ConsentPurpose, type ConsentStatus, type Locale, type Messages } from './messages.ts';
import { NoticeStep } from './notice-step.tsx';
import { safeHref } from './safe-href.ts';
import { YourChoices } from './your-choices.tsx';

type Load = { readonly kind: 'loading' } | { readonly kind: 'failed'; readonly error: unknown } | { readonly kind: 'ready'; readonly info: JoinInfo };

/**
 * The order is the point (G15): the privacy notice, then the optional consent questions, and only then the
 * camera and microphone. `notice` is the only step before the person says they have read it; DeviceCheck, the
 * only code that asks for media, is not even mounted before `devices`.
 */
type Step = 'notice' | 'consents' | 'devices';

export function JoinPage(props: { api: JoinApi; hasToken: boolean; token: string; initialLocale: Locale | null }) {
  const { api } = props;
  const [requested, setRequested] = useState<Locale | null>(props.initialLocale);
  const [reloads, setReloads] = useState(0);
  const [load, setLoad] = useState<Load>(props.hasToken ? { kind: 'loading' } : { kind: 'failed', error: invalidLink });
  const [step, setStep] = useState<Step>('notice');
  // Set when the person presses "Join the call" after the device check: the page becomes the call.
  const [joined, setJoined] = useState<Selection | null>(null);
  // What the server answered to this page's own writes; a fresh load brings the same from the server.
  const [inForce, setInForce] = useState<Partial<Record<ConsentPurpose, ConsentStatus | null>>>({});

  useEffect(() => {
    if (!props.hasToken) return;
    let live = true;
    // A language switch keeps the current page on screen until the new text arrives.
    setLoad((prev) => (prev.kind === 'ready' ? prev : { kind: 'loading' }));
    api.load(requested).then(
      (info) => {
        if (!live) return;
        setInForce({});
        setLoad({ kind: 'ready', info });
      },
      (error: unknown) => live && setLoad({ kind: 'failed', error }),
    );
    return () => {
      live = false;
    };
  }, [api, props.hasToken, requested, reloads]);

  const locale: Locale = load.kind === 'ready' ? load.info.locale : (requested ?? browserLocale(navigator.languages));
  const t = messages[locale];

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = load.kind === 'ready' ? `${t.documentTitle} — ${load.info.call.organisationName}` : t.documentTitle;
  }, [locale, load, t]);

  // Each new step starts at its heading, for keyboards and screen readers; not on first load.
  const firstStep = useRef(true);
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    window.scrollTo(0, 0);
    document.getElementById('step-heading')?.focus();
  }, [step]);

  function chooseLocale(next: Locale) {
    const url = new URL(location.href);
    url.searchParams.set('locale', next);
    history.replaceState(null, '', url);
    setRequested(next);
  }

  if (load.kind === 'loading') {
    return (
      <Shell t={t} locale={locale} onLocale={chooseLocale} acknowledged={false} privacyPolicy={null}>
        <p class="join-loading" role="status">
          <span class="join-spinner" aria-hidden="true" />
          {t.loading}
        </p>
      </Shell>
    );
  }
  if (load.kind === 'failed') {
    return (
      <Shell t={t} locale={locale} onLocale={chooseLocale} acknowledged={false} privacyPolicy={null}>
        <LinkProblemPage t={t} locale={locale} error={load.error} onRetry={() => setReloads((n) => n + 1)} />
      </Shell>
    );
  }

  const { info } = load;
  const callT = locale === 'de' ? callMessagesDe : callMessagesEn;
  if (joined) {
    return (
      <Shell t={t} locale={locale} onLocale={chooseLocale} acknowledged={true} privacyPolicy={null} wide>
        <CustomerCall t={callT} callId={info.call.id} token={props.token} agentName={info.call.agentName} devices={joined} />
      </Shell>
    );
  }
  const questions = info.consents;
  const current = (purpose: ConsentPurpose) => (purpose in inForce ? (inForce[purpose] ?? null) : (questions.find((q) => q.purpose === purpose)?.current ?? null));
  const applyState = (state: ConsentState) => setInForce((prev) => ({ ...prev, ...Object.fromEntries(state.consents.map((c) => [c.purpose, c.current])) }));
  const steps: Step[] = questions.length > 0 ? ['notice', 'consents', 'devices'] : ['notice', 'devices'];

  return (
    <Shell
      t={t}
      locale={locale}
      onLocale={chooseLocale}
      acknowledged={step !== 'notice'}
      privacyPolicy={info.privacyPolicyUrl ? { href: info.privacyPolicyUrl, organisation: info.call.organisationName } : null}
    >
      <CallSummary t={t} locale={locale} info={info} />
      <ol class="join-steps" aria-label={t.steps.label}>
        {steps.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} class={s === step ? 'is-current' : steps.indexOf(step) > i ? 'is-done' : ''}>
            <span class="join-step-number" aria-hidden="true">
              {i + 1}
            </span>
            {t.steps[s]}
            {s === step && <span class="visually-hidden"> {t.steps.current}</span>}
          </li>
        ))}
      </ol>

      {step === 'notice' && (
        <NoticeStep
          t={t}
          info={info}
          onAcknowledge={() => setStep(questions.some((q) => q.needsDecision) ? 'consents' : 'devices')}
        />
      )}
      {step === 'consents' && (
        <ConsentStep
          // New texts (another language, a reload) start again with every box unticked (G8).
          key={`${info.locale}:${info.notice.notice.contentHash}`}
          t={t}
          info={info}
          api={api}
          onDecided={(state) => {
            applyState(state);
            setStep('devices');
          }}
          onStale={() => {
            setStep('notice');
            setReloads((n) => n + 1);
          }}
        />
      )}
      {step === 'devices' && (
        <>
          <DeviceCheck t={t} agentName={info.call.agentName} joinLabel={callT.join} onJoin={setJoined} />
          {questions.length > 0 && <YourChoices t={t} api={api} purposes={questions.map((q) => q.purpose)} current={current} onChanged={applyState} />}
        </>
      )}
    </Shell>
  );
}

const invalidLink = new JoinApiError({ status: 404, code: 'JOIN_LINK_INVALID', message: '', requestId: null });

/**
 * The frame of every state: brand, language switch, and the footer with the organisation's privacy policy.
 * `data-notice-acknowledged` says whether the person has confirmed reading the notice: a browser test checks it
 * at every camera/microphone request.
 */
function Shell(props: {
  t: Messages;
  locale: Locale;
  onLocale: (locale: Locale) => void;
  acknowledged: boolean;
  privacyPolicy: { href: string; organisation: string } | null;
  /** The call needs the whole width of the screen. */
  wide?: boolean;
  children: ComponentChildren;
}) {
  const { t } = props;
  const policyHref = props.privacyPolicy ? safeHref(props.privacyPolicy.href) : null;
  return (
    <div class={props.wide ? 'join-shell join-shell-wide' : 'join-shell'}>
      <header class="join-header">
        <span class="join-brand">
          <span class="join-brand-mark" aria-hidden="true">
            P
          </span>
          Parley
        </span>
        <nav aria-label={t.languageSwitchLabel} class="join-languages">
          {locales.map((l) => (
            <a
              key={l}
              href={`?locale=${l}`}
              lang={l}
              hreflang={l}
              aria-current={l === props.locale ? 'true' : undefined}
              onClick={(e) => {
                e.preventDefault();
                if (l !== props.locale) props.onLocale(l);
              }}
            >
              {messages[l].languageName}
            </a>
          ))}
        </nav>
      </header>
      <main class="join-main" data-notice-acknowledged={props.acknowledged ? 'true' : 'false'}>
        {props.children}
      </main>
      <footer class="join-footer">
        {props.privacyPolicy && policyHref && (
          <p>
            <a href={policyHref} target="_blank" rel="noopener noreferrer" data-testid="privacy-policy-link">
              {t.notice.privacyPolicy(props.privacyPolicy.organisation)}
            </a>
          </p>
        )}
        <p>{t.footer}</p>
      </footer>
    </div>
  );
}

function CallSummary(props: { t: Messages; locale: Locale; info: JoinInfo }) {
  const { t, info } = props;
  const when = new Intl.DateTimeFormat(props.locale === 'de' ? 'de-DE' : 'en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(info.call.startsAt));
  return (
    <div class="join-summary">
      <h1>{t.greeting(info.participant.displayName)}</h1>
      <p>
        {t.callWith(info.call.callTypeName, info.call.agentName, info.call.organisationName)}
        <br />
        <time dateTime={info.call.startsAt}>{when}</time>
      </p>
    </div>
  );
}
