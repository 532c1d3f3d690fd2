import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConsentStep } from './consent-step.tsx';
import { CustomerCall } from './call/customer-call.tsx';
import { callMessagesDe, callMessagesEn } from './call/call-messages.ts';
import { callTime, clockTime } from './call-time.ts';
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
 * camera and microphone, then the call. `notice` is the only step before the person says they have read it;
 * DeviceCheck, the only code that asks for media before the call, is not even mounted before `devices`.
 */
type Step = 'notice' | 'consents' | 'devices' | 'call';
const steps: readonly Step[] = ['notice', 'consents', 'devices', 'call'];

/**
 * What the page keeps in its entry of the browser's session history (`history.state`; nothing in any storage): the
 * step, the notice version the person read, and the camera and microphone chosen for the call. Each step is its own
 * entry, so the back button goes to the previous step, and a reload of the same tab comes back to the same step
 * (into the call, if she was in it), as long as the notice is still the version she read (G14).
 */
interface StepState {
  readonly parleyJoin: 1;
  readonly step: Step;
  readonly notice?: { readonly id: string; readonly version: number };
  readonly devices?: Selection;
}

function readStepState(value: unknown): StepState | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<StepState>;
  if (v.parleyJoin !== 1 || !steps.includes(v.step as Step)) return null;
  const notice = v.notice && typeof v.notice.id === 'string' && typeof v.notice.version === 'number' ? v.notice : undefined;
  const devices = typeof v.devices === 'object' && v.devices !== null ? v.devices : undefined;
  return { parleyJoin: 1, step: v.step as Step, ...(notice ? { notice } : {}), ...(devices ? { devices } : {}) };
}

/**
 * Where a saved step may lead now: never past the notice unless this is the version she read, never past the
 * questions while one is undecided under this version, never into the call before it opens.
 */
function allowedStep(saved: StepState | null, info: JoinInfo, decided: (q: JoinInfo['consents'][number]) => boolean, early: boolean): Step {
  const read = saved?.notice?.id === info.notice.notice.id && saved.notice.version === info.notice.notice.version;
  if (!saved || !read || saved.step === 'notice') return 'notice';
  if (info.consents.some((q) => !decided(q))) return 'consents';
  if (saved.step === 'call' && early) return 'devices';
  return saved.step === 'consents' ? 'devices' : saved.step;
}

export function JoinPage(props: { api: JoinApi; hasToken: boolean; token: string; initialLocale: Locale | null }) {
  const { api } = props;
  const [requested, setRequested] = useState<Locale | null>(props.initialLocale);
  const [reloads, setReloads] = useState(0);
  const [load, setLoad] = useState<Load>(props.hasToken ? { kind: 'loading' } : { kind: 'failed', error: invalidLink });
  const [step, setStep] = useState<Step>('notice');
  // The camera and microphone chosen in the device check, for the call (and kept for a reload into it).
  const [devices, setDevices] = useState<Selection>({});
  // What the server answered to this page's own writes; a fresh load brings the same from the server.
  const [inForce, setInForce] = useState<Partial<Record<ConsentPurpose, ConsentStatus | null>>>({});
  // The step this tab's history entry held when the page was (re)loaded: used once, at the first answer.
  const restored = useRef<StepState | null | undefined>(readStepState(history.state));
  // The server's clock minus this device's (the page opens the join from the server's time), and a tick that
  // re-renders the page while it waits for the join to open.
  const [clockOffset, setClockOffset] = useState(0);
  const [, setTick] = useState(0);

  useEffect(() => {
    if (!props.hasToken) return;
    let live = true;
    // A language switch keeps the current page on screen until the new text arrives.
    setLoad((prev) => (prev.kind === 'ready' ? prev : { kind: 'loading' }));
    api.load(requested).then(
      (info) => {
        if (!live) return;
        setInForce({});
        const offset = Date.parse(info.now) - Date.now();
        setClockOffset(offset);
        if (restored.current !== undefined) {
          // First answer: back to the step this tab was on (a reload), as far as it is still allowed.
          const saved = restored.current;
          restored.current = undefined;
          const next = allowedStep(saved, info, (q) => !q.needsDecision, Date.now() + offset < Date.parse(info.call.joinOpensAt));
          if (saved?.devices) setDevices(saved.devices);
          setStep(next);
          history.replaceState(stepState(next, info, saved?.devices), '');
        }
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

  // Back and forward move between the steps (each step pushed its own history entry).
  useEffect(() => {
    if (load.kind !== 'ready') return;
    const info = load.info;
    const onPop = (event: PopStateEvent) => {
      const saved = readStepState(event.state);
      const next = allowedStep(saved, info, (q) => !q.needsDecision || q.purpose in inForce, Date.now() + clockOffset < Date.parse(info.call.joinOpensAt));
      if (saved?.devices) setDevices(saved.devices);
      setStep(next);
      if (next !== saved?.step) history.replaceState(stepState(next, info, saved?.devices), '');
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, [load, inForce, clockOffset]);

  // While the join is not open yet, check again every 30 s, so the button appears when it opens.
  const opensAt = load.kind === 'ready' ? Date.parse(load.info.call.joinOpensAt) : 0;
  const early = load.kind === 'ready' && Date.now() + clockOffset < opensAt;
  useEffect(() => {
    if (!early) return;
    const timer = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, [early]);

  /** Moves to a step: its own history entry, so the back button returns here; `replace` for a step that is done. */
  function go(next: Step, options: { replace?: boolean; devices?: Selection } = {}) {
    if (load.kind !== 'ready') return;
    const state = stepState(next, load.info, options.devices ?? devices);
    if (options.replace) history.replaceState(state, '');
    else history.pushState(state, '');
    setStep(next);
  }

  function chooseLocale(next: Locale) {
    const url = new URL(location.href);
    url.searchParams.set('locale', next);
    // The step stays in this history entry: only the address changes.
    history.replaceState(history.state, '', url);
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
  if (step === 'call') {
    return (
      <Shell t={t} locale={locale} onLocale={chooseLocale} acknowledged={true} privacyPolicy={null} wide>
        <CustomerCall
          t={callT}
          callId={info.call.id}
          token={props.token}
          agentName={info.call.agentName}
          organisationName={info.call.organisationName}
          rightsPage={rightsPagePath(info)}
          devices={devices}
          // Over (ended, left, declined): a reload shows the device check again, not a rejoin.
          onOver={() => history.replaceState(stepState('devices', info, devices), '')}
        />
      </Shell>
    );
  }
  const questions = info.consents;
  const current = (purpose: ConsentPurpose) => (purpose in inForce ? (inForce[purpose] ?? null) : (questions.find((q) => q.purpose === purpose)?.current ?? null));
  const applyState = (state: ConsentState) => setInForce((prev) => ({ ...prev, ...Object.fromEntries(state.consents.map((c) => [c.purpose, c.current])) }));
  const shownSteps: Exclude<Step, 'call'>[] = questions.length > 0 ? ['notice', 'consents', 'devices'] : ['notice', 'devices'];
  const readerTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const opens = early ? clockTime(new Date(opensAt), info.call.timeZone, locale, readerTimeZone) : null;

  return (
    <Shell
      t={t}
      locale={locale}
      onLocale={chooseLocale}
      acknowledged={step !== 'notice'}
      privacyPolicy={info.privacyPolicyUrl ? { href: info.privacyPolicyUrl, organisation: info.call.organisationName } : null}
      rightsPage={{ href: rightsPagePath(info), organisation: info.call.organisationName }}
    >
      <CallSummary t={t} locale={locale} info={info} />
      {opens && <EarlyArrival t={t} locale={locale} info={info} now={new Date(Date.now() + clockOffset)} opens={opens} readerTimeZone={readerTimeZone} />}
      <ol class="join-steps" aria-label={t.steps.label}>
        {shownSteps.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} class={s === step ? 'is-current' : shownSteps.indexOf(step) > i ? 'is-done' : ''}>
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
          onAcknowledge={() => go(questions.some((q) => q.needsDecision && !(q.purpose in inForce)) ? 'consents' : 'devices')}
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
            // The answers are recorded: going back leads to the notice, not to a form that would record them again
            // (what is in force, and withdrawal, are on the next step).
            go('devices', { replace: true });
          }}
          onStale={() => {
            go('notice', { replace: true });
            setReloads((n) => n + 1);
          }}
        />
      )}
      {step === 'devices' && (
        <>
          <DeviceCheck
            t={t}
            agentName={info.call.agentName}
            joinLabel={callT.join}
            lobby={info.call.lobbyEnabled}
            opensAt={opens}
            onJoin={(chosen) => {
              setDevices(chosen);
              go('call', { devices: chosen });
            }}
          />
          {questions.length > 0 && <YourChoices t={t} api={api} purposes={questions.map((q) => q.purpose)} current={current} onChanged={applyState} />}
        </>
      )}
    </Shell>
  );
}

const invalidLink = new JoinApiError({ status: 404, code: 'JOIN_LINK_INVALID', message: '', requestId: null });

function stepState(step: Step, info: JoinInfo, devices: Selection | undefined): StepState {
  return { parleyJoin: 1, step, notice: { id: info.notice.notice.id, version: info.notice.notice.version }, ...(devices ? { devices } : {}) };
}

/** Opened well before the call: when it is ("tomorrow at 10:00", in the organisation's time zone) and when to come back. */
function EarlyArrival(props: { t: Messages; locale: Locale; info: JoinInfo; now: Date; opens: ReturnType<typeof clockTime>; readerTimeZone: string }) {
  const { t, info } = props;
  const when = callTime({ startsAt: new Date(info.call.startsAt), now: props.now, timeZone: info.call.timeZone, locale: props.locale, readerTimeZone: props.readerTimeZone });
  return (
    <div class="join-alert join-alert-info" data-testid="early-arrival">
      <p class="join-alert-title">{t.early.title(when.day, when.time)}</p>
      <p>{t.early.text(props.opens)}</p>
    </div>
  );
}

/**
 * The frame of every state: brand, language switch, and the footer with the organisation's privacy policy.
 * `data-notice-acknowledged` says whether the person has confirmed reading the notice: a browser test checks it
 * at every camera/microphone request.
 */
/** The organisation's public rights page, a path on this site (the same one the notice's rights section links). */
const rightsPagePath = (info: JoinInfo) => `/rights/${info.notice.organisation.id}`;

function Shell(props: {
  t: Messages;
  locale: Locale;
  onLocale: (locale: Locale) => void;
  acknowledged: boolean;
  privacyPolicy: { href: string; organisation: string } | null;
  /** The organisation's public rights page (issue 12, finding 7), once the invitation is loaded. */
  rightsPage?: { href: string; organisation: string };
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
        {props.rightsPage && (
          <p>
            <a href={`${props.rightsPage.href}?locale=${props.locale}`} target="_blank" rel="noopener" data-testid="rights-page-link">
              {t.notice.rightsPage(props.rightsPage.organisation)}
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
