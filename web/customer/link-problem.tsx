import { ErrorReference } from './error-reference.tsx';
import { JoinApiError } from './join-api.ts';
import type { Locale, LinkProblem, Messages } from './messages.ts';

const problems: readonly LinkProblem[] = ['JOIN_LINK_INVALID', 'JOIN_CALL_CANCELLED', 'JOIN_LINK_EXPIRED'];

function problemOf(error: unknown): LinkProblem {
  if (!(error instanceof JoinApiError)) return 'OTHER';
  if ((problems as readonly string[]).includes(error.code)) return error.code as LinkProblem;
  // The page sends only a supported locale, so a refused request means a token no link of Parley's has: one the
  // API's schema refuses (400) or too long for any link (414 URI_TOO_LONG).
  return error.status === 400 || error.status === 414 ? 'JOIN_LINK_INVALID' : 'OTHER';
}

/**
 * Why the link cannot be used, and what the person can do — never a stack trace or raw JSON. The page uses its
 * own catalogue's wording for each case, in the page's language.
 */
export function LinkProblemPage(props: { t: Messages; locale: Locale; error: unknown; onRetry: () => void }) {
  const { t, error } = props;
  const problem = problemOf(error);
  const text = t.link[problem];
  const serverMessage = error instanceof JoinApiError && error.code === problem && props.locale === 'en' && error.message.trim() !== '' ? error.message : null;
  return (
    <section class="join-card join-problem" aria-labelledby="problem-heading" data-testid="link-problem" data-problem={problem}>
      <h1 id="problem-heading">{text.title}</h1>
      <p>{serverMessage ?? text.text}</p>
      {/* The server's message already says what to do; the catalogue's advice is for the other cases. */}
      {serverMessage === null && <p>{text.todo}</p>}
      {problem === 'OTHER' && (
        <>
          <div class="join-actions">
            <button type="button" class="join-button join-button-primary" onClick={props.onRetry}>
              {t.retry}
            </button>
          </div>
          <ErrorReference t={t} error={error} />
        </>
      )}
    </section>
  );
}
