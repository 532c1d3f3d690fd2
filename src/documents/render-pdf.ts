import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Token } from 'markdown-it';
import { markdownParser } from './render-html.ts';

/**
 * PDF from the same Markdown source, with pdfkit: headings, paragraphs and bullet lists, bold and italic runs.
 * The fonts are DejaVu Sans (from the `dejavu-fonts-ttf` package), embedded, so text outside Latin-1 — and the
 * German „quotes“ and ä/ö/ü/ß — survive; pdfkit's built-in fonts cover Latin-1 only.
 */
const require = createRequire(import.meta.url);
const fontDir = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf').replace(/DejaVuSans\.ttf$/, '');
const fonts = {
  regular: `${fontDir}DejaVuSans.ttf`,
  bold: `${fontDir}DejaVuSans-Bold.ttf`,
  italic: `${fontDir}DejaVuSans-Oblique.ttf`,
  boldItalic: `${fontDir}DejaVuSans-BoldOblique.ttf`,
};

interface Run {
  readonly text: string;
  readonly bold: boolean;
  readonly italic: boolean;
}

/** Inline tokens as styled runs; markup inside values was escaped, so it arrives here as plain text. */
function runsOf(inline: Token): Run[] {
  const runs: Run[] = [];
  let bold = 0;
  let italic = 0;
  for (const t of inline.children ?? []) {
    switch (t.type) {
      case 'strong_open':
        bold++;
        break;
      case 'strong_close':
        bold--;
        break;
      case 'em_open':
        italic++;
        break;
      case 'em_close':
        italic--;
        break;
      case 'softbreak':
      case 'hardbreak':
        runs.push({ text: ' ', bold: bold > 0, italic: italic > 0 });
        break;
      default:
        if (t.content) runs.push({ text: t.content, bold: bold > 0, italic: italic > 0 });
    }
  }
  return runs.filter((r) => r.text !== '');
}

const fontOf = (r: { bold: boolean; italic: boolean }) => (r.bold ? (r.italic ? 'boldItalic' : 'bold') : r.italic ? 'italic' : 'regular');

const headingSizes: Record<string, number> = { h1: 18, h2: 14, h3: 12 };

export async function renderPdf(source: string, options: { title: string; lang: string }): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: options.title, Creator: 'Parley' }, lang: options.lang, autoFirstPage: true });
  for (const [name, file] of Object.entries(fonts)) doc.registerFont(name, file);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const write = (runs: Run[], opts: { size: number; x: number; width: number; bold?: boolean }) => {
    if (runs.length === 0) return;
    doc.fontSize(opts.size);
    runs.forEach((r, i) => {
      doc.font(fontOf({ bold: r.bold || opts.bold === true, italic: r.italic }));
      const continued = i < runs.length - 1;
      if (i === 0) doc.text(r.text, opts.x, doc.y, { width: opts.width, continued });
      else doc.text(r.text, { continued });
    });
  };

  const tokens = markdownParser.parse(source, {});
  let heading: string | null = null;
  let listDepth = 0;
  let inItem = false;
  for (const t of tokens) {
    switch (t.type) {
      case 'heading_open':
        heading = t.tag;
        doc.moveDown(t.tag === 'h1' ? 0 : 0.6);
        break;
      case 'heading_close':
        heading = null;
        doc.moveDown(0.3);
        break;
      case 'bullet_list_open':
        listDepth++;
        break;
      case 'bullet_list_close':
        listDepth--;
        if (listDepth === 0) doc.moveDown(0.4);
        break;
      case 'list_item_open':
        inItem = true;
        break;
      case 'list_item_close':
        inItem = false;
        break;
      case 'paragraph_close':
        if (!inItem) doc.moveDown(0.5);
        break;
      case 'inline': {
        const runs = runsOf(t);
        if (heading) {
          write(runs, { size: headingSizes[heading] ?? 12, x: left, width, bold: true });
        } else if (inItem) {
          const indent = 14 * listDepth;
          // Keep the bullet on the page its text starts on.
          if (doc.y + 14 > doc.page.height - doc.page.margins.bottom) doc.addPage();
          const y = doc.y;
          doc.font('regular').fontSize(10).text('•', left + indent - 10, y, { width: 10, lineBreak: false });
          doc.y = y;
          write(runs, { size: 10, x: left + indent, width: width - indent });
          doc.moveDown(0.15);
        } else {
          write(runs, { size: 10, x: left, width });
        }
        break;
      }
      default:
        break;
    }
  }
  doc.end();
  return done;
}
