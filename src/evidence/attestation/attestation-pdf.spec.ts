import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { samplePackContent } from '../../../test/fixtures/sample-pack-content.js';
import type { AttestationWording, InsurerAttestation } from './attestation.js';
import { buildAttestation, loadAttestationWording, percentText, rateText } from './attestation.js';
import type { SignatureBox } from './attestation-pdf.js';
import { defaultAttestationFonts, renderAttestationPdf } from './attestation-pdf.js';

const has = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Page objects in the file (dictionaries are not compressed by pdfkit, only streams). */
const pageObjects = (pdf: Buffer): number =>
  (pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;

describe('renderAttestationPdf', () => {
  let wording: AttestationWording;
  let att: InsurerAttestation;
  let pdf: Buffer;
  let dir: string;
  let file: string;
  const fonts = defaultAttestationFonts();

  function write(name: string, bytes: Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  beforeAll(async () => {
    wording = loadAttestationWording();
    att = buildAttestation(samplePackContent(), {
      wording,
      legacyAssets: [{ hostname: 'legacy-pacs-01', os: 'Windows Server 2008 R2', compensatingControls: [] }],
    });
    pdf = await renderAttestationPdf(att, wording, fonts);
    dir = mkdtempSync(join(tmpdir(), 'attestation-pdf-'));
    file = write('attestation.pdf', pdf);
    if (process.env.ATTESTATION_PDF_OUT) writeFileSync(process.env.ATTESTATION_PDF_OUT, pdf);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a single page', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pageObjects(pdf)).toBe(1);
    if (has('pdfinfo')) expect(execFileSync('pdfinfo', [file]).toString()).toMatch(/^Pages:\s+1$/m);
  });

  it('carries document metadata, dated at the as-of instant', () => {
    if (!has('pdfinfo')) return;
    const info = execFileSync('pdfinfo', ['-isodates', file]).toString();
    expect(info).toMatch(/^Title:\s+Patch management attestation: Northwind Dental Group$/m);
    expect(info).toMatch(/^Author:\s+Harbor IT Services$/m);
    expect(info).toMatch(/^CreationDate:\s+2026-11-01T06:00:00(Z|\+00)/m);
    expect(info).toMatch(new RegExp(`^Keywords:.*${att.attestationId}`, 'm'));
  });

  it('embeds the DejaVu fonts', () => {
    if (!has('pdffonts')) return;
    const fontsOut = execFileSync('pdffonts', [file]).toString();
    expect(fontsOut).toMatch(/DejaVuSans\s.*yes\s+yes/);
    expect(fontsOut).toMatch(/DejaVuSans-Bold\s.*yes\s+yes/);
  });

  it('shows the figures an underwriter reads', () => {
    if (!has('pdftotext')) return;
    // Reading order, with line wraps folded to spaces: a phrase is found even where the table cell wraps it.
    const text = execFileSync('pdftotext', [file, '-']).toString('utf8').replace(/\s+/g, ' ');
    const critical = att.remediatedWithin.critical;
    for (const expected of [
      'Northwind Dental Group',
      'Harbor IT Services',
      att.attestationId,
      att.packId,
      '2026-11-01 06:00 UTC',
      rateText(critical.d14),
      rateText(critical.d30),
      rateText(critical.d45),
      rateText(att.publication45.criticalAndHigh),
      'srv-zürich-01 KB5068001 (CVE-2026-24990): due 2026-10-20, 12 days past due',
      `(${att.backupsVerifiedBeforeChange.numerator} of ${att.backupsVerifiedBeforeChange.denominator})`,
      percentText(att.backupsVerifiedBeforeChange),
      `2 of ${att.rollbacks.rate.denominator} deployments`,
      'legacy-pacs-01 (Windows Server 2008 R2)',
      'Isolated imaging VLAN 40',
      'Scope and limits',
      'Signed for Harbor IT Services',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('gives the same bytes for the same attestation', async () => {
    expect((await renderAttestationPdf(att, wording, fonts)).equals(pdf)).toBe(true);
  });

  it('hands the signature box to the placeholder callback, on the page', async () => {
    const calls: { x: number; y: number; box: SignatureBox }[] = [];
    await renderAttestationPdf(att, wording, {
      ...fonts,
      signaturePlaceholder: (doc, box) => calls.push({ x: doc.x, y: doc.y, box }),
    });
    expect(calls).toHaveLength(1);
    const { x, y, box } = calls[0];
    expect([x, y]).toEqual([box.x, box.y]);
    expect(box.width).toBeGreaterThan(150);
    expect(box.height).toBeGreaterThan(30);
    expect(box.x + box.width).toBeLessThanOrEqual(595.28 - 40);
    expect(box.y + box.height).toBeLessThan(841.89 - 40);
  });

  it('stays on one page with long lists, cutting them with a pointer to the evidence pack', async () => {
    const many: InsurerAttestation = structuredClone(att);
    const exceptions = Array.from(
      { length: 40 },
      (_, i) => `ws-${i}.example KB50${i}: until 2027-01-31, owner IT: VLAN isolation; EDR`,
    );
    many.answers = many.answers.map((a) =>
      a.id === 'openExceptions' || a.id === 'legacyAssets' || a.id === 'kevPastDue'
        ? { ...a, answer: `${exceptions.length}:\n${exceptions.join('\n')}` }
        : a,
    );
    const big = await renderAttestationPdf(many, wording, fonts);
    expect(pageObjects(big)).toBe(1);
    if (!has('pdftotext')) return;
    const text = execFileSync('pdftotext', [write('long.pdf', big), '-']).toString('utf8');
    expect(text).toMatch(/and \d+ more, listed in the evidence pack/);
    expect(text).toContain('ws-0.example');
  });
});
