import { readFileSync } from 'node:fs';
import path from 'node:path';

import { isCalendarDate, KEV_CATALOG_SCHEMA, mergeKevCatalogs, parseKevCatalog } from './kev.parser.js';
import type { KevEntry } from './vulnerability-facts.js';

const KEV = path.resolve('../shared/realdata/kev');
const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(KEV, file), 'utf8'));
const CURRENT = 'known_exploited_vulnerabilities.json';
const OLDER = 'known_exploited_vulnerabilities_2025-08-25_cisagov.json';

const current = parseKevCatalog(readJson(CURRENT));
const older = parseKevCatalog(readJson(OLDER));
const byId = (entries: KevEntry[], cveId: string): KevEntry | undefined =>
  entries.find((e) => e.cveId === cveId);

/** A small catalog built from real entries, for the tests that break things. */
function sample(): { catalogVersion: string; vulnerabilities: Record<string, unknown>[] } & Record<
  string,
  unknown
> {
  const catalog = readJson(CURRENT) as { vulnerabilities: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;
  return {
    ...catalog,
    catalogVersion: '2026.08.21',
    count: 6,
    vulnerabilities: catalog.vulnerabilities.slice(0, 6),
  };
}

describe('parseKevCatalog on the real catalogs', () => {
  it('reads all 1674 entries of 2026.08.21 without a problem, each tagged with the catalog version', () => {
    expect(current.catalogVersion).toBe('2026.08.21');
    expect(current.dateReleased).toBe('2026-08-21T17:46:43.6019Z');
    expect(current.problems).toEqual([]);
    expect(current.entries).toHaveLength(1674);
    expect(new Set(current.entries.map((e) => e.catalogVersion))).toEqual(new Set(['2026.08.21']));
  });

  it('trims the leading and trailing spaces of string fields', () => {
    expect(byId(current.entries, 'CVE-2026-68820')?.product).toBe(
      'Windows Ancillary Function Driver for WinSock',
    );
    expect(byId(current.entries, 'CVE-2026-48558')?.vendorProject).toBe('SimpleHelp');
    const padded = current.entries.flatMap((e) => Object.values(e).filter((v) => v !== v.trim()));
    expect(padded).toEqual([]);
  });

  it('reads the due date from the feed (one day after dateAdded happens)', () => {
    expect(byId(current.entries, 'CVE-2026-73570')).toEqual({
      cveId: 'CVE-2026-73570',
      vendorProject: 'Synacor',
      product: 'Zimbra Collaboration Suite (ZCS)',
      vulnerabilityName: 'Zimbra Collaboration Suite (ZCS) OS Command Injection Vulnerability',
      dateAdded: '2026-08-21',
      dueDate: '2026-08-24',
      knownRansomwareCampaignUse: 'Unknown',
      catalogVersion: '2026.08.21',
    });
  });

  it('reads the 1404 entries of 2025.08.25 and flags the 15 that were due before they were added', () => {
    expect(older.catalogVersion).toBe('2025.08.25');
    expect(older.entries).toHaveLength(1404);
    expect(older.problems).toHaveLength(15);
    expect(older.problems).toContainEqual({
      index: expect.any(Number),
      message: 'CVE-2021-34527: dueDate 2021-07-20 is before dateAdded 2021-11-03 (kept as published)',
    });
    expect(byId(older.entries, 'CVE-2021-34527')?.dueDate).toBe('2021-07-20');
  });

  it('accepts text as well as parsed JSON', () => {
    expect(parseKevCatalog(readFileSync(path.join(KEV, OLDER), 'utf8'))).toEqual(older);
  });
});

describe('mergeKevCatalogs', () => {
  const merged = mergeKevCatalogs(older.entries, current);

  it('adds the 270 new entries of 2026.08.21 and removes none', () => {
    expect(merged.entries).toHaveLength(1674);
    expect(merged.added).toHaveLength(270);
    expect(merged.notInIncoming).toEqual([]);
    expect(merged.entries.filter((e) => e.catalogVersion === '2026.08.21')).toHaveLength(270);
    expect(merged.entries.filter((e) => e.catalogVersion === '2025.08.25')).toHaveLength(1404);
    expect(byId(merged.entries, 'CVE-2026-73570')?.catalogVersion).toBe('2026.08.21');
  });

  it('keeps the version that first listed an entry but takes the corrected fields of the newer catalog', () => {
    expect(byId(merged.entries, 'CVE-2021-34527')).toMatchObject({
      catalogVersion: '2025.08.25',
      dateAdded: '2021-11-03',
      dueDate: '2022-05-03',
    });
    expect(byId(merged.entries, 'CVE-2024-1086')).toMatchObject({
      catalogVersion: '2025.08.25',
      knownRansomwareCampaignUse: 'Known',
    });
    expect(merged.changed).toHaveLength(47);
    expect(merged.changed).toContainEqual({ cveId: 'CVE-2021-34527', fields: ['dueDate'] });
    expect(merged.changed).toContainEqual({
      cveId: 'CVE-2011-2462',
      fields: ['product', 'vulnerabilityName'],
    });
  });

  it('is idempotent: applying the same catalog again changes nothing', () => {
    const again = mergeKevCatalogs(merged.entries, current);
    expect(again).toEqual({ entries: merged.entries, added: [], changed: [], notInIncoming: [] });
  });

  it('keeps, and reports, an entry the newer catalog no longer lists', () => {
    const withoutFirst = { ...current, entries: current.entries.filter((e) => e.cveId !== 'CVE-2021-34527') };
    const result = mergeKevCatalogs(older.entries, withoutFirst);
    expect(result.notInIncoming).toEqual(['CVE-2021-34527']);
    expect(byId(result.entries, 'CVE-2021-34527')).toEqual(byId(older.entries, 'CVE-2021-34527'));
  });

  it('refuses a catalog older than entries already listed', () => {
    expect(() => mergeKevCatalogs(current.entries, older)).toThrow(
      'KEV catalog 2025.08.25 is older than entries already listed by 2026.08.21',
    );
  });
});

describe('parseKevCatalog checks', () => {
  it('uses CISA schema exactly as published (draft-07 with $defs)', () => {
    expect(KEV_CATALOG_SCHEMA).toEqual(readJson('known_exploited_vulnerabilities_schema.json'));
  });

  it('reports schema errors once per field, with the entry index, and leaves the broken entries out', () => {
    const catalog = sample();
    const v = catalog.vulnerabilities;
    v[1] = { ...v[1], cveID: 'CVE-24-1' };
    v[2] = { ...v[2], dueDate: '2025-02-30' };
    const { product: _product, ...noProduct } = v[3];
    v[3] = noProduct;
    v[4] = { ...v[4], cwes: ['79'] };
    const result = parseKevCatalog(catalog);
    expect(result.problems).toEqual([
      { index: 1, message: 'schema: cveID must match pattern "^CVE-[0-9]{4}-[0-9]{4,19}$"' },
      { index: 2, message: 'schema: dueDate must match format "date"' },
      { index: 3, message: "schema: (entry) must have required property 'product'" },
      { index: 4, message: 'schema: cwes/0 must match pattern "^CWE-([0-9])+$"' },
    ]);
    expect(result.entries.map((e) => e.cveId)).toEqual([v[0].cveID, v[4].cveID, v[5].cveID]);
  });

  it('reports a padded CVE id against the schema but keeps the trimmed entry', () => {
    const catalog = sample();
    const id = String(catalog.vulnerabilities[0].cveID);
    catalog.vulnerabilities[0].cveID = ` ${id} `;
    const result = parseKevCatalog(catalog);
    expect(result.problems.map((p) => p.index)).toEqual([0]);
    expect(result.entries[0].cveId).toBe(id);
  });

  it('keeps the first of two listings of one CVE, and checks the count', () => {
    const catalog = sample();
    catalog.vulnerabilities.push({ ...catalog.vulnerabilities[0], dueDate: '2030-01-01' });
    const result = parseKevCatalog(catalog);
    expect(result.entries).toHaveLength(6);
    expect(result.entries[0].dueDate).toBe(catalog.vulnerabilities[0].dueDate);
    expect(result.problems).toEqual([
      { index: -1, message: 'count says 6 but 7 entries are listed' },
      {
        index: 6,
        message: `${String(catalog.vulnerabilities[0].cveID)} is listed twice; the first listing is kept`,
      },
    ]);
  });

  it('takes no entry from a catalog without a usable version', () => {
    const result = parseKevCatalog({ ...sample(), catalogVersion: 'latest' });
    expect(result.entries).toEqual([]);
    expect(result.problems).toEqual([
      { index: -1, message: expect.stringContaining('"latest" is not YYYY.MM.DD') },
    ]);
  });

  it('reports text that is not JSON and a document that is not a catalog', () => {
    expect(parseKevCatalog('{"catalogVersion":').problems[0].message).toContain('not JSON');
    const result = parseKevCatalog([]);
    expect(result.entries).toEqual([]);
    expect(result.problems[0]).toEqual({ index: -1, message: 'schema: (catalog) must be object' });
  });
});

describe('isCalendarDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2025-02-30', false],
    ['2025-13-01', false],
    ['2025-1-01', false],
    ['2025-01-01T00:00:00Z', false],
  ])('%s → %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });
});
