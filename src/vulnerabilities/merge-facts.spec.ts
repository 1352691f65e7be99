import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parseEpssCsv } from './epss.parser.js';
import { parseKevCatalog } from './kev.parser.js';
import { compareCveIds, mergeFacts } from './merge-facts.js';
import { parseNvd } from './nvd.parser.js';
import type { EpssScore, VulnerabilityFact } from './vulnerability-facts.js';

const realdata = (file: string): string => readFileSync(path.resolve('../shared/realdata', file), 'utf8');

describe('mergeFacts on the real feeds', () => {
  const kev = parseKevCatalog(realdata('kev/known_exploited_vulnerabilities.json')).entries;
  const cveDir = path.resolve('../shared/realdata/nvd/cves');
  const nvd = readdirSync(cveDir).flatMap((f) => parseNvd(readFileSync(path.join(cveDir, f), 'utf8')).facts);
  const epss = parseEpssCsv(realdata('epss/epss_kev_nvd.csv')).scores;
  const facts = mergeFacts({ kev, nvd, epss });

  it('has one fact per CVE named by any feed', () => {
    const ids = new Set([...kev, ...nvd, ...epss].map((x) => x.cveId));
    expect(facts.size).toBe(ids.size);
    expect(facts.size).toBe(1675); // the 1674 KEV CVEs and the non-KEV control CVE-2025-21420
  });

  it('joins KEV, both CVSS scores and EPSS for CVE-2025-32463', () => {
    const fact = facts.get('CVE-2025-32463')!;
    expect(fact.kev).toMatchObject({
      dateAdded: '2025-09-29',
      dueDate: '2025-10-20',
      catalogVersion: '2026.08.21',
    });
    expect(fact.cvss.map((m) => `${m.source} ${m.baseScore}`).sort()).toEqual([
      'cve@mitre.org 9.3',
      'nvd@nist.gov 7.8',
    ]);
    expect(fact.epss).toEqual({
      cveId: 'CVE-2025-32463',
      epss: 0.58759,
      percentile: 0.99034,
      modelVersion: 'unknown',
    });
    expect(fact.publishedAt).toBe(Date.parse('2025-06-30T21:15:30.257Z'));
  });

  it('takes the KEV due date from the catalog, not the cisaActionDue NVD copied earlier', () => {
    expect(facts.get('CVE-2021-34527')?.kev?.dueDate).toBe('2022-05-03');
  });

  it('leaves kev and epss out for the non-KEV control, and cvss empty for KEV CVEs NVD was not asked about', () => {
    const control = facts.get('CVE-2025-21420')!;
    expect(control.kev).toBeUndefined();
    expect(control.epss).toBeUndefined();
    expect(control.cvss).toHaveLength(1);
    const zimbra = facts.get('CVE-2026-73570')!;
    expect(zimbra.cvss).toEqual([]);
    expect(zimbra.publishedAt).toBeUndefined();
  });
});

describe('mergeFacts rules', () => {
  const metric = (baseScore: number): VulnerabilityFact['cvss'][number] => ({
    version: '3.1',
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    baseScore,
    baseSeverity: 'critical',
    source: 'nvd@nist.gov',
    type: 'Primary',
  });
  const score = (epss: number, scoreDate?: string): EpssScore => ({
    cveId: 'CVE-2024-1086',
    epss,
    percentile: 0.5,
    modelVersion: 'v2025.03.14',
    ...(scoreDate ? { scoreDate } : {}),
  });

  it('lets a later NVD record replace an earlier one for the same CVE', () => {
    const facts = mergeFacts({
      nvd: [
        { cveId: 'CVE-2024-1086', publishedAt: 1, cvss: [metric(9.8), metric(9.1)] },
        { cveId: 'CVE-2024-1086', cvss: [metric(7.8)] },
      ],
    });
    expect(facts.get('CVE-2024-1086')).toEqual({ cveId: 'CVE-2024-1086', cvss: [metric(7.8)] });
  });

  it('keeps the newest EPSS score whatever the input order', () => {
    const newest = score(0.3, '2026-02-01');
    for (const epss of [
      [score(0.1, '2026-01-01'), newest, score(0.2, '2026-01-15')],
      [newest, score(0.1, '2026-01-01')],
    ]) {
      expect(mergeFacts({ epss }).get('CVE-2024-1086')?.epss).toEqual(newest);
    }
    expect(mergeFacts({ epss: [score(0.1), score(0.2)] }).get('CVE-2024-1086')?.epss?.epss).toBe(0.2);
  });

  it('does not share objects with its inputs', () => {
    const nvd: VulnerabilityFact[] = [{ cveId: 'CVE-2024-1086', cvss: [metric(7.8)] }];
    mergeFacts({ nvd }).get('CVE-2024-1086')!.cvss[0].baseScore = 1;
    expect(nvd[0].cvss[0].baseScore).toBe(7.8);
  });

  it('orders CVEs by year, then by number as a number', () => {
    const ids = ['CVE-2024-10000', 'CVE-2024-1086', 'CVE-2023-99999', 'CVE-2024-21412'];
    const facts = mergeFacts({ nvd: ids.map((cveId) => ({ cveId, cvss: [] })) });
    expect([...facts.keys()]).toEqual([
      'CVE-2023-99999',
      'CVE-2024-1086',
      'CVE-2024-10000',
      'CVE-2024-21412',
    ]);
    expect(compareCveIds('CVE-2024-1086', 'CVE-2024-1086')).toBe(0);
  });
});
