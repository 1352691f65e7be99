/**
 * The period's figures, computed as of an instant from remediation cases folded as of that same instant.
 *
 * One evaluation instant E = min(asOf, period.to − 1 ms): the state of every item is judged at E (a pack cut on
 * 15 October judges 15 October; a pack for October cut in November judges the end of October), so the same request
 * gives the same answer later, and a pack for October only changes when events about October arrive late. Times
 * are days (fractional) unless said otherwise. Every rate carries numerator and denominator; an empty denominator
 * gives `value: null`, never a fake 100%.
 *
 * Which cases enter each figure ("closed at E": the closure in force at E, see `closureAt`; a case exists from its
 * first event; the clock start is the policy's anchor: release, publication, detection or KEV dateAdded):
 * - TTR by severity: cases whose closure in force at E lies in [from, E] (the deploy that stuck, or the
 *   supersession), TTR = closure − clock start, floored at 0 (a scanner can report an item after its fix).
 *   Cases without a clock start are left out and listed in `withoutClockStart`.
 * - Remediated within N days: the TTR cases plus the cases open at E whose clock had started by E.
 *   Numerator: TTR ≤ N. Denominator: the TTR cases, plus open cases already older than N days at E (surely not
 *   within N). Open cases younger than N are not yet decided and are left out, so open items lower the rate
 *   instead of vanishing.
 * - SLA compliance: cases whose due date lies in [from, E], plus cases still open at E whose due date was before
 *   `from` (overdue items carried over). Compliant: closed at E with a closure at or before the due date.
 *   Otherwise a breach, listed with `daysLate` = whole days (rounded up, at least 1) from the due date to the
 *   closure, or to E when still open. Left out: open cases whose exception was granted by the due date and is
 *   valid at E (`slaExcepted`); an exception granted after the deadline does not erase the breach. Cases with no
 *   deadline are listed in `noDeadline`.
 * - KEV on-time: KEV cases whose catalog dueDate lies in [from, E] or that are open at E past it; on time when
 *   closed by the dueDate. A local exception does not relax the catalog deadline.
 * - Open backlog: cases open at E (excepted ones included: still exposed), by whole days since the clock start
 *   (since the item was first seen when the policy's anchor is missing, so no open item is dropped): 0–7, 8–30,
 *   31–60, 61–90, over 90.
 * - Survival (Kaplan–Meier): the TTR cases as events at their TTR, the open cases (clock started) censored at
 *   their age at E. Ties: events before censoring. Half-life: the first time the curve is at or below 0.5.
 * - Install attempts (`deployed` or `failed`) that ended in [from, E]: patch success = deployed / attempts;
 *   approved before deploy, backup verified before deploy (both: at or before the attempt's end, per the fold);
 *   SoD violations (the approver, prior or retro, is the deployer); emergency changes with their approval lag.
 *   First-pass success: deployment rounds (a round is the run of attempts up to and including a successful one)
 *   whose first attempt ended in [from, E]; first pass when that attempt succeeded.
 * - Deployments (successful attempts) that ended in [from, E]: rollback rate = rolled back by E / deployments, with
 *   time to roll back; post-change verification = verified by E / deployments.
 * - Asset coverage: inventory assets that reported in the period / inventory assets.
 * - Exposure window: per case in the TTR or open population, days exposed up to E after the fix was available
 *   (release, else detection, else first seen): until the first closure, plus every reopened interval.
 * - Percentiles (median, p90): linear interpolation between closest ranks, as PostgreSQL `percentile_cont`.
 * - Trend: one point per UTC month over the 6 months ending with the period's last month (all the period's months
 *   when it is longer), each judged at min(asOf, month end − 1 ms); months starting after asOf are left out.
 */
import type { LedgerEvent } from '../ingestion/patch-event.js';
import { SEVERITIES } from '../vulnerabilities/vulnerability-facts.js';
import type {
  DurationStats,
  MetricsReport,
  Period,
  Rate,
  SlaBreach,
  SurvivalPoint,
  TrendPoint,
} from './metrics-report.js';
import { caseStartedAt, closureAt, DAY_MS, exceptionValidAt, visibleAt } from './remediation-case.fold.js';
import type { AttemptFigures, CaseFigures } from './remediation-case.js';
import {
  clockStart,
  dueDate,
  latestClockAnchor,
  policyVersionFor,
  type DueDate,
  type DueSpans,
} from './sla-policy.js';
import type { SlaPolicy, SlaPolicyVersion } from './sla-policy.types.js';

export interface MetricsInput {
  /** Cases folded as of `asOf` (a case holding an event received later is refused). */
  cases: CaseFigures[];
  /** The ledger events behind them (counted in `eventsConsidered`). */
  events: LedgerEvent[];
  /** Asset ids (or hostnames: the same kind in both lists). */
  assetsInInventory: string[];
  assetsReporting: string[];
  period: Period;
  asOf: number;
  /** One version for every case, or a policy whose version is chosen per case by its detection date. */
  policy: SlaPolicy | SlaPolicyVersion;
  /** null: tenant-wide; otherwise only this client's cases and events count. */
  clientId: string | null;
  /**
   * false: no monthly trend (`trend` is empty), so no window starts before the period and fewer cases can enter a
   * figure (see `figuresWindowStart`); for a request that does not ask for the trend. Default true.
   */
  withTrend?: boolean;
}

const WITHIN_DAYS = [7, 14, 30, 60, 90] as const;
const TREND_MONTHS = 6;

export function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, value: denominator === 0 ? null : numerator / denominator };
}

/** PostgreSQL `percentile_cont(p)`: linear interpolation between the closest ranks of the sorted values. */
export function percentileCont(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function durationStats(values: readonly number[]): DurationStats {
  // Sorted before summing, so the mean does not depend on the order the cases came in.
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, mean: null, median: null, p90: null, max: null };
  return {
    count: sorted.length,
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    median: percentileCont(sorted, 0.5),
    p90: percentileCont(sorted, 0.9),
    max: sorted[sorted.length - 1],
  };
}

/** An item's time to close (`event`) or its age when still open (`event: false`, censored). */
export interface SurvivalObservation {
  t: number;
  event: boolean;
}

/** Kaplan–Meier product-limit estimate; the curve starts at (0, 1) unless items closed at t = 0. */
export function kaplanMeier(observations: readonly SurvivalObservation[]): SurvivalPoint[] {
  if (observations.length === 0) return [];
  const sorted = [...observations].sort((a, b) => a.t - b.t);
  const points: SurvivalPoint[] = [];
  if (sorted[0].t > 0) points.push({ t: 0, survival: 1, atRisk: sorted.length, events: 0, censored: 0 });
  let atRisk = sorted.length;
  let survival = 1;
  for (let i = 0; i < sorted.length;) {
    const t = sorted[i].t;
    let events = 0;
    let censored = 0;
    for (; i < sorted.length && sorted[i].t === t; i++) {
      if (sorted[i].event) events++;
      else censored++;
    }
    survival *= 1 - events / atRisk;
    points.push({ t, survival, atRisk, events, censored });
    atRisk -= events + censored;
  }
  return points;
}

export function halfLife(curve: readonly SurvivalPoint[]): number | null {
  return curve.find((p) => p.survival <= 0.5)?.t ?? null;
}

/** The instant a period is judged at: its last millisecond, or asOf when the pack is cut before the period ends. */
export function evaluationInstant(period: Period, asOf: number): number {
  return Math.min(asOf, period.to - 1);
}

interface Judged {
  c: CaseFigures;
  version: SlaPolicyVersion;
  /** The policy's clock start, if the case has that timestamp. */
  start?: number;
  due: DueDate;
}

function isPolicy(policy: SlaPolicy | SlaPolicyVersion): policy is SlaPolicy {
  return 'versions' in policy;
}

function judge(c: CaseFigures, policy: SlaPolicy | SlaPolicyVersion): Judged {
  // An item with no detection event takes the version in force when it was first seen.
  const version = isPolicy(policy) ? policyVersionFor(policy, c.detectedAt ?? c.firstEventAt) : policy;
  return { c, version, start: clockStart(c, version.clock), due: dueDate(c, version) };
}

const days = (ms: number): number => ms / DAY_MS;
const byKey = (a: { caseKey: string }, b: { caseKey: string }): number =>
  a.caseKey < b.caseKey ? -1 : a.caseKey > b.caseKey ? 1 : 0;

/** The state figures of one window [from, E]: shared by the period and each trend month. */
interface StateFigures {
  /** Cases closed in the window with a clock start, with their TTR in days. */
  ttr: { j: Judged; ttrDays: number }[];
  /** Cases closed in the window (with or without a clock start). */
  closed: Judged[];
  open: Judged[];
  sla: { compliant: number; breaches: SlaBreach[]; excepted: NonNullable<MetricsReport['slaExcepted']> };
  /** Every case that entered a figure. */
  touched: Set<string>;
}

function stateFigures(judged: readonly Judged[], from: number, e: number): StateFigures {
  const out: StateFigures = {
    ttr: [],
    closed: [],
    open: [],
    sla: { compliant: 0, breaches: [], excepted: [] },
    touched: new Set(),
  };
  for (const j of judged) {
    const { c } = j;
    if (caseStartedAt(c) > e) continue;
    const closure = closureAt(c, e);
    const open = closure === undefined;
    if (open) {
      out.open.push(j);
      out.touched.add(c.key);
    } else if (closure >= from) {
      out.closed.push(j);
      out.touched.add(c.key);
      if (j.start !== undefined) out.ttr.push({ j, ttrDays: Math.max(0, days(closure - j.start)) });
    }

    const dueAt = j.due.dueAt;
    if (dueAt === undefined) continue;
    const dueInWindow = dueAt >= from && dueAt <= e;
    const carriedOver = dueAt < from && open;
    if (!dueInWindow && !carriedOver) continue;
    out.touched.add(c.key);
    if (open && c.exception !== undefined && c.exception.grantedAt <= dueAt && exceptionValidAt(c, e)) {
      out.sla.excepted.push({
        caseKey: c.key,
        hostname: c.hostname,
        patchId: c.patchId,
        dueAt,
        exceptionExpiresAt: c.exception.expiresAt,
      });
      continue;
    }
    if (closure !== undefined && closure <= dueAt) {
      out.sla.compliant++;
      continue;
    }
    const breach: SlaBreach = {
      caseKey: c.key,
      hostname: c.hostname,
      patchId: c.patchId,
      cveIds: c.cveIds,
      severity: c.severity.severity,
      dueAt,
      // Whole days, rounded up: open at the very instant it fell due is already a day late.
      daysLate: Math.max(1, Math.ceil(days((closure ?? e) - dueAt))),
      deadlineBasis: j.due.basis,
    };
    if (closure !== undefined) breach.remediatedAt = closure;
    out.sla.breaches.push(breach);
  }
  out.sla.breaches.sort((a, b) => a.dueAt - b.dueAt || byKey(a, b));
  out.sla.excepted.sort((a, b) => a.dueAt - b.dueAt || byKey(a, b));
  return out;
}

function slaRate(s: StateFigures['sla']): Rate {
  return rate(s.compliant, s.compliant + s.breaches.length);
}

interface AttemptRef {
  c: CaseFigures;
  a: AttemptFigures;
}

/** First attempt of each deployment round: a round runs up to and including a successful attempt. */
function roundStarts(c: CaseFigures): AttemptFigures[] {
  const starts: AttemptFigures[] = [];
  let newRound = true;
  for (const a of [...c.attempts].sort((x, y) => x.at - y.at)) {
    if (newRound) starts.push(a);
    newRound = a.outcome === 'deployed';
  }
  return starts;
}

function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Days exposed up to `e` after the fix was available: before the first closure, and every reopened interval. */
function exposureDays(c: CaseFigures, e: number): number {
  const start = c.releasedAt ?? c.detectedAt ?? caseStartedAt(c);
  const firsts = [c.firstDeployedAt, c.supersededAt].filter((x): x is number => x !== undefined && x <= e);
  const firstClosedAt = firsts.length > 0 ? Math.min(...firsts) : e;
  let ms = Math.max(0, firstClosedAt - start);
  for (const interval of c.reopenedIntervals ?? []) {
    if (interval.from > e) break;
    ms += Math.min(interval.to ?? e, e) - interval.from;
  }
  return days(ms);
}

/** The UTC month start at or before `t`. */
export function monthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The UTC month start `n` months after the month of `t`. */
export function addMonths(t: number, n: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/**
 * The start of the earliest window a request judges: its first trend month, or the period's start if earlier;
 * without the trend, the period's start.
 */
export function figuresWindowStart(period: Period, withTrend = true): number {
  if (!withTrend) return period.from;
  return Math.min(monthStart(period.from), addMonths(monthStart(period.to - 1), -(TREND_MONTHS - 1)));
}

/**
 * Whether a case can enter any figure of a request whose windows all start at or after `windowStart` (see
 * `figuresWindowStart`); the metrics query reads only such cases (and every case with events after asOf, which it
 * re-folds). A case enters none when it closed for good before the window, its latest event too (no later rollback,
 * attempt or approval can count), and every deadline it can have fell before it: the policy's, bounded by its
 * latest clock anchor plus the longest deadline for its severity (`maxDueSpansMs`), and the KEV catalog's. Open
 * cases always enter (backlog, survival, carried-over breaches). `maxOccurredAt`: the latest `occurredAt` of its
 * events (stored with the fold). The unit and property tests check that leaving out the other cases changes no figure.
 */
export function mayEnterFigures(
  c: CaseFigures,
  maxOccurredAt: number,
  windowStart: number,
  dueSpans: DueSpans,
): boolean {
  if (c.closedAt === undefined || c.closedAt >= windowStart || maxOccurredAt >= windowStart) return true;
  if (c.kevDueAt !== undefined && c.kevDueAt >= windowStart) return true;
  const anchor = latestClockAnchor(c);
  const span = dueSpans[c.severity.severity];
  return anchor !== undefined && span !== undefined && anchor + span >= windowStart;
}

function trend(judged: readonly Judged[], period: Period, asOf: number): TrendPoint[] {
  const last = monthStart(period.to - 1);
  const first = figuresWindowStart(period);
  const points: TrendPoint[] = [];
  for (let m = first; m <= last && m <= asOf; m = addMonths(m, 1)) {
    const s = stateFigures(judged, m, Math.min(asOf, addMonths(m, 1) - 1));
    points.push({
      month: new Date(m).toISOString().slice(0, 7),
      slaCompliance: slaRate(s.sla),
      remediated: s.closed.length,
      medianTtrDays: percentileCont(
        s.ttr.map((x) => x.ttrDays).sort((a, b) => a - b),
        0.5,
      ),
      openAtMonthEnd: s.open.length,
    });
  }
  return points;
}

export function computeMetrics(input: MetricsInput): MetricsReport {
  const { period, asOf, policy, clientId } = input;
  const e = evaluationInstant(period, asOf);
  const cases = input.cases.filter((c) => clientId === null || c.clientId === clientId);
  for (const c of cases) {
    // A case folded later than asOf may carry events the pack must not see: the as-of promise would break.
    if (c.lastReceivedAt > asOf) {
      throw new Error(
        `case ${c.key} holds an event received after asOf: fold the cases as of the same instant`,
      );
    }
  }
  const judged = [...cases]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((c) => judge(c, policy));
  const reportVersion = isPolicy(policy) ? policyVersionFor(policy, e) : policy;

  const s = stateFigures(judged, period.from, e);
  const touched = s.touched;

  const ttrBySeverity = Object.fromEntries(
    [...SEVERITIES, 'all' as const].map((sev) => [
      sev,
      durationStats(
        s.ttr.filter((x) => sev === 'all' || x.j.c.severity.severity === sev).map((x) => x.ttrDays),
      ),
    ]),
  ) as MetricsReport['ttrBySeverity'];

  // An open item whose clock had not started by E (e.g. listed in KEV after it) is not yet at risk.
  const openAges = s.open.flatMap((j) => (j.start !== undefined && j.start <= e ? [days(e - j.start)] : []));
  const remediatedWithin = Object.fromEntries(
    WITHIN_DAYS.map((n) => [
      `d${n}`,
      rate(
        s.ttr.filter((x) => x.ttrDays <= n).length,
        s.ttr.length + openAges.filter((age) => age >= n).length,
      ),
    ]),
  ) as MetricsReport['remediatedWithin'];

  const openBacklog: MetricsReport['openBacklog'] = { d0_7: 0, d8_30: 0, d31_60: 0, d61_90: 0, d90_plus: 0 };
  for (const j of s.open) {
    const age = Math.floor(Math.max(0, days(e - (j.start ?? j.c.detectedAt ?? caseStartedAt(j.c)))));
    if (age <= 7) openBacklog.d0_7++;
    else if (age <= 30) openBacklog.d8_30++;
    else if (age <= 60) openBacklog.d31_60++;
    else if (age <= 90) openBacklog.d61_90++;
    else openBacklog.d90_plus++;
  }

  const survival = kaplanMeier([
    ...s.ttr.map((x) => ({ t: x.ttrDays, event: true })),
    ...openAges.map((t) => ({ t, event: false })),
  ]);

  // KEV on-time: the catalog deadline, whatever the chosen policy says.
  let kevOnTime = 0;
  let kevJudged = 0;
  for (const { c } of judged) {
    if (!c.kev || c.kevDueAt === undefined || caseStartedAt(c) > e) continue;
    const closure = closureAt(c, e);
    const dueInWindow = c.kevDueAt >= period.from && c.kevDueAt <= e;
    const carriedOver = c.kevDueAt < period.from && closure === undefined;
    if (!dueInWindow && !carriedOver) continue;
    touched.add(c.key);
    kevJudged++;
    if (closure !== undefined && closure <= c.kevDueAt) kevOnTime++;
  }

  const attempts: AttemptRef[] = [];
  let rounds = 0;
  let firstPass = 0;
  for (const { c } of judged) {
    for (const a of c.attempts) {
      if (a.at < period.from || a.at > e) continue;
      attempts.push({ c, a });
      touched.add(c.key);
    }
    for (const a of roundStarts(c)) {
      if (a.at < period.from || a.at > e) continue;
      rounds++;
      if (a.outcome === 'deployed') firstPass++;
    }
  }
  attempts.sort((x, y) => x.a.at - y.a.at || byKey({ caseKey: x.c.key }, { caseKey: y.c.key }));
  const deployments = attempts.filter(({ a }) => a.outcome === 'deployed');
  const rolledBack = deployments.filter(({ a }) => a.rolledBackAt !== undefined && a.rolledBackAt <= e);
  const retro = (a: AttemptFigures): AttemptFigures['retroApprovedAt'] =>
    a.retroApprovedAt !== undefined && a.retroApprovedAt <= e ? a.retroApprovedAt : undefined;

  const segregationOfDutiesViolations: MetricsReport['segregationOfDutiesViolations'] = [];
  const emergencyChanges: MetricsReport['emergencyChanges'] = [];
  for (const { c, a } of attempts) {
    const approver = a.approver ?? (retro(a) !== undefined ? a.retroApprover : undefined);
    if (a.actor !== undefined && approver !== undefined && samePerson(a.actor, approver)) {
      segregationOfDutiesViolations.push({
        caseKey: c.key,
        hostname: c.hostname,
        patchId: c.patchId,
        actor: a.actor,
        at: a.at,
      });
    }
    if (a.emergency === true) {
      const approvedAt = a.approvedAt ?? retro(a);
      const change: MetricsReport['emergencyChanges'][number] = {
        caseKey: c.key,
        hostname: c.hostname,
        patchId: c.patchId,
        deployedAt: a.at,
        lagDays: approvedAt === undefined ? null : Math.max(0, days(approvedAt - a.at)),
      };
      if (approvedAt !== undefined) change.approvedAt = approvedAt;
      emergencyChanges.push(change);
    }
  }

  const inventory = [...new Set(input.assetsInInventory)].sort();
  const reporting = new Set(input.assetsReporting);
  const assetsNotReporting = inventory.filter((asset) => !reporting.has(asset));

  const periodCases = [...s.closed, ...s.open];
  const noDeadline = periodCases
    .filter((j) => j.due.dueAt === undefined)
    .map((j) => ({ caseKey: j.c.key, basis: j.due.basis }))
    .sort(byKey);
  const withoutClockStart = periodCases
    .filter((j) => j.start === undefined)
    .map((j) => j.c.key)
    .sort();

  const eventsConsidered = input.events.filter(
    (ev) =>
      (clientId === null || ev.clientId === clientId) &&
      visibleAt(ev, asOf) &&
      ev.occurredAt >= period.from &&
      ev.occurredAt <= e,
  ).length;

  return {
    clientId,
    period,
    asOf,
    policy: {
      key: reportVersion.key,
      version: reportVersion.version,
      clock: reportVersion.clock,
      dayKind: reportVersion.dayKind,
    },
    casesConsidered: touched.size,
    eventsConsidered,
    ttrBySeverity,
    remediatedWithin,
    slaCompliance: slaRate(s.sla),
    breaches: s.sla.breaches,
    openBacklog,
    survival,
    halfLifeDays: halfLife(survival),
    kevOnTime: rate(kevOnTime, kevJudged),
    patchSuccess: rate(deployments.length, attempts.length),
    firstPassSuccess: rate(firstPass, rounds),
    rollbackRate: rate(rolledBack.length, deployments.length),
    timeToRollback: durationStats(rolledBack.map(({ a }) => days((a.rolledBackAt ?? a.at) - a.at))),
    approvedBeforeDeploy: rate(
      attempts.filter(({ a }) => a.approvedAt !== undefined).length,
      attempts.length,
    ),
    backupBeforeDeploy: rate(
      attempts.filter(({ a }) => a.backupVerifiedAt !== undefined).length,
      attempts.length,
    ),
    postChangeVerification: rate(
      deployments.filter(({ a }) => a.verifiedAt !== undefined && a.verifiedAt <= e).length,
      deployments.length,
    ),
    segregationOfDutiesViolations,
    emergencyChanges,
    assetCoverage: rate(inventory.length - assetsNotReporting.length, inventory.length),
    exposureWindowDays: durationStats(periodCases.map((j) => exposureDays(j.c, e))),
    trend: input.withTrend === false ? [] : trend(judged, period, asOf),
    evaluatedAt: e,
    slaExcepted: s.sla.excepted,
    noDeadline,
    withoutClockStart,
    assetsNotReporting,
  };
}
