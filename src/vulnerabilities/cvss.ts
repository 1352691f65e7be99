/**
 * A thin, strict wrapper over ae-cvss-calculator: the library is lenient (it accepts duplicate metrics, `X` for
 * base metrics, a `CVSS:3.0/` prefix on a 3.1 object), so a vector is checked here before its score is trusted.
 */
import cvssLib from 'ae-cvss-calculator';

import type { CvssMetric, Severity } from './vulnerability-facts.js';

export type CvssVersion = CvssMetric['version'];

export type CvssScoring =
  | {
      ok: true;
      /** Base score recomputed from the vector. */
      baseScore: number;
      /** CVSS 4.0 only: the CVSS-B score (base metrics alone) when the vector also carries threat/environmental metrics. */
      baseMetricsOnlyScore?: number;
    }
  | { ok: false; reason: string };

const PREFIX: Record<CvssVersion, string> = {
  '4.0': 'CVSS:4.0/',
  '3.1': 'CVSS:3.1/',
  '3.0': 'CVSS:3.0/',
  '2.0': '',
};

/** Parses and validates a vector of the given version and recomputes its base score. Never throws. */
export function scoreCvssVector(version: CvssVersion, vector: string): CvssScoring {
  const prefix = PREFIX[version];
  if (prefix !== '' && !vector.startsWith(prefix)) {
    return { ok: false, reason: `vector "${vector}" does not start with ${prefix}` };
  }
  if (prefix === '' && vector.startsWith('CVSS:')) {
    return { ok: false, reason: `CVSS 2.0 vector "${vector}" carries a version prefix` };
  }
  const seen = new Set<string>();
  for (const part of vector.slice(prefix.length).split('/')) {
    const match = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!match) return { ok: false, reason: `vector "${vector}": malformed metric "${part}"` };
    if (seen.has(match[1]))
      return { ok: false, reason: `vector "${vector}": metric ${match[1]} appears twice` };
    seen.add(match[1]);
  }
  try {
    switch (version) {
      case '4.0': {
        const parsed = new cvssLib.Cvss4P0(vector);
        if (!parsed.isBaseFullyDefined()) return incomplete(vector);
        const scores = parsed.calculateScores();
        return { ok: true, baseScore: scores.overall, baseMetricsOnlyScore: scores.baseMetricsOnly };
      }
      case '3.1':
      case '3.0':
      case '2.0': {
        const parsed =
          version === '3.1'
            ? new cvssLib.Cvss3P1(vector)
            : version === '3.0'
              ? new cvssLib.Cvss3P0(vector)
              : new cvssLib.Cvss2(vector);
        const base = parsed.isBaseFullyDefined() ? parsed.calculateScores().base : undefined;
        return base === undefined ? incomplete(vector) : { ok: true, baseScore: base };
      }
    }
  } catch (error) {
    return {
      ok: false,
      reason: `vector "${vector}": ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function incomplete(vector: string): CvssScoring {
  return { ok: false, reason: `vector "${vector}" does not define every base metric` };
}

/** Qualitative rating of a base score: the v3/v4 scale (FIRST), or v2's three bands (NVD). */
export function cvssSeverity(version: CvssVersion, score: number): Severity {
  if (version === '2.0') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}
