/**
 * The evidence pack as a PDF for people: cover, executive summary with vector charts, one section per framework,
 * exceptions, failed and rolled-back changes, the SOX change sample, the cases in scope and a provenance appendix.
 *
 * Draws only from EvidencePackContent (summaries, not the event stream) and returns the whole file as a Buffer.
 * Deterministic: no clock, no locale, UTC formatting, and CreationDate = content.generatedAt. pdfkit derives the
 * trailer /ID from an MD5 of the info dictionary (CreationDate included) and names font subsets from their
 * registration order, so the same content, templates and library versions give byte-identical output; pdfkit has
 * no option to set /ID directly, and none is needed. (A signature added afterwards changes the bytes, by design.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import PDFDocument from 'pdfkit';

import type {
  ControlEvaluation,
  ControlStatus,
  FrameworkId,
  TestResult,
} from '../../controls/control.types.js';
import type { RemediationCase } from '../../metrics/remediation-case.js';
import type { Severity } from '../../vulnerabilities/vulnerability-facts.js';
import type { EvidencePackContent, SampledChange } from '../pack-content.js';
import type { ChartBox, ChartTheme } from './charts.js';
import { openBacklogChart, slaTrendChart, survivalChart, ttrBySeverityChart } from './charts.js';
import { days, fraction, isoDate, isoMinute, listWithMore, num, percent, utcMinute } from './format.js';
import type { Branding, Placeholder, ReportLayout } from './report-templates.js';
import { fillTemplate, resolveFontFile } from './report-templates.js';
import type { Doc, TableColumn, TableStyle } from './table.js';
import { contentBottom, drawTable, drawTableYielding, ensureSpace, measurerFor } from './table.js';

export interface SignatureBox {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RenderPackPdfOptions {
  layout: ReportLayout;
  branding: Branding;
  /**
   * Called once, after every page is drawn and numbered and before the document ends, with the cover page current
   * and doc.x/doc.y at the top-left of the box reserved for a visible signature (e.g. @signpdf's pdfkit placeholder).
   */
  signaturePlaceholder?: (doc: PDFKit.PDFDocument, box: SignatureBox) => void;
}

const require = createRequire(import.meta.url);
// pdfkit's `exports` hide package.json: read it next to the resolved entry point (…/pdfkit/js/pdfkit.js).
const PDFKIT_VERSION = (
  JSON.parse(readFileSync(join(dirname(require.resolve('pdfkit')), '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

const FRAMEWORK_NAMES: Record<FrameworkId, string> = {
  hipaa: 'HIPAA Security Rule',
  'pci-dss': 'PCI DSS',
  'sox-itgc': 'SOX IT general controls',
  'nist-800-53': 'NIST SP 800-53',
  'cis-v8': 'CIS Controls v8',
};
const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  none: 'None',
};
const STATE_LABEL: Record<RemediationCase['state'], string> = {
  open: 'open',
  remediated: 'remediated',
  reopened: 'reopened',
  superseded_remediated: 'superseded',
  excepted: 'excepted',
};
const CLOCK_LABEL: Record<EvidencePackContent['policy']['clock'], string> = {
  release: 'vendor release',
  publication: 'CVE publication',
  detection: 'detection',
  kev_added: 'KEV dateAdded',
};
const STATUS_ORDER: ControlStatus[] = [
  'satisfied',
  'not_satisfied',
  'insufficient_evidence',
  'not_applicable',
];
/**
 * The case appendix shows the first characters of the asset id beside the host name (two assets can carry one
 * name), not the whole case key: 89 characters of UUIDs wrapped over five lines made every row five lines tall
 * (14 cases a page, 556 pages for 10,000 cases). The full key of every row is in pack.xlsx and cases.csv.
 */
const ASSET_ID_SHOWN = 8;
const tick = (v: boolean | null): string => (v === null ? '—' : v ? '✓' : '✗');

export async function renderPackPdf(
  content: EvidencePackContent,
  opts: RenderPackPdfOptions,
): Promise<Buffer> {
  const writer = new PackPdfWriter(content, opts);
  return writer.render();
}

interface PageInternals {
  content: { write(chunk: string): void; end(): void };
  dictionary: { data: { Contents: unknown } };
}

interface DocInternals {
  _fontFamilies: Record<string, { layoutCache?: Record<string, unknown> }>;
}

/**
 * Bounded memory with buffered pages. The pages stay open until the end (page numbers "of N", the contents page and
 * the signature box are drawn last), and pdfkit keeps each open page's drawing operators as many small buffers:
 * several hundred MB for a 10,000-case appendix. When a page is left for a new one, its content stream so far is
 * written out (compressed) and a fresh stream takes what is drawn on it later; the page's `/Contents` becomes the
 * array of both, which PDF readers concatenate (ISO 32000-1, 7.7.3.3). Uses pdfkit's page internals (`content`,
 * `dictionary`), present since pdfkit 0.8; the renderer's tests check the result with qpdf and pdfsig.
 *
 * pdfkit also caches the glyph layout of every distinct word it has drawn, for the life of the document; case keys
 * and event ids are all distinct, so that cache grows with the rows. It is emptied every `LAYOUT_CACHE_PAGES`
 * pages instead: the words that repeat from row to row (hosts, dates, severities, states) are laid out once per
 * run of pages, not once per page (emptying it at every page cost a second of a 787-page pack).
 */
const LAYOUT_CACHE_PAGES = 20;

function sealFinishedPages(doc: Doc): void {
  let previous: PageInternals | null = null;
  let pages = 0;
  doc.on('pageAdded', () => {
    if (++pages % LAYOUT_CACHE_PAGES === 0) {
      for (const font of Object.values((doc as unknown as DocInternals)._fontFamilies)) {
        if (font.layoutCache) font.layoutCache = Object.create(null) as Record<string, unknown>;
      }
    }
    if (previous) {
      const sealed = previous.content;
      sealed.end();
      const fresh = doc.ref({}) as unknown as PageInternals['content'];
      // Never an empty stream: a /Contents entry must be a stream object.
      fresh.write('');
      previous.content = fresh;
      previous.dictionary.data.Contents = [sealed, fresh];
    }
    previous = doc.page as unknown as PageInternals;
  });
}

class PackPdfWriter {
  private readonly doc: Doc;
  /**
   * Fonts are selected by their resolved file path, not by a registerFont alias: pdfkit 0.20 re-parses an aliased
   * font on every doc.font() call when another alias already loaded the same face (7 s instead of 0.3 s here).
   */
  private readonly regular: string;
  private readonly bold: string;
  private readonly layout: ReportLayout;
  private readonly branding: Branding;
  private readonly contents: { title: string; page: number }[] = [];
  private readonly breachKeys: Set<string>;
  private contentsY = 0;
  private signatureBox: SignatureBox | null = null;

  constructor(
    private readonly c: EvidencePackContent,
    private readonly opts: RenderPackPdfOptions,
  ) {
    this.layout = opts.layout;
    this.branding = opts.branding;
    this.breachKeys = new Set(c.metrics.breaches.map((b) => b.caseKey));
    const msp = c.tenant.name || opts.branding.mspName;
    const created = new Date(c.generatedAt);
    const frameworks = c.frameworks.map((f) => FRAMEWORK_NAMES[f]).join(', ');
    this.regular = resolveFontFile(this.layout.fonts.regular);
    this.bold = resolveFontFile(this.layout.fonts.bold);
    this.doc = new PDFDocument({
      size: this.layout.page.size,
      margins: this.layout.page.margins,
      bufferPages: true,
      autoFirstPage: false,
      pdfVersion: '1.7',
      lang: 'en',
      displayTitle: true,
      // Never the 14 standard fonts: they are not embedded and cover Latin-1 only (no ü in srv-zürich-01).
      font: this.regular,
      info: {
        Title: `Patch compliance evidence pack — ${c.client.name} — ${c.periodLabel}`,
        Author: msp,
        Subject: `Patch remediation evidence for ${frameworks} under ${c.policy.name} v${c.policy.version}; pack ${c.packId}; as of ${utcMinute(c.asOf)}`,
        Keywords: ['patch management', 'compliance evidence', ...c.frameworks, c.packId, c.client.name].join(
          ', ',
        ),
        Creator: `${c.provenance.generator.name} ${c.provenance.generator.version}`,
        Producer: `PDFKit ${PDFKIT_VERSION}`,
        CreationDate: created,
        ModDate: created,
      },
    });
    sealFinishedPages(this.doc);
  }

  async render(): Promise<Buffer> {
    const doc = this.doc;
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);
    });
    this.cover();
    this.summary();
    this.charts();
    for (const fw of this.c.frameworks) this.framework(fw);
    this.exceptions();
    this.changes();
    this.changeSample();
    await this.cases();
    this.provenance();
    this.decoratePages();
    this.fillContents();
    if (this.opts.signaturePlaceholder && this.signatureBox) {
      doc.switchToPage(this.signatureBox.page);
      doc.x = this.signatureBox.x;
      doc.y = this.signatureBox.y;
      this.opts.signaturePlaceholder(doc, this.signatureBox);
    }
    doc.end();
    return done;
  }

  // ------------------------------------------------------------------ building blocks

  private get left(): number {
    return this.doc.page.margins.left;
  }

  private get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  private values(
    extra: Partial<Record<Placeholder, string | number>> = {},
  ): Partial<Record<Placeholder, string | number>> {
    const c = this.c;
    const p = c.policy;
    return {
      client: c.client.name,
      msp: c.tenant.name || this.branding.mspName,
      period: c.periodLabel,
      periodFrom: utcMinute(c.period.from),
      periodTo: utcMinute(c.period.to),
      asOf: utcMinute(c.asOf),
      generatedAt: utcMinute(c.generatedAt),
      packId: c.packId,
      timeZone: c.client.timeZone,
      frameworks: c.frameworks.map((f) => FRAMEWORK_NAMES[f]).join(', '),
      policyName: p.name,
      policyVersion: p.version,
      policyClock: CLOCK_LABEL[p.clock],
      policyDayKind: p.dayKind,
      policyDays: (['critical', 'high', 'medium', 'low'] as const)
        .filter((s) => p.days[s] !== undefined)
        .map((s) => `${SEVERITY_LABEL[s].toLowerCase()} ${p.days[s]} days`)
        .join(', '),
      ...extra,
    };
  }

  private t(template: string, extra: Partial<Record<Placeholder, string | number>> = {}): string {
    return fillTemplate(template, this.values(extra));
  }

  private tableStyle(): TableStyle {
    const col = this.layout.colors;
    return {
      regularFont: this.regular,
      boldFont: this.bold,
      fontSize: this.layout.fontSizes.table,
      textColor: col.text,
      mutedColor: col.muted,
      headerBg: col.tableHeaderBg,
      ruleColor: col.rule,
      stripeBg: col.tableStripe,
    };
  }

  /** A numbered top-level section on a new page, with a bookmark and a contents entry. */
  private section(title: string): void {
    const doc = this.doc;
    doc.addPage();
    this.contents.push({ title, page: doc.bufferedPageRange().count });
    doc.outline.addItem(title);
    this.h1(title);
  }

  private h1(title: string): void {
    const doc = this.doc;
    doc.font(this.bold).fontSize(this.layout.fontSizes.h1).fillColor(this.branding.colors.primary);
    doc.text(title, this.left, doc.y, { width: this.width });
    const y = doc.y + 2;
    doc
      .moveTo(this.left, y)
      .lineTo(this.left + this.width, y)
      .lineWidth(1)
      .strokeColor(this.branding.colors.primary)
      .stroke();
    doc.y = y + 8;
    doc.fillColor(this.layout.colors.text);
  }

  /** A subheading kept with at least `keep` points of what follows it. */
  private h2(title: string, keep = 60): void {
    const doc = this.doc;
    const size = this.layout.fontSizes.h2;
    doc.font(this.bold).fontSize(size);
    const h = doc.heightOfString(title, { width: this.width });
    ensureSpace(doc, h + keep);
    doc.moveDown(0.3);
    doc.fillColor(this.layout.colors.text).text(title, this.left, doc.y, { width: this.width });
    doc.moveDown(0.25);
  }

  private para(
    text: string,
    opts: { size?: number; color?: string; bold?: boolean; gap?: number } = {},
  ): void {
    const doc = this.doc;
    doc
      .font(opts.bold ? this.bold : this.regular)
      .fontSize(opts.size ?? this.layout.fontSizes.body)
      .fillColor(opts.color ?? this.layout.colors.text);
    const h = doc.heightOfString(text, { width: this.width });
    // Short paragraphs move whole to the next page rather than leaving one line behind.
    if (h < 60) ensureSpace(doc, h);
    doc.text(text, this.left, doc.y, { width: this.width, lineGap: 1 });
    doc.y += opts.gap ?? 5;
    doc.fillColor(this.layout.colors.text);
  }

  /** Label/value pairs in two columns; values wrap, a pair never splits across pages. */
  private keyValues(pairs: [string, string][], labelWidth = 130, size = this.layout.fontSizes.body): void {
    const doc = this.doc;
    const m = measurerFor(doc);
    const lineH = size * 1.3;
    for (const [label, value] of pairs) {
      const lines = m.wrap(value, this.width - labelWidth, this.regular, size);
      const labelLines = m.wrap(label, labelWidth - 8, this.bold, size);
      ensureSpace(doc, Math.max(lines.length, labelLines.length) * lineH);
      const y = doc.y;
      doc.font(this.bold).fontSize(size).fillColor(this.layout.colors.muted);
      labelLines.forEach((l, i) => doc.text(l, this.left, y + i * lineH, { lineBreak: false }));
      doc.font(this.regular).fillColor(this.layout.colors.text);
      lines.forEach((l, i) => doc.text(l, this.left + labelWidth, y + i * lineH, { lineBreak: false }));
      doc.y = y + Math.max(lines.length, labelLines.length) * lineH;
    }
    doc.x = this.left;
    doc.y += 4;
  }

  /** A coloured status badge; returns its width. */
  private badge(status: ControlStatus, x: number, y: number, size = this.layout.fontSizes.small): number {
    const doc = this.doc;
    const label = this.layout.statusLabels[status];
    doc.font(this.bold).fontSize(size);
    const w = doc.widthOfString(label) + size * 1.6;
    const h = size * 1.75;
    doc.roundedRect(x, y, w, h, h / 2).fill(this.layout.colors.status[status]);
    doc.fillColor('#ffffff').text(label, x + size * 0.8, y + size * 0.36, { lineBreak: false });
    doc.fillColor(this.layout.colors.text);
    return w;
  }

  private badgeWidth(status: ControlStatus, size = this.layout.fontSizes.small): number {
    this.doc.font(this.bold).fontSize(size);
    return this.doc.widthOfString(this.layout.statusLabels[status]) + size * 1.6;
  }

  private note(text: string): void {
    this.para(text, { size: this.layout.fontSizes.small, color: this.layout.colors.muted, gap: 6 });
  }

  /** The "… and N more" note under a list cut at `shown` of `count` items. */
  private moreNote(caption: string, shown: number, count: number): void {
    this.note(this.t(caption, { more: count - shown, shown, count }));
  }

  private drawLogo(x: number, y: number): number {
    const doc = this.doc;
    const logo = this.branding.logo;
    if (logo.type === 'png') {
      doc.image(logo.file, x, y, { width: logo.width });
      return logo.width;
    }
    const s = logo.width / logo.viewBox[0];
    doc.save();
    doc.translate(x, y).scale(s);
    for (const p of logo.paths) doc.path(p.d).fill(p.fill);
    doc.restore();
    return logo.width;
  }

  // ------------------------------------------------------------------ sections

  private cover(): void {
    const doc = this.doc;
    const c = this.c;
    const L = this.layout;
    doc.addPage();
    doc.outline.addItem('Cover');
    const top = doc.page.margins.top;
    const logoW = this.drawLogo(this.left, top - 6);
    const textX = this.left + logoW + 12;
    doc.font(this.bold).fontSize(14).fillColor(this.branding.colors.primary);
    doc.text(c.tenant.name || this.branding.mspName, textX, top, { lineBreak: false });
    if (this.branding.tagline) {
      doc
        .font(this.regular)
        .fontSize(L.fontSizes.small + 0.5)
        .fillColor(L.colors.muted);
      doc.text(this.branding.tagline, textX, top + 20, { lineBreak: false });
    }
    doc.rect(this.left, top + 50, this.width, 3).fill(this.branding.colors.accent);

    doc.y = top + 92;
    doc.font(this.bold).fontSize(L.fontSizes.title).fillColor(L.colors.text);
    doc.text('Patch compliance evidence pack', this.left, doc.y, { width: this.width });
    doc.moveDown(0.3);
    doc
      .font(this.bold)
      .fontSize(L.fontSizes.h1 + 3)
      .fillColor(this.branding.colors.primary);
    doc.text(c.client.name, this.left, doc.y, { width: this.width });
    doc.font(this.regular).fontSize(L.fontSizes.h1).fillColor(L.colors.text);
    doc.text(c.periodLabel, this.left, doc.y, { width: this.width });
    doc.moveDown(1.2);

    const catalog = (f: FrameworkId): string => {
      const cat = c.catalogs.find((k) => k.framework === f);
      return cat ? `${FRAMEWORK_NAMES[f]} ${cat.frameworkVersion}` : FRAMEWORK_NAMES[f];
    };
    this.keyValues([
      ['Pack id', c.packId],
      ['Period', `${utcMinute(c.period.from)} to ${utcMinute(c.period.to)} (end exclusive)`],
      ['As of', utcMinute(c.asOf)],
      ['Generated', utcMinute(c.generatedAt)],
      ['Frameworks', c.frameworks.map(catalog).join('; ')],
      [
        'SLA policy',
        `${c.policy.name}, version ${c.policy.version} (effective ${c.policy.effectiveFrom}; clock: ${CLOCK_LABEL[c.policy.clock]}; ${c.policy.dayKind} days)`,
      ],
      ['Client time zone', `${c.client.timeZone} (times in this pack are UTC)`],
    ]);

    // Control results per framework: the name, then one badge per status with its count.
    doc.moveDown(0.4);
    for (const fw of c.frameworks) {
      const controls = c.controls.filter((k) => k.framework === fw);
      doc.font(this.bold).fontSize(L.fontSizes.body).fillColor(L.colors.muted);
      doc.text(`${catalog(fw)}: ${controls.length} controls`, this.left, doc.y, { lineBreak: false });
      const y = doc.y + L.fontSizes.body * 1.5;
      let x = this.left;
      for (const s of STATUS_ORDER) {
        const n = controls.filter((k) => k.status === s).length;
        if (n === 0) continue;
        const w = this.badge(s, x, y);
        doc.font(this.bold).fontSize(L.fontSizes.body).fillColor(L.colors.text);
        doc.text(String(n), x + w + 4, y + 1, { lineBreak: false });
        x += w + 4 + doc.widthOfString(String(n)) + 16;
      }
      doc.y = y + 20;
    }
    doc.moveDown(0.6);
    this.para(this.t(L.paragraphs.cover));

    doc.moveDown(0.6);
    doc.font(this.bold).fontSize(L.fontSizes.h2).fillColor(L.colors.text);
    doc.text(this.t(L.sectionTitles.contents), this.left, doc.y, { lineBreak: false });
    doc.y += L.fontSizes.h2 * 1.6;
    this.contentsY = doc.y;

    if (this.opts.signaturePlaceholder) {
      const h = 64;
      const w = 230;
      const box = { page: 0, x: this.left + this.width - w, y: contentBottom(doc) - h, width: w, height: h };
      doc
        .roundedRect(box.x, box.y, box.width, box.height, 4)
        .lineWidth(0.5)
        .strokeColor(L.colors.rule)
        .stroke();
      doc.font(this.regular).fontSize(L.fontSizes.small).fillColor(L.colors.muted);
      doc.text('Digital signature', box.x + 6, box.y + 4, { lineBreak: false });
      this.signatureBox = box;
    }
  }

  private fillContents(): void {
    const doc = this.doc;
    const L = this.layout;
    doc.switchToPage(0);
    const size = L.fontSizes.body;
    const m = measurerFor(doc);
    let y = this.contentsY;
    const right = this.left + (this.signatureBox ? this.width - this.signatureBox.width - 24 : this.width);
    for (const e of this.contents) {
      const page = String(e.page);
      doc.font(this.regular).fontSize(size).fillColor(L.colors.text);
      const pw = doc.widthOfString(page);
      const title = m.fit(e.title, right - this.left - pw - 30, this.regular, size);
      doc.text(title, this.left, y, { lineBreak: false });
      const tw = m.width(title, this.regular, size);
      doc
        .moveTo(this.left + tw + 4, y + size * 0.9)
        .lineTo(right - pw - 4, y + size * 0.9)
        .lineWidth(0.4)
        .dash(1, { space: 2 })
        .strokeColor(L.colors.rule)
        .stroke()
        .undash();
      doc.fillColor(L.colors.text).text(page, right - pw, y, { lineBreak: false });
      y += size * 1.55;
    }
  }

  private summary(): void {
    const doc = this.doc;
    const c = this.c;
    const m = c.metrics;
    const L = this.layout;
    this.section(this.t(L.sectionTitles.summary));
    this.para(this.t(L.paragraphs.summary));

    const open = c.cases.filter((k) => k.state === 'open' || k.state === 'reopened').length;
    const deployments = m.approvedBeforeDeploy.denominator;
    const tiles: { label: string; value: string; detail: string; alert?: boolean }[] = [
      {
        label: 'SLA compliance',
        value: percent(m.slaCompliance),
        detail: fraction(m.slaCompliance, 'due in period'),
      },
      {
        label: 'SLA breaches',
        value: String(m.breaches.length),
        detail: m.breaches.length ? 'each listed below' : 'none',
        alert: m.breaches.length > 0,
      },
      { label: 'KEV on time', value: percent(m.kevOnTime), detail: fraction(m.kevOnTime, 'KEV items due') },
      {
        label: 'Median time to remediate',
        value: days(m.ttrBySeverity.all.median),
        detail: `p90 ${days(m.ttrBySeverity.all.p90)}; n = ${m.ttrBySeverity.all.count}`,
      },
      { label: 'Open items at as-of', value: String(open), detail: `of ${c.cases.length} cases in scope` },
      {
        label: 'Patch success',
        value: percent(m.patchSuccess),
        detail: fraction(m.patchSuccess, 'install attempts'),
      },
      {
        label: 'First-pass success',
        value: percent(m.firstPassSuccess),
        detail: fraction(m.firstPassSuccess, 'items'),
      },
      {
        label: 'Rollback rate',
        value: percent(m.rollbackRate),
        detail: fraction(m.rollbackRate, 'deployments'),
      },
      {
        label: 'Approved before deploy',
        value: percent(m.approvedBeforeDeploy),
        detail: fraction(m.approvedBeforeDeploy, 'deployments'),
      },
      {
        label: 'Backup verified before',
        value: percent(m.backupBeforeDeploy),
        detail: fraction(m.backupBeforeDeploy, 'deployments'),
      },
      {
        label: 'Post-change verification',
        value: percent(m.postChangeVerification),
        detail: fraction(m.postChangeVerification, 'stable deploys'),
      },
      {
        label: 'Asset coverage',
        value: percent(m.assetCoverage),
        detail: fraction(m.assetCoverage, 'assets'),
      },
    ];
    this.h2(this.t(L.sectionTitles.keyFigures), 200);
    const cols = 4;
    const gap = 8;
    const tw = (this.width - gap * (cols - 1)) / cols;
    const th = 50;
    const y0 = doc.y + 2;
    tiles.forEach((tile, i) => {
      const x = this.left + (i % cols) * (tw + gap);
      const y = y0 + Math.floor(i / cols) * (th + gap);
      doc.rect(x, y, tw, th).fill(L.colors.tableStripe);
      doc.rect(x, y, 2.5, th).fill(tile.alert ? L.colors.status.not_satisfied : this.branding.colors.primary);
      doc.font(this.regular).fontSize(L.fontSizes.small).fillColor(L.colors.muted);
      doc.text(tile.label, x + 8, y + 5, { lineBreak: false });
      doc
        .font(this.bold)
        .fontSize(L.fontSizes.figure)
        .fillColor(tile.alert ? L.colors.status.not_satisfied : L.colors.text);
      doc.text(tile.value, x + 8, y + 15, { lineBreak: false });
      doc.font(this.regular).fontSize(L.fontSizes.small).fillColor(L.colors.muted);
      doc.text(measurerFor(doc).fit(tile.detail, tw - 14, this.regular, L.fontSizes.small), x + 8, y + 37, {
        lineBreak: false,
      });
    });
    doc.y = y0 + Math.ceil(tiles.length / cols) * (th + gap) + 2;
    doc.x = this.left;
    const lag = m.emergencyChanges.map((e) => e.lagDays).filter((d): d is number => d !== null);
    this.note(
      [
        `Segregation-of-duties violations: ${m.segregationOfDutiesViolations.length}`,
        `emergency changes: ${m.emergencyChanges.length}${lag.length ? ` (retro-approved after at most ${days(Math.max(...lag))})` : ''}`,
        `exceptions in force: ${c.exceptions.filter((e) => e.validAtAsOf).length}`,
        `deployments: ${deployments}`,
        `events considered: ${m.eventsConsidered}`,
        `exposure window: median ${days(m.exposureWindowDays.median)}, max ${days(m.exposureWindowDays.max)}`,
      ].join(' · '),
    );

    this.h2('Time to remediate by severity', 120);
    type Row = { label: string; stats: (typeof m.ttrBySeverity)['all']; deadline: string };
    const sevRows: Row[] = (['critical', 'high', 'medium', 'low'] as const).map((s) => ({
      label: SEVERITY_LABEL[s],
      stats: m.ttrBySeverity[s],
      deadline: c.policy.days[s] !== undefined ? `${c.policy.days[s]} d` : '—',
    }));
    sevRows.push({ label: 'All', stats: m.ttrBySeverity.all, deadline: '' });
    const right = 'right' as const;
    drawTable<Row>(
      doc,
      [
        { header: 'Severity', width: 2, value: (r) => r.label, bold: true },
        { header: 'Remediated (n)', width: 1.6, align: right, value: (r) => String(r.stats.count) },
        { header: 'Mean', width: 1.3, align: right, value: (r) => days(r.stats.mean) },
        { header: 'Median', width: 1.3, align: right, value: (r) => days(r.stats.median) },
        { header: 'p90', width: 1.3, align: right, value: (r) => days(r.stats.p90) },
        { header: 'Max', width: 1.3, align: right, value: (r) => days(r.stats.max) },
        { header: 'Policy deadline', width: 1.6, align: right, value: (r) => r.deadline },
      ],
      sevRows,
      this.tableStyle(),
    );
    doc.y += 6;
    const within = (['d7', 'd14', 'd30', 'd60', 'd90'] as const).map((k) => ({
      k,
      r: m.remediatedWithin[k],
    }));
    drawTable(
      doc,
      within.map(({ k, r }) => ({
        header: `Within ${k.slice(1)} days`,
        width: 1,
        align: right,
        value: () => `${percent(r)} (${r.numerator}/${r.denominator})`,
      })),
      [null],
      this.tableStyle(),
    );
    doc.y += 4;
    this.note(
      `Share of the ${m.remediatedWithin.d7.denominator} cases in scope (exceptions excluded) remediated within N days of ${CLOCK_LABEL[c.policy.clock]}; open items count in the denominator.`,
    );

    this.h2(this.t(L.sectionTitles.breaches), 60);
    if (m.breaches.length === 0) {
      this.para(this.t(L.paragraphs.breachesNone));
      return;
    }
    drawTable(
      doc,
      [
        { header: 'Host', width: 2.2, value: (b) => b.hostname, bold: true },
        { header: 'Patch', width: 2, value: (b) => b.patchId },
        { header: 'CVEs', width: 2.2, value: (b) => b.cveIds.join(', ') },
        {
          header: 'Severity',
          width: 1.2,
          value: (b) => SEVERITY_LABEL[b.severity],
          color: (b) => L.colors.severity[b.severity],
        },
        { header: 'Due', width: 1.5, value: (b) => isoMinute(b.dueAt) },
        {
          header: 'Remediated',
          width: 1.5,
          value: (b) => (b.remediatedAt ? isoMinute(b.remediatedAt) : 'open'),
        },
        { header: 'Days late', width: 1, align: 'right', value: (b) => b.daysLate.toFixed(1) },
        { header: 'Deadline basis', width: 2.6, value: (b) => b.deadlineBasis },
      ],
      m.breaches,
      this.tableStyle(),
      {
        rowFill: () => L.colors.breachRow,
        continuedLabel: `${this.t(L.sectionTitles.breaches)} (continued)`,
      },
    );
  }

  private charts(): void {
    const doc = this.doc;
    const c = this.c;
    const m = c.metrics;
    const L = this.layout;
    this.section(this.t(L.sectionTitles.charts));
    const theme: ChartTheme = {
      regularFont: this.regular,
      boldFont: this.bold,
      titleSize: L.fontSizes.h2 - 1,
      labelSize: L.fontSizes.small,
      text: L.colors.text,
      muted: L.colors.muted,
      ...L.colors.chart,
    };
    const gap = 18;
    const w = (this.width - gap) / 2;
    const h = Math.min(320, (contentBottom(doc) - doc.y - gap) / 2);
    const y0 = doc.y;
    const box = (i: number): ChartBox => ({
      x: this.left + (i % 2) * (w + gap),
      y: y0 + Math.floor(i / 2) * (h + gap),
      width: w,
      height: h,
    });
    const active = c.cases.filter((k) => k.state !== 'excepted');
    const open = active.filter((k) => k.remediatedAt === undefined).length;
    const excluded = c.cases.length - active.length;
    const base = {
      numerator: m.ttrBySeverity.all.count,
      denominator: active.length,
      open,
      excluded,
      count: Object.values(m.openBacklog).reduce((a, b) => a + b, 0),
      halfLife: m.halfLifeDays === null ? 'not reached' : `${m.halfLifeDays.toFixed(1)} days`,
    };
    ttrBySeverityChart(
      doc,
      box(0),
      m,
      c.policy,
      { title: this.t(L.chartTitles.ttrBySeverity), caption: this.t(L.captions.ttrBySeverity, base) },
      theme,
      L.colors.severity,
    );
    slaTrendChart(
      doc,
      box(1),
      m,
      { title: this.t(L.chartTitles.slaTrend), caption: this.t(L.captions.slaTrend, base) },
      theme,
    );
    openBacklogChart(
      doc,
      box(2),
      m,
      { title: this.t(L.chartTitles.openBacklog), caption: this.t(L.captions.openBacklog, base) },
      theme,
    );
    survivalChart(
      doc,
      box(3),
      m,
      { title: this.t(L.chartTitles.survival), caption: this.t(L.captions.survival, base) },
      theme,
    );
    doc.y = y0 + 2 * h + gap;
    doc.x = this.left;
  }

  private framework(fw: FrameworkId): void {
    const doc = this.doc;
    const c = this.c;
    const L = this.layout;
    const cat = c.catalogs.find((k) => k.framework === fw);
    const vars = {
      framework: cat?.name ?? FRAMEWORK_NAMES[fw],
      frameworkVersion: cat?.frameworkVersion ?? '',
      catalogVersion: cat ? `${cat.catalogVersion} (SHA-256 ${cat.digest.slice(0, 16)}…)` : 'not recorded',
    };
    const title = this.t(L.sectionTitles.framework, vars).trim();
    this.section(title);
    const outline = doc.outline.children[doc.outline.children.length - 1];
    this.para(this.t(L.paragraphs.framework, vars));
    const controls = c.controls.filter((k) => k.framework === fw);
    drawTable(
      doc,
      [
        { header: 'Control', width: 2.2, value: (k) => k.controlId, bold: true },
        { header: 'Title', width: 5, value: (k) => k.title },
        {
          header: 'Status',
          width: 2.2,
          value: (k) => `● ${L.statusLabels[k.status]}`,
          color: (k) => L.colors.status[k.status],
          bold: true,
        },
        {
          header: 'Tests (mapping strength)',
          width: 4,
          value: (k) => k.results.map((r) => `${r.test} (${r.strength})`).join('\n'),
        },
      ],
      controls,
      this.tableStyle(),
      { continuedLabel: `${title} (continued)` },
    );
    doc.y += 8;
    for (const control of controls) {
      outline.addItem(`${control.controlId} ${control.title}`);
      this.control(control);
    }
  }

  private control(k: ControlEvaluation): void {
    const doc = this.doc;
    const L = this.layout;
    const size = L.fontSizes.h2;
    const bw = this.badgeWidth(k.status, L.fontSizes.small + 0.5);
    const heading = `${k.controlId}  ${k.title}`;
    doc.font(this.bold).fontSize(size);
    const hh = doc.heightOfString(heading, { width: this.width - bw - 12 });
    ensureSpace(doc, hh + 90);
    doc.y += 4;
    const y = doc.y;
    doc
      .moveTo(this.left, y - 4)
      .lineTo(this.left + this.width, y - 4)
      .lineWidth(0.5)
      .strokeColor(L.colors.rule)
      .stroke();
    doc.font(this.bold).fontSize(size).fillColor(L.colors.text);
    doc.text(heading, this.left, y + 2, { width: this.width - bw - 12 });
    const below = doc.y;
    this.badge(k.status, this.left + this.width - bw, y + 1, L.fontSizes.small + 0.5);
    doc.font(this.regular).fontSize(L.fontSizes.small).fillColor(L.colors.muted);
    doc.text(k.citation, this.left, below + 1, { width: this.width });
    doc.y += 4;
    for (const r of k.results) this.testResult(r);
    doc.y += 6;
  }

  private testResult(r: TestResult): void {
    const doc = this.doc;
    const L = this.layout;
    const c = this.c;
    const small = L.fontSizes.small;
    ensureSpace(doc, 50);
    const y = doc.y;
    doc.font(this.bold).fontSize(L.fontSizes.body).fillColor(L.colors.text);
    const label = `Test: ${r.test}`;
    doc.text(label, this.left + 8, y, { lineBreak: false });
    let x = this.left + 8 + doc.widthOfString(label) + 6;
    doc.font(this.regular).fontSize(small).fillColor(L.colors.muted);
    const strength = `mapping: ${r.strength}`;
    doc.text(strength, x, y + 1.5, { lineBreak: false });
    x += doc.widthOfString(strength) + 8;
    this.badge(r.status, x, y - 0.5, small - 0.5);
    doc.y = y + L.fontSizes.body * 1.5;
    const indent = (fn: () => void): void => {
      const left = doc.page.margins.left;
      doc.page.margins.left = left + 8;
      try {
        fn();
      } finally {
        doc.page.margins.left = left;
      }
    };
    indent(() => {
      this.para(r.description, { gap: 3 });
      const figures = Object.entries(r.figures);
      if (figures.length) {
        this.para(figures.map(([key, v]) => `${key}: ${num(v)}`).join('  ·  '), {
          size: small + 0.5,
          color: L.colors.text,
          gap: 3,
        });
      }
      if (r.findings.length) {
        doc
          .font(this.bold)
          .fontSize(small + 0.5)
          .fillColor(L.colors.text);
        ensureSpace(doc, 24);
        doc.text(`Findings (${r.findings.length})`, this.left, doc.y, { lineBreak: false });
        doc.y += (small + 0.5) * 1.4;
        const maxFindings = L.evidence.maxFindings;
        for (const f of r.findings.slice(0, maxFindings)) {
          this.para(`•  ${f.summary}`, { size: small + 0.5, color: L.colors.status[r.status], gap: 1 });
        }
        if (r.findings.length > maxFindings) {
          this.moreNote(L.captions.moreFindings, maxFindings, r.findings.length);
        }
        doc.y += 2;
      }
      const byKey = new Map(c.cases.map((k) => [k.key, k]));
      const maxRows = L.evidence.maxCaseRows;
      if (r.caseKeys.length) {
        doc
          .font(this.bold)
          .fontSize(small + 0.5)
          .fillColor(L.colors.text);
        ensureSpace(doc, 40);
        const shown = r.caseKeys.slice(0, maxRows).map((key) => ({ key, k: byKey.get(key) }));
        const shaded = shown.some((e) => this.breachKeys.has(e.key)) ? ' (shaded: breached its SLA)' : '';
        doc.text(
          `Evidence: ${r.caseKeys.length} case(s), ${r.eventIds.length} event(s)${shaded}`,
          this.left,
          doc.y,
          {
            lineBreak: false,
          },
        );
        doc.y += (small + 0.5) * 1.5;
        drawTable(
          doc,
          [
            { header: 'Case key', width: 2.6, value: (e) => e.key },
            { header: 'Host', width: 2.2, value: (e) => e.k?.hostname ?? '—' },
            { header: 'Patch', width: 2.6, value: (e) => e.k?.patchId ?? '—' },
            {
              header: 'Severity',
              width: 1.2,
              value: (e) => (e.k ? SEVERITY_LABEL[e.k.severity.severity] + (e.k.kev ? ' · KEV' : '') : '—'),
            },
            { header: 'State', width: 1.3, value: (e) => (e.k ? STATE_LABEL[e.k.state] : '—') },
          ],
          shown,
          { ...this.tableStyle(), fontSize: L.fontSizes.table - 0.5 },
          {
            x: this.left,
            width: this.width - 8,
            rowFill: (e) => (this.breachKeys.has(e.key) ? L.colors.breachRow : undefined),
          },
        );
        doc.y += 2;
        if (r.caseKeys.length > maxRows) {
          this.moreNote(L.captions.moreRows, maxRows, r.caseKeys.length);
        }
      }
      if (r.eventIds.length) {
        this.para(
          `Event ids: ${listWithMore(r.eventIds, L.evidence.maxEventIds, (n) => this.t(L.captions.moreIds, { more: n }))}`,
          { size: small, color: L.colors.muted, gap: 4 },
        );
      }
      if (!r.caseKeys.length && !r.eventIds.length) {
        this.note('No evidence rows: the test had nothing to examine in this period.');
      }
    });
    doc.y += 4;
  }

  private exceptions(): void {
    const L = this.layout;
    const title = this.t(L.sectionTitles.exceptions);
    this.section(title);
    if (this.c.exceptions.length === 0) {
      this.para(this.t(L.paragraphs.exceptionsNone));
      return;
    }
    this.para(this.t(L.paragraphs.exceptions));
    drawTable(
      this.doc,
      [
        {
          header: 'Host / patch',
          width: 2.2,
          value: (e) => `${e.hostname}\n${e.patchId ?? '—'}`,
          bold: true,
        },
        { header: 'Reason', width: 3.2, value: (e) => e.reason },
        {
          header: 'Compensating controls',
          width: 3.2,
          value: (e) => e.compensatingControls.map((s) => `• ${s}`).join('\n'),
        },
        { header: 'Owner / approver', width: 1.9, value: (e) => `${e.owner}\n${e.approver}` },
        { header: 'Granted', width: 1.4, value: (e) => isoDate(e.grantedAt) },
        { header: 'Expires', width: 1.4, value: (e) => isoDate(e.expiresAt) },
        {
          header: 'Valid at as-of',
          width: 1.2,
          value: (e) => (e.validAtAsOf ? 'yes' : 'no'),
          color: (e) => (e.validAtAsOf ? L.colors.status.satisfied : L.colors.status.not_satisfied),
          bold: true,
        },
        { header: 'Event id', width: 2.2, value: (e) => e.eventId },
      ],
      this.c.exceptions,
      this.tableStyle(),
      { continuedLabel: `${title} (continued)` },
    );
  }

  private changes(): void {
    const L = this.layout;
    const title = this.t(L.sectionTitles.changes);
    this.section(title);
    const rows = this.c.failedAndRolledBack;
    if (rows.length === 0) {
      this.para(this.t(L.paragraphs.changesNone));
      return;
    }
    this.para(this.t(L.paragraphs.changes));
    const failed = rows.filter((r) => r.outcome === 'failed').length;
    this.note(`${rows.length} rows: ${failed} failed install(s), ${rows.length - failed} rollback(s).`);
    const maxRows = L.evidence.maxChangeRows;
    drawTable(
      this.doc,
      [
        { header: 'When (UTC)', width: 1.9, value: (r) => isoMinute(r.at) },
        {
          header: 'Outcome',
          width: 1.4,
          value: (r) => (r.outcome === 'failed' ? 'failed' : 'rolled back'),
          color: (r) =>
            r.outcome === 'failed' ? L.colors.status.not_satisfied : L.colors.status.insufficient_evidence,
          bold: true,
        },
        { header: 'Host', width: 2, value: (r) => r.hostname },
        { header: 'Patch', width: 2.6, value: (r) => r.patchId },
        { header: 'Error', width: 1.5, value: (r) => r.errorCode ?? '—' },
        { header: 'Actor', width: 1.6, value: (r) => r.actor ?? '—' },
        { header: 'Case key', width: 2.4, value: (r) => r.caseKey },
        { header: 'Event id', width: 2.8, value: (r) => r.eventId },
      ],
      rows.slice(0, maxRows),
      this.tableStyle(),
      { continuedLabel: `${title} (continued)` },
    );
    if (rows.length > maxRows) {
      this.moreNote(L.captions.moreChanges, maxRows, rows.length);
    }
  }

  private changeSample(): void {
    const L = this.layout;
    const s = this.c.changeSample;
    const title = this.t(L.sectionTitles.changeSample);
    this.section(title);
    this.para(
      this.t(L.paragraphs.changeSample, {
        sampleSize: s.items.length,
        populationSize: s.populationSize,
        seed: s.seed,
      }) + s.method,
    );
    this.keyValues([
      ['Seed', s.seed],
      ['Population', `${s.populationSize} deployments`],
      ['Requested / drawn', `${s.requestedSize} / ${s.items.length}`],
    ]);
    const ok = L.colors.status.satisfied;
    const bad = L.colors.status.not_satisfied;
    const flag = (v: boolean | null): string | undefined => (v === null ? L.colors.muted : v ? ok : bad);
    drawTable(
      this.doc,
      [
        { header: '#', width: 0.5, align: 'right', value: (i) => String(s.items.indexOf(i) + 1) },
        { header: 'Deployed (UTC)', width: 1.7, value: (i) => isoMinute(i.deployedAt) },
        { header: 'Host', width: 2, value: (i) => i.hostname },
        { header: 'Patch', width: 2.6, value: (i) => i.patchId },
        { header: 'Ring', width: 1.3, value: (i) => i.ring ?? '—' },
        ...(
          [
            ['Approved before', (i) => i.approvedBeforeDeploy],
            ['Pilot first', (i) => i.testedInPilotFirst],
            ['SoD', (i) => i.segregationOfDuties],
            ['Back-out', (i) => i.backOutEvidence],
          ] as [string, (i: SampledChange) => boolean | null][]
        ).map(([header, get]): TableColumn<SampledChange> => ({
          header,
          width: 1,
          align: 'center',
          value: (i) => tick(get(i)),
          color: (i) => flag(get(i)),
          bold: true,
        })),
        { header: 'Emergency', width: 1, align: 'center', value: (i) => (i.emergency ? 'yes' : '—') },
        { header: 'Event id', width: 2.8, value: (i) => i.eventId },
      ],
      s.items,
      this.tableStyle(),
      { continuedLabel: `${title} (continued)` },
    );
    this.doc.y += 4;
    this.note(
      '✓ attribute present · ✗ attribute missing (an exception for the auditor to inquire) · — not applicable.',
    );
  }

  private async cases(): Promise<void> {
    const L = this.layout;
    const c = this.c;
    const title = this.t(L.sectionTitles.cases);
    this.section(title);
    this.para(this.t(L.paragraphs.cases, { count: c.cases.length }));
    const breachBy = new Map(c.metrics.breaches.map((b) => [b.caseKey, b]));
    const start = (k: RemediationCase): number | undefined =>
      c.policy.clock === 'release'
        ? k.releasedAt
        : c.policy.clock === 'publication'
          ? k.publishedAt
          : c.policy.clock === 'detection'
            ? k.detectedAt
            : k.kevAddedAt;
    // Code-unit order, not localeCompare: the same bytes on every machine.
    const rows = [...c.cases].sort((a, b) =>
      a.hostname === b.hostname ? (a.patchId < b.patchId ? -1 : 1) : a.hostname < b.hostname ? -1 : 1,
    );
    await drawTableYielding(
      this.doc,
      [
        { header: 'Host', width: 3, value: (k) => k.hostname, bold: true },
        { header: 'Asset', width: 1.15, value: (k) => k.assetId.slice(0, ASSET_ID_SHOWN) },
        { header: 'Patch', width: 2, value: (k) => k.patchId },
        {
          header: 'Severity',
          width: 1.3,
          value: (k) => SEVERITY_LABEL[k.severity.severity] + (k.kev ? '\nKEV' : ''),
          color: (k) => L.colors.severity[k.severity.severity],
        },
        { header: 'Clock start', width: 1.45, value: (k) => isoDate(start(k)) },
        { header: 'Remediated', width: 1.45, value: (k) => isoDate(k.remediatedAt) },
        {
          header: 'Elapsed',
          width: 1,
          align: 'right',
          value: (k) => {
            const s = start(k);
            return k.remediatedAt !== undefined && s !== undefined
              ? days((k.remediatedAt - s) / 86_400_000)
              : '—';
          },
        },
        {
          header: 'State',
          width: 1.3,
          value: (k) => STATE_LABEL[k.state] + (k.rollbacks.length ? '\nrolled back' : ''),
        },
        {
          header: 'SLA',
          width: 1.3,
          value: (k) => {
            const b = breachBy.get(k.key);
            return b ? `breach\n${b.daysLate.toFixed(1)} d late` : '';
          },
          color: () => L.colors.status.not_satisfied,
          bold: true,
        },
      ],
      rows,
      this.tableStyle(),
      {
        rowFill: (k) => (breachBy.has(k.key) ? L.colors.breachRow : undefined),
        continuedLabel: `${title} (continued)`,
      },
    );
  }

  private provenance(): void {
    const doc = this.doc;
    const L = this.layout;
    const c = this.c;
    const p = c.provenance;
    this.section(this.t(L.sectionTitles.provenance));
    this.para(this.t(L.paragraphs.provenance));
    this.h2('Query');
    this.keyValues([
      ['Tenant', `${c.tenant.name} (${p.query.tenantId})`],
      ['Client', `${c.client.name} (${p.query.clientId})`],
      ['Period', `${p.query.period.from} to ${p.query.period.to} (end exclusive)`],
      ['Frameworks', p.query.frameworks.join(', ')],
      ['SLA policy', p.query.policy],
      ['As of', p.query.asOf],
    ]);
    this.h2('Sources');
    const total = p.sources.reduce((s, x) => s + x.events, 0);
    drawTable(
      doc,
      [
        { header: 'Source', width: 3, value: (s) => s.source, bold: true },
        { header: 'Events', width: 1, align: 'right', value: (s) => String(s.events) },
        {
          header: 'Share',
          width: 1,
          align: 'right',
          value: (s) => (total ? `${((s.events / total) * 100).toFixed(1)}%` : 'n/a'),
        },
      ],
      [...p.sources, { source: 'Total', events: total }],
      this.tableStyle(),
      { width: this.width * 0.6 },
    );
    doc.y += 6;
    this.h2('Counts');
    this.keyValues([
      ['Events', String(p.counts.events)],
      ['Remediation cases', String(p.counts.cases)],
      ['Assets reporting', String(p.counts.assets)],
      ['Controls evaluated', String(p.counts.controls)],
      ['SLA breaches', String(p.counts.breaches)],
      ['Exceptions', String(p.counts.exceptions)],
    ]);
    this.h2('Event ledger');
    this.keyValues([
      ['Head sequence', String(p.ledger.headSeq)],
      ['Head hash (SHA-256)', p.ledger.headHash],
      [
        'Period sequence range',
        p.ledger.periodFirstSeq === null
          ? 'no events in period'
          : `${p.ledger.periodFirstSeq} – ${p.ledger.periodLastSeq}`,
      ],
      [
        'Hash chain verified',
        p.ledger.verified
          ? 'yes'
          : `NO — the ledger did not verify${p.ledger.firstBadSeq === null ? '' : ` (breaks at sequence ${p.ledger.firstBadSeq})`}`,
      ],
      ['Verification', ledgerVerificationText(p.ledger.verification)],
      [
        'Full verification',
        p.ledger.verification.genesisVerifiedAt === null
          ? 'never recorded'
          : `${p.ledger.verification.genesisVerifiedAt} (whole chain from genesis)`,
      ],
    ]);
    this.h2('Framework catalogs', 60);
    drawTable(
      doc,
      [
        { header: 'Framework', width: 2.6, value: (k) => k.name, bold: true },
        { header: 'Version', width: 1.1, value: (k) => k.frameworkVersion },
        { header: 'Catalog', width: 1.1, value: (k) => k.catalogVersion },
        { header: 'Catalog SHA-256', width: 6.6, value: (k) => k.digest },
      ],
      c.catalogs,
      this.tableStyle(),
    );
    doc.y += 6;
    this.h2('SLA policy');
    this.keyValues([
      ['Policy', `${c.policy.name} (${c.policy.key}), version ${c.policy.version}`],
      ['Effective from', c.policy.effectiveFrom],
      ['Clock', `${CLOCK_LABEL[c.policy.clock]}, ${c.policy.dayKind} days`],
      ['Deadlines', this.values().policyDays as string],
      ['KEV dueDate wins', c.policy.kevDueDateWins ? 'yes, when earlier' : 'no'],
      ['Description', c.policy.description],
      ['Source', c.policy.source],
      ['Policy SHA-256', c.policy.digest],
    ]);
    this.h2('Vulnerability feeds');
    this.keyValues([
      ['CISA KEV catalog', p.vulnerabilityFeeds.kevCatalogVersion ?? 'not loaded'],
      ['EPSS model', p.vulnerabilityFeeds.epssModelVersion ?? 'not loaded'],
      ['NVD records', String(p.vulnerabilityFeeds.nvdRecords)],
    ]);
    this.h2('Generator');
    this.keyValues([
      ['Generator', `${p.generator.name} ${p.generator.version} (Node ${p.generator.node})`],
      [
        'PDF renderer',
        `PDFKit ${PDFKIT_VERSION}; fonts ${L.fonts.regular}, ${L.fonts.bold} (embedded subsets)`,
      ],
      ['Pack id', c.packId],
      ['As of / generated', `${utcMinute(c.asOf)} / ${utcMinute(c.generatedAt)}`],
    ]);
  }

  /** Running header and "Page n of m" footer on every page, drawn inside the margins once the page count is known. */
  private decoratePages(): void {
    const doc = this.doc;
    const L = this.layout;
    const c = this.c;
    const range = doc.bufferedPageRange();
    const size = L.fontSizes.small;
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const left = doc.page.margins.left;
      const right = doc.page.width - doc.page.margins.right;
      const fy = doc.page.height - doc.page.margins.bottom + 14;
      doc
        .moveTo(left, fy - 5)
        .lineTo(right, fy - 5)
        .lineWidth(0.4)
        .strokeColor(L.colors.rule)
        .stroke();
      doc.font(this.regular).fontSize(size).fillColor(L.colors.muted);
      doc.text(`${c.client.name} · ${c.periodLabel} · Pack ${c.packId}`, left, fy, { lineBreak: false });
      const pageText = `Page ${i + 1} of ${range.count}`;
      doc.font(this.bold);
      doc.text(pageText, right - doc.widthOfString(pageText), fy, { lineBreak: false });
      if (i === range.start) continue;
      const hy = doc.page.margins.top - 26;
      doc.font(this.regular).fillColor(L.colors.muted);
      doc.text(`Patch compliance evidence · ${c.client.name} · ${c.periodLabel}`, left, hy, {
        lineBreak: false,
      });
      const msp = c.tenant.name || this.branding.mspName;
      doc.font(this.bold).fillColor(this.branding.colors.primary);
      doc.text(msp, right - doc.widthOfString(msp), hy, { lineBreak: false });
      doc
        .moveTo(left, hy + 13)
        .lineTo(right, hy + 13)
        .lineWidth(0.4)
        .strokeColor(L.colors.rule)
        .stroke();
    }
  }
}

/** How the pack's ledger verification ran, in words (provenance appendix). */
export function ledgerVerificationText(
  v: EvidencePackContent['provenance']['ledger']['verification'],
): string {
  return v.fromSeq === 0
    ? `recomputed from genesis: ${v.eventsChecked} events`
    : `recomputed from the checkpoint at sequence ${v.fromSeq} (recorded ${v.checkpointVerifiedAt ?? '?'}, its event's hash re-checked): ${v.eventsChecked} events`;
}
