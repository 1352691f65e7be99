/** KEV + NVD + EPSS → one VulnerabilityFact per CVE. The feeds lag each other, so any of the three may be missing. */
import type { EpssScore, KevEntry, VulnerabilityFact } from './vulnerability-facts.js';

export interface FactSources {
  kev?: readonly KevEntry[];
  /** Oldest first: a later fact for the same CVE (a re-fetched record) replaces an earlier one. */
  nvd?: readonly VulnerabilityFact[];
  /** The newest score per CVE wins (by `scoreDate`; on a tie or without dates, the later one). */
  epss?: readonly EpssScore[];
}

/** Keyed by CVE id, in CVE order (year, then number as a number: CVE-2024-1086 before CVE-2024-10000). */
export function mergeFacts({ kev = [], nvd = [], epss = [] }: FactSources): Map<string, VulnerabilityFact> {
  const facts = new Map<string, VulnerabilityFact>();
  const factFor = (cveId: string): VulnerabilityFact => {
    let fact = facts.get(cveId);
    if (!fact) {
      fact = { cveId, cvss: [] };
      facts.set(cveId, fact);
    }
    return fact;
  };
  for (const record of nvd) {
    const fact = factFor(record.cveId);
    fact.cvss = record.cvss.map((m) => ({ ...m }));
    if (record.publishedAt === undefined) delete fact.publishedAt;
    else fact.publishedAt = record.publishedAt;
  }
  for (const entry of kev) factFor(entry.cveId).kev = { ...entry };
  for (const score of epss) {
    const fact = factFor(score.cveId);
    if (!fact.epss || (score.scoreDate ?? '') >= (fact.epss.scoreDate ?? '')) fact.epss = { ...score };
  }
  return new Map([...facts].sort(([a], [b]) => compareCveIds(a, b)));
}

export function compareCveIds(a: string, b: string): number {
  const [, ya = '', na = ''] = a.split('-');
  const [, yb = '', nb = ''] = b.split('-');
  return Number(ya) - Number(yb) || Number(na) - Number(nb) || (a < b ? -1 : a > b ? 1 : 0);
}
