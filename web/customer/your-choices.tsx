import { useState } from 'preact/hooks';
import { ErrorReference } from './error-reference.tsx';
import type { ConsentState, JoinApi } from './join-api.ts';
import type { ConsentPurpose, ConsentStatus, Messages } from './messages.ts';

/**
 * What is in force for each optional purpose, with a one-click "Withdraw" beside a consent given: withdrawing
 * takes no more than giving did (one click, one request, G12). Earlier answers stay on record; the server appends
 * the withdrawal.
 */
export function YourChoices(props: {
  t: Messages;
  api: JoinApi;
  purposes: readonly ConsentPurpose[];
  current: (purpose: ConsentPurpose) => ConsentStatus | null;
  onChanged: (state: ConsentState) => void;
}) {
  const { t } = props;
  const [busy, setBusy] = useState<ConsentPurpose | null>(null);
  const [result, setResult] = useState<{ kind: 'withdrawn'; purpose: ConsentPurpose } | { kind: 'failed'; error: unknown } | null>(null);

  async function withdraw(purpose: ConsentPurpose) {
    setBusy(purpose);
    setResult(null);
    try {
      props.onChanged(await props.api.withdraw(purpose));
      setResult({ kind: 'withdrawn', purpose });
    } catch (error) {
      setResult({ kind: 'failed', error });
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="join-card" aria-labelledby="choices-heading" data-testid="your-choices">
      <h2 id="choices-heading">{t.choices.heading}</h2>
      <ul class="choices-list">
        {props.purposes.map((purpose) => {
          const status = props.current(purpose);
          const name = t.consents.purpose[purpose];
          return (
            <li key={purpose} data-purpose={purpose} data-status={status ?? 'none'}>
              <span>
                <strong>{name}:</strong> {t.choices.status[status ?? 'none']}
              </span>
              {status === 'given' && (
                <button
                  type="button"
                  class="join-button join-button-secondary"
                  onClick={() => void withdraw(purpose)}
                  disabled={busy !== null}
                  aria-busy={busy === purpose}
                  aria-label={t.choices.withdrawLabel(name)}
                >
                  {busy === purpose ? t.choices.withdrawing : t.choices.withdraw}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <div role="status">{result?.kind === 'withdrawn' && <p>{t.choices.withdrawn(t.consents.purpose[result.purpose])}</p>}</div>
      {result?.kind === 'failed' && (
        <div class="join-alert join-alert-error" role="alert">
          <p>{t.requestFailed}</p>
          <ErrorReference t={t} error={result.error} />
        </div>
      )}
    </section>
  );
}
