import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { nvdTimestamp, parseNvd } from './nvd.parser.js';
import type { VulnerabilityFact } from './vulnerability-facts.js';

const NVD = path.resolve('../shared/realdata/nvd');
const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(NVD, file), 'utf8'));
const cveFiles = readdirSync(path.join(NVD, 'cves')).filter((f) => f.endsWith('.json'));

function parseOne(file: string): VulnerabilityFact {
  const { facts, problems } = parseNvd(readJson(file));
  expect(problems).toEqual([]);
  expect(facts).toHaveLength(1);
  return facts[0];
}

describe('parseNvd on real single records', () => {
  it('reads all 16 records without a problem, every recomputed score agreeing', () => {
    expect(cveFiles).toHaveLength(16);
    for (const file of cveFiles) {
      const fact = parseOne(`cves/${file}`);
      expect(`${fact.cveId}.json`).toBe(file);
      expect(fact.publishedAt).toEqual(expect.any(Number));
    }
  });

  it('keeps both the NVD and the CNA score of CVE-2025-32463 (7.8 vs 9.3), with their sources', () => {
    const fact = parseOne('cves/CVE-2025-32463.json');
    expect(fact.cvss).toEqual(
      expect.arrayContaining([
        {
          version: '3.1',
          vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
          baseScore: 7.8,
          baseSeverity: 'high',
          source: 'nvd@nist.gov',
          type: 'Primary',
        },
        {
          version: '3.1',
          vector: 'CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
          baseScore: 9.3,
          baseSeverity: 'critical',
          source: 'cve@mitre.org',
          type: 'Secondary',
        },
      ]),
    );
    expect(fact.cvss).toHaveLength(2);
  });

  it('reads the minimal CVE-2025-59287 record (no configurations, no cisa fields, CNA metric as Primary)', () => {
    const fact = parseOne('cves/CVE-2025-59287.json');
    expect(fact).toEqual({
      cveId: 'CVE-2025-59287',
      publishedAt: Date.UTC(2025, 9, 14, 17, 16, 11, 670),
      cvss: [
        {
          version: '3.1',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          baseScore: 9.8,
          baseSeverity: 'critical',
          source: 'secure@microsoft.com',
          type: 'Primary',
        },
      ],
    });
  });

  it('keeps the Secondary-only 3.1 metrics of the records NVD has not scored itself', () => {
    const withoutPrimary31 = cveFiles
      .map((file) => parseOne(`cves/${file}`))
      .filter((f) => !f.cvss.some((m) => m.version === '3.1' && m.type === 'Primary'));
    expect(withoutPrimary31.map((f) => f.cveId).sort()).toEqual([
      'CVE-2021-34484',
      'CVE-2021-34527',
      'CVE-2023-28252',
      'CVE-2024-38193',
      'CVE-2025-21418',
      'CVE-2025-21420',
      'CVE-2025-29824',
      'CVE-2025-33073',
      'CVE-2025-62215',
      'CVE-2026-21510',
      'CVE-2026-24061',
    ]);
    for (const fact of withoutPrimary31) {
      expect(fact.cvss.filter((m) => m.version === '3.1').length).toBeGreaterThan(0);
    }
    const printNightmare = withoutPrimary31.find((f) => f.cveId === 'CVE-2021-34527')!;
    expect(printNightmare.cvss.map((m) => [m.version, m.source, m.type, m.baseScore])).toEqual([
      ['3.1', 'secure@microsoft.com', 'Secondary', 8.8],
      ['3.1', 'nvd@nist.gov', 'Secondary', 8.8],
      ['2.0', 'nvd@nist.gov', 'Primary', 9],
    ]);
  });

  it('reads the v2 severity NVD writes beside cvssData', () => {
    const fact = parseOne('cves/CVE-2002-0367.json');
    expect(fact.cvss.find((m) => m.version === '2.0')).toEqual({
      version: '2.0',
      vector: 'AV:L/AC:L/Au:N/C:C/I:C/A:C',
      baseScore: 7.2,
      baseSeverity: 'high',
      source: 'nvd@nist.gov',
      type: 'Primary',
    });
  });
});

describe('parseNvd on API pages', () => {
  it('reads the 38 records of a full page, including those not scored yet', () => {
    const { facts, problems } = parseNvd(readJson('api-pages/vunnel_nvd_api2_full-page.json'));
    expect(problems).toEqual([]);
    expect(facts).toHaveLength(38);
    expect(facts.find((f) => f.cveId === 'CVE-2023-43250')).toEqual({
      cveId: 'CVE-2023-43250',
      publishedAt: Date.parse('2023-10-18T16:15:08.790Z'),
      cvss: [],
    });
    expect(facts.find((f) => f.cveId === 'CVE-2021-29913')?.cvss.map((m) => [m.source, m.baseScore])).toEqual(
      [
        ['nvd@nist.gov', 7.1],
        ['psirt@us.ibm.com', 6.5],
      ],
    );
  });

  it('reads a single-entry page, as parsed JSON or as text', () => {
    const text = readFileSync(path.join(NVD, 'api-pages/vunnel_nvd_api2_single-entry.json'), 'utf8');
    const fromText = parseNvd(text);
    expect(fromText).toEqual(parseNvd(JSON.parse(text)));
    expect(fromText.facts.map((f) => [f.cveId, f.cvss.map((m) => `${m.version} ${m.baseScore}`)])).toEqual([
      ['CVE-2022-1576', ['3.1 6.5', '2.0 4.3']],
    ]);
  });

  it('reads one page item ({ cve })', () => {
    const record = readJson('cves/CVE-2024-1086.json');
    expect(parseNvd({ cve: record }).facts).toEqual(parseNvd(record).facts);
  });

  it('reports input that is neither JSON nor an NVD shape', () => {
    expect(parseNvd('{').problems[0].message).toContain('not JSON');
    expect(parseNvd({ results: [] }).problems[0].message).toContain(
      'neither an NVD API 2.0 page nor a cve record',
    );
  });
});

describe('parseNvd checks every metric', () => {
  const base = (): Record<string, unknown> => readJson('cves/CVE-2025-59287.json');
  const metric = (version: string, vectorString: string, baseScore: number, type = 'Secondary'): unknown => ({
    source: 'cna@example.com',
    type,
    cvssData: { version, vectorString, baseScore },
  });

  it('records a problem when the published score disagrees with the vector by more than 0.1, keeping the metric', () => {
    const record = base();
    const v31 = (record.metrics as { cvssMetricV31: { cvssData: { baseScore: number } }[] }).cvssMetricV31;
    v31[0].cvssData.baseScore = 9.6;
    const { facts, problems } = parseNvd(record);
    expect(facts[0].cvss[0].baseScore).toBe(9.6);
    expect(problems).toEqual([
      {
        cveId: 'CVE-2025-59287',
        message: expect.stringContaining('baseScore 9.6 disagrees with 9.8 recomputed'),
      },
    ]);
    v31[0].cvssData.baseScore = 9.7;
    expect(parseNvd(record).problems).toEqual([]);
  });

  it('reads CVSS 4.0 and 3.0 metrics and orders versions newest first', () => {
    const record = base();
    record.metrics = {
      cvssMetricV2: [metric('2.0', 'AV:N/AC:L/Au:N/C:C/I:C/A:C', 10, 'Primary')],
      cvssMetricV30: [metric('3.0', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8)],
      cvssMetricV40: [
        metric('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3),
        metric('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U', 9.3),
      ],
    };
    const { facts, problems } = parseNvd(record);
    expect(problems).toEqual([]);
    expect(facts[0].cvss.map((m) => `${m.version} ${m.baseScore} ${m.baseSeverity} ${m.type}`)).toEqual([
      '4.0 9.3 critical Secondary',
      '4.0 9.3 critical Secondary',
      '3.0 9.8 critical Secondary',
      '2.0 10 high Primary',
    ]);
  });

  it('leaves out a metric whose vector does not parse or does not match its version, and says why', () => {
    const record = base();
    record.metrics = {
      cvssMetricV31: [
        metric('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', 9.8),
        metric('3.0', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8),
        metric('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 11),
        { source: 'x', type: 'Tertiary', cvssData: { version: '3.1', vectorString: 'x', baseScore: 1 } },
        metric('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8),
      ],
    };
    const { facts, problems } = parseNvd(record);
    expect(facts[0].cvss).toHaveLength(1);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^metrics\.cvssMetricV31\[0\]: .*does not define every base metric; metric left out$/,
      ),
      expect.stringContaining('[1]: cvssData.version "3.0" where 3.1 was expected'),
      expect.stringContaining('[2]: baseScore 11 is not a score from 0 to 10'),
      expect.stringContaining('[3]: type "Tertiary" is neither Primary nor Secondary'),
    ]);
  });

  it('skips a record without a CVE id and reports it', () => {
    const { facts, problems } = parseNvd({ vulnerabilities: [{ cve: { id: 'CVE-24-1' } }, { cve: base() }] });
    expect(facts.map((f) => f.cveId)).toEqual(['CVE-2025-59287']);
    expect(problems).toEqual([{ cveId: '', message: 'record without a valid CVE id (id: "CVE-24-1")' }]);
  });
});

describe('nvdTimestamp', () => {
  it('reads NVD times (no offset) as UTC and keeps explicit offsets', () => {
    expect(nvdTimestamp('2025-10-14T17:16:11.670')).toBe(Date.UTC(2025, 9, 14, 17, 16, 11, 670));
    expect(nvdTimestamp('2025-10-14T19:16:11.670+02:00')).toBe(Date.UTC(2025, 9, 14, 17, 16, 11, 670));
  });

  it.each(['2025-02-30T00:00:00.000', '2025-10-14T24:00:00', '2025-10-14', 'yesterday', 42])(
    'rejects %p',
    (v) => {
      expect(nvdTimestamp(v)).toBeUndefined();
    },
  );
});
