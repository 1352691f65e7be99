import { jest } from '@jest/globals';
import fc from 'fast-check';
import PDFDocument from 'pdfkit';

import { resolveFontFile } from './report-templates.js';
import type { TableColumn, TableStyle } from './table.js';
import { contentBottom, drawTable, encodeLatin, tableText, TextMeasurer } from './table.js';

const REGULAR = resolveFontFile('DejaVuSans.ttf');
const BOLD = resolveFontFile('DejaVuSans-Bold.ttf');
const style: TableStyle = {
  regularFont: REGULAR,
  boldFont: BOLD,
  fontSize: 7,
  textColor: '#000000',
  mutedColor: '#666666',
  headerBg: '#eeeeee',
  ruleColor: '#cccccc',
  stripeBg: '#f8f8f8',
};

interface Row {
  id: string;
  note: string;
}
const columns: TableColumn<Row>[] = [
  { header: 'Row id', width: 1, value: (r) => r.id },
  { header: 'Note', width: 3, value: (r) => r.note },
];

interface Drawn {
  page: number;
  text: string;
  y: number;
}

/** Renders `rows` and records every text line the table wrote, with its page. */
function renderRows(rows: Row[]): { drawn: Drawn[]; bottom: number; lineH: number; pages: number } {
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: true, font: REGULAR });
  doc.on('data', () => undefined);
  const drawn: Drawn[] = [];
  type Doc = PDFKit.PDFDocument;
  // Cells reach the page through tableText.drawLine, the continued label through doc.text.
  const text = doc.text.bind(doc) as (
    t: string,
    x?: number,
    y?: number,
    o?: PDFKit.Mixins.TextOptions,
  ) => Doc;
  doc.text = ((t: string, x?: number, y?: number, o?: PDFKit.Mixins.TextOptions) => {
    drawn.push({ page: doc.bufferedPageRange().count, text: t, y: y ?? doc.y });
    return text(t, x, y, o);
  }) as Doc['text'];
  const drawLine = tableText.drawLine;
  const spy = jest
    .spyOn(tableText, 'drawLine')
    .mockImplementation((d: PDFKit.PDFDocument, t: string, x: number, y: number) => {
      drawn.push({ page: doc.bufferedPageRange().count, text: t, y });
      drawLine(d, t, x, y);
    });
  doc.y = 700; // start near the bottom: the first row must not be orphaned from its header
  drawTable(doc, columns, rows, style, { continuedLabel: 'Table (continued)' });
  spy.mockRestore();
  const pages = doc.bufferedPageRange().count;
  const bottom = contentBottom(doc);
  doc.end();
  return { drawn, bottom, lineH: style.fontSize * 1.22, pages };
}

describe('drawTable', () => {
  const rows: Row[] = Array.from({ length: 400 }, (_, i) => ({
    id: `row-${i}`,
    // every seventh row wraps onto several lines; a few carry an explicit line break
    note:
      i % 7 === 0
        ? `long note ${i} `.repeat(30).trim()
        : i % 11 === 0
          ? `first line ${i}\nsecond line ${i}`
          : `note ${i}`,
  }));
  const { drawn, bottom, lineH, pages } = renderRows(rows);

  it('spans several pages and repeats the header row at the top of each', () => {
    expect(pages).toBeGreaterThan(3);
    for (let p = 1; p <= pages; p++) {
      const onPage = drawn.filter((d) => d.page === p);
      const firstRow = onPage.findIndex((d) => d.text.startsWith('row-'));
      const before = onPage.slice(0, firstRow).map((d) => d.text);
      expect(before).toContain('Row id');
      expect(before).toContain('Note');
      if (p > 1) expect(before[0]).toBe('Table (continued)');
    }
  });

  it('never draws below the bottom margin (where the footer goes)', () => {
    for (const d of drawn) expect(d.y + lineH).toBeLessThanOrEqual(bottom + 0.01);
  });

  it('never splits a row across pages, and keeps every row in order', () => {
    for (let i = 0; i < rows.length; i++) {
      const idPage = drawn.find((d) => d.text === `row-${i}`)!.page;
      const notePages = new Set(
        drawn
          .filter((d) => new RegExp(`(^| )${i}$`).test(d.text) || d.text.includes(` ${i} `))
          .map((d) => d.page),
      );
      expect([...notePages]).toEqual([idPage]);
    }
    const order = drawn.filter((d) => d.text.startsWith('row-')).map((d) => Number(d.text.slice(4)));
    expect(order).toEqual(rows.map((_, i) => i));
  });

  it('wraps long cell text onto several lines instead of overflowing the column', () => {
    const lines = drawn.filter((d) => d.text.includes('long note 0'));
    expect(lines.length).toBeGreaterThan(2);
  });
});

describe('TextMeasurer.wrap', () => {
  const doc = new PDFDocument({ font: REGULAR });
  const m = new TextMeasurer(doc);

  it('breaks ids and hashes at punctuation first, then between characters', () => {
    const lines = m.wrap('ws-réception-03', m.width('ws-réception-', REGULAR, 7) + 1, REGULAR, 7);
    expect(lines).toEqual(['ws-réception-', '03']);
    const hash = 'a'.repeat(64);
    const parts = m.wrap(hash, 60, REGULAR, 7);
    expect(parts.join('')).toBe(hash);
    for (const p of parts) expect(m.width(p, REGULAR, 7)).toBeLessThanOrEqual(60);
  });

  it('fits text on one line with an ellipsis', () => {
    const fitted = m.fit('Northwind Dental Group — October 2026', 60, REGULAR, 9);
    expect(fitted.endsWith('…')).toBe(true);
    expect(m.width(fitted, REGULAR, 9)).toBeLessThanOrEqual(60);
  });

  it('measures Latin text as pdfkit draws it, kerning included, without shaping each string', () => {
    for (const font of [REGULAR, BOLD]) {
      for (let a = 0x21; a < 0x7f; a++) {
        for (let b = 0x21; b < 0x7f; b++) {
          const text = String.fromCharCode(a, b);
          expect(m.width(text, font, 7)).toBeCloseTo(m.shapedWidth(text, font, 7), 4);
        }
      }
      const words = [
        'srv-zürich-01',
        'Tokyo AVATAR',
        'To. Wa, Yo',
        'KB5044284',
        'Łódź-ŝtation',
        'superseded-remediated',
      ];
      for (const w of words) expect(m.width(w, font, 7)).toBeCloseTo(m.shapedWidth(w, font, 7), 3);
    }
    // Measuring never changes what is drawn next (a pair is shaped at a size of one em per font unit).
    const fresh = new PDFDocument({ font: REGULAR });
    fresh.font(BOLD).fontSize(9);
    const state = fresh as unknown as { _font: unknown; _fontSize: number };
    const [font, size] = [state._font, state._fontSize];
    new TextMeasurer(fresh).width('Within 7 days, AVATAR Tokyo', REGULAR, 7);
    expect([state._font, state._fontSize]).toEqual([font, size]);
    // Other scripts are shaped, as drawn.
    expect(m.width('東京-db-02', REGULAR, 7)).toBe(m.shapedWidth('東京-db-02', REGULAR, 7));
  });
});

describe('encodeLatin', () => {
  type Encoded = [string[], { xAdvance: number; xOffset: number; yOffset: number; advanceWidth: number }[]];
  const fontOf = (file: string) => {
    const doc = new PDFDocument({ font: file });
    return (doc as unknown as { _font: Parameters<typeof encodeLatin>[0] & { encode(t: string): Encoded } })
      ._font;
  };

  it('gives the glyphs and positions pdfkit gives, kerning included, or leaves the text to pdfkit', () => {
    for (const file of [REGULAR, BOLD]) {
      const font = fontOf(file);
      const unit = fc.constantFrom(...'AVTaoWy.,- 0123456789:ffilzüÅŁß—'.split(''), 'T', 'o', ' ');
      fc.assert(
        fc.property(fc.string({ unit, maxLength: 24 }), (text) => {
          const fast = encodeLatin(font, text);
          const [glyphs, positions] = font.encode(text);
          if (fast === null) {
            // Other scripts (here the em dash), or a pair the font joins into one glyph (fi, fl, ff).
            expect(/[^\u0020-\u024f]/.test(text) || glyphs.length < text.length).toBe(true);
            return;
          }
          expect(fast[0]).toEqual(glyphs);
          expect(fast[1].map((p) => p.advanceWidth)).toEqual(positions.map((p) => p.advanceWidth));
          fast[1].forEach((p, i) => expect(p.xAdvance).toBeCloseTo(positions[i].xAdvance, 9));
        }),
        { numRuns: 400 },
      );
      for (const text of ['srv-zürich-01.example', 'AVATAR To Wa', '2026-10-01', 'KB5044284', 'remediated']) {
        const fast = encodeLatin(font, text)!;
        expect(fast[0]).toEqual(font.encode(text)[0]);
      }
      expect(encodeLatin(font, 'affirm')).toBeNull();
      expect(encodeLatin(font, '東京-db-02')).toBeNull();
    }
  });
});
