/**
 * Test helper: remediation cases built by hand as plain objects, the way the fold would leave them, so control
 * tests can be written against small histories without depending on the fold. Not used by production code.
 */
import type { MetricsReport, Period, Rate } from '../../metrics/metrics-report.js';
import type { DeployAttempt, RemediationCase } from '../../metrics/remediation-case.js';
import type { Severity, SeverityBasis } from '../../vulnerabilities/vulnerability-facts.js';
import type { AssetFacts, ControlTestInput } from '../control.types.js';

/** Epoch ms of an RFC 3339 instant (`2026-10-15T18:00Z`). */
export function t(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${iso}`);
  return ms;
}

export interface AttemptSpec {
  at: string;
  startedAt?: string;
  outcome?: 'deployed' | 'failed';
  actor?: string;
  ring?: string;
  emergency?: boolean;
  /** Defaults to the case's approval when that precedes the start (the fold's "approval in force"). */
  approvedAt?: string | null;
  approver?: string;
  backupAt?: string;
  verifiedAt?: string;
  rolledBackAt?: string;
  errorCode?: string;
}

export interface ExceptionSpec {
  grantedAt: string;
  expiresAt: string;
  owner?: string;
  approver?: string;
  reason?: string;
  compensatingControls?: string[];
}

export interface CaseSpec {
  asset: Pick<AssetFacts, 'id' | 'hostname'>;
  patchId: string;
  clientId?: string;
  cveIds?: string[];
  severity?: Severity;
  basis?: SeverityBasis;
  kev?: boolean;
  releasedAt?: string;
  detectedAt?: string;
  kevDueAt?: string;
  approvedAt?: string;
  approver?: string;
  attempts?: AttemptSpec[];
  exception?: ExceptionSpec;
  supersededAt?: string;
}

/** Event ids in creation order: `e00001`, `e00002`, … (ordinal order = creation order). */
export function eventIdSource(prefix = 'e'): () => string {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(5, '0')}`;
}

const opt = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : t(iso));

export function buildCase(spec: CaseSpec, nextId: () => string = eventIdSource()): RemediationCase {
  const clientId = spec.clientId ?? 'client-acme';
  const severity = spec.severity ?? 'critical';
  const eventIds: string[] = [];
  const ev = (): string => {
    const id = nextId();
    eventIds.push(id);
    return id;
  };
  const times: number[] = [];
  const track = (v: number | undefined): number | undefined => {
    if (v !== undefined) times.push(v);
    return v;
  };
  const detectedAt = track(opt(spec.detectedAt));
  if (detectedAt !== undefined) ev();
  const approvedAt = track(opt(spec.approvedAt));
  if (approvedAt !== undefined) ev();
  const attempts: DeployAttempt[] = (spec.attempts ?? [])
    .slice()
    .sort((a, b) => t(a.at) - t(b.at))
    .map((a) => {
      const at = t(a.at);
      const startedAt = track(opt(a.startedAt));
      const start = startedAt ?? at;
      let attemptApproval: number | undefined;
      if (a.approvedAt === null) attemptApproval = undefined;
      else if (a.approvedAt !== undefined) attemptApproval = t(a.approvedAt);
      else if (approvedAt !== undefined && approvedAt <= start) attemptApproval = approvedAt;
      const backupVerifiedAt = track(opt(a.backupAt));
      if (backupVerifiedAt !== undefined) ev();
      if (startedAt !== undefined) ev();
      track(at);
      const eventId = ev();
      const verifiedAt = track(opt(a.verifiedAt));
      if (verifiedAt !== undefined) ev();
      const rolledBackAt = track(opt(a.rolledBackAt));
      if (rolledBackAt !== undefined) ev();
      return {
        eventId,
        startedAt,
        at,
        outcome: a.outcome ?? 'deployed',
        errorCode: a.errorCode,
        actor: a.actor,
        ring: a.ring,
        emergency: a.emergency,
        approvedAt: attemptApproval,
        approver: attemptApproval !== undefined ? (a.approver ?? spec.approver) : undefined,
        backupVerifiedAt,
        verifiedAt,
        rolledBackAt,
      };
    });
  const deployed = attempts.filter((a) => a.outcome === 'deployed');
  const last = deployed.at(-1);
  const remediatedAt = last && last.rolledBackAt === undefined ? last.at : undefined;
  const rollbacks = attempts.flatMap((a) => (a.rolledBackAt !== undefined ? [a.rolledBackAt] : []));
  const exception = spec.exception
    ? {
        reason: spec.exception.reason ?? 'vendor no longer ships fixes for this system',
        compensatingControls: spec.exception.compensatingControls ?? ['isolated VLAN', 'no internet egress'],
        owner: spec.exception.owner ?? 'cfo@acme.example',
        approver: spec.exception.approver ?? 'ciso@acme.example',
        expiresAt: spec.exception.expiresAt,
        grantedAt: t(spec.exception.grantedAt),
        eventId: ev(),
      }
    : undefined;
  if (exception) times.push(exception.grantedAt);
  const supersededAt = track(opt(spec.supersededAt));
  if (supersededAt !== undefined) ev();
  let state: RemediationCase['state'] = 'open';
  if (remediatedAt !== undefined) state = 'remediated';
  else if (supersededAt !== undefined) state = 'superseded_remediated';
  else if (exception) state = 'excepted';
  else if (rollbacks.length > 0) state = 'reopened';
  const basis = spec.basis ?? (spec.kev ? 'kev' : 'vendor');
  return {
    key: `${clientId}/${spec.asset.id}/${spec.patchId}`,
    tenantId: 'tenant-msp',
    clientId,
    assetId: spec.asset.id,
    hostname: spec.asset.hostname,
    patchId: spec.patchId,
    cveIds: spec.cveIds ?? [],
    vendorSeverity: severity,
    severity: { severity, basis, detail: basis === 'default' ? 'no rating' : `${basis}: ${severity}` },
    kev: spec.kev ?? false,
    releasedAt: opt(spec.releasedAt),
    detectedAt,
    kevDueAt: opt(spec.kevDueAt),
    approvedAt,
    approver: approvedAt !== undefined ? spec.approver : undefined,
    backupVerifiedAt: attempts.find((a) => a.backupVerifiedAt !== undefined)?.backupVerifiedAt,
    firstDeployedAt: deployed[0]?.at,
    remediatedAt,
    verifiedAt: last?.verifiedAt,
    supersededAt,
    rollbacks,
    attempts,
    exception,
    state,
    eventIds,
    lastReceivedAt: times.length > 0 ? Math.max(...times) : 0,
  };
}

const noRate: Rate = { numerator: 0, denominator: 0, value: null };
const noStats = { count: 0, mean: null, median: null, p90: null, max: null };

/** A metrics report with nothing in it: tests set the few figures they read. */
export function emptyMetrics(period: Period, asOf: number): MetricsReport {
  return {
    clientId: 'client-acme',
    period,
    asOf,
    policy: { key: 'pci-dss-6.3.3', version: 1, clock: 'release', dayKind: 'calendar' },
    casesConsidered: 0,
    eventsConsidered: 0,
    ttrBySeverity: {
      critical: noStats,
      high: noStats,
      medium: noStats,
      low: noStats,
      none: noStats,
      all: noStats,
    },
    remediatedWithin: { d7: noRate, d14: noRate, d30: noRate, d60: noRate, d90: noRate },
    slaCompliance: noRate,
    breaches: [],
    openBacklog: { d0_7: 0, d8_30: 0, d31_60: 0, d61_90: 0, d90_plus: 0 },
    survival: [],
    halfLifeDays: null,
    kevOnTime: noRate,
    patchSuccess: noRate,
    firstPassSuccess: noRate,
    rollbackRate: noRate,
    timeToRollback: noStats,
    approvedBeforeDeploy: noRate,
    backupBeforeDeploy: noRate,
    postChangeVerification: noRate,
    segregationOfDutiesViolations: [],
    emergencyChanges: [],
    assetCoverage: noRate,
    exposureWindowDays: noStats,
    trend: [],
  };
}

/** October 2026, judged on 3 November. */
export const OCTOBER: Period = { from: t('2026-10-01T00:00Z'), to: t('2026-11-01T00:00Z') };
export const AS_OF = t('2026-11-03T00:00Z');

export function asset(id: string, extra: Partial<AssetFacts> = {}): AssetFacts {
  return {
    id,
    hostname: id,
    legacy: false,
    ring: 'production',
    criticality: 'medium',
    reportedInPeriod: true,
    ...extra,
  };
}

/** An input over the given cases with an intact ledger, October 2026 as of 3 November, no windows. */
export function inputOf(cases: RemediationCase[], extra: Partial<ControlTestInput> = {}): ControlTestInput {
  const period = extra.period ?? OCTOBER;
  const asOf = extra.asOf ?? AS_OF;
  return {
    cases,
    metrics: emptyMetrics(period, asOf),
    dueDates: new Map(),
    ledger: { verified: true, headSeq: 100 },
    assets: [],
    maintenanceWindows: [],
    period,
    asOf,
    policyLabel: 'pci-dss-6.3.3 v1 (release clock)',
    ...extra,
  };
}
