/** Small facts about cases that several control tests read the same way. Pure functions. */
import type { Period } from '../metrics/metrics-report.js';
import type { RemediationCase } from '../metrics/remediation-case.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * The instant a period is judged at: its end, or the as-of instant when the pack is cut before the period ends
 * (a mid-month pack must not judge what has not happened yet).
 */
export function evaluationEnd(period: Period, asOf: number): number {
  return Math.min(period.to, asOf);
}

/**
 * Optional facts a newer fold adds to cases and attempts. Read structurally so this file works with folds that
 * do and do not provide them.
 */
interface FoldExtras {
  closedAt?: number;
  exception?: { endedAt?: number };
}

/** When the exposure ended: the fold's closure if it gives one, else the deploy that stuck or the supersession. */
export function closedAt(c: RemediationCase): number | undefined {
  const extras = c as FoldExtras;
  if (extras.closedAt !== undefined) return extras.closedAt;
  if (c.remediatedAt !== undefined) return c.remediatedAt;
  if (c.state === 'superseded_remediated') return c.supersededAt;
  return undefined;
}

/** Open at some instant of [from, end): detected before the end and not closed before the start. */
export function openDuring(c: RemediationCase, from: number, end: number): boolean {
  const start = c.detectedAt ?? c.releasedAt;
  if (start !== undefined && start >= end) return false;
  const closed = closedAt(c);
  return closed === undefined || closed >= from;
}

/**
 * The instants an exception covers, [grantedAt, expiresAt), cut short by an `exception_expired` event when the
 * fold records one; undefined when the case has none.
 */
export function exceptionSpan(c: RemediationCase): { from: number; to: number } | undefined {
  if (!c.exception) return undefined;
  const expires = Date.parse(c.exception.expiresAt);
  // An unreadable expiry date grants nothing: risk acceptance without an end is not risk acceptance.
  if (Number.isNaN(expires)) return { from: c.exception.grantedAt, to: c.exception.grantedAt };
  const endedAt = (c as FoldExtras).exception?.endedAt;
  return { from: c.exception.grantedAt, to: endedAt !== undefined ? Math.min(expires, endedAt) : expires };
}

/** True when the case's exception is in force during the whole of [from, to]. */
export function exceptionCovers(c: RemediationCase, from: number, to: number): boolean {
  const span = exceptionSpan(c);
  return span !== undefined && span.from <= from && span.to >= to;
}

export function isoMinute(t: number): string {
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

export function days(ms: number): number {
  return Math.round((ms / DAY_MS) * 10) / 10;
}

export function hours(ms: number): number {
  return Math.round((ms / HOUR_MS) * 10) / 10;
}

/** How a finding names a case: `srv-db-02 KB5065426 (CVE-2026-1001)`. */
export function caseName(c: Pick<RemediationCase, 'hostname' | 'patchId' | 'cveIds'>): string {
  return c.cveIds.length > 0
    ? `${c.hostname} ${c.patchId} (${c.cveIds.join(', ')})`
    : `${c.hostname} ${c.patchId}`;
}

/** Ordinal order of ids (UTF-16 code units): what `sort()` does, and what an auditor's tool reproduces. */
export function byEventId(a: { eventId: string }, b: { eventId: string }): number {
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
