/**
 * NVD CVE API 2.0 → VulnerabilityFact. Every CVSS metric is kept (v4.0, v3.1, v3.0, v2; Primary and Secondary,
 * with its source), because NVD and the CNA often disagree and the pack must say which score it used.
 */
import { cvssSeverity, scoreCvssVector, type CvssVersion } from './cvss.js';
import { CVE_ID, isCalendarDate } from './kev.parser.js';
import { SEVERITIES, type CvssMetric, type Severity, type VulnerabilityFact } from './vulnerability-facts.js';

export interface NvdProblem {
  /** The CVE the problem belongs to, or `''` when the record has no usable id. */
  cveId: string;
  message: string;
}

export interface NvdParseResult {
  facts: VulnerabilityFact[];
  problems: NvdProblem[];
}

/** Largest difference between a record's base score and the score recomputed from its vector. */
export const CVSS_SCORE_TOLERANCE = 0.1;

/** The metric arrays of an NVD record, in the order facts list them (newest CVSS version first). */
const METRIC_KEYS: ReadonlyArray<readonly [string, CvssVersion]> = [
  ['cvssMetricV40', '4.0'],
  ['cvssMetricV31', '3.1'],
  ['cvssMetricV30', '3.0'],
  ['cvssMetricV2', '2.0'],
];

/**
 * Accepts a full API page (`{ vulnerabilities: [{ cve }] }`), one page item (`{ cve }`) or a bare `cve` record,
 * as parsed JSON or as text.
 */
export function parseNvd(input: unknown): NvdParseResult {
  const problems: NvdProblem[] = [];
  let data = input;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch (error) {
      return { facts: [], problems: [{ cveId: '', message: `not JSON: ${(error as Error).message}` }] };
    }
  }
  const records = nvdRecords(data);
  if (!records) {
    return { facts: [], problems: [{ cveId: '', message: 'neither an NVD API 2.0 page nor a cve record' }] };
  }
  const facts: VulnerabilityFact[] = [];
  for (const record of records) {
    const fact = parseRecord(record, problems);
    if (fact) facts.push(fact);
  }
  return { facts, problems };
}

function nvdRecords(data: unknown): unknown[] | undefined {
  if (!isObject(data)) return undefined;
  if (Array.isArray(data.vulnerabilities)) {
    return data.vulnerabilities.map((item) => (isObject(item) ? item.cve : item));
  }
  if (isObject(data.cve)) return [data.cve];
  if (typeof data.id === 'string') return [data];
  return undefined;
}

function parseRecord(record: unknown, problems: NvdProblem[]): VulnerabilityFact | undefined {
  if (!isObject(record) || typeof record.id !== 'string' || !CVE_ID.test(record.id.trim())) {
    const id = isObject(record) ? JSON.stringify(record.id) : 'missing';
    problems.push({ cveId: '', message: `record without a valid CVE id (id: ${id})` });
    return undefined;
  }
  const cveId = record.id.trim();
  const fact: VulnerabilityFact = { cveId, cvss: [] };
  if (record.published !== undefined) {
    const publishedAt = nvdTimestamp(record.published);
    if (publishedAt === undefined) {
      problems.push({ cveId, message: `published ${JSON.stringify(record.published)} is not a timestamp` });
    } else {
      fact.publishedAt = publishedAt;
    }
  }
  const metrics = isObject(record.metrics) ? record.metrics : {};
  for (const [key, version] of METRIC_KEYS) {
    const list = metrics[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({ cveId, message: `metrics.${key} is not an array` });
      continue;
    }
    list.forEach((entry, index) => {
      const result = parseMetric(entry, version);
      const where = `metrics.${key}[${index}]`;
      if ('problem' in result) {
        problems.push({ cveId, message: `${where}: ${result.problem}; metric left out` });
        return;
      }
      fact.cvss.push(result.metric);
      if (result.warning) problems.push({ cveId, message: `${where}: ${result.warning}` });
    });
  }
  return fact;
}

type MetricResult = { metric: CvssMetric; warning?: string } | { problem: string };

function parseMetric(entry: unknown, version: CvssVersion): MetricResult {
  if (!isObject(entry) || !isObject(entry.cvssData)) return { problem: 'no cvssData' };
  const data = entry.cvssData;
  if (data.version !== version) {
    return { problem: `cvssData.version ${JSON.stringify(data.version)} where ${version} was expected` };
  }
  if (typeof entry.source !== 'string' || entry.source.trim() === '') return { problem: 'no source' };
  if (entry.type !== 'Primary' && entry.type !== 'Secondary') {
    return { problem: `type ${JSON.stringify(entry.type)} is neither Primary nor Secondary` };
  }
  if (typeof data.vectorString !== 'string') return { problem: 'no vectorString' };
  const baseScore = data.baseScore;
  if (typeof baseScore !== 'number' || !(baseScore >= 0 && baseScore <= 10)) {
    return { problem: `baseScore ${JSON.stringify(baseScore)} is not a score from 0 to 10` };
  }
  const vector = data.vectorString.trim();
  const scoring = scoreCvssVector(version, vector);
  if (!scoring.ok) return { problem: scoring.reason };

  // CVSS 4.0 publishers differ on whether `baseScore` is CVSS-B or the score of the whole vector: accept either.
  const candidates = [scoring.baseScore, scoring.baseMetricsOnlyScore].filter((s) => s !== undefined);
  const agrees = candidates.some((s) => Math.abs(s - baseScore) <= CVSS_SCORE_TOLERANCE + 1e-9);
  const warnings: string[] = [];
  if (!agrees) {
    warnings.push(
      `baseScore ${baseScore} disagrees with ${scoring.baseScore} recomputed from ${vector}; the published score is kept`,
    );
  }
  // NVD puts v2's baseSeverity beside cvssData, v3/v4's inside it.
  const published = data.baseSeverity ?? entry.baseSeverity;
  const expected = cvssSeverity(version, baseScore);
  let baseSeverity = expected;
  if (typeof published === 'string') {
    const lower = published.toLowerCase() as Severity;
    if (SEVERITIES.includes(lower)) baseSeverity = lower;
    if (lower !== expected) warnings.push(`baseSeverity ${published} does not match score ${baseScore}`);
  }
  const metric: CvssMetric = {
    version,
    vector,
    baseScore,
    baseSeverity,
    source: entry.source.trim(),
    type: entry.type,
  };
  return warnings.length > 0 ? { metric, warning: warnings.join('; ') } : { metric };
}

/** NVD writes UTC without an offset (`2025-10-14T17:16:11.670`); never let the host zone read it. */
export function nvdTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match =
    /^((\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?)(Z|[+-]\d{2}:\d{2})?$/.exec(
      value.trim(),
    );
  if (!match || !isCalendarDate(match[2])) return undefined;
  const ms = Date.parse(`${match[1]}${match[4] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
