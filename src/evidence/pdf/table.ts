/**
 * A table for pdfkit that an auditor can read on paper: cell text wraps, the header row repeats on every page the
 * table spans, a row is never cut across a page break, and nothing is drawn below the bottom margin (the footer
 * lives there). It measures and wraps text itself and writes each line with `lineBreak: false`, which keeps pdfkit's
 * LineWrapper (the slow part) out of the loop: 10,000 rows render in a few seconds.
 */
import { nextTurn } from '../event-loop.js';

export type Doc = PDFKit.PDFDocument;

export interface TableColumn<R> {
  header: string;
  /** Relative width: the weights are scaled to the table's width. */
  width: number;
  align?: 'left' | 'right' | 'center';
  value: (row: R) => string;
  /** Text colour for this cell, e.g. a severity colour. */
  color?: (row: R) => string | undefined;
  bold?: boolean;
}

export interface TableStyle {
  regularFont: string;
  boldFont: string;
  fontSize: number;
  textColor: string;
  mutedColor: string;
  headerBg: string;
  ruleColor: string;
  stripeBg?: string;
  paddingX?: number;
  paddingY?: number;
}

export interface TableOptions<R> {
  x?: number;
  width?: number;
  /** Background for a whole row (e.g. a breach); wins over the stripe. */
  rowFill?: (row: R) => string | undefined;
  /** Shown above the repeated header on continuation pages, e.g. `Exceptions register (continued)`. */
  continuedLabel?: string;
}

/** Lowest y content may reach on the current page: the footer is drawn inside the bottom margin. */
export function contentBottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` points fit below doc.y. Returns true if it broke the page. */
export function ensureSpace(doc: Doc, height: number): boolean {
  if (doc.y + height <= contentBottom(doc)) return false;
  doc.addPage();
  return true;
}

/** pdfkit's font object for one face: its OpenType layout (`widthOfString`), and what `latinFace` reads. */
type PdfkitFont = LineFont & { widthOfString(text: string, size: number): number };
const LATIN_END = 0x250;
/** Latin text without combining marks (Basic Latin to Latin Extended-B): see `TextMeasurer.width`. */
const LATIN_ONLY = /^[\u0020-\u024f]*$/;
const SPACE = 0x20;

/** Greedy word wrap with a per-font width cache; words wider than the cell are broken between characters. */
export class TextMeasurer {
  private readonly cache = new Map<string, Map<number, Map<string, number>>>();
  private readonly faces = new Map<string, PdfkitFont>();
  private lastFont = '';
  private lastSize = 0;
  private last = new Map<string, number>();

  constructor(private readonly doc: Doc) {}

  /**
   * Width of `text` in points, as pdfkit draws it. Latin text is measured from its glyphs' advances plus the
   * adjustment of each adjacent pair (kerning), each pair shaped once per face: a 10,000-row table's unique ids and
   * keys then cost a lookup per character instead of an OpenType layout each (measuring was half the PDF's drawing
   * time). pdfkit lays text out word by word (a run ends after each space), so a pair that starts with a space is
   * not adjusted. Other scripts are shaped whole, as drawn.
   */
  width(text: string, font: string, size: number): number {
    if (!LATIN_ONLY.test(text)) return this.shapedWidth(text, font, size);
    const face = latinFace(this.face(font));
    let units = 0;
    let previous = -1;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      units += face.advance[code];
      if (previous >= 0 && previous !== SPACE) units += latinPair(face, previous, code);
      previous = code;
    }
    return (units * size) / 1000;
  }

  /**
   * pdfkit's font object for `font`, without changing the document's current font or size: measuring happens
   * between setting a cell's font and drawing its text.
   */
  private face(font: string): PdfkitFont {
    let face = this.faces.get(font);
    if (!face) {
      const doc = this.doc as unknown as { _font: PdfkitFont };
      const current = doc._font;
      this.doc.font(font);
      face = doc._font;
      doc._font = current;
      this.faces.set(font, face);
    }
    return face;
  }

  /** pdfkit's own measure (OpenType layout), cached per font, size and text. */
  shapedWidth(text: string, font: string, size: number): number {
    let m = this.last;
    if (font !== this.lastFont || size !== this.lastSize) {
      let bySize = this.cache.get(font);
      if (!bySize) {
        bySize = new Map();
        this.cache.set(font, bySize);
      }
      let found = bySize.get(size);
      if (!found) {
        found = new Map();
        bySize.set(size, found);
      }
      m = this.last = found;
      this.lastFont = font;
      this.lastSize = size;
    }
    let w = m.get(text);
    if (w === undefined) {
      w = this.face(font).widthOfString(text, size);
      m.set(text, w);
    }
    return w;
  }

  wrap(text: string, width: number, font: string, size: number): string[] {
    const lines: string[] = [];
    const space = this.width(' ', font, size);
    for (const paragraph of text.split('\n')) {
      let line = '';
      let lineWidth = 0;
      for (const word of paragraph.split(' ')) {
        if (word === '') continue;
        const w = this.width(word, font, size);
        if (line !== '' && lineWidth + space + w <= width) {
          line += ` ${word}`;
          lineWidth += space + w;
          continue;
        }
        if (line !== '') lines.push(line);
        if (w <= width) {
          line = word;
          lineWidth = w;
          continue;
        }
        const pieces = this.breakWord(word, width, font, size);
        line = pieces.pop() ?? '';
        lineWidth = this.width(line, font, size);
        lines.push(...pieces);
      }
      lines.push(line);
    }
    return lines;
  }

  /** Fits `text` on one line, ending with an ellipsis when cut. */
  fit(text: string, width: number, font: string, size: number): string {
    if (this.width(text, font, size) <= width) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.width(`${text.slice(0, mid)}…`, font, size) <= width) lo = mid;
      else hi = mid - 1;
    }
    return `${text.slice(0, lo)}…`;
  }

  /** Breaks after punctuation (`-`, `.`, `@`, `~`, `+`, `:`, `/`, `_`) where it can, between characters where it must. */
  private breakWord(word: string, width: number, font: string, size: number): string[] {
    const out: string[] = [];
    let piece = '';
    for (const seg of word.match(/[^-.@~+:/_]*[-.@~+:/_]?/g) ?? [word]) {
      if (seg === '') continue;
      if (this.width(piece + seg, font, size) <= width) {
        piece += seg;
        continue;
      }
      if (piece !== '') out.push(piece);
      piece = '';
      for (const ch of seg) {
        if (piece !== '' && this.width(piece + ch, font, size) > width) {
          out.push(piece);
          piece = ch;
        } else {
          piece += ch;
        }
      }
    }
    out.push(piece);
    return out;
  }
}

const measurers = new WeakMap<Doc, TextMeasurer>();
export function measurerFor(doc: Doc): TextMeasurer {
  let m = measurers.get(doc);
  if (!m) {
    m = new TextMeasurer(doc);
    measurers.set(doc, m);
  }
  return m;
}

/** Words up to this length are never broken inside (`production`, `srv-zürich-01`); ids and hashes may be. */
const UNBREAKABLE_WORD = 16;

/**
 * Column widths from the relative weights, widened where a header word or a short body word (sampled from the
 * first rows when `rows` is an array) would otherwise be broken between characters; the widening is taken from
 * the columns that have room to spare.
 */
function columnWidths<R>(
  m: TextMeasurer,
  columns: TableColumn<R>[],
  rows: Iterable<R>,
  width: number,
  style: TableStyle,
  padX: number,
): number[] {
  const total = columns.reduce((s, c) => s + c.width, 0);
  const widths = columns.map((c) => (c.width / total) * width);
  const sample = Array.isArray(rows) ? (rows as R[]).slice(0, 200) : [];
  const longest = (text: string, font: string): number =>
    Math.max(
      0,
      ...text
        .split(/\s+/)
        .filter((w) => w.length <= UNBREAKABLE_WORD)
        .map((w) => m.width(w, font, style.fontSize)),
    );
  const mins = columns.map((c) => {
    let w = longest(c.header, style.boldFont);
    const font = c.bold ? style.boldFont : style.regularFont;
    for (const r of sample) w = Math.max(w, longest(c.value(r), font));
    return Math.min(w + 2 * padX + 0.5, width / 2);
  });
  for (let pass = 0; pass < 4; pass++) {
    const deficit = widths.reduce((s, w, i) => s + Math.max(0, mins[i] - w), 0);
    if (deficit <= 0.01) break;
    const spare = widths.reduce((s, w, i) => s + Math.max(0, w - mins[i]), 0);
    if (spare <= 0) break;
    const take = Math.min(1, deficit / spare);
    for (let i = 0; i < widths.length; i++) {
      widths[i] = widths[i] < mins[i] ? mins[i] : widths[i] - (widths[i] - mins[i]) * take;
    }
  }
  return widths;
}

interface GlyphPosition {
  xAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
}
/** The parts of pdfkit's current font that `drawLine` uses (pdfkit 0.20: embedded and standard fonts alike). */
interface LineFont {
  id: string;
  /** In thousandths of an em. */
  ascender: number;
  /** Glyph ids as hex, and positions in thousandths of an em: pdfkit's own shaping (cached per word). */
  encode(text: string): [string[], GlyphPosition[]];
  ref(): unknown;
  /** Embedded fonts only: the fontkit face, its subset, and the widths and code points pdfkit embeds per subset glyph. */
  font?: {
    glyphForCodePoint(codePoint: number): { id: number; advanceWidth: number; codePoints: number[] };
    layout(text: string): {
      glyphs: { id: number; advanceWidth: number }[];
      positions: { xAdvance: number }[];
    };
  };
  subset?: { includeGlyph(glyphId: number): number };
  widths?: number[];
  unicode?: number[][];
  scale?: number;
}

/**
 * Latin metrics of one embedded face, in thousandths of an em, gathered as they are met and shared by measuring
 * (`TextMeasurer.width`) and drawing (`encodeLatin`): each code's advance and subset glyph, and each adjacent pair's
 * adjustment (kerning, or a ligature's width), shaped once.
 */
interface LatinFace {
  fontkit: NonNullable<LineFont['font']>;
  /** Thousandths of an em per font unit. */
  scale: number;
  advance: Float64Array;
  /** The pair a·b's adjustment at `a * LATIN_END + b`; NaN until shaped. */
  pair: Float64Array;
  /** 1 where the pair is not drawn as two glyphs with the adjustment after the first (a ligature such as fi). */
  joined: Uint8Array;
  /** Subset glyph ids as hex, filled when a code is first drawn (measuring never adds a glyph to the subset). */
  hex: (string | undefined)[];
}
const latinFaces = new WeakMap<LineFont, LatinFace>();

function latinFace(font: LineFont): LatinFace {
  let face = latinFaces.get(font);
  if (!face) {
    const fontkit = font.font;
    const scale = font.scale;
    if (!fontkit || !scale) throw new Error('Latin metrics need an embedded font');
    const advance = new Float64Array(LATIN_END);
    for (let code = SPACE; code < LATIN_END; code++)
      advance[code] = fontkit.glyphForCodePoint(code).advanceWidth * scale;
    face = {
      fontkit,
      scale,
      advance,
      pair: new Float64Array(LATIN_END * LATIN_END).fill(NaN),
      joined: new Uint8Array(LATIN_END * LATIN_END),
      hex: [],
    };
    latinFaces.set(font, face);
  }
  return face;
}

function latinPair(face: LatinFace, a: number, b: number): number {
  const at = a * LATIN_END + b;
  let adjustment = face.pair[at];
  if (Number.isNaN(adjustment)) {
    const { glyphs, positions } = face.fontkit.layout(String.fromCharCode(a, b));
    const total = positions.reduce((sum, p) => sum + p.xAdvance, 0) * face.scale;
    adjustment = face.pair[at] = total - face.advance[a] - face.advance[b];
    face.joined[at] = glyphs.length !== 2 || positions[1].xAdvance !== glyphs[1].advanceWidth ? 1 : 0;
  }
  return adjustment;
}

/**
 * `font.encode(text)` for Latin text, from each character's glyph and each adjacent pair's kerning, shaped once per
 * font: pdfkit shapes every distinct word with fontkit (OpenType layout), and the appendix's ids and dates are
 * mostly distinct words. The same glyphs and positions as pdfkit's own (the table spec compares them on random
 * text); null, and pdfkit shapes, for other scripts, tabs, or a pair that the font joins (DejaVu's fi, fl, ff
 * ligatures).
 */
export function encodeLatin(font: LineFont, text: string): [string[], GlyphPosition[]] | null {
  const { subset, widths, unicode } = font;
  if (!font.font || !subset || !widths || !unicode || !font.scale || !LATIN_ONLY.test(text)) return null;
  const face = latinFace(font);
  const hex: string[] = new Array<string>(text.length);
  const positions: GlyphPosition[] = new Array<GlyphPosition>(text.length);
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let h = face.hex[code];
    if (h === undefined) {
      const glyph = face.fontkit.glyphForCodePoint(code);
      const gid = subset.includeGlyph(glyph.id);
      widths[gid] ??= face.advance[code];
      unicode[gid] ??= glyph.codePoints;
      h = face.hex[code] = `0000${gid.toString(16)}`.slice(-4);
    }
    hex[i] = h;
    const advanceWidth = face.advance[code];
    positions[i] = { xAdvance: advanceWidth, xOffset: 0, yOffset: 0, advanceWidth };
    // pdfkit lays text out word by word, a run ending after each space: a pair starting with a space is not kerned.
    if (previous >= 0 && previous !== SPACE) {
      const kern = latinPair(face, previous, code);
      if (face.joined[previous * LATIN_END + code]) return null;
      positions[i - 1].xAdvance += kern;
    }
    previous = code;
  }
  return [hex, positions];
}
interface LineDoc {
  _font: LineFont;
  _fontSize: number;
  page: { fonts: Record<string, unknown> };
}

const pdfNumber = (n: number): number => Math.round(n * 1e6) / 1e6;

/**
 * One line of text with its top at (x, y) in the current font, size and colour: the glyphs and kerning of
 * `doc.text(text, x, y, { lineBreak: false })` (pdfkit's own `encode`), written as one text object. pdfkit's `text`
 * measures the line again, and wraps each line in a graphics state save, a transform and a restore, in eight
 * separate content writes; for the 90,000 cells of a 10,000-case appendix that was most of the PDF's time. The
 * text matrix flips y back (the page's coordinates run top-down); readers and `pdftotext` see the same text.
 * Glyphs with a vertical or horizontal offset (marks placed by the font) are left to pdfkit.
 */
function drawLine(doc: Doc, text: string, x: number, y: number): void {
  if (text === '') return;
  const d = doc as unknown as LineDoc;
  const font = d._font;
  const [encoded, positions] = encodeLatin(font, text) ?? font.encode(text);
  if (positions.some((p) => p.xOffset !== 0 || p.yOffset !== 0)) {
    doc.text(text, x, y, { lineBreak: false });
    return;
  }
  if (d.page.fonts[font.id] == null) d.page.fonts[font.id] = font.ref();
  // As pdfkit's TJ: a run of glyphs, then the kerning after its last glyph (0 for the final run).
  const runs: string[] = [];
  let last = 0;
  const run = (end: number) => {
    if (last >= end) return;
    const after = positions[end - 1];
    runs.push(`<${encoded.slice(last, end).join('')}> ${pdfNumber(-(after.xAdvance - after.advanceWidth))}`);
    last = end;
  };
  for (let i = 0; i < positions.length; i++) {
    if (positions[i].xAdvance - positions[i].advanceWidth !== 0) run(i + 1);
  }
  run(positions.length);
  const size = d._fontSize;
  const baseline = y + (font.ascender / 1000) * size;
  doc.addContent(
    `BT\n1 0 0 -1 ${pdfNumber(x)} ${pdfNumber(baseline)} Tm\n/${font.id} ${pdfNumber(size)} Tf\n[${runs.join(' ')}] TJ\nET`,
  );
}

/** How table cells reach the page; an object so that a spec can observe every line drawn. */
export const tableText = { drawLine };

interface Laid {
  lines: string[][];
  height: number;
}

/**
 * Draws `rows` from doc.y down, breaking pages as needed; leaves doc.y below the table and doc.x at its left edge.
 * Rows are consumed as an iterable, so a caller can stream them.
 */
export function drawTable<R>(
  doc: Doc,
  columns: TableColumn<R>[],
  rows: Iterable<R>,
  style: TableStyle,
  options: TableOptions<R> = {},
): void {
  for (const _ of tablePages(doc, columns, rows, style, options));
}

/**
 * `drawTable` for a table that grows with the data (the 10,000-case appendix: hundreds of pages, seconds of
 * drawing): it lets the event loop run at every page break, so the streams of the other pack parts (events.csv.gz
 * from the database, the XLSX) keep moving while the PDF is drawn.
 */
export async function drawTableYielding<R>(
  doc: Doc,
  columns: TableColumn<R>[],
  rows: Iterable<R>,
  style: TableStyle,
  options: TableOptions<R> = {},
): Promise<void> {
  for (const _ of tablePages(doc, columns, rows, style, options)) await nextTurn();
}

/** The table drawing itself; yields after each page break. */
function* tablePages<R>(
  doc: Doc,
  columns: TableColumn<R>[],
  rows: Iterable<R>,
  style: TableStyle,
  options: TableOptions<R>,
): Generator<void> {
  const m = measurerFor(doc);
  const x0 = options.x ?? doc.page.margins.left;
  const width = options.width ?? doc.page.width - doc.page.margins.right - x0;
  const padX = style.paddingX ?? 3;
  const padY = style.paddingY ?? 2.5;
  const size = style.fontSize;
  const lineH = size * 1.22;
  const widths = columnWidths(m, columns, rows, width, style, padX);
  const lefts = widths.map((_, i) => x0 + widths.slice(0, i).reduce((s, w) => s + w, 0));
  const inner = widths.map((w) => w - 2 * padX);

  const header: Laid = layRow(
    columns.map((c) => c.header),
    true,
  );

  function layRow(texts: string[], bold: boolean | boolean[]): Laid {
    const lines = texts.map((t, i) =>
      m.wrap(t, inner[i], (Array.isArray(bold) ? bold[i] : bold) ? style.boldFont : style.regularFont, size),
    );
    const n = Math.max(1, ...lines.map((l) => l.length));
    return { lines, height: n * lineH + 2 * padY };
  }

  function drawCells(laid: Laid, y: number, colors: (string | undefined)[], bold: boolean | boolean[]): void {
    // pdfkit writes a colour operator on every fillColor() call: skip the unchanged ones (10,000-row tables).
    let color = '';
    for (let i = 0; i < columns.length; i++) {
      const font = (Array.isArray(bold) ? bold[i] : bold) ? style.boldFont : style.regularFont;
      doc.font(font).fontSize(size);
      const c = colors[i] ?? style.textColor;
      if (c !== color) {
        doc.fillColor(c);
        color = c;
      }
      const align = columns[i].align ?? 'left';
      let ly = y + padY;
      for (const line of laid.lines[i]) {
        let lx = lefts[i] + padX;
        if (align !== 'left') {
          const free = inner[i] - m.width(line, font, size);
          lx += align === 'right' ? free : free / 2;
        }
        tableText.drawLine(doc, line, lx, ly);
        ly += lineH;
      }
    }
  }

  function drawHeader(continued: boolean): void {
    if (continued && options.continuedLabel) {
      doc.font(style.regularFont).fontSize(size).fillColor(style.mutedColor);
      doc.text(options.continuedLabel, x0, doc.y, { lineBreak: false });
      doc.y += lineH + 2;
    }
    const y = doc.y;
    doc.rect(x0, y, width, header.height).fill(style.headerBg);
    drawCells(header, y, [], true);
    doc
      .moveTo(x0, y + header.height)
      .lineTo(x0 + width, y + header.height)
      .lineWidth(0.8)
      .strokeColor(style.textColor)
      .stroke();
    doc.y = y + header.height;
  }

  /** The tallest row that fits on an empty page under the header; taller cells are cut with an ellipsis. */
  const pageTop = doc.page.margins.top;
  const continuedH = options.continuedLabel ? lineH + 2 : 0;
  const maxRowH = contentBottom(doc) - pageTop - header.height - continuedH;
  const maxLines = Math.max(1, Math.floor((maxRowH - 2 * padY) / lineH));

  const boldFlags = columns.map((c) => c.bold === true);
  let first = true;
  let index = 0;
  for (const row of rows) {
    const texts = columns.map((c) => c.value(row));
    const laid = layRow(texts, boldFlags);
    if (laid.height > maxRowH) {
      laid.lines = laid.lines.map((ls, i) =>
        ls.length > maxLines
          ? [
              ...ls.slice(0, maxLines - 1),
              m.fit(
                `${ls[maxLines - 1]} …`,
                inner[i],
                boldFlags[i] ? style.boldFont : style.regularFont,
                size,
              ),
            ]
          : ls,
      );
      laid.height = maxLines * lineH + 2 * padY;
    }
    if (first) {
      ensureSpace(doc, header.height + laid.height);
      drawHeader(false);
      first = false;
    } else if (doc.y + laid.height > contentBottom(doc)) {
      doc.addPage();
      drawHeader(true);
      yield;
    }
    const y = doc.y;
    const fill = options.rowFill?.(row) ?? (index % 2 === 1 ? style.stripeBg : undefined);
    if (fill) doc.rect(x0, y, width, laid.height).fill(fill);
    drawCells(
      laid,
      y,
      columns.map((c) => c.color?.(row)),
      boldFlags,
    );
    doc
      .moveTo(x0, y + laid.height)
      .lineTo(x0 + width, y + laid.height)
      .lineWidth(0.3)
      .strokeColor(style.ruleColor)
      .stroke();
    doc.y = y + laid.height;
    index++;
  }
  if (first) {
    // An empty table still shows its header, so the reader sees what would have been listed.
    ensureSpace(doc, header.height);
    drawHeader(false);
  }
  doc.x = x0;
  doc.fillColor(style.textColor);
}
