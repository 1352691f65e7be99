import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CatalogRef } from '../evidence/pack-content.js';
import {
  catalogDigest,
  catalogRef,
  crosswalkFor,
  DEFAULT_FRAMEWORKS_DIR,
  FRAMEWORK_IDS,
  FrameworkCatalogError,
  loadFrameworkCatalogs,
  parseFrameworkCatalog,
} from './catalog.js';
import type { FrameworkCatalog } from './control.types.js';

const DIR = path.resolve(DEFAULT_FRAMEWORKS_DIR);
const REALDATA = path.resolve('../shared/realdata/controls');
const loaded = loadFrameworkCatalogs(DIR);
const catalog = (id: FrameworkCatalog['framework']): FrameworkCatalog => loaded.catalogs.get(id)!.catalog;
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('the shipped catalogs', () => {
  it('cover the five frameworks, one file each', () => {
    expect([...loaded.catalogs.keys()].sort()).toEqual([...FRAMEWORK_IDS].sort());
    expect(readdirSync(DIR).sort()).toEqual([
      'cis-v8.json',
      'crosswalk.json',
      'hipaa.json',
      'nist-800-53r5.json',
      'pci-dss-4.0.1.json',
      'sox-itgc.json',
    ]);
  });

  it.each(FRAMEWORK_IDS)(
    '%s: every control has an id, a title, a summary, a citation and at least one test',
    (id) => {
      for (const control of catalog(id).controls) {
        expect(control.id.trim()).not.toBe('');
        expect(control.title.trim()).not.toBe('');
        expect(control.summary.trim().length).toBeGreaterThanOrEqual(40);
        expect(control.citation.trim()).not.toBe('');
        expect(control.tests.length).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it('list the controls the issue asks for', () => {
    const ids = (f: FrameworkCatalog['framework']): string[] => catalog(f).controls.map((c) => c.id);
    expect(ids('nist-800-53')).toEqual(['SI-2', 'SI-2(3)', 'RA-5', 'CM-3', 'CP-9', 'CP-10']);
    expect(ids('cis-v8')).toEqual(['7.3', '7.4', '7.7', '11.5']);
    expect(ids('pci-dss')).toEqual(
      expect.arrayContaining(['6.3.1', '6.3.3', '6.5.1', '6.5.2', '6.5.4', '12.3.4']),
    );
    expect(ids('hipaa')).toEqual(
      expect.arrayContaining([
        '164.308(a)(1)(ii)(A)',
        '164.308(a)(1)(ii)(B)',
        '164.308(a)(7)(ii)(A)',
        '164.312(b)',
      ]),
    );
    expect(ids('sox-itgc')).toEqual(
      expect.arrayContaining(['BAI06.01', 'BAI06.02', 'BAI07.05', 'CC8.1', 'DSS04.07']),
    );
  });

  it('have a digest that is the SHA-256 of the canonical JSON, independent of key order and spacing', () => {
    const pci = loaded.catalogs.get('pci-dss')!;
    expect(pci.digest).toMatch(/^[0-9a-f]{64}$/);
    const json = readJson(pci.file) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(json).reverse());
    expect(catalogDigest(reordered)).toBe(pci.digest);
    expect(catalogDigest({ ...json, catalogVersion: '1.0.1' })).not.toBe(pci.digest);
    expect(catalogDigest({ b: 1, a: 'é' })).toBe(
      createHash('sha256').update('{"a":"é","b":1}', 'utf8').digest('hex'),
    );
  });

  it("give the pack's CatalogRef", () => {
    const ref: CatalogRef = catalogRef(loaded.catalogs.get('nist-800-53')!);
    expect(ref).toEqual({
      framework: 'nist-800-53',
      name: catalog('nist-800-53').name,
      frameworkVersion: '5.1.1',
      catalogVersion: '1.0.0',
      digest: loaded.catalogs.get('nist-800-53')!.digest,
    });
  });
});

describe('ids and titles against the authoritative machine-readable sources', () => {
  interface OscalControl {
    id: string;
    title: string;
    controls?: OscalControl[];
    props?: { name: string; value: string }[];
  }
  interface OscalGroup {
    id: string;
    controls?: OscalControl[];
    groups?: OscalGroup[];
    props?: { name: string; value: string }[];
  }
  const flatten = (controls: OscalControl[] = []): OscalControl[] =>
    controls.flatMap((c) => [c, ...flatten(c.controls)]);

  it('NIST ids and titles are those of the OSCAL 800-53 rev5 catalog (SI-2(3) is in no baseline)', () => {
    const file = path.join(
      REALDATA,
      'oscal/sp800-53-rev5/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json',
    );
    const groups = (readJson(file) as { catalog: { groups: OscalGroup[] } }).catalog.groups;
    const byId = new Map(groups.flatMap((g) => flatten(g.controls)).map((c) => [c.id, c]));
    const notInBaseline: string[] = [];
    for (const control of catalog('nist-800-53').controls) {
      const oscal = byId.get(control.sourceIds![0]);
      if (!oscal) {
        notInBaseline.push(control.id);
        continue;
      }
      expect(oscal.props?.filter((p) => p.name === 'label').map((p) => p.value)).toContain(control.id);
      expect(control.title).toBe(oscal.title);
    }
    expect(notInBaseline).toEqual(['SI-2(3)']);
  });

  it('HIPAA key activities exist in the OSCAL HIPAA catalog under the standard each control belongs to', () => {
    const file = path.join(REALDATA, 'hipaa/oscal-compass_hipaa-2.0.0_catalog.json');
    const top = (readJson(file) as { catalog: { groups: OscalGroup[] } }).catalog.groups;
    const standardOf = new Map<string, string>();
    for (const g of top.flatMap((x) => x.groups ?? [])) {
      const standard = g.props?.find((p) => p.name === 'standards-identifiers')?.value ?? '';
      for (const c of flatten(g.controls)) standardOf.set(c.id, standard);
    }
    for (const control of catalog('hipaa').controls) {
      expect(control.sourceIds?.length).toBeGreaterThan(0);
      for (const id of control.sourceIds!) {
        expect({ id, standard: standardOf.get(id) }).toEqual({ id, standard: expect.any(String) });
        expect(control.id.startsWith(standardOf.get(id)!)).toBe(true);
      }
    }
  });

  it('PCI DSS ids are requirement numbers of v4', () => {
    const rows = readFileSync(path.join(REALDATA, 'pci/pci-dss-v4-requirement-ids.csv'), 'utf8')
      .trim()
      .split('\n');
    const requirements = new Set(
      rows.filter((r) => r.startsWith('requirement,')).map((r) => r.split(',')[1]),
    );
    for (const control of catalog('pci-dss').controls) expect(requirements).toContain(control.id);
  });
});

describe('no copied PCI DSS or COBIT text', () => {
  // Distinctive phrases of the PCI DSS v4.x requirement texts and COBIT 2019 practice names. Our catalogs must
  // describe these controls in our own words: no phrase below, and no run of five of its words, may appear.
  const PROTECTED = [
    'are installed within one month of release',
    'security vulnerabilities are identified and managed',
    'changes to all system components are managed securely',
    'reason for, and description of, the change',
    'documentation of security impact',
    'documented change approval by authorized parties',
    'procedures to address failures and return to a secure state',
    'applicable pci dss requirements are confirmed to be in place',
    'roles and functions are separated between production and pre-production environments',
    'audit logs are enabled and active for all system components',
    'retain audit log history for at least 12 months',
    'internal vulnerability scans are performed',
    'hardware and software technologies in use are reviewed at least once every 12 months',
    'new security vulnerabilities are identified using industry-recognized sources',
    'evaluate, prioritize and authorize change requests',
    'manage emergency changes',
    'establish an implementation plan',
    'perform acceptance tests',
    'establish a test environment',
    'manage backup arrangements',
    'perform a post-implementation review',
  ];
  const words = (s: string): string[] => s.toLowerCase().match(/[a-z0-9-]+/g) ?? [];
  const shingles = (s: string, n: number): string[] => {
    const w = words(s);
    return w.length < n
      ? [w.join(' ')]
      : w.slice(0, w.length - n + 1).map((_, i) => w.slice(i, i + n).join(' '));
  };

  it.each(['pci-dss', 'sox-itgc'] as const)(
    '%s titles and summaries share no five-word run with the standard',
    (id) => {
      const ours = words(
        catalog(id)
          .controls.flatMap((c) => [c.title, c.summary])
          .join(' | '),
      ).join(' ');
      for (const phrase of PROTECTED) {
        for (const run of shingles(phrase, 5))
          expect({ phrase, found: ours.includes(run) }).toEqual({ phrase, found: false });
      }
    },
  );
});

describe('the crosswalk', () => {
  it('maps PCI 6.3.3 to 800-53 SI-2 and reads back from either side', () => {
    const fromPci = crosswalkFor(loaded.crosswalk.crosswalk, { framework: 'pci-dss', controlId: '6.3.3' });
    expect(fromPci).toContainEqual(
      expect.objectContaining({
        other: { framework: 'nist-800-53', controlId: 'SI-2' },
        relationship: 'subset-of',
      }),
    );
    const fromNist = crosswalkFor(loaded.crosswalk.crosswalk, {
      framework: 'nist-800-53',
      controlId: 'SI-2',
    });
    expect(fromNist).toContainEqual(
      expect.objectContaining({
        other: { framework: 'pci-dss', controlId: '6.3.3' },
        relationship: 'superset-of',
      }),
    );
    expect(loaded.crosswalk.digest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('a broken catalog stops loading with a message naming the file, the control and the field', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'frameworks-'));
    for (const name of readdirSync(DIR)) copyFileSync(path.join(DIR, name), path.join(dir, name));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const edit = (
    name: string,
    change: (json: { controls: Record<string, unknown>[] } & Record<string, unknown>) => void,
  ): void => {
    const file = path.join(dir, name);
    const json = readJson(file) as { controls: Record<string, unknown>[] } & Record<string, unknown>;
    change(json);
    writeFileSync(file, JSON.stringify(json));
  };
  const loadError = (): FrameworkCatalogError => {
    try {
      loadFrameworkCatalogs(dir);
    } catch (err) {
      if (err instanceof FrameworkCatalogError) return err;
      throw err;
    }
    throw new Error('expected the load to fail');
  };

  it('loads the copy unchanged', () => {
    expect(loadFrameworkCatalogs(dir).catalogs.size).toBe(5);
  });

  it('names a parameter outside its range', () => {
    edit('pci-dss-4.0.1.json', (j) => {
      (j.controls[1].tests as { params: Record<string, unknown> }[])[0].params.minSeverity = 'severe';
    });
    const err = loadError();
    expect(err.message).toContain(`Framework catalog ${path.join(dir, 'pci-dss-4.0.1.json')} is invalid:`);
    expect(err.message).toContain(
      'control 6.3.3: tests[0] (no_overdue_cases): params.minSeverity: Invalid option',
    );
  });

  it('names an unknown parameter (a typo must not silently test the default)', () => {
    edit('nist-800-53r5.json', (j) => {
      (j.controls[0].tests as { params: Record<string, unknown> }[])[0].params = { minSeverty: 'high' };
    });
    expect(loadError().problems).toEqual([
      expect.stringMatching(
        /^control SI-2: tests\[0\] \(no_overdue_cases\): params: Unrecognized key: "minSeverty"/,
      ),
    ]);
  });

  it('names an unknown test, a missing title and a control with no test, all at once', () => {
    edit('hipaa.json', (j) => {
      (j.controls[0].tests as Record<string, unknown>[])[0].test = 'patched_quickly';
      delete j.controls[1].title;
      j.controls[2].tests = [];
    });
    const problems = loadError().problems;
    expect(problems).toEqual([
      expect.stringMatching(/^control 164\.308\(a\)\(1\)\(ii\)\(A\): tests\[0\]\.test: Invalid option/),
      expect.stringMatching(/^control 164\.308\(a\)\(1\)\(ii\)\(B\): title: /),
      'control 164.308(a)(1)(ii)(D): tests: must list at least one test',
    ]);
  });

  it('names a duplicated id and an id not numbered the framework way', () => {
    edit('cis-v8.json', (j) => {
      j.controls[1].id = '7.3';
      j.controls[2].id = 'CIS-7.7';
    });
    expect(loadError().problems).toEqual([
      'control 7.3: id appears more than once',
      'control CIS-7.7: id is not numbered the way cis-v8 numbers its controls',
    ]);
  });

  it('names a file that is not JSON', () => {
    writeFileSync(path.join(dir, 'sox-itgc.json'), '{ "framework": "sox-itgc", ');
    const err = loadError();
    expect(err.file).toBe(path.join(dir, 'sox-itgc.json'));
    expect(err.problems[0]).toMatch(/^is not JSON: /);
  });

  it('names a missing framework and a framework with two files', () => {
    rmSync(path.join(dir, 'cis-v8.json'));
    expect(loadError().problems).toEqual(['no catalog for framework cis-v8']);
    copyFileSync(path.join(DIR, 'cis-v8.json'), path.join(dir, 'cis-v8.json'));
    copyFileSync(path.join(DIR, 'cis-v8.json'), path.join(dir, 'zz-cis-copy.json'));
    expect(loadError().problems[0]).toMatch(/^framework cis-v8 already has a catalog in .*cis-v8\.json$/);
  });

  it('names a crosswalk entry that points at no control', () => {
    edit('crosswalk.json', (j) => {
      (j.entries as { to: { controlId: string } }[])[0].to.controlId = 'SI-99';
    });
    expect(loadError().problems).toEqual([
      'entries[0]: nist-800-53 SI-99: no such control in the nist-800-53 catalog',
    ]);
  });

  it('parseFrameworkCatalog reports a top-level problem by field', () => {
    expect(() => parseFrameworkCatalog({ framework: 'iso-27001', controls: [] }, 'x.json')).toThrow(
      /Framework catalog x\.json is invalid:\n {2}framework: Invalid option/,
    );
  });
});
