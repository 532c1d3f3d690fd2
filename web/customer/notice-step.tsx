import type { JoinInfo, NoticeSection } from './join-api.ts';
import type { Messages } from './messages.ts';
import { safeHref } from './safe-href.ts';

/**
 * The whole Art. 13 notice, as the server rendered it for this call type and language (G15, G16), with its
 * version. The button only records that the person has read it: it is not consent to anything (G8), and the
 * camera and microphone are asked for only after it.
 */
export function NoticeStep(props: { t: Messages; info: JoinInfo; onAcknowledge: () => void }) {
  const { t, info } = props;
  const { notice } = info;
  return (
    <section class="join-card" aria-labelledby="step-heading" data-testid="privacy-notice">
      <h2 id="step-heading" tabIndex={-1}>
        {notice.title}
      </h2>
      <p class="join-muted" data-testid="notice-version">
        {t.notice.version(notice.notice.version)}
      </p>
      <p class="join-note">{t.notice.lead(info.call.organisationName)}</p>
      <p class="join-paragraph">{notice.intro}</p>
      {notice.sections.map((section) => (
        <NoticeSectionView key={section.key} section={section} />
      ))}
      {notice.footer && <p class="join-paragraph join-muted">{notice.footer}</p>}
      <div class="join-actions">
        <button type="button" class="join-button join-button-primary" onClick={props.onAcknowledge} aria-describedby="acknowledge-hint">
          {t.notice.acknowledge}
        </button>
        <p id="acknowledge-hint" class="join-hint">
          {t.notice.acknowledgeHint}
        </p>
      </div>
    </section>
  );
}

function NoticeSectionView(props: { section: NoticeSection }) {
  const { section } = props;
  const links = section.links.flatMap((l) => {
    const href = safeHref(l.href);
    return href ? [{ href, label: l.label }] : [];
  });
  return (
    <section class="notice-section" data-section={section.key}>
      <h3>{section.heading}</h3>
      {section.paragraphs.map((p, i) => (
        <p key={i} class="join-paragraph">
          {p}
        </p>
      ))}
      {section.items.length > 0 && (
        <ul>
          {section.items.map((item, i) => (
            <li key={i}>{item}</li>
          ))}
        </ul>
      )}
      {links.length > 0 && (
        <ul class="notice-links">
          {links.map((l, i) => (
            <li key={i}>
              <a href={l.href} target="_blank" rel="noopener noreferrer">
                {l.label}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
