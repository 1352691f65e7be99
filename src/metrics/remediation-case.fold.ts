/**
 * Remediation cases derived from ledger events by a pure fold.
 *
 * Events arrive late, twice and out of order (a rollback can arrive before its deploy), so the fold never looks
 * at arrival order: it keeps only the events visible at `asOf`, sorts them by a total order built from what the
 * events say (occurredAt, lifecycle rank, sourceEventId, id) and folds that. The same events therefore give the
 * same case whatever order they came in, and the service can keep a case's events and re-fold that one case when
 * one more arrives: re-folding a case is cheap and is the whole of the incremental path.
 */
import type { EventKind, LedgerEvent } from '../ingestion/patch-event.js';
import { effectiveSeverity } from '../vulnerabilities/effective-severity.js';
import type { VulnerabilityFact } from '../vulnerabilities/vulnerability-facts.js';
import type { CaseFigures, CaseState, DeployAttempt, RemediationCase } from './remediation-case.js';

export const DAY_MS = 86_400_000;

/**
 * Deterministic and unambiguous for any ids: `%` and `:` inside a part are escaped, so `a:b` + `c` and `a` + `b:c`
 * give different keys, while ordinary ids stay readable (`client-1:asset-9:KB5034441`).
 */
export function caseKey(clientId: string, assetId: string, patchId: string): string {
  return [clientId, assetId, patchId].map((part) => part.replace(/%/g, '%25').replace(/:/g, '%3A')).join(':');
}

/** What as-of means for an event: known by then (received) and happened by then. */
export function visibleAt(event: LedgerEvent, asOf: number): boolean {
  return event.receivedAt <= asOf && event.occurredAt <= asOf;
}

/**
 * Tie-break for events with the same occurredAt (importers often write whole seconds): the lifecycle order, so a
 * deploy and its rollback stamped in the same second still mean "installed, then removed", and a failure and a
 * success in the same second mean "retried and succeeded".
 */
const LIFECYCLE_RANK: Record<EventKind, number> = {
  detected: 0,
  exception_granted: 1,
  approved: 2,
  scheduled: 3,
  backup_verified: 4,
  deployment_started: 5,
  failed: 6,
  deployed: 7,
  verified: 8,
  rolled_back: 9,
  superseded: 10,
  exception_expired: 11,
};

/** A total order independent of arrival (ids are unique in the ledger). */
export function compareEvents(a: LedgerEvent, b: LedgerEvent): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt - b.occurredAt;
  const rank = LIFECYCLE_RANK[a.kind] - LIFECYCLE_RANK[b.kind];
  if (rank !== 0) return rank;
  if (a.sourceEventId !== b.sourceEventId) return a.sourceEventId < b.sourceEventId ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

function startOfUtcDay(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`);
}

/** KEV dates are calendar dates: a `dueDate` is met until the end of that UTC day. */
export function endOfUtcDay(date: string): number {
  return startOfUtcDay(date) + DAY_MS - 1;
}

/**
 * The closure in force at instant `t` (a deploy that had not been rolled back by `t`, or a supersession), or
 * undefined when the item was open at `t`. Lets metrics ask "what was true at the end of October" of a case folded
 * later, without re-folding it.
 */
export function closureAt(c: CaseFigures, t: number): number | undefined {
  const firsts = [c.firstDeployedAt, c.supersededAt].filter((x): x is number => x !== undefined);
  if (firsts.length === 0) return undefined;
  const firstClosedAt = Math.min(...firsts);
  if (firstClosedAt > t) return undefined;
  let closure: number | undefined = firstClosedAt;
  for (const interval of c.reopenedIntervals ?? []) {
    if (interval.from > t) break;
    closure = interval.to !== undefined && interval.to <= t ? interval.to : undefined;
  }
  return closure;
}

/** When the item is first known to exist (for cases built without `firstEventAt`, the earliest known time). */
export function caseStartedAt(c: CaseFigures): number {
  const known = [c.firstEventAt, c.detectedAt, c.attempts[0]?.at, c.supersededAt].filter(
    (x): x is number => x !== undefined,
  );
  return known.length > 0 ? Math.min(...known) : Number.NEGATIVE_INFINITY;
}

export function isOpenAt(c: CaseFigures, t: number): boolean {
  return caseStartedAt(c) <= t && closureAt(c, t) === undefined;
}

/**
 * A risk acceptance counts from its grant until its `expiresAt` or an `exception_expired` event, whichever is
 * first. An unparseable `expiresAt` never counts (ingestion validates it; the fold does not invent a validity).
 */
export function exceptionValidAt(c: CaseFigures, t: number): boolean {
  const ex = c.exception;
  if (ex === undefined || ex.grantedAt > t) return false;
  if (ex.endedAt !== undefined && ex.endedAt <= t) return false;
  const expiresAt = Date.parse(ex.expiresAt);
  return Number.isFinite(expiresAt) && expiresAt > t;
}

interface Approval {
  at: number;
  actor?: string;
}

/**
 * Fold one case's events as of `asOf`.
 *
 * - Visible events only (`receivedAt ≤ asOf` and `occurredAt ≤ asOf`); a resend of the same source record (same
 *   `source`, `sourceEventId` and `kind`) is folded once, the first copy in fold order.
 * - `remediatedAt` is the deploy that stuck: a deploy closes an open item, a rollback of an installed item reopens
 *   it (the interval is kept in `reopenedIntervals`), a later deploy closes it again. A second deploy while
 *   installed (a reinstall) does not move `remediatedAt`. A rollback when nothing is installed reopens nothing.
 * - `superseded`: the fold sees only this case's events, so it cannot check that the superseding patch was
 *   installed. It takes the event as the emitter's statement that it was (DOMAIN: installing the later patch
 *   remediates the item) and closes an open item at that time, for good: a later rollback of *this* patch does not
 *   reopen it, because the superseding patch still covers the CVEs (its own case tracks it).
 * - `excepted`: an open item whose latest exception is valid at `asOf`. Remediation beats an exception.
 * - Attempts: each `deployed`/`failed` is one attempt, with the latest `deployment_started` since the previous
 *   attempt, the latest approval and backup check at or before it (an approval covers retries of the same change),
 *   the first later approval as `retroApprovedAt` when none came before, the first `verified` after it while it is
 *   installed, and the rollback that removed it.
 * - Case-level facts: `detectedAt` and `approvedAt` the first of their kind (re-detection by every scan does not
 *   move the clock), `releasedAt` the earliest any source gives, `backupVerifiedAt` the latest, `verifiedAt` the
 *   first verification while the current deploy stands, `patchTitle` and `vendorSeverity` the latest statement.
 */
export function foldRemediationCase(
  events: LedgerEvent[],
  facts: Map<string, VulnerabilityFact>,
  asOf: number,
  hostname: string,
): RemediationCase {
  const visible = events.filter((e) => visibleAt(e, asOf));
  if (visible.length === 0)
    throw new Error(`no event of this case is visible as of ${new Date(asOf).toISOString()}`);
  const sorted = [...visible].sort(compareEvents);
  const first = sorted[0];
  const key = caseKey(first.clientId, first.assetId, first.patchId);
  for (const e of sorted) {
    if (caseKey(e.clientId, e.assetId, e.patchId) !== key) {
      throw new Error(
        `event ${e.id} belongs to case ${caseKey(e.clientId, e.assetId, e.patchId)}, not ${key}`,
      );
    }
  }

  const seen = new Set<string>();
  const cveIds = new Set<string>();
  const attempts: DeployAttempt[] = [];
  const rollbacks: number[] = [];
  const reopenedIntervals: { from: number; to?: number }[] = [];
  const eventIds: string[] = [];
  let state: Exclude<CaseState, 'excepted'> = 'open';
  let closedAt: number | undefined;
  let remediatedAt: number | undefined;
  let caseVerifiedAt: number | undefined;
  let lastApproval: Approval | undefined;
  let firstApproval: Approval | undefined;
  let lastBackupAt: number | undefined;
  let pendingStartAt: number | undefined;
  let lastReceivedAt = Number.NEGATIVE_INFINITY;
  const out: Omit<RemediationCase, 'severity' | 'kev' | 'state'> = {
    key,
    tenantId: first.tenantId,
    clientId: first.clientId,
    assetId: first.assetId,
    hostname,
    patchId: first.patchId,
    cveIds: [],
    rollbacks,
    attempts,
    eventIds,
    lastReceivedAt: first.receivedAt,
    firstEventAt: first.occurredAt,
    reopenedIntervals,
  };

  // Closing a reopened item ends its reopened interval.
  const endReopenedInterval = (t: number): void => {
    if (state === 'reopened') reopenedIntervals[reopenedIntervals.length - 1].to = t;
  };

  for (const e of sorted) {
    const dedupe = `${e.source}\u0000${e.sourceEventId}\u0000${e.kind}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    eventIds.push(e.id);
    lastReceivedAt = Math.max(lastReceivedAt, e.receivedAt);
    for (const cve of e.cveIds) cveIds.add(cve);
    // Descriptive fields: the latest statement wins (vendors revise titles and ratings); release date: the
    // earliest any source gives, the conservative reading for a clock that starts at release.
    if (e.patchTitle !== undefined) out.patchTitle = e.patchTitle;
    if (e.vendorSeverity !== undefined) out.vendorSeverity = e.vendorSeverity;
    if (e.patchReleasedAt !== undefined)
      out.releasedAt = Math.min(out.releasedAt ?? e.patchReleasedAt, e.patchReleasedAt);
    const t = e.occurredAt;

    switch (e.kind) {
      case 'detected':
        // Re-detection of an open item (every scan reports it again) does not move the clock.
        out.detectedAt ??= t;
        break;
      case 'approved': {
        const approval: Approval = { at: t, actor: e.actor };
        firstApproval ??= approval;
        lastApproval = approval;
        for (const attempt of attempts) {
          if (attempt.approvedAt === undefined && attempt.retroApprovedAt === undefined) {
            attempt.retroApprovedAt = t;
            if (e.actor !== undefined) attempt.retroApprover = e.actor;
          }
        }
        break;
      }
      case 'scheduled':
        break;
      case 'backup_verified':
        lastBackupAt = t;
        break;
      case 'deployment_started':
        pendingStartAt = t;
        break;
      case 'deployed':
      case 'failed': {
        const attempt: DeployAttempt = { eventId: e.id, at: t, outcome: e.kind };
        if (pendingStartAt !== undefined) attempt.startedAt = pendingStartAt;
        if (e.errorCode !== undefined) attempt.errorCode = e.errorCode;
        if (e.actor !== undefined) attempt.actor = e.actor;
        if (e.ring !== undefined) attempt.ring = e.ring;
        if (e.emergency !== undefined) attempt.emergency = e.emergency;
        if (lastApproval !== undefined) {
          attempt.approvedAt = lastApproval.at;
          if (lastApproval.actor !== undefined) attempt.approver = lastApproval.actor;
        }
        if (lastBackupAt !== undefined) attempt.backupVerifiedAt = lastBackupAt;
        pendingStartAt = undefined;
        attempts.push(attempt);
        if (e.kind === 'deployed') {
          out.firstDeployedAt ??= t;
          if (state === 'open' || state === 'reopened') {
            endReopenedInterval(t);
            state = 'remediated';
            closedAt = t;
            remediatedAt = t;
          }
        }
        break;
      }
      case 'verified': {
        const last = attempts[attempts.length - 1];
        if (
          last?.outcome === 'deployed' &&
          last.rolledBackAt === undefined &&
          last.verifiedAt === undefined
        ) {
          last.verifiedAt = t;
        }
        if (state === 'remediated') caseVerifiedAt ??= t;
        break;
      }
      case 'rolled_back': {
        if (state !== 'remediated') break;
        const target = [...attempts]
          .reverse()
          .find((a) => a.outcome === 'deployed' && a.rolledBackAt === undefined);
        if (target !== undefined) target.rolledBackAt = t;
        rollbacks.push(t);
        remediatedAt = undefined;
        caseVerifiedAt = undefined;
        if (out.supersededAt !== undefined) {
          // Superseded while installed: removing this patch leaves the superseding one in place.
          state = 'superseded_remediated';
        } else {
          state = 'reopened';
          closedAt = undefined;
          reopenedIntervals.push({ from: t });
        }
        break;
      }
      case 'superseded':
        if (out.supersededAt === undefined) {
          out.supersededAt = t;
          if (e.supersededBy !== undefined) out.supersededBy = e.supersededBy;
        }
        if (state === 'open' || state === 'reopened') {
          endReopenedInterval(t);
          state = 'superseded_remediated';
          closedAt = t;
        }
        break;
      case 'exception_granted':
        if (e.exception !== undefined) out.exception = { ...e.exception, grantedAt: t, eventId: e.id };
        break;
      case 'exception_expired':
        if (out.exception !== undefined && out.exception.endedAt === undefined) out.exception.endedAt = t;
        break;
    }
  }

  if (firstApproval !== undefined) {
    out.approvedAt = firstApproval.at;
    if (firstApproval.actor !== undefined) out.approver = firstApproval.actor;
  }
  if (lastBackupAt !== undefined) out.backupVerifiedAt = lastBackupAt;
  if (remediatedAt !== undefined) out.remediatedAt = remediatedAt;
  if (caseVerifiedAt !== undefined && state === 'remediated') out.verifiedAt = caseVerifiedAt;
  if (closedAt !== undefined) out.closedAt = closedAt;
  out.lastReceivedAt = lastReceivedAt;
  out.cveIds = [...cveIds].sort();

  const caseFacts = out.cveIds
    .map((cve) => facts.get(cve))
    .filter((f): f is VulnerabilityFact => f !== undefined)
    .map((f) => withoutFutureKev(f, asOf));
  let kevAddedAt: number | undefined;
  let kevDueAt: number | undefined;
  for (const f of caseFacts) {
    if (f.kev === undefined) continue;
    kevAddedAt = Math.min(kevAddedAt ?? Infinity, startOfUtcDay(f.kev.dateAdded));
    kevDueAt = Math.min(kevDueAt ?? Infinity, endOfUtcDay(f.kev.dueDate));
  }
  const published = caseFacts.map((f) => f.publishedAt).filter((p): p is number => p !== undefined);
  // The clock for "publication" starts when the first of the fixed CVEs was public.
  if (published.length > 0) out.publishedAt = Math.min(...published);
  if (kevAddedAt !== undefined) out.kevAddedAt = kevAddedAt;
  if (kevDueAt !== undefined) out.kevDueAt = kevDueAt;

  const result: RemediationCase = {
    ...out,
    severity: effectiveSeverity(caseFacts, out.vendorSeverity),
    kev: kevAddedAt !== undefined,
    state,
  };
  if ((state === 'open' || state === 'reopened') && exceptionValidAt(result, asOf)) result.state = 'excepted';
  return result;
}

/**
 * A catalog loaded today may list a CVE that was not yet known-exploited at `asOf`: such an entry is ignored, so a
 * pack recomputed with a newer catalog keeps its KEV status. (CVSS and EPSS revisions carry no date and are not
 * versioned this way.)
 */
function withoutFutureKev(fact: VulnerabilityFact, asOf: number): VulnerabilityFact {
  if (fact.kev === undefined || startOfUtcDay(fact.kev.dateAdded) <= asOf) return fact;
  const { kev: _kev, ...rest } = fact;
  return rest;
}

/** When the KEV catalog lists the CVE from (its `dateAdded`, a UTC day), or undefined when it does not. */
export function kevListedAt(fact: VulnerabilityFact | undefined): number | undefined {
  return fact?.kev === undefined ? undefined : startOfUtcDay(fact.kev.dateAdded);
}

/** Visible events grouped by case key. */
export function groupByCase(events: LedgerEvent[], asOf: number): Map<string, LedgerEvent[]> {
  const groups = new Map<string, LedgerEvent[]>();
  for (const e of events) {
    if (!visibleAt(e, asOf)) continue;
    const key = caseKey(e.clientId, e.assetId, e.patchId);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [e]);
    else group.push(e);
  }
  return groups;
}

/**
 * Every case with at least one event visible at `asOf`, ordered by key. `hostnames` maps asset id to hostname;
 * an asset missing from it is named by its id.
 */
export function foldAll(
  events: LedgerEvent[],
  facts: Map<string, VulnerabilityFact>,
  asOf: number,
  hostnames: Map<string, string>,
): RemediationCase[] {
  const groups = groupByCase(events, asOf);
  return [...groups.keys()].sort().map((key) => {
    const group = groups.get(key) ?? [];
    const assetId = group[0].assetId;
    return foldRemediationCase(group, facts, asOf, hostnames.get(assetId) ?? assetId);
  });
}
