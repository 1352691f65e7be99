/**
 * The insurer attestation as a one-page PDF: header, who/when/which pack, the questions and answers as a table, the
 * statement, scope and limits, and a signature block with a box reserved for a visible digital signature.
 *
 * One page is a promise to the reader (underwriters staple it to a renewal file), so the layout is measured before
 * it is drawn: the text shrinks step by step, and only if the smallest size still does not fit are long lists cut
 * to their first lines with a pointer to the evidence pack. Drawing never lets pdfkit add a page; if it would, the
 * render fails rather than hand out a second page nobody asked for.
 *
 * Deterministic: no clock, UTC formatting, fonts embedded from the dejavu-fonts-ttf package, and CreationDate =
 * ModDate = the attestation's as-of instant (pdfkit derives the trailer /ID from the info dictionary), so the same
 * attestation and wording give the same bytes.
 */
import { createRequire } from 'node:module';

import PDFDocument from 'pdfkit';

import type { AttestationWording, InsurerAttestation } from './attestation.js';
import { commonPlaceholders, fillTemplate } from './attestation.js';

type Doc = PDFKit.PDFDocument;

export interface SignatureBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RenderAttestationPdfOptions {
  /**
   * Called once after the page is drawn and before the document ends, with doc.x/doc.y at the top-left of the box
   * reserved for a visible signature (e.g. @signpdf's pdfkit placeholder).
   */
  signaturePlaceholder?: (doc: Doc, box: SignatureBox) => void;
  fontPath: string;
  boldFontPath: string;
}

const require = createRequire(import.meta.url);

/** DejaVu Sans from the dejavu-fonts-ttf package: wide Unicode coverage (ü, Å, ø, …) and embeddable. */
export function defaultAttestationFonts(): { fontPath: string; boldFontPath: string } {
  return {
    fontPath: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    boldFontPath: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  };
}

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { top: 40, bottom: 30, left: 46, right: 46 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const COLORS = {
  text: '#1d2939',
  muted: '#667085',
  rule: '#d0d5dd',
  primary: '#0b4f6c',
  headerBg: '#e9eef5',
  stripe: '#f8fafc',
  alert: '#b42318',
  box: '#f4f6f9',
};
const REGULAR = 'AttestationRegular';
const BOLD = 'AttestationBold';
/**
 * (font scale, lines per answer) tried in order: first shrink a little, then cut long lists, and only then shrink
 * further, because a legible page with "and 12 more" beats a complete page nobody can read.
 */
const LINE_CAPS = [Infinity, 8, 5, 3, 2];
const ATTEMPTS: { s: number; cap: number }[] = [
  ...LINE_CAPS.flatMap((cap) => [1, 0.94, 0.88].map((s) => ({ s, cap }))),
  ...LINE_CAPS.flatMap((cap) => [0.82, 0.76, 0.7].map((s) => ({ s, cap }))),
];
const QUESTION_SHARE = 0.37;
const PAD = 4;

interface Ctx {
  doc: Doc;
  s: number;
  draw: boolean;
  y: number;
}

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function setFont(doc: Doc, bold: boolean, size: number): void {
  doc.font(bold ? BOLD : REGULAR).fontSize(size);
}

function textHeight(doc: Doc, text: string, width: number, lineGap: number): number {
  return doc.heightOfString(text, { width, lineGap });
}

/** A paragraph across the content width; returns nothing, advances ctx.y. */
function paragraph(
  ctx: Ctx,
  text: string,
  opts: { bold?: boolean; size: number; color: string; after: number },
): void {
  const { doc, s } = ctx;
  setFont(doc, opts.bold === true, opts.size * s);
  const lineGap = 1.2 * s;
  const h = textHeight(doc, text, CONTENT_WIDTH, lineGap);
  if (ctx.draw) doc.fillColor(opts.color).text(text, MARGIN.left, ctx.y, { width: CONTENT_WIDTH, lineGap });
  ctx.y += h + opts.after * s;
}

/** At most `cap` lines of an answer, then the wording's "and N more" line. */
function capLines(answer: string, cap: number, wording: AttestationWording): string {
  const lines = answer.split('\n');
  if (lines.length <= cap) return answer;
  const kept = lines.slice(0, cap);
  return [...kept, fillTemplate(wording.items.more, { count: lines.length - cap })].join('\n');
}

function header(
  ctx: Ctx,
  att: InsurerAttestation,
  wording: AttestationWording,
  common: Record<string, string>,
): void {
  const { doc, s } = ctx;
  if (ctx.draw) doc.rect(0, 0, PAGE.width, 8).fill(COLORS.primary);
  paragraph(ctx, fillTemplate(wording.title, common), {
    bold: true,
    size: 17,
    color: COLORS.primary,
    after: 2,
  });
  paragraph(ctx, fillTemplate(wording.subtitle, common), { size: 9, color: COLORS.muted, after: 8 });

  // Who, when, which pack: a two-column grid in a light box.
  const l = wording.labels;
  const period = `${att.period.label} (${isoDate(att.period.from)} to ${isoDate(att.period.to - 1)})`;
  const policy = `${att.policy.name} v${att.policy.version}, from ${common.clock}, ${att.policy.dayKind} days`;
  const cells: [string, string][] = [
    [l.client, att.client.name],
    [l.msp, att.msp.name],
    [l.asOf, common.asOf],
    [l.period, period],
    [l.policy, policy],
    [l.packId, att.packId],
    [l.attestationId, att.attestationId],
  ];
  const colWidth = (CONTENT_WIDTH - 3 * PAD * 2) / 2;
  const labelSize = 6.6 * s;
  const valueSize = 8.2 * s;
  const rows: [string, string][][] = [];
  for (let i = 0; i < cells.length; i += 2) rows.push(cells.slice(i, i + 2));
  const rowHeights = rows.map((row) =>
    Math.max(
      ...row.map(([label, value]) => {
        setFont(doc, false, labelSize);
        const lh = textHeight(doc, label, colWidth, 0);
        setFont(doc, true, valueSize);
        return lh + textHeight(doc, value, colWidth, 0.5 * s);
      }),
    ),
  );
  const boxHeight = rowHeights.reduce((a, b) => a + b + 4 * s, 0) + 2 * PAD * s;
  if (ctx.draw) doc.roundedRect(MARGIN.left, ctx.y, CONTENT_WIDTH, boxHeight, 3).fill(COLORS.box);
  let y = ctx.y + PAD * s + 1;
  rows.forEach((row, r) => {
    row.forEach(([label, value], c) => {
      const x = MARGIN.left + PAD * 2 + c * (colWidth + PAD * 2);
      if (!ctx.draw) return;
      setFont(doc, false, labelSize);
      doc.fillColor(COLORS.muted).text(label, x, y, { width: colWidth });
      const lh = textHeight(doc, label, colWidth, 0);
      setFont(doc, true, valueSize);
      doc.fillColor(COLORS.text).text(value, x, y + lh, { width: colWidth, lineGap: 0.5 * s });
    });
    y += rowHeights[r] + 4 * s;
  });
  ctx.y += boxHeight + 9 * s;
}

function answerTable(
  ctx: Ctx,
  att: InsurerAttestation,
  wording: AttestationWording,
  common: Record<string, string>,
  cap: number,
): void {
  const { doc, s } = ctx;
  const qWidth = CONTENT_WIDTH * QUESTION_SHARE;
  const aWidth = CONTENT_WIDTH - qWidth;
  const pad = PAD * s;
  const lineGap = 1 * s;

  const headRow: [string, string] = [
    fillTemplate(wording.labels.question, common),
    fillTemplate(wording.labels.answer, common),
  ];
  setFont(doc, true, 7.6 * s);
  const headH =
    Math.max(
      textHeight(doc, headRow[0], qWidth - 2 * pad, 0),
      textHeight(doc, headRow[1], aWidth - 2 * pad, 0),
    ) +
    2 * pad;
  if (ctx.draw) {
    doc.rect(MARGIN.left, ctx.y, CONTENT_WIDTH, headH).fill(COLORS.headerBg);
    doc.fillColor(COLORS.primary);
    doc.text(headRow[0], MARGIN.left + pad, ctx.y + pad, { width: qWidth - 2 * pad });
    doc.text(headRow[1], MARGIN.left + qWidth + pad, ctx.y + pad, { width: aWidth - 2 * pad });
  }
  ctx.y += headH;

  att.answers.forEach((a, i) => {
    const answer = capLines(a.answer, cap, wording);
    setFont(doc, true, 7.8 * s);
    const qh = textHeight(doc, a.label, qWidth - 2 * pad, lineGap);
    setFont(doc, false, 7.8 * s);
    const ah = textHeight(doc, answer, aWidth - 2 * pad, lineGap);
    const rowH = Math.max(qh, ah) + 2 * pad;
    if (ctx.draw) {
      if (i % 2 === 1) doc.rect(MARGIN.left, ctx.y, CONTENT_WIDTH, rowH).fill(COLORS.stripe);
      setFont(doc, true, 7.8 * s);
      doc
        .fillColor(COLORS.text)
        .text(a.label, MARGIN.left + pad, ctx.y + pad, { width: qWidth - 2 * pad, lineGap });
      // A KEV item past its federal due date is the answer an underwriter looks for first.
      const alert = a.id === 'kevPastDue' && att.kev.openPastDue.length > 0;
      setFont(doc, false, 7.8 * s);
      doc
        .fillColor(alert ? COLORS.alert : COLORS.text)
        .text(answer, MARGIN.left + qWidth + pad, ctx.y + pad, { width: aWidth - 2 * pad, lineGap });
      doc
        .moveTo(MARGIN.left, ctx.y + rowH)
        .lineTo(MARGIN.left + CONTENT_WIDTH, ctx.y + rowH)
        .lineWidth(0.5)
        .strokeColor(COLORS.rule)
        .stroke();
    }
    ctx.y += rowH;
  });
  ctx.y += 10 * s;
}

/** Returns the signature box (for the placeholder callback). */
function signatureBlock(ctx: Ctx, wording: AttestationWording, common: Record<string, string>): SignatureBox {
  const { doc, s } = ctx;
  paragraph(ctx, fillTemplate(wording.signature.heading, common), {
    bold: true,
    size: 8.6,
    color: COLORS.primary,
    after: 5,
  });
  const gap = 14;
  const boxWidth = CONTENT_WIDTH * 0.4;
  const fieldsWidth = CONTENT_WIDTH - boxWidth - gap;
  const colWidth = (fieldsWidth - gap) / 2;
  const fieldH = 27 * s;
  const fields = wording.signature.fields;
  const rows = Math.ceil(fields.length / 2);
  const height = Math.max(rows * fieldH, 40 * s);
  if (ctx.draw) {
    fields.forEach((f, i) => {
      const x = MARGIN.left + (i % 2) * (colWidth + gap);
      const lineY = ctx.y + Math.floor(i / 2) * fieldH + fieldH - 9 * s;
      doc
        .moveTo(x, lineY)
        .lineTo(x + colWidth, lineY)
        .lineWidth(0.6)
        .strokeColor(COLORS.muted)
        .stroke();
      setFont(doc, false, 6.8 * s);
      doc
        .fillColor(COLORS.muted)
        .text(fillTemplate(f, common), x, lineY + 1.5 * s, { width: colWidth, lineBreak: false });
    });
  }
  const box: SignatureBox = { x: MARGIN.left + fieldsWidth + gap, y: ctx.y, width: boxWidth, height };
  if (ctx.draw) {
    doc.roundedRect(box.x, box.y, box.width, box.height, 3).lineWidth(0.6).strokeColor(COLORS.rule).stroke();
  }
  ctx.y += height + 3 * s;
  // The note sits under the box, right-aligned with it.
  setFont(doc, false, 6.4 * s);
  const note = fillTemplate(wording.signature.note, common);
  const noteH = textHeight(doc, note, boxWidth, 0);
  if (ctx.draw) doc.fillColor(COLORS.muted).text(note, box.x, ctx.y, { width: boxWidth });
  ctx.y += noteH;
  return box;
}

function footerHeight(doc: Doc, text: string): number {
  setFont(doc, false, 6.5);
  return textHeight(doc, text, CONTENT_WIDTH, 0);
}

/** Lays the page out at scale `s` with lists capped at `cap` lines; returns where the content ends. */
function layout(
  doc: Doc,
  att: InsurerAttestation,
  wording: AttestationWording,
  common: Record<string, string>,
  s: number,
  cap: number,
  draw: boolean,
): { bottom: number; box: SignatureBox } {
  const ctx: Ctx = { doc, s, draw, y: MARGIN.top };
  header(ctx, att, wording, common);
  paragraph(ctx, fillTemplate(wording.intro, common), { size: 8.3, color: COLORS.text, after: 8 });
  answerTable(ctx, att, wording, common, cap);
  paragraph(ctx, fillTemplate(wording.labels.statement, common), {
    bold: true,
    size: 8.6,
    color: COLORS.primary,
    after: 2,
  });
  paragraph(ctx, att.statement, { size: 8.3, color: COLORS.text, after: 7 });
  paragraph(ctx, fillTemplate(wording.labels.disclaimer, common), {
    bold: true,
    size: 7.4,
    color: COLORS.muted,
    after: 1.5,
  });
  paragraph(ctx, fillTemplate(wording.disclaimer, common), { size: 7, color: COLORS.muted, after: 10 });
  const box = signatureBlock(ctx, wording, common);
  return { bottom: ctx.y, box };
}

/** The attestation as a one-page PDF with embedded DejaVu fonts and deterministic bytes. */
export async function renderAttestationPdf(
  att: InsurerAttestation,
  wording: AttestationWording,
  opts: RenderAttestationPdfOptions,
): Promise<Buffer> {
  const common = commonPlaceholders(att, wording);
  const at = new Date(att.asOf);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN.top, bottom: 10, left: MARGIN.left, right: MARGIN.right },
    autoFirstPage: true,
    compress: true,
    pdfVersion: '1.7',
    lang: 'en',
    displayTitle: true,
    info: {
      Title: `${fillTemplate(wording.title, common)}: ${att.client.name}`,
      Author: att.msp.name,
      Subject: fillTemplate(wording.subtitle, common),
      Keywords: `attestation ${att.attestationId}; evidence pack ${att.packId}; patch management; cyber insurance`,
      Creator: 'patchproof',
      Producer: 'patchproof (pdfkit)',
      CreationDate: at,
      ModDate: at,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  let extraPages = 0;
  doc.on('pageAdded', () => extraPages++);

  doc.registerFont(REGULAR, opts.fontPath);
  doc.registerFont(BOLD, opts.boldFontPath);

  const footer = fillTemplate(wording.footer, common);
  const footerH = footerHeight(doc, footer);
  const limit = PAGE.height - MARGIN.bottom - footerH - 12;

  const chosen = ATTEMPTS.find(
    ({ s, cap }) => layout(doc, att, wording, common, s, cap, false).bottom <= limit,
  );
  if (!chosen) {
    doc.end();
    await done;
    throw new Error(
      `attestation ${att.attestationId} does not fit on one page even at the smallest size; shorten the wording`,
    );
  }

  const { box } = layout(doc, att, wording, common, chosen.s, chosen.cap, true);
  setFont(doc, false, 6.5);
  const footerY = PAGE.height - MARGIN.bottom - footerH;
  doc
    .moveTo(MARGIN.left, footerY - 4)
    .lineTo(MARGIN.left + CONTENT_WIDTH, footerY - 4)
    .lineWidth(0.4)
    .strokeColor(COLORS.rule)
    .stroke();
  doc.fillColor(COLORS.muted).text(footer, MARGIN.left, footerY, { width: CONTENT_WIDTH });

  if (opts.signaturePlaceholder) {
    doc.x = box.x;
    doc.y = box.y;
    opts.signaturePlaceholder(doc, box);
  }
  doc.end();
  const pdf = await done;
  if (extraPages > 0)
    throw new Error(`attestation ${att.attestationId} spilled onto ${extraPages + 1} pages`);
  return pdf;
}
