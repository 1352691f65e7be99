import { kevEntry } from '../../test/helpers/ledger-events.js';
import { effectiveSeverity } from './effective-severity.js';
import type { CvssMetric, VulnerabilityFact } from './vulnerability-facts.js';

function metric(over: Partial<CvssMetric>): CvssMetric {
  return {
    version: '3.1',
    vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
    baseScore: 7.8,
    baseSeverity: 'high',
    source: 'nvd@nist.gov',
    type: 'Primary',
    ...over,
  };
}

describe('effectiveSeverity', () => {
  it('ranks any KEV entry critical, whatever CVSS and the vendor say', () => {
    const facts: VulnerabilityFact[] = [
      { cveId: 'CVE-2025-21420', cvss: [metric({ baseScore: 9.8 })] },
      {
        cveId: 'CVE-2021-34527',
        cvss: [metric({ baseScore: 5.0 })],
        kev: kevEntry('CVE-2021-34527', '2021-11-03', '2021-11-17'),
      },
    ];
    expect(effectiveSeverity(facts, 'low')).toEqual({
      severity: 'critical',
      basis: 'kev',
      detail: 'KEV 2021-11-03 CVE-2021-34527',
    });
  });

  it('names the KEV entry added first when several CVEs are listed', () => {
    const facts: VulnerabilityFact[] = [
      { cveId: 'CVE-2024-1086', cvss: [], kev: kevEntry('CVE-2024-1086', '2024-05-30', '2024-06-20') },
      { cveId: 'CVE-2023-0386', cvss: [], kev: kevEntry('CVE-2023-0386', '2025-06-17', '2025-07-08') },
    ];
    expect(effectiveSeverity(facts).detail).toBe('KEV 2024-05-30 CVE-2024-1086');
  });

  it('prefers NVD Primary v3.1 over a higher CNA score for the same CVE (CVE-2025-32463: 7.8 vs 9.3)', () => {
    const facts: VulnerabilityFact[] = [
      {
        cveId: 'CVE-2025-32463',
        cvss: [
          metric({ baseScore: 9.3, source: 'cve@mitre.org', type: 'Secondary' }),
          metric({ baseScore: 7.8, source: 'nvd@nist.gov', type: 'Primary' }),
        ],
      },
    ];
    expect(effectiveSeverity(facts, 'critical')).toEqual({
      severity: 'high',
      basis: 'cvss',
      detail: 'CVSS 3.1 7.8 (nvd@nist.gov, Primary) CVE-2025-32463',
    });
  });

  it('uses v4.0 before a secondary v3.1 when NVD has not analysed the CVE', () => {
    const facts: VulnerabilityFact[] = [
      {
        cveId: 'CVE-2025-59287',
        cvss: [
          metric({ baseScore: 9.8, source: 'secure@microsoft.com', type: 'Secondary' }),
          metric({
            version: '4.0',
            vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
            baseScore: 8.9,
            source: 'secure@microsoft.com',
            type: 'Secondary',
          }),
        ],
      },
    ];
    const result = effectiveSeverity(facts);
    expect(result.severity).toBe('high');
    expect(result.detail).toBe('CVSS 4.0 8.9 (secure@microsoft.com, Secondary) CVE-2025-59287');
  });

  it('falls back to a secondary score when that is all there is', () => {
    const facts: VulnerabilityFact[] = [
      {
        cveId: 'CVE-2025-21418',
        cvss: [metric({ baseScore: 7.8, source: 'secure@microsoft.com', type: 'Secondary' })],
      },
    ];
    expect(effectiveSeverity(facts).detail).toBe(
      'CVSS 3.1 7.8 (secure@microsoft.com, Secondary) CVE-2025-21418',
    );
  });

  it('takes the highest score across the CVEs a patch fixes', () => {
    const facts: VulnerabilityFact[] = [
      { cveId: 'CVE-2025-0001', cvss: [metric({ baseScore: 5.5 })] },
      { cveId: 'CVE-2025-0002', cvss: [metric({ baseScore: 9.0 })] },
      { cveId: 'CVE-2025-0003', cvss: [metric({ baseScore: 6.1 })] },
    ];
    expect(effectiveSeverity(facts)).toMatchObject({ severity: 'critical', basis: 'cvss' });
    expect(effectiveSeverity(facts).detail).toContain('CVE-2025-0002');
  });

  it.each([
    [0, 'none'],
    [0.1, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [8.9, 'high'],
    [9.0, 'critical'],
    [10, 'critical'],
  ])('maps a v3.1 score of %s to %s', (score, severity) => {
    expect(effectiveSeverity([{ cveId: 'CVE-1', cvss: [metric({ baseScore: score })] }]).severity).toBe(
      severity,
    );
  });

  it('caps a v2.0-only score at high (the v2 scale has no critical)', () => {
    const facts: VulnerabilityFact[] = [
      {
        cveId: 'CVE-2002-0367',
        cvss: [metric({ version: '2.0', vector: 'AV:L/AC:L/Au:N/C:C/I:C/A:C', baseScore: 10 })],
      },
    ];
    expect(effectiveSeverity(facts).severity).toBe('high');
  });

  it('uses the vendor rating when no CVE has a score', () => {
    expect(effectiveSeverity([{ cveId: 'CVE-1', cvss: [] }], 'critical')).toEqual({
      severity: 'critical',
      basis: 'vendor',
      detail: 'vendor: critical',
    });
  });

  it('defaults to medium, saying so, when nothing rates the item', () => {
    const result = effectiveSeverity([], undefined);
    expect(result.severity).toBe('medium');
    expect(result.basis).toBe('default');
    expect(result.detail).toMatch(/default/);
  });

  it('does not depend on the order of the facts', () => {
    const facts: VulnerabilityFact[] = [
      { cveId: 'CVE-B', cvss: [metric({ baseScore: 8.1 })] },
      { cveId: 'CVE-A', cvss: [metric({ baseScore: 8.1 })] },
    ];
    expect(effectiveSeverity(facts)).toEqual(effectiveSeverity([...facts].reverse()));
    expect(effectiveSeverity(facts).detail).toContain('CVE-A');
  });
});
