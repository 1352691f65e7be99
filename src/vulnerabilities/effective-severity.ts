/**
 * The severity that sets an item's deadline, and what decided it (PCI DSS 6.3.1: vulnerabilities are ranked by
 * risk, and the ranking must be explainable to an assessor). Order of authority: CISA KEV, then CVSS, then the
 * vendor's own rating, then a documented default.
 */
import type { VendorSeverity } from '../ingestion/patch-event.js';
import type { CvssMetric, EffectiveSeverity, Severity, VulnerabilityFact } from './vulnerability-facts.js';

/**
 * Lower is preferred. NVD's own v3.1 analysis is the reference most GRC tools and assessors quote; NVD's older
 * v3.0 analysis is the same scale from the same analyst. v4.0 comes next (NVD rarely scores it, CNAs do), then the
 * CNA's v3.x scores (they may disagree with NVD: CVE-2025-32463 is 7.8 at NVD, 9.3 at its CNA), and v2.0 last
 * because its scale has no "critical".
 */
function metricPreference(metric: CvssMetric): number {
  const primary = metric.type === 'Primary';
  switch (metric.version) {
    case '3.1':
      return primary ? 0 : 4;
    case '3.0':
      return primary ? 1 : 5;
    case '4.0':
      return primary ? 2 : 3;
    case '2.0':
      return primary ? 6 : 7;
  }
}

/**
 * The qualitative scale of the metric's own version, from the score (a record's `baseSeverity` text is not
 * trusted: importers copy it from sources that spell it differently). v3.x and v4.0 share one scale; v2.0 stops at
 * high.
 */
function cvssSeverity(version: CvssMetric['version'], score: number): Severity {
  if (score <= 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (version === '2.0' || score < 9) return 'high';
  return 'critical';
}

interface Candidate {
  cveId: string;
  metric: CvssMetric;
}

/** The one metric used for a CVE: the most preferred version/type; among equals, the higher score. */
function preferredMetric(fact: VulnerabilityFact): CvssMetric | undefined {
  let best: CvssMetric | undefined;
  for (const metric of fact.cvss) {
    if (!Number.isFinite(metric.baseScore)) continue;
    if (
      best === undefined ||
      metricPreference(metric) < metricPreference(best) ||
      (metricPreference(metric) === metricPreference(best) && metric.baseScore > best.baseScore)
    ) {
      best = metric;
    }
  }
  return best;
}

/** Higher score wins; ties go to the more preferred metric, then to the lower CVE id, so the result is stable. */
function outranks(a: Candidate, b: Candidate): boolean {
  if (a.metric.baseScore !== b.metric.baseScore) return a.metric.baseScore > b.metric.baseScore;
  const pa = metricPreference(a.metric);
  const pb = metricPreference(b.metric);
  if (pa !== pb) return pa < pb;
  return a.cveId < b.cveId;
}

/**
 * When nothing rates the item (no KEV entry, no CVSS score, no vendor rating) it is treated as `medium`: an unrated
 * patch must still get a deadline under every shipped policy (low/none would drop out of the insurer and HIPAA
 * templates), yet calling it critical would drown the real critical items. The basis `default` makes the guess
 * visible in every pack.
 */
export const DEFAULT_SEVERITY: Severity = 'medium';

export function effectiveSeverity(
  facts: VulnerabilityFact[],
  vendorSeverity?: VendorSeverity,
): EffectiveSeverity {
  let kev: VulnerabilityFact | undefined;
  for (const fact of facts) {
    if (fact.kev === undefined) continue;
    if (
      kev?.kev === undefined ||
      fact.kev.dateAdded < kev.kev.dateAdded ||
      (fact.kev.dateAdded === kev.kev.dateAdded && fact.cveId < kev.cveId)
    ) {
      kev = fact;
    }
  }
  if (kev?.kev !== undefined) {
    return { severity: 'critical', basis: 'kev', detail: `KEV ${kev.kev.dateAdded} ${kev.cveId}` };
  }

  let best: Candidate | undefined;
  for (const fact of facts) {
    const metric = preferredMetric(fact);
    if (metric === undefined) continue;
    const candidate = { cveId: fact.cveId, metric };
    if (best === undefined || outranks(candidate, best)) best = candidate;
  }
  if (best !== undefined) {
    const { metric, cveId } = best;
    return {
      severity: cvssSeverity(metric.version, metric.baseScore),
      basis: 'cvss',
      detail: `CVSS ${metric.version} ${metric.baseScore.toFixed(1)} (${metric.source}, ${metric.type}) ${cveId}`,
    };
  }

  if (vendorSeverity !== undefined) {
    return { severity: vendorSeverity, basis: 'vendor', detail: `vendor: ${vendorSeverity}` };
  }
  return {
    severity: DEFAULT_SEVERITY,
    basis: 'default',
    detail: `no KEV entry, CVSS score or vendor rating: ${DEFAULT_SEVERITY} by default`,
  };
}
