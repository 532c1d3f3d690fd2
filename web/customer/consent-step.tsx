import { useState } from 'preact/hooks';
import { JoinApiError, type ConsentState, type JoinApi, type JoinInfo } from './join-api.ts';
import { ErrorReference } from './error-reference.tsx';
import type { ConsentPurpose, Messages } from './messages.ts';

/**
 * One unticked box per consent-based purpose, beside the exact text the ledger hashes (G8, G9, G10), and one
 * "Continue" that records every answer: a ticked box is consent given, an empty one is consent declined. There is
 * deliberately no "accept all", and declining everything goes on exactly like agreeing (G2).
 */
export function ConsentStep(props: {
  t: Messages;
  info: JoinInfo;
  api: JoinApi;
  onDecided: (state: ConsentState) => void;
  /** The notice or a text changed on the server: the person must read the new one before choosing (G14). */
  onStale: () => void;
}) {
  const { t, info } = props;
  const questions = info.consents.filter((q) => q.needsDecision);
  const [ticked, setTicked] = useState<ReadonlySet<ConsentPurpose>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const askedAgain = questions.some((q) => q.current !== null);

  function toggle(purpose: ConsentPurpose, on: boolean) {
    const next = new Set(ticked);
    if (on) next.add(purpose);
    else next.delete(purpose);
    setTicked(next);
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const state = await props.api.recordDecisions({
        locale: info.locale,
        noticeHash: info.notice.notice.contentHash,
        decisions: questions.map((q) => ({ purpose: q.purpose, given: ticked.has(q.purpose), textHash: q.textHash })),
      });
      props.onDecided(state);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const stale = error instanceof JoinApiError && error.status === 409;
  return (
    <form class="join-card" aria-labelledby="step-heading" onSubmit={submit} noValidate>
      <h2 id="step-heading" tabIndex={-1}>
        {t.consents.heading}
      </h2>
      <p>{t.consents.lead}</p>
      {askedAgain && <p class="join-note">{t.consents.askedAgain}</p>}
      <fieldset class="consent-list">
        <legend class="visually-hidden">{t.consents.legend}</legend>
        {questions.map((q) => {
          const id = `consent-${q.purpose}`;
          return (
            <div key={q.purpose} class="consent-question" data-purpose={q.purpose}>
              <input
                id={id}
                type="checkbox"
                checked={ticked.has(q.purpose)}
                onChange={(e) => toggle(q.purpose, e.currentTarget.checked)}
                disabled={busy}
              />
              <label for={id}>
                <span class="consent-purpose">{t.consents.purpose[q.purpose]}</span>
                <span class="consent-text" data-testid={`consent-text-${q.purpose}`}>
                  {q.text}
                </span>
              </label>
            </div>
          );
        })}
      </fieldset>
      {error !== null && (
        <div class="join-alert join-alert-error" role="alert">
          <p>{stale ? t.consents.changed : t.requestFailed}</p>
          {stale ? (
            <button type="button" class="join-button join-button-secondary" onClick={props.onStale}>
              {t.consents.readAgain}
            </button>
          ) : (
            <ErrorReference t={t} error={error} />
          )}
        </div>
      )}
      <div class="join-actions">
        <button type="submit" class="join-button join-button-primary" disabled={busy || stale} aria-busy={busy}>
          {busy ? t.consents.saving : t.consents.continue}
        </button>
      </div>
    </form>
  );
}
