import type { ExportData, ExportManifest } from './export.schema.ts';
import { exportTexts, type ExportLocale } from './export-texts.ts';

/**
 * The summary page of an access export (issue 12, finding 9): one self-contained HTML file in the requester's
 * language that a person can open by double-clicking it in the ZIP. It lists what data.json holds — calls,
 * consents, chat, recordings, requests, mails — and what each means, then the Art. 15 information of the manifest
 * (purposes, recipients, storage, retention, rights, complaint). Nothing is loaded and nothing runs: no scripts,
 * no images or fonts, a Content-Security-Policy of `default-src 'none'` with only the inline style allowed, so
 * opening the file tells nobody anything. Every value is escaped; chat text is shown as written, never as markup.
 */

export interface SummaryInput {
  readonly locale: ExportLocale;
  readonly timeZone: string;
  readonly data: ExportData;
  readonly manifest: ExportManifest;
  /** Absolute address of the organisation's rights page (the file is opened offline, so not a path). */
  readonly rightsPageUrl: string;
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Markup built by this file only; anything else passed to `html` is escaped. */
class Html {
  constructor(readonly value: string) {}
}

function html(strings: TemplateStringsArray, ...values: (string | number | Html | readonly Html[] | null)[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    if (v instanceof Html) out += v.value;
    else if (Array.isArray(v)) out += (v as readonly Html[]).map((h) => h.value).join('');
    else if (v !== null) out += escape(String(v));
    out += strings[i + 1]!;
  });
  return new Html(out);
}

const STYLE = `
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2430; background: #f6f7f9; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
section { background: #fff; border: 1px solid #dde2e8; border-radius: 10px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 0 0 0.5rem; }
p, li { overflow-wrap: anywhere; }
.muted { color: #5b6674; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.5rem; border-bottom: 1px solid #e6e9ee; overflow-wrap: anywhere; }
th { font-weight: 600; background: #f2f4f7; }
dl { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: 0.25rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; white-space: pre-line; }
.chat { white-space: pre-wrap; }
footer { color: #5b6674; font-size: 0.9rem; }
@media print { body { background: #fff; } section { border: 0; padding: 0; } }
`;

export function renderExportSummary(input: SummaryInput): string {
  const { locale, data, manifest } = input;
  const t = exportTexts[locale];
  const s = t.summary;
  const dateTime = new Intl.DateTimeFormat(t.dateLocale, { dateStyle: 'long', timeStyle: 'short', timeZone: input.timeZone });
  const dateOnly = new Intl.DateTimeFormat(t.dateLocale, { dateStyle: 'long', timeZone: input.timeZone });
  const when = (iso: string | null) => (iso ? dateTime.format(new Date(iso)) : '—');
  const timeOnly = new Intl.DateTimeFormat(t.dateLocale, { timeStyle: 'short', timeZone: input.timeZone });
  /** The end of a span: only the time when it is the same day as the start. */
  const until = (from: string, to: string) => (dateOnly.format(new Date(from)) === dateOnly.format(new Date(to)) ? timeOnly.format(new Date(to)) : when(to));
  const day = (iso: string) => dateOnly.format(new Date(iso));
  const words = (map: Readonly<Record<string, string>>, key: string | null) => (key !== null && key in map ? map[key]! : '—');

  const calls = new Map(data.calls.map((c) => [c.id, c]));
  const callLabel = (callId: string) => {
    const c = calls.get(callId);
    return c ? `${when(c.startsAt)} — ${c.callType.name}` : '—';
  };

  const table = (head: readonly string[], rows: readonly (readonly (string | Html)[])[]) =>
    rows.length === 0
      ? html`<p class="muted">${s.none}</p>`
      : html`<table><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
          (r) => html`<tr>${r.map((cell) => html`<td>${cell}</td>`)}</tr>`,
        )}</tbody></table>`;
  const section = (heading: string, ...body: Html[]) => html`<section><h2>${heading}</h2>${body}</section>`;
  const para = (text: string, cls: string | null = null) => (cls ? html`<p class="${cls}">${text}</p>` : html`<p>${text}</p>`);

  const controller = manifest.controller;
  const dpo = controller.dataProtectionOfficer;
  const parts: Html[] = [];

  parts.push(
    section(
      s.headings.controller,
      html`<dl>
<dt>${s.controller.name}</dt><dd>${controller.name}</dd>
<dt>${s.controller.address}</dt><dd>${controller.address || '—'}</dd>
<dt>${s.controller.contact}</dt><dd>${controller.contactEmail || '—'}</dd>
<dt>${s.controller.dpo}</dt><dd>${[dpo.name, dpo.email, dpo.phone].filter((v) => v).join(', ') || '—'}</dd>
</dl>`,
    ),
  );

  const subject = data.subject;
  parts.push(
    section(
      s.headings.contact,
      subject
        ? html`<dl>
<dt>${s.contact.name}</dt><dd>${subject.displayName}</dd>
<dt>${s.contact.email}</dt><dd>${subject.email}</dd>
<dt>${s.contact.since}</dt><dd>${day(subject.createdAt)}</dd>
<dt>${s.contact.deletedOn}</dt><dd>${day(subject.expiresAt)}</dd>
${subject.restrictedAt ? html`<dt>${s.contact.restricted}</dt><dd>${day(subject.restrictedAt)}</dd>` : null}
</dl>`
        : para(s.nothingOnFile),
      para(s.explain.categories),
      table(
        [s.columns.category, s.columns.items],
        manifest.dataCategories.map((c) => [html`<strong>${t.categoryNames[c.category] ?? c.category}</strong><br>${c.description}`, String(c.items)]),
      ),
    ),
  );

  const attendanceOf = (callId: string) => data.attendance.filter((a) => a.callId === callId);
  parts.push(
    section(
      s.headings.calls,
      para(s.explain.calls, 'muted'),
      table(
        [s.columns.when, s.columns.callType, s.columns.status, s.columns.inCall],
        data.calls.map((c) => {
          const visits = attendanceOf(c.id);
          return [
            when(c.startsAt),
            c.callType.name,
            words(s.callStatus, c.status),
            visits.length === 0 ? s.notAttended : visits.map((v) => s.attended(when(v.joinedAt), v.leftAt ? until(v.joinedAt, v.leftAt) : null)).join('; '),
          ];
        }),
      ),
    ),
  );

  const purposeLabel = (purpose: string) => t.purposes[purpose]?.label ?? purpose;
  parts.push(
    section(
      s.headings.consents,
      para(s.explain.consents, 'muted'),
      table(
        [s.columns.when, s.columns.call, s.columns.question, s.columns.decision, s.columns.where, s.columns.notice],
        data.consentRecords.map((r) => [
          when(r.recordedAt),
          callLabel(r.callId),
          purposeLabel(r.purpose),
          s.decisions[r.action],
          words(s.methods, r.method),
          s.noticeVersion(r.noticeVersion),
        ]),
      ),
    ),
  );

  parts.push(
    section(
      s.headings.chat,
      para(s.explain.chat, 'muted'),
      table(
        [s.columns.when, s.columns.call, s.columns.message],
        data.chatMessages.map((m) => [when(m.sentAt), callLabel(m.callId), html`<span class="chat">${m.text}</span>`]),
      ),
    ),
  );

  parts.push(
    section(
      s.headings.recordings,
      para(s.explain.recordings, 'muted'),
      table(
        [s.columns.when, s.columns.call, s.columns.what, s.columns.basis, s.columns.length, s.columns.status, s.columns.file],
        data.recordingTracks.map((tr) => [
          when(tr.startedAt),
          callLabel(tr.callId),
          words(s.trackSources, tr.source),
          words(s.trackBases, tr.basis),
          s.duration(tr.durationMs),
          words(s.trackStatus, tr.status),
          // A relative link: it opens the file next to this page once the ZIP is unpacked.
          tr.file ? html`<a href="${tr.file}">${s.play}</a>` : tr.status === 'complete' || tr.status === 'incomplete' ? s.noFile.e2ee : s.noFile.notPlayable,
        ]),
      ),
    ),
  );

  parts.push(
    section(
      s.headings.requests,
      para(s.explain.requests, 'muted'),
      table(
        [s.columns.when, s.columns.request, s.columns.status, s.columns.answered],
        data.rightsRequests.map((r) => [when(r.receivedAt), words(s.requestTypes, r.type), words(s.requestStatus, r.status), r.completedAt ? when(r.completedAt) : '—']),
      ),
    ),
  );

  parts.push(
    section(
      s.headings.mails,
      para(s.explain.mails, 'muted'),
      table(
        [s.columns.when, s.columns.what, s.columns.status],
        data.mails.map((m) => [when(m.createdAt), s.mailKinds[m.kind] ?? s.otherMail, words(s.mailStatus, m.status)]),
      ),
    ),
  );

  parts.push(section(s.headings.purposes, html`<ul>${manifest.purposes.map((p) => html`<li>${p.description}</li>`)}</ul>`));

  const noticeText = (texts: Record<string, string>) => {
    const text = texts[locale]?.trim();
    return text ? text.split(/\n\s*\n/).map((p) => para(p.trim())) : [para(s.noticeTextMissing, 'muted')];
  };
  parts.push(section(s.headings.recipients, ...noticeText(manifest.recipients.text)));
  parts.push(section(s.headings.transfers, para(manifest.recipients.storage.eea ? s.storage.eea : s.storage.outside), ...noticeText(manifest.transfers.text)));

  parts.push(
    section(
      s.headings.retention,
      table(
        [s.columns.category, s.columns.period],
        manifest.retention.map((r) => [
          r.callType ? `${t.categoryNames[r.category] ?? r.category} (${r.callType.name})` : (t.categoryNames[r.category] ?? r.category),
          r.note,
        ]),
      ),
    ),
  );

  const use = s.useRights(dpo.email || controller.contactEmail);
  parts.push(
    section(
      s.headings.rights,
      html`<ul>${manifest.rights.map((r) => html`<li>${r.description} (${r.article})</li>`)}</ul>`,
      html`<p>${use.before}<a href="${input.rightsPageUrl}">${use.link}</a>${use.after}</p>`,
    ),
  );
  parts.push(section(s.headings.complaint, para(manifest.complaint.text)));
  parts.push(section(s.headings.source, para(manifest.source.text)));
  parts.push(section(s.headings.automated, para(manifest.automatedDecisions.text)));

  const made = when(manifest.generatedAt);
  const page = html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${s.title(controller.name)}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<main>
<h1>${s.title(controller.name)}</h1>
<section>
${para(s.intro(made))}
<ul>${s.howToRead.map((line) => html`<li>${line}</li>`)}</ul>
</section>
${parts}
<footer><p>${s.footer(made)}</p></footer>
</main>
</body>
</html>
`;
  return page.value;
}
