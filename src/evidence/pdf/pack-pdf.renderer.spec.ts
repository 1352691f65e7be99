import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

import { samplePackContent } from '../../../test/fixtures/sample-pack-content.js';
import type { EvidencePackContent } from '../pack-content.js';
import { renderPackPdf } from './pack-pdf.renderer.js';
import type { Branding, ReportLayout } from './report-templates.js';
import { loadReportTemplates } from './report-templates.js';

const TEMPLATES = join(process.cwd(), 'templates', 'reports');

function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

/** Concatenated, inflated content of every FlateDecode stream: enough to find embedded font names and page text ops. */
function inflatedStreams(pdf: Buffer): string {
  const out: string[] = [];
  const raw = pdf.toString('latin1');
  const re = /(?<!end)stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    try {
      out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      // not a Flate stream (or a font program): skip
    }
    re.lastIndex = end;
  }
  return out.join('\n');
}

describe('renderPackPdf', () => {
  let layout: ReportLayout;
  let branding: Branding;
  let content: EvidencePackContent;
  let pdf: Buffer;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    ({ layout, branding } = loadReportTemplates(TEMPLATES));
    content = samplePackContent();
    pdf = await renderPackPdf(content, { layout, branding });
    dir = mkdtempSync(join(tmpdir(), 'pack-pdf-'));
    file = join(dir, 'pack.pdf');
    writeFileSync(file, pdf);
    if (process.env.PACK_PDF_OUT) writeFileSync(process.env.PACK_PDF_OUT, pdf);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a complete PDF with the metadata an auditor sees in document properties', () => {
    const raw = pdf.toString('latin1');
    expect(raw.startsWith('%PDF-1.7')).toBe(true);
    expect(raw.trimEnd().endsWith('%%EOF')).toBe(true);
    // pdfkit writes each info entry as an indirect object: CreationDate is content.generatedAt, not the clock.
    expect(raw).toMatch(/\/CreationDate \d+ 0 R/);
    expect(raw).toContain('(D:20261102091500Z)');
    expect(raw).toMatch(/\/ID \[<[0-9a-f]{32}> <[0-9a-f]{32}>\]/);
    expect(raw).toContain('(Harbor IT Services)');
  });

  it('embeds DejaVu Sans subsets and no standard (non-embedded) font', () => {
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans\b/);
    expect(raw).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans-Bold\b/);
    expect(raw).toContain('/FontFile2');
    expect(raw).not.toMatch(/\/BaseFont \/(Helvetica|Times|Courier)/);
  });

  it('draws vector charts (paths in page content, no images)', () => {
    expect(pdf.toString('latin1')).not.toContain('/Subtype /Image');
    const streams = inflatedStreams(pdf);
    // rectangles (bars) and dashed strokes (targets, half-life) appear in the content streams
    expect(streams).toMatch(/\d re\n/);
    expect(streams).toMatch(/\[[\d.]+ [\d.]+\] 0 d/);
  });

  it('is deterministic: the same content gives the same bytes', async () => {
    const again = await renderPackPdf(samplePackContent(), { layout, branding });
    expect(again.equals(pdf)).toBe(true);
  });

  it('changes the file id when the content changes', async () => {
    const other = await renderPackPdf(
      { ...content, generatedAt: content.generatedAt + 1000 },
      { layout, branding },
    );
    const id = (b: Buffer): string => /\/ID \[<([0-9a-f]{32})>/.exec(b.toString('latin1'))![1];
    expect(id(other)).not.toBe(id(pdf));
  });

  it('calls the signature placeholder once on the cover with the reserved box', async () => {
    const calls: { page: number; x: number; y: number; docY: number }[] = [];
    await renderPackPdf(content, {
      layout,
      branding,
      signaturePlaceholder: (doc, box) => calls.push({ page: box.page, x: box.x, y: box.y, docY: doc.y }),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].page).toBe(0);
    expect(calls[0].docY).toBe(calls[0].y);
  });

  const poppler = has('pdftotext');
  const qpdf = has('qpdf');
  if (!poppler) {
    console.warn(
      'pdftotext (poppler-utils) not installed: skipping the text-extraction checks of the pack PDF',
    );
  }
  (poppler ? describe : describe.skip)('text a reader can search (pdftotext)', () => {
    let text: string;
    beforeAll(() => {
      text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    });

    it('shows the client, MSP, period, pack id and page numbers', () => {
      expect(text).toContain('Northwind Dental Group');
      expect(text).toContain('Harbor IT Services');
      expect(text).toContain('October 2026');
      expect(text).toContain(content.packId);
      expect(text).toMatch(/Page 1 of \d+/);
      const pages = Number(/Page 1 of (\d+)/.exec(text)![1]);
      expect(text).toContain(`Page ${pages} of ${pages}`);
      expect(text).not.toContain(`Page ${pages + 1} of`);
    });

    it('states the key figures with their denominators', () => {
      const m = content.metrics;
      expect(text).toContain(`${(m.slaCompliance.value! * 100).toFixed(1)}%`);
      expect(text).toContain(`${m.slaCompliance.numerator} of ${m.slaCompliance.denominator} due in period`);
      expect(text).toContain(`${m.patchSuccess.numerator} of ${m.patchSuccess.denominator} install attempts`);
      expect(text).toContain(`half-life ${m.halfLifeDays!.toFixed(1)} d`);
      for (const p of m.trend) {
        expect(text).toContain(`${p.slaCompliance.numerator}/${p.slaCompliance.denominator}`);
      }
    });

    it('draws every table header and right-aligned figure (measuring never changes the font being drawn)', () => {
      for (const n of [7, 14, 30, 60, 90]) expect(text).toContain(`Within ${n} days`);
      const all = content.metrics.ttrBySeverity.all;
      const allRow = text.split('\n').find((line) => /^\s*All\s+\d/.test(line));
      expect(allRow).toBeDefined();
      expect(allRow).toContain(`${all.median!.toFixed(1)} d`);
    });

    it('lists control ids of both frameworks with their status', () => {
      expect(text).toContain('6.3.3');
      expect(text).toContain('164.308(a)(1)(ii)(B)');
      expect(text).toContain('164.316(b)(2)(i)');
      for (const label of ['Satisfied', 'Not satisfied', 'Not applicable', 'Insufficient evidence']) {
        expect(text).toContain(label);
      }
    });

    it('names every breach and keeps non-ASCII hostnames and names intact', () => {
      for (const b of content.metrics.breaches) expect(text).toContain(b.hostname);
      expect(text).toContain('srv-zürich-01');
      expect(text).toContain('ws-réception-03');
      expect(text).toContain('Zoë Ångström');
      expect(text).toContain('legacy-pacs-01');
    });

    it('says how the ledger was verified: from which checkpoint, and when genesis was last verified', () => {
      const flat = text.replace(/\s+/g, ' ');
      expect(flat).toContain('recomputed from the checkpoint at sequence 181000');
      expect(flat).toContain('3233 events');
      expect(flat).toContain('Full verification 2026-10-31T02:23:00.000Z (whole chain from genesis)');
    });

    it('carries the change sample seed and the provenance digests', () => {
      expect(text).toContain(content.changeSample.seed);
      // Long digests wrap in table cells; compare without whitespace.
      const flat = text.replace(/\s+/g, '');
      expect(flat).toContain(content.provenance.ledger.headHash);
      expect(flat).toContain(content.policy.digest);
      for (const cat of content.catalogs) expect(flat).toContain(cat.digest);
    });
  });

  (poppler ? it : it.skip)(
    'shows title, author (the MSP) and creation date in the document properties (pdfinfo)',
    () => {
      const info = execFileSync('pdfinfo', [file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
      expect(info).toMatch(/Title:\s+Patch compliance evidence pack — Northwind Dental Group — October 2026/);
      expect(info).toMatch(/Author:\s+Harbor IT Services/);
      expect(info).toMatch(/Subject:\s+.*pci-dss-6\.3\.3|Subject:\s+.*PCI DSS v4\.0\.1/);
      expect(info).toMatch(/CreationDate:\s+Mon Nov {2}2 09:15:00 2026 UTC/);
    },
  );

  it('writes each finished page out early: page contents are arrays of streams', () => {
    // The page drawn on last keeps its single stream; every page left for a new one has [sealed, later].
    const raw = pdf.toString('latin1');
    const arrays = raw.match(/\/Contents \[\d+ 0 R \d+ 0 R\]/g) ?? [];
    const pages = Number(/\/Type \/Pages[^>]*\/Count (\d+)/.exec(raw)?.[1] ?? 0);
    expect(pages).toBeGreaterThan(3);
    expect(arrays).toHaveLength(pages - 1);
  });

  it('lists at most the configured findings and change rows, counting the rest and pointing to the XLSX', async () => {
    const small: ReportLayout = {
      ...layout,
      evidence: { ...layout.evidence, maxFindings: 1, maxChangeRows: 2 },
    };
    const many = content.controls.find((k) => k.results.some((r) => r.findings.length > 1));
    expect(many).toBeDefined();
    expect(content.failedAndRolledBack.length).toBeGreaterThan(2);
    const capped = await renderPackPdf(content, { layout: small, branding });
    if (!poppler) return;
    const path = join(dir, 'capped.pdf');
    writeFileSync(path, capped);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    );
    const result = many!.results.find((r) => r.findings.length > 1)!;
    expect(text).toContain(
      `… and ${result.findings.length - 1} more findings (showing 1 of ${result.findings.length}`,
    );
    expect(text).toContain(result.findings[0].summary);
    const rows = content.failedAndRolledBack.length;
    expect(text).toContain(`… and ${rows - 2} more (showing the first 2 of ${rows} in time order`);
    expect(text).not.toContain(content.failedAndRolledBack[rows - 1].eventId);
  });

  (qpdf ? it : it.skip)('passes qpdf --check', () => {
    const out = execFileSync('qpdf', ['--check', file], { encoding: 'utf8' });
    expect(out).toContain('No syntax or stream encoding errors found');
  });
});
