import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseCsvRecords, parseEpssCsv, UNKNOWN_EPSS_MODEL } from './epss.parser.js';
import { parseKevCatalog } from './kev.parser.js';

const realdata = (file: string): string => readFileSync(path.resolve('../shared/realdata', file), 'utf8');

describe('parseEpssCsv on FIRST daily files', () => {
  const result = parseEpssCsv(realdata('epss/epss_scores-current_HEADER-SAMPLE.csv'));

  it('reads the model version and score date from the comment line and stores them with every score', () => {
    expect(result.modelVersion).toBe('v2026.06.15');
    expect(result.scoreDate).toBe('2026-09-29');
    expect(result.problems).toEqual([]);
    expect(result.scores).toHaveLength(10);
    expect(result.scores[0]).toEqual({
      cveId: 'CVE-1999-0001',
      epss: 0.03351,
      percentile: 0.88255,
      modelVersion: 'v2026.06.15',
      scoreDate: '2026-09-29',
    });
    expect(result.scores.every((s) => s.modelVersion === 'v2026.06.15')).toBe(true);
  });

  it('takes the UTC date of a score_date with an offset', () => {
    const text = '#model_version:v2023.03.01,score_date:2026-09-29T23:30:00-02:00\ncve,epss,percentile\n';
    expect(parseEpssCsv(text).scoreDate).toBe('2026-09-30');
  });
});

describe('parseEpssCsv on the jgamblin KEV_EPSS export', () => {
  const result = parseEpssCsv(realdata('epss/epss_kev_nvd.csv'));

  it('reads all 1556 rows with an unknown model version, tolerating the blank CVSS3 values', () => {
    expect(result.problems).toEqual([]);
    expect(result.scores).toHaveLength(1556);
    expect(result.modelVersion).toBe(UNKNOWN_EPSS_MODEL);
    expect(result.scoreDate).toBeUndefined();
    expect(result.scores.find((s) => s.cveId === 'CVE-2018-14634')).toEqual({
      cveId: 'CVE-2018-14634',
      epss: 0.14689,
      percentile: 0.96398,
      modelVersion: 'unknown',
    });
  });

  it('lags the 2026.08.21 KEV catalog by 118 CVEs', () => {
    const kev = parseKevCatalog(realdata('kev/known_exploited_vulnerabilities.json'));
    const scored = new Set(result.scores.map((s) => s.cveId));
    expect(kev.entries.filter((e) => !scored.has(e.cveId))).toHaveLength(118);
  });

  it('reads descriptions holding commas and quotes as one field', () => {
    const { records } = parseCsvRecords(realdata('epss/epss_kev_nvd.csv'));
    expect(records.every((r) => r.fields.length === 7)).toBe(true);
    const cisco = records.find((r) => r.fields[0] === 'CVE-2008-4128')!;
    expect(cisco.fields[4]).toContain(
      'a certain "show privilege" command to the /level/15/exec/- URI, and (2)',
    );
    expect(cisco.fields.slice(5)).toEqual(['Cisco', 'IOS']);
  });
});

describe('parseCsvRecords', () => {
  it('handles quoted commas, doubled quotes, line breaks inside quotes, CRLF and a BOM', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n,,\nlast,"",z';
    const { records, problems } = parseCsvRecords(text);
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\r\nlines'] },
      { line: 4, fields: ['', '', ''] },
      { line: 5, fields: ['last', '', 'z'] },
    ]);
  });

  it('reports a quote left open', () => {
    expect(parseCsvRecords('a,"b\nc').problems).toEqual([
      { line: 1, message: 'quoted field is not closed before the end of the file' },
    ]);
  });
});

describe('parseEpssCsv problems', () => {
  it('reports bad rows by line and keeps the good ones', () => {
    const text = [
      '#model_version:v2025.03.14,score_date:2026-01-02T00:00:00Z',
      'cve,epss,percentile',
      'CVE-2024-1086,0.5,0.9',
      'CVE-24-1,0.5,0.9',
      'CVE-2024-0001,1.5,0.9',
      'CVE-2024-0002,0.1,',
      'CVE-2024-1086,0.6,0.95',
      'CVE-2024-0003,1e-5,0.01',
    ].join('\n');
    const result = parseEpssCsv(text);
    expect(result.scores.map((s) => [s.cveId, s.epss])).toEqual([
      ['CVE-2024-1086', 0.5],
      ['CVE-2024-0003', 0.00001],
    ]);
    expect(result.problems).toEqual([
      { line: 4, message: '"CVE-24-1" is not a CVE id' },
      { line: 5, message: 'CVE-2024-0001: epss "1.5" / percentile "0.9" not in 0..1' },
      { line: 6, message: 'CVE-2024-0002: epss "0.1" / percentile "" not in 0..1' },
      { line: 7, message: 'CVE-2024-1086 is listed twice; the first row is kept' },
    ]);
  });

  it('keeps the score of a row whose CVSS3 is not a number, and says so', () => {
    const text = 'CVE,CVSS3,EPSS,EPSS Percentile\nCVE-2024-1086,high,0.2,0.3\n';
    const result = parseEpssCsv(text);
    expect(result.scores).toHaveLength(1);
    expect(result.problems).toEqual([
      { line: 2, message: 'CVE-2024-1086: CVSS3 "high" is not a score (EPSS kept)' },
    ]);
  });

  it('refuses a file without the expected columns', () => {
    expect(parseEpssCsv('id,score\nCVE-2024-1086,0.2\n').problems).toEqual([
      { line: 1, message: 'header id,score has no cve, epss and percentile columns' },
    ]);
    expect(parseEpssCsv('').problems).toEqual([{ line: 1, message: 'no header line' }]);
  });
});
