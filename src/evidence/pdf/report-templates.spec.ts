import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fillTemplate, loadReportTemplates, ReportTemplateError } from './report-templates.js';

const SHIPPED = join(process.cwd(), 'templates', 'reports');

/** A copy of the shipped templates with one file edited. */
function withEdit(
  file: 'layout.json' | 'branding.json', // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests edit arbitrary keys of the JSON
  edit: (json: Record<string, any>) => void,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-templates-'));
  for (const f of ['layout.json', 'branding.json']) {
    const json = JSON.parse(readFileSync(join(SHIPPED, f), 'utf8'));
    if (f === file) edit(json);
    writeFileSync(join(dir, f), JSON.stringify(json));
  }
  return dir;
}

function loadError(dir: string): ReportTemplateError {
  try {
    loadReportTemplates(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (err instanceof ReportTemplateError) return err;
    throw err;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('expected loadReportTemplates to throw');
}

describe('loadReportTemplates', () => {
  it('loads the shipped layout and branding', () => {
    const { layout, branding } = loadReportTemplates(SHIPPED);
    expect(layout.page.size).toBe('A4');
    expect(layout.colors.status.not_satisfied).toMatch(/^#/);
    expect(branding.mspName).toBe('Harbor IT Services');
    expect(branding.logo.type).toBe('vector');
  });

  it('names the file and the key of a bad colour', () => {
    const err = loadError(withEdit('layout.json', (j) => (j.colors.status.satisfied = 'green')));
    expect(err.message).toBe('layout.json: colors.status.satisfied: expected a hex colour like #1d2939');
    expect(err.key).toBe('colors.status.satisfied');
  });

  it('rejects an unknown placeholder in a paragraph', () => {
    const err = loadError(withEdit('layout.json', (j) => (j.paragraphs.cover = 'Pack for {clinet}')));
    expect(err.message).toMatch(/^layout\.json: paragraphs\.cover: unknown placeholder \{clinet\}/);
  });

  it('rejects a missing key and an unknown key', () => {
    expect(loadError(withEdit('layout.json', (j) => delete j.captions.survival)).message).toMatch(
      /^layout\.json: captions\.survival: /,
    );
    expect(loadError(withEdit('branding.json', (j) => (j.colour = '#000000'))).message).toBe(
      'branding.json: unknown key(s) colour',
    );
  });

  it('rejects a font that is not in dejavu-fonts-ttf and a PNG logo that does not exist', () => {
    expect(loadError(withEdit('layout.json', (j) => (j.fonts.bold = 'Arial.ttf'))).message).toBe(
      'layout.json: fonts.bold: Arial.ttf is not in dejavu-fonts-ttf/ttf',
    );
    const err = loadError(
      withEdit('branding.json', (j) => (j.logo = { type: 'png', file: 'nope.png', width: 40 })),
    );
    expect(err.file).toBe('branding.json');
    expect(err.key).toBe('logo.file');
  });

  it('says which file is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-templates-'));
    writeFileSync(join(dir, 'layout.json'), '{ not json');
    expect(loadError(dir).message).toMatch(/^layout\.json: not valid JSON/);
    const empty = mkdtempSync(join(tmpdir(), 'report-templates-'));
    expect(loadError(empty).message).toMatch(/^layout\.json: file not found/);
  });
});

describe('fillTemplate', () => {
  it('fills placeholders and refuses to leave one unfilled', () => {
    expect(fillTemplate('{client} for {period}', { client: 'Northwind', period: 'October 2026' })).toBe(
      'Northwind for October 2026',
    );
    expect(() => fillTemplate('{client} {asOf}', { client: 'x' })).toThrow(/\{asOf\} has no value/);
  });
});
