import { readFileSync } from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';

import { IMPORTER_FORMATS, IMPORTERS, isImporterFormat, type ImporterFormat } from './index.js';

const everyOption = {
  timeZone: 'Europe/Berlin',
  hostname: 'host-1',
  year: 2024,
  scannedAt: '2024-01-01T00:00:00Z',
};

/** A valid input of each format, to damage at random. */
const SAMPLES: Record<ImporterFormat, string> = {
  'windows-update-xml': '../shared/realdata/windows/omerbenamram-evtx_samples_system_WindowsUpdateClient.xml',
  'windows-update-csv': '../shared/realdata/windows/omerbenamram-evtx_samples_system_WindowsUpdateClient.csv',
  'apt-history': 'test/fixtures/importers/apt-history.log',
  'dpkg-log': 'test/fixtures/importers/dpkg.log',
  'yum-log': 'test/fixtures/importers/yum.log',
  'yum-history': '../shared/realdata/linux/azure-docs_cloudinit-update-vm_yum-history.txt',
  'get-hotfix': '../shared/realdata/windows/Get-HotFix_PowerShell-Docs_example1.txt',
  'aws-ssm': '',
  fleet: '../shared/realdata/rmm/fleet/list_software_versions_response.example.json',
  'generic-csv': 'test/fixtures/importers/generic-rmm-export.csv',
};
const optionsFor = (format: ImporterFormat) =>
  format === 'generic-csv'
    ? {
        ...everyOption,
        mapping: {
          hostname: 'Device',
          patchId: 'KB',
          kind: 'Status',
          occurredAt: 'Installed On',
          cveIds: 'CVEs',
        },
        kindValues: { Installed: 'deployed' as const },
      }
    : everyOption;
const sample = (format: ImporterFormat) =>
  format === 'aws-ssm'
    ? JSON.stringify(
        { Patches: [{ KBId: 'KB1', State: 'Installed', Severity: 'Low', InstalledTime: 1.7e9 }] },
        null,
        2,
      )
    : readFileSync(path.resolve(SAMPLES[format]), 'utf8').slice(0, 20_000);

describe('IMPORTERS', () => {
  it('has one importer per format, named after it, with a description', () => {
    expect(Object.keys(IMPORTERS).sort()).toEqual([...IMPORTER_FORMATS].sort());
    for (const format of IMPORTER_FORMATS) {
      expect(IMPORTERS[format].format).toBe(format);
      expect(IMPORTERS[format].description.length).toBeGreaterThan(20);
    }
    expect(isImporterFormat('apt-history')).toBe(true);
    expect(isImporterFormat('rpm')).toBe(false);
  });

  it.each(IMPORTER_FORMATS)('%s never throws, and reports what it read', (format) => {
    const importer = IMPORTERS[format];
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.boolean(), (text, withOptions) => {
        const outcome = importer.parse(text, withOptions ? everyOption : {});
        expect(outcome.read).toBeGreaterThanOrEqual(0);
        for (const problem of outcome.problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.message.length).toBeLessThan(600);
        }
      }),
      { numRuns: 300, seed: 20240612 },
    );
  });

  it.each(IMPORTER_FORMATS)('%s never throws on a damaged real input (cut, spliced, garbled)', (format) => {
    const importer = IMPORTERS[format];
    const text = sample(format);
    expect(importer.parse(text, optionsFor(format)).events.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.nat({ max: text.length }),
        fc.nat({ max: text.length }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        (cut, resume, junk) => {
          const damaged = text.slice(0, cut) + junk + text.slice(Math.max(cut, resume));
          const outcome = importer.parse(damaged, optionsFor(format));
          expect(outcome.problems.every((p) => p.line >= 1)).toBe(true);
        },
      ),
      { numRuns: 200, seed: 20240612 },
    );
  });

  it.each(IMPORTER_FORMATS)('%s reports an empty file instead of returning nothing', (format) => {
    expect(IMPORTERS[format].parse('  \n', everyOption).problems).toEqual([
      { line: 1, message: 'empty input: nothing to import' },
    ]);
  });
});
