/**
 * A case's figures as they stood at each month boundary it was still changing across.
 *
 * Metrics are asked for a month as of the first instant of the next (the monthly report, the auditor's "as of 1
 * November"), usually long after that instant, when a tenth of a client's cases have had events since: the stored
 * fold is then too new, and such a case was re-folded from its events on every request (the largest part of a
 * request's time at MSP scale). A month boundary B lies in the past once ingestion passes it, and ingestion stamps
 * every event it stores with its own clock (`received_at`), so the events visible at B never change afterwards: the
 * fold as of B is final and can be stored once. It stays the case's fold as of every instant from B until the first
 * later change (`validTo`: an event becoming visible, i.e. both received and occurred, or a KEV listing), so a
 * request as of any instant of that interval uses it; outside it (or when none is stored) the case is re-folded as
 * before.
 *
 * Boundaries are UTC month starts, the periods `monthPeriod` makes. A case gets one row per boundary between its
 * first visible event and its last change (one a month for a case that stays open and is re-detected by every scan);
 * a case opened and closed within a month gets none.
 */
import type { LedgerEvent } from '../ingestion/patch-event.js';
import type { VulnerabilityFact } from '../vulnerabilities/vulnerability-facts.js';
import { addMonths, monthStart } from './compute-metrics.js';
import { foldRemediationCase, kevListedAt } from './remediation-case.fold.js';
import { storedFigures, type CaseFigures } from './remediation-case.js';

/** The fold's figures as of the month start `asOf`, valid for every instant in [asOf, validTo). */
export interface MonthFigures {
  asOf: number;
  validTo: number;
  /** null when too large to store (`storedFigures`): such a case is re-folded. */
  figures: CaseFigures | null;
}

/** When an event becomes visible to a fold as of an instant (`visibleAt`): once both received and occurred. */
export const visibleFrom = (e: LedgerEvent): number => Math.max(e.receivedAt, e.occurredAt);

/**
 * The instants at which the case's fold changes: each event becoming visible, and each KEV listing of a CVE that an
 * event visible by then carries (a listing before the CVE's first event is visible changes the fold only with it).
 * Sorted, with repeats.
 */
export function changeInstants(
  events: readonly LedgerEvent[],
  facts: ReadonlyMap<string, VulnerabilityFact>,
): number[] {
  const changes = events.map(visibleFrom);
  const carried = new Map<string, number>();
  for (const e of events)
    for (const cve of e.cveIds) carried.set(cve, Math.min(carried.get(cve) ?? Infinity, visibleFrom(e)));
  for (const [cve, from] of carried) {
    const listed = kevListedAt(facts.get(cve));
    if (listed !== undefined && listed > from) changes.push(listed);
  }
  return changes.sort((a, b) => a - b);
}

/**
 * The month-boundary figures of one case's events: for each UTC month start B with `from` ≤ B ≤ `until` at which
 * some event is visible and after which the fold still changes. `from`: boundaries before it are already stored
 * (ingestion passes the latest `receivedAt` of the events stored before this batch: none of the batch is visible
 * at an earlier boundary, so those rows stand). `until`: ingestion's clock; a later boundary is not final yet.
 */
export function monthBoundaryFigures(
  events: readonly LedgerEvent[],
  facts: ReadonlyMap<string, VulnerabilityFact>,
  hostname: string,
  window: { from: number; until: number },
): MonthFigures[] {
  if (events.length === 0) return [];
  const changes = changeInstants(events, facts);
  const firstVisible = Math.min(...events.map(visibleFrom));
  const lastChange = changes[changes.length - 1];
  const out: MonthFigures[] = [];
  const start = Math.max(firstVisible, window.from);
  let b = monthStart(start);
  if (b < start) b = addMonths(b, 1);
  for (; b <= window.until && b < lastChange; b = addMonths(b, 1)) {
    const validTo = changes.find((t) => t > b)!;
    const fold = foldRemediationCase(
      events as LedgerEvent[],
      facts as Map<string, VulnerabilityFact>,
      b,
      hostname,
    );
    out.push({ asOf: b, validTo, figures: storedFigures(fold) });
  }
  return out;
}

/**
 * What a batch of a case's events (received now) changes in its stored month-boundary figures, given the events
 * stored before it: boundaries from `monthsFrom` on are made again (`monthBoundaryFigures`); earlier rows stand,
 * since none of the batch is visible there, except that one valid past `capAt` (an earlier event occurring in the
 * future) ends there.
 */
export function batchMonthWindow(
  before: readonly LedgerEvent[],
  batch: readonly LedgerEvent[],
  facts: ReadonlyMap<string, VulnerabilityFact>,
): { monthsFrom: number; capAt?: number } {
  const batchVisible = Math.min(...batch.map(visibleFrom));
  const receivedBefore = Math.max(...before.map((e) => e.receivedAt));
  const changesBefore =
    before.length === 0 ? Number.NEGATIVE_INFINITY : changeInstants(before, facts).at(-1)!;
  const monthsFrom = Math.min(receivedBefore, batchVisible);
  return changesBefore > batchVisible ? { monthsFrom, capAt: batchVisible } : { monthsFrom };
}
