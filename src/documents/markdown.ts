/**
 * Markdown is the source of every generated document; HTML and PDF are rendered from it. Configuration values
 * (an organisation's name, an address, a sub-processor) are untrusted text, so they never reach the Markdown as
 * is: the `md` tag escapes every interpolated value, and only fragments built with `md` itself pass through.
 * An organisation called `<script>…` or `**bold**` therefore stays literal text in all three formats.
 */

/** A Markdown fragment that is safe to embed: built by `md`, never from a raw string. */
export class Md {
  private constructor(readonly text: string) {}
  /** Only for this module: fixed text written by Parley itself. */
  static trusted(text: string): Md {
    return new Md(text);
  }
}

/**
 * Escapes text for CommonMark inline content: characters that can start markup anywhere are backslash-escaped
 * (CommonMark lets any ASCII punctuation be escaped), characters that only start a block at the beginning of a
 * line are escaped there, and line breaks become ", " (a value stays inside its paragraph or list item).
 */
export function escapeMarkdown(value: string): string {
  const oneLine = value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(', ');
  const inline = oneLine.replace(/[\\`*_[\]<>#|~!&{}]/g, '\\$&');
  return inline.replace(/^([-+=:]|\d+(?=[.)]))/, (m) => (/^\d/.test(m) ? `${m}\\` : `\\${m}`));
}

export type MdValue = string | number | Md;

const fragment = (v: MdValue): string => (v instanceof Md ? v.text : escapeMarkdown(String(v)));

/** Tagged template: the literal parts are Markdown, every `${value}` is escaped unless it is an `Md` itself. */
export function md(strings: TemplateStringsArray, ...values: MdValue[]): Md {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += fragment(v) + (strings[i + 1] ?? '');
  });
  return Md.trusted(out);
}

/** Joins fragments with a separator written by Parley. */
export function join(parts: readonly MdValue[], separator: string): Md {
  return Md.trusted(parts.map(fragment).join(separator));
}

/** Builds a document block by block: headings, paragraphs and bullet lists (all the renderers need). */
export class MarkdownDocument {
  readonly #blocks: string[] = [];

  heading(level: 1 | 2 | 3, text: MdValue): this {
    this.#blocks.push(`${'#'.repeat(level)} ${fragment(text)}`);
    return this;
  }

  paragraph(text: MdValue): this {
    this.#blocks.push(fragment(text));
    return this;
  }

  list(items: readonly MdValue[]): this {
    if (items.length > 0) this.#blocks.push(items.map((i) => `- ${fragment(i)}`).join('\n'));
    return this;
  }

  toString(): string {
    return `${this.#blocks.join('\n\n')}\n`;
  }
}
