import MarkdownIt from 'markdown-it';

/**
 * HTML from the Markdown source. markdown-it is configured so that no raw HTML passes (`html: false`: a `<script>`
 * in the source is shown as text) and links are only those markdown-it validates (no `javascript:`). Values are
 * escaped in the Markdown already (markdown.ts); this is the second wall.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const style = `body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}h3{font-size:1.05rem}li{margin:.25rem 0}`;

/** The document's body as an HTML fragment. */
export function renderHtmlFragment(source: string): string {
  return markdown.render(source);
}

/** A complete, standalone HTML page (what `format=html` returns and the console shows in a sandboxed frame). */
export function renderHtmlPage(source: string, options: { title: string; lang: string }): string {
  return `<!doctype html>
<html lang="${escapeHtml(options.lang)}">
<head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title><style>${style}</style></head>
<body>
${renderHtmlFragment(source)}</body>
</html>
`;
}

export { markdown as markdownParser };
