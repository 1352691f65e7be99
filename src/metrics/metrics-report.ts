/** The figures for a client (or tenant) and a period as of an instant. Every rate carries its fraction. */
import type { Severity } from '../vulnerabilities/vulnerability-facts.js';

export interface Period {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
}

export interface Rate {
  numerator: number;
  denominator: number;
  /** numerator / denominator, or null when the denominator is 0 (never a fake 100%). */
  value: number | null;
}

export interface DurationStats {
  count: number;
  /** Days, fractional. null when count is 0. */
  mean: number | null;
  median: number | null;
  p90: number | null;
  max: number | null;
}

export interface SlaBreach {
  caseKey: string;
  hostname: string;
  patchId: string;
  cveIds: string[];
  severity: Severity;
  dueAt: number;
  /** Remediated after due (at) or still open at asOf (undefined). */
  remediatedAt?: number;
  daysLate: number;
  /** What set the deadline: `policy pci-dss-6.3.3 v1 (release + 30d)` or `KEV dueDate 2025-11-14`. */
  deadlineBasis: string;
}

export interface SurvivalPoint {
  /** Days since clock start. */
  t: number;
  /** Share still open (0..1). */
  survival: number;
  atRisk: number;
  events: number;
  censored: number;
}

export interface TrendPoint {
  /** YYYY-MM */
  month: string;
  slaCompliance: Rate;
  remediated: number;
  medianTtrDays: number | null;
  openAtMonthEnd: number;
}

export interface MetricsReport {
  clientId: string | null;
  period: Period;
  asOf: number;
  policy: { key: string; version: number; clock: string; dayKind: string };
  casesConsidered: number;
  eventsConsidered: number;
  ttrBySeverity: Record<Severity | 'all', DurationStats>;
  remediatedWithin: Record<'d7' | 'd14' | 'd30' | 'd60' | 'd90', Rate>;
  slaCompliance: Rate;
  breaches: SlaBreach[];
  openBacklog: Record<'d0_7' | 'd8_30' | 'd31_60' | 'd61_90' | 'd90_plus', number>;
  survival: SurvivalPoint[];
  /** Days until half the items are remediated; null if the curve never drops to 0.5. */
  halfLifeDays: number | null;
  kevOnTime: Rate;
  patchSuccess: Rate;
  firstPassSuccess: Rate;
  rollbackRate: Rate;
  timeToRollback: DurationStats;
  approvedBeforeDeploy: Rate;
  backupBeforeDeploy: Rate;
  postChangeVerification: Rate;
  segregationOfDutiesViolations: {
    caseKey: string;
    hostname: string;
    patchId: string;
    actor: string;
    at: number;
  }[];
  emergencyChanges: {
    caseKey: string;
    hostname: string;
    patchId: string;
    deployedAt: number;
    approvedAt?: number;
    lagDays: number | null;
  }[];
  assetCoverage: Rate;
  /** Sum over cases of days exposed after a fix was available, including reopened intervals. */
  exposureWindowDays: DurationStats;
  trend: TrendPoint[];
  /** The instant the period's state is judged at: min(asOf, period end − 1 ms). */
  evaluatedAt?: number;
  /** Open cases left out of SLA compliance: risk accepted by their due date and still valid at `evaluatedAt`. */
  slaExcepted?: {
    caseKey: string;
    hostname: string;
    patchId: string;
    dueAt: number;
    exceptionExpiresAt: string;
  }[];
  /** Cases of the period with no deadline under the policy, and why (e.g. `no release date`). */
  noDeadline?: { caseKey: string; basis: string }[];
  /** Cases of the period without the policy's clock start: left out of TTR, remediated-within and survival. */
  withoutClockStart?: string[];
  /** Inventory assets that sent no patch data in the period (a finding in itself). */
  assetsNotReporting?: string[];
}
