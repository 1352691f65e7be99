/**
 * The closed set of control tests: named evaluations over the period's cases, deployments and metrics, with their
 * parameters from the catalog. Each returns one of four statuses, decided the same way everywhere:
 *
 * - `not_satisfied`: at least one item of the population breaks the rule (every such item is a finding, by name);
 * - `insufficient_evidence`: nothing breaks it, but some items could not be judged (a deadline that cannot be
 *   computed, a deployment with no ring, a verification not yet due);
 * - `not_applicable`: the population is empty (no production change, no exception, no legacy asset);
 * - `satisfied`: otherwise.
 *
 * Exceptions change how a case counts only while they are in force: a case past its due date is excused only when
 * a valid exception covered the whole overdue time.
 */
import type { RemediationCase } from '../metrics/remediation-case.js';
import {
  caseName,
  closedAt,
  DAY_MS,
  days,
  evaluationEnd,
  exceptionCovers,
  exceptionSpan,
  HOUR_MS,
  hours,
  isoDay,
  isoMinute,
  openDuring,
  uniqueSorted,
} from './case-facts.js';
import type {
  ControlStatus,
  ControlTestInput,
  ControlTestName,
  ControlTestRef,
  Finding,
  TestResult,
} from './control.types.js';
import {
  CONTROL_TEST_PARAMS,
  CRITICALITY_ORDER,
  type ControlTestParams,
  severityAtLeast,
  splitRings,
} from './control-test-params.js';
import { type PeriodDeployment, periodDeployments, type RingConfig } from './deployments.js';
import { describeWindow, insideMaintenanceWindow, maintenanceWindowProblem } from './maintenance-window.js';

type Figures = TestResult['figures'];

interface Outcome {
  description: string;
  /** Items judged (whether they passed or not). */
  judged: number;
  figures: Figures;
  findings: Finding[];
  caseKeys: Iterable<string>;
  eventIds: Iterable<string>;
}

/** The one rule that turns counts into a status (see the file comment). */
export function statusFrom(findings: Finding[], judged: number): ControlStatus {
  if (findings.some((f) => (f.kind ?? 'violation') === 'violation')) return 'not_satisfied';
  if (findings.some((f) => f.kind === 'undetermined')) return 'insufficient_evidence';
  return judged === 0 ? 'not_applicable' : 'satisfied';
}

function params<T extends ControlTestName>(test: T, ref: ControlTestRef): ControlTestParams<T> {
  return CONTROL_TEST_PARAMS[test].parse(ref.params ?? {}) as ControlTestParams<T>;
}

function finish(ref: ControlTestRef, o: Outcome): TestResult {
  return {
    test: ref.test,
    strength: ref.strength,
    status: statusFrom(o.findings, o.judged),
    description: o.description,
    figures: o.figures,
    findings: o.findings,
    // Evidence references: the population judged, plus every event a finding points at.
    caseKeys: uniqueSorted([...o.caseKeys, ...o.findings.flatMap((f) => (f.caseKey ? [f.caseKey] : []))]),
    eventIds: uniqueSorted([...o.eventIds, ...o.findings.flatMap((f) => f.eventIds ?? [])]),
  };
}

function rate(numerator: number, denominator: number): string {
  return `${numerator}/${denominator}`;
}

function deploymentName(d: PeriodDeployment): string {
  return `${d.hostname} ${d.patchId} (${d.outcome === 'failed' ? 'failed attempt' : 'deployed'} ${isoMinute(d.at)})`;
}

function deploymentFinding(d: PeriodDeployment, why: string, kind: Finding['kind'] = 'violation'): Finding {
  return { summary: `${deploymentName(d)}: ${why}`, kind, caseKey: d.caseKey, eventIds: [d.eventId] };
}

function refsOf(ds: PeriodDeployment[]): { caseKeys: string[]; eventIds: string[] } {
  return { caseKeys: ds.map((d) => d.caseKey), eventIds: ds.map((d) => d.eventId) };
}

// ---------------------------------------------------------------------------------------------------------------

function noOverdueCases(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('no_overdue_cases', ref);
  const { from } = input.period;
  const end = evaluationEnd(input.period, input.asOf);
  const population = input.cases.filter(
    (c) => severityAtLeast(c.severity.severity, p.minSeverity) && openDuring(c, from, end),
  );
  const findings: Finding[] = [];
  const excused: string[] = [];
  let breaches = 0;
  let undetermined = 0;
  for (const c of population) {
    let dueAt: number | undefined;
    let basis: string;
    if (p.maxOpenDays !== undefined) {
      dueAt = c.detectedAt === undefined ? undefined : c.detectedAt + p.maxOpenDays * DAY_MS;
      basis = c.detectedAt === undefined ? 'no detection time recorded' : `detection + ${p.maxOpenDays}d`;
    } else {
      const due = input.dueDates.get(c.key);
      dueAt = due?.dueAt;
      basis = due?.basis ?? 'no due date computed';
    }
    if (dueAt === undefined) {
      undetermined++;
      findings.push({
        summary: `${caseName(c)} ${c.severity.severity}: no due date could be set (${basis})`,
        kind: 'undetermined',
        caseKey: c.key,
        eventIds: c.eventIds,
      });
      continue;
    }
    const closed = closedAt(c);
    // The part of the overdue time that falls in this period; a case closed late before the period was last
    // period's finding, and a case not yet due is not overdue.
    const overdueFrom = Math.max(dueAt, from);
    const overdueTo = Math.min(closed ?? end, end);
    if (overdueTo <= overdueFrom) continue;
    if (exceptionCovers(c, overdueFrom, overdueTo)) {
      excused.push(c.key);
      findings.push({
        summary: `${caseName(c)} ${c.severity.severity}: past its due date ${isoDay(dueAt)} but covered by an exception until ${c.exception?.expiresAt} (owner ${c.exception?.owner})`,
        kind: 'note',
        caseKey: c.key,
        eventIds: c.exception ? [c.exception.eventId] : [],
      });
      continue;
    }
    breaches++;
    const late = days(overdueTo - dueAt);
    const state =
      closed !== undefined && closed <= end
        ? `remediated ${isoMinute(closed)}, ${late} days after its due date ${isoDay(dueAt)}`
        : `still open at ${isoMinute(end)}, ${late} days past its due date ${isoDay(dueAt)}`;
    const lapsed = c.exception ? '; its exception did not cover the overdue time' : '';
    findings.push({
      summary: `${caseName(c)} ${c.severity.severity}: ${state} (${basis})${c.rollbacks.length > 0 ? `; rolled back ${c.rollbacks.length}×` : ''}${lapsed}`,
      caseKey: c.key,
      eventIds: c.eventIds,
    });
  }
  const rule =
    p.maxOpenDays !== undefined
      ? `open more than ${p.maxOpenDays} days after detection`
      : `past its due date under ${input.policyLabel}`;
  return {
    description: `no case of severity ≥ ${p.minSeverity} ${rule}`,
    judged: population.length - undetermined,
    figures: {
      minSeverity: p.minSeverity,
      maxOpenDays: p.maxOpenDays ?? null,
      casesInScope: population.length,
      breaches,
      excusedByException: excused.length,
      withoutDueDate: undetermined,
      slaCompliance: input.metrics.slaCompliance.value,
      slaComplianceFraction: rate(
        input.metrics.slaCompliance.numerator,
        input.metrics.slaCompliance.denominator,
      ),
    },
    findings,
    caseKeys: population.map((c) => c.key),
    eventIds: [],
  };
}

function approvedBeforeDeploy(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('approved_before_deploy', ref);
  const all = periodDeployments(input);
  const population = p.includeEmergency ? all : all.filter((d) => !d.emergency);
  const findings: Finding[] = [];
  for (const d of population) {
    if (d.approvedBeforeDeploy) continue;
    findings.push(
      deploymentFinding(
        d,
        d.approvedAt !== undefined
          ? `approved ${isoMinute(d.approvedAt)}, after the change started ${isoMinute(d.startedAt)}`
          : 'no approval recorded before it ran',
      ),
    );
  }
  const emergency = all.length - population.length;
  return {
    description: `every ${p.includeEmergency ? '' : 'planned '}deployment approved before it ran${p.includeEmergency ? '' : ' (emergency changes tested apart)'}`,
    judged: population.length,
    figures: {
      deployments: population.length,
      approvedBefore: population.length - findings.length,
      notApprovedBefore: findings.length,
      emergencyListedApart: emergency,
      metricsApprovedBeforeDeploy: input.metrics.approvedBeforeDeploy.value,
    },
    findings,
    ...refsOf(population),
  };
}

function pilotBeforeProduction(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('pilot_before_production', ref);
  const rings: RingConfig = {
    pilot: splitRings(p.pilotRings),
    production: splitRings(p.productionRings),
    minSoakMs: p.minSoakHours * HOUR_MS,
  };
  const all = periodDeployments(input, rings);
  const production = all.filter((d) => d.ringKind === 'production');
  const unknown = all.filter((d) => d.ringKind === 'unknown');
  const findings: Finding[] = [];
  for (const d of production) {
    if (d.testedInPilotFirst) continue;
    findings.push(
      deploymentFinding(
        d,
        `no successful deployment of ${d.patchId} in a pilot ring (${rings.pilot.join(', ')})${p.minSoakHours > 0 ? ` at least ${p.minSoakHours} h` : ''} before it`,
      ),
    );
  }
  for (const d of unknown) {
    findings.push(deploymentFinding(d, 'no ring recorded for the asset or the deployment', 'undetermined'));
  }
  const untested = production.length - production.filter((d) => d.testedInPilotFirst).length;
  return {
    description: `every deployment in a production ring (${rings.production.join(', ')}) preceded by the same patch in a pilot ring (${rings.pilot.join(', ')})${p.minSoakHours > 0 ? ` by at least ${p.minSoakHours} h` : ''}`,
    judged: production.length,
    figures: {
      productionDeployments: production.length,
      testedInPilotFirst: production.length - untested,
      notTestedFirst: untested,
      ringUnknown: unknown.length,
      otherRings: all.length - production.length - unknown.length,
    },
    findings,
    caseKeys: [...production, ...unknown].map((d) => d.caseKey),
    eventIds: [...production, ...unknown].flatMap((d) =>
      d.pilotEventId ? [d.eventId, d.pilotEventId] : [d.eventId],
    ),
  };
}

function insideMaintenanceWindowTest(ref: ControlTestRef, input: ControlTestInput): Outcome {
  params('inside_maintenance_window', ref);
  const all = periodDeployments(input);
  const planned = all.filter((d) => !d.emergency);
  const emergency = all.filter((d) => d.emergency);
  const findings: Finding[] = [];
  const broken = input.maintenanceWindows.filter((w) => maintenanceWindowProblem(w) !== undefined);
  for (const w of broken) {
    findings.push({
      summary: `maintenance window ${describeWindow(w)} cannot be used: ${maintenanceWindowProblem(w)}`,
      kind: 'undetermined',
    });
  }
  const usable = input.maintenanceWindows.filter((w) => !broken.includes(w));
  let judged = 0;
  let outside = 0;
  for (const d of planned) {
    const windows = usable.filter((w) => w.clientId === undefined || w.clientId === d.clientId);
    if (windows.length === 0) {
      findings.push(deploymentFinding(d, 'no maintenance window defined for its client', 'undetermined'));
      continue;
    }
    judged++;
    if (insideMaintenanceWindow(d.startedAt, d.at, windows)) continue;
    outside++;
    findings.push(
      deploymentFinding(
        d,
        `ran ${isoMinute(d.startedAt)}–${isoMinute(d.at)}, outside the windows ${windows.map(describeWindow).join('; ')}`,
      ),
    );
  }
  for (const d of emergency) {
    const windows = usable.filter((w) => w.clientId === undefined || w.clientId === d.clientId);
    const where = insideMaintenanceWindow(d.startedAt, d.at, windows) ? 'inside' : 'outside';
    findings.push(deploymentFinding(d, `emergency change, ${where} the windows (listed apart)`, 'note'));
  }
  return {
    description:
      "every planned deployment inside the client's maintenance windows (emergency changes listed apart)",
    judged,
    figures: {
      plannedDeployments: planned.length,
      insideWindows: judged - outside,
      outsideWindows: outside,
      withoutWindows: planned.length - judged,
      emergencyChanges: emergency.length,
      windows: input.maintenanceWindows.length,
    },
    findings,
    ...refsOf(all),
  };
}

function backupBeforeCriticalChange(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('backup_before_critical_change', ref);
  const criticality = new Map(input.assets.map((a) => [a.id, a.criticality]));
  const min = CRITICALITY_ORDER.indexOf(p.minCriticality);
  const findings: Finding[] = [];
  const inScope: PeriodDeployment[] = [];
  let unknown = 0;
  for (const d of periodDeployments(input)) {
    if (!criticality.has(d.assetId)) {
      unknown++;
      findings.push(
        deploymentFinding(d, 'asset not in the inventory: its criticality is unknown', 'undetermined'),
      );
      continue;
    }
    const level = criticality.get(d.assetId);
    if (level === undefined || CRITICALITY_ORDER.indexOf(level) < min) continue;
    inScope.push(d);
    if (!d.backupBeforeDeploy) {
      findings.push(
        deploymentFinding(
          d,
          d.backupVerifiedAt !== undefined
            ? `backup verified ${isoMinute(d.backupVerifiedAt)}, after the change started`
            : `no verified backup before a change to a ${level} asset`,
        ),
      );
    }
  }
  const missing = findings.filter((f) => f.kind !== 'undetermined').length;
  return {
    description: `backup or snapshot verified before every change to an asset of criticality ≥ ${p.minCriticality}`,
    judged: inScope.length,
    figures: {
      minCriticality: p.minCriticality,
      changesInScope: inScope.length,
      backupVerifiedBefore: inScope.length - missing,
      withoutBackup: missing,
      assetNotInInventory: unknown,
      metricsBackupBeforeDeploy: input.metrics.backupBeforeDeploy.value,
    },
    findings,
    ...refsOf(inScope),
  };
}

function postChangeVerification(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('post_change_verification', ref);
  const limit = p.withinHours * HOUR_MS;
  const population = periodDeployments(input).filter((d) => d.outcome === 'deployed');
  const findings: Finding[] = [];
  let verified = 0;
  let backedOut = 0;
  let pending = 0;
  for (const d of population) {
    // A rollback is a post-change check that failed and acted: the change was looked at, and undone.
    const checks = [d.verifiedAt, d.rolledBackAt].filter((t): t is number => t !== undefined && t >= d.at);
    const checkedAt = checks.length > 0 ? Math.min(...checks) : undefined;
    if (checkedAt !== undefined && checkedAt - d.at <= limit) {
      if (checkedAt === d.verifiedAt) verified++;
      else backedOut++;
      continue;
    }
    if (checkedAt === undefined && input.asOf < d.at + limit) {
      pending++;
      findings.push(
        deploymentFinding(d, `verification not yet due (within ${p.withinHours} h)`, 'undetermined'),
      );
      continue;
    }
    findings.push(
      deploymentFinding(
        d,
        checkedAt !== undefined
          ? `first checked ${hours(checkedAt - d.at)} h after deployment (limit ${p.withinHours} h)`
          : `no post-change verification recorded within ${p.withinHours} h`,
      ),
    );
  }
  return {
    description: `post-change verification within ${p.withinHours} h of every successful deployment`,
    judged: population.length - pending,
    figures: {
      withinHours: p.withinHours,
      deployments: population.length,
      verifiedInTime: verified,
      rolledBackInTime: backedOut,
      late: population.length - pending - verified - backedOut,
      pending,
      metricsPostChangeVerification: input.metrics.postChangeVerification.value,
    },
    findings,
    ...refsOf(population),
  };
}

function segregationOfDuties(ref: ControlTestRef, input: ControlTestInput): Outcome {
  params('segregation_of_duties', ref);
  const all = periodDeployments(input);
  const approved = all.filter((d) => d.sodBasis !== 'no_approval');
  const findings: Finding[] = [];
  for (const d of approved) {
    if (d.sodBasis === 'unknown_person') {
      findings.push(
        deploymentFinding(
          d,
          `${d.approver === undefined ? 'approver' : 'deployer'} not recorded: approver and deployer cannot be compared`,
          'undetermined',
        ),
      );
    } else if (d.segregationOfDuties === false) {
      findings.push(deploymentFinding(d, `approved and deployed by the same person (${d.actor})`));
    }
  }
  const unknown = findings.filter((f) => f.kind === 'undetermined').length;
  const same = findings.length - unknown;
  return {
    description: 'the approver of every change is not the person who deployed it',
    judged: approved.length - unknown,
    figures: {
      approvedChanges: approved.length,
      distinctPeople: approved.length - unknown - same,
      samePerson: same,
      personUnknown: unknown,
      unapprovedNotJudged: all.length - approved.length,
      metricsViolations: input.metrics.segregationOfDutiesViolations.length,
    },
    findings,
    ...refsOf(approved),
  };
}

function ledgerVerifies(ref: ControlTestRef, input: ControlTestInput): Outcome {
  params('ledger_verifies', ref);
  const { ledger } = input;
  const findings: Finding[] = [];
  if (ledger.headSeq === 0) {
    findings.push({
      summary: 'the ledger holds no events: there is nothing to verify',
      kind: 'undetermined',
    });
  } else if (!ledger.verified) {
    findings.push({
      summary: `the event ledger does not verify: the hash chain breaks at sequence ${ledger.firstBadSeq ?? 'unknown'} of ${ledger.headSeq}`,
    });
  }
  return {
    description:
      'the tamper-evident event ledger verifies from its first event to its head (recomputed from genesis, or from a checkpoint that a verification from genesis established)',
    judged: ledger.headSeq > 0 ? 1 : 0,
    figures: {
      headSeq: ledger.headSeq,
      verified: ledger.verified ? 'yes' : 'no',
      firstBadSeq: ledger.firstBadSeq ?? null,
      verifiedFromSeq: ledger.verifiedFromSeq ?? 0,
      genesisVerifiedAt: ledger.genesisVerifiedAt ?? null,
      eventsConsidered: input.metrics.eventsConsidered,
    },
    findings,
    caseKeys: [],
    eventIds: [],
  };
}

function assetCoverage(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('asset_coverage', ref);
  const findings: Finding[] = [];
  const total = input.assets.length;
  const silent = input.assets.filter((a) => !a.reportedInPeriod);
  const share = total === 0 ? null : (total - silent.length) / total;
  if (total === 0) {
    findings.push({
      summary: 'the asset inventory is empty: coverage cannot be shown',
      kind: 'undetermined',
    });
  }
  const below = share !== null && share < p.minShare;
  for (const a of silent) {
    findings.push({
      summary: `${a.hostname}: no patch data reported in the period${a.legacy ? ' (legacy asset)' : ''}`,
      kind: below ? 'violation' : 'note',
    });
  }
  return {
    description: `every asset in the inventory reported patch data in the period${p.minShare < 1 ? ` (at least ${Math.round(p.minShare * 100)}%)` : ''}`,
    judged: total,
    figures: {
      assets: total,
      reporting: total - silent.length,
      notReporting: silent.length,
      coverage: share,
      minShare: p.minShare,
      metricsAssetCoverage: input.metrics.assetCoverage.value,
    },
    findings,
    caseKeys: [],
    eventIds: [],
  };
}

function exceptionsWellFormed(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('exceptions_well_formed', ref);
  const { from } = input.period;
  const end = evaluationEnd(input.period, input.asOf);
  const population = input.cases.filter((c) => {
    const span = exceptionSpan(c);
    return span !== undefined && span.from < end && (span.to >= from || span.to === span.from);
  });
  const findings: Finding[] = [];
  for (const c of population) {
    const e = c.exception!;
    const span = exceptionSpan(c)!;
    const problems: string[] = [];
    if (e.owner.trim() === '') problems.push('no owner');
    if (e.approver.trim() === '') problems.push('no approver');
    if (e.reason.trim() === '') problems.push('no reason');
    if (!e.compensatingControls.some((cc) => cc.trim() !== '')) problems.push('no compensating control');
    if (Number.isNaN(Date.parse(e.expiresAt))) problems.push(`expiry date "${e.expiresAt}" is not a date`);
    else {
      if (span.to - span.from > p.maxDays * DAY_MS) {
        problems.push(
          `runs ${Math.round((span.to - span.from) / DAY_MS)} days, more than the ${p.maxDays} allowed`,
        );
      }
      const closed = closedAt(c);
      if (span.to < end && (closed === undefined || closed > span.to)) {
        problems.push(`expired ${isoMinute(span.to)} while the case was still open`);
      }
    }
    if (problems.length > 0) {
      findings.push({
        summary: `exception on ${caseName(c)} granted ${isoDay(e.grantedAt)}: ${problems.join('; ')}`,
        caseKey: c.key,
        eventIds: [e.eventId],
      });
    }
  }
  return {
    description: `every exception has an owner, an approver, a reason, compensating controls and an expiry date no more than ${p.maxDays} days out that has not lapsed while its case is open`,
    judged: population.length,
    figures: {
      exceptions: population.length,
      wellFormed: population.length - findings.length,
      defective: findings.length,
    },
    findings,
    caseKeys: population.map((c) => c.key),
    eventIds: population.map((c) => c.exception!.eventId),
  };
}

function rollbackPlanEvidence(ref: ControlTestRef, input: ControlTestInput): Outcome {
  params('rollback_plan_evidence', ref);
  const population = periodDeployments(input);
  const findings = population
    .filter((d) => !d.backOutEvidence)
    .map((d) =>
      deploymentFinding(
        d,
        'no back-out route on record: no verified backup or snapshot before it, and no rollback',
      ),
    );
  const rolledBack = population.filter((d) => d.rolledBackAt !== undefined);
  return {
    description:
      'every change has a back-out route on record: a backup or snapshot verified before it, or a rollback of it',
    judged: population.length,
    figures: {
      changes: population.length,
      withBackOutEvidence: population.length - findings.length,
      withoutBackOutEvidence: findings.length,
      rolledBack: rolledBack.length,
      rollbackRate: input.metrics.rollbackRate.value,
      medianDaysToRollBack: input.metrics.timeToRollback.median,
    },
    findings,
    ...refsOf(population),
  };
}

function emergencyChangeRetroApproval(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('emergency_change_retro_approval', ref);
  const limit = p.withinDays * DAY_MS;
  const population = periodDeployments(input).filter((d) => d.emergency);
  const findings: Finding[] = [];
  let pending = 0;
  for (const d of population) {
    if (d.approvedAt !== undefined && d.approvedAt - d.startedAt <= limit) continue;
    if (d.approvedAt === undefined && input.asOf < d.startedAt + limit) {
      pending++;
      findings.push(
        deploymentFinding(
          d,
          `emergency change awaiting approval (due within ${p.withinDays} days)`,
          'undetermined',
        ),
      );
      continue;
    }
    findings.push(
      deploymentFinding(
        d,
        d.approvedAt !== undefined
          ? `emergency change approved ${days(d.approvedAt - d.startedAt)} days later (limit ${p.withinDays})`
          : `emergency change never approved (limit ${p.withinDays} days)`,
      ),
    );
  }
  return {
    description: `every emergency change approved no later than ${p.withinDays} days after it ran`,
    judged: population.length - pending,
    figures: {
      withinDays: p.withinDays,
      emergencyChanges: population.length,
      approvedInTime: population.length - findings.length,
      late: findings.length - pending,
      pending,
      metricsEmergencyChanges: input.metrics.emergencyChanges.length,
    },
    findings,
    ...refsOf(population),
  };
}

function severityRanked(ref: ControlTestRef, input: ControlTestInput): Outcome {
  params('severity_ranked', ref);
  const end = evaluationEnd(input.period, input.asOf);
  const population = input.cases.filter((c) => openDuring(c, input.period.from, end));
  const findings: Finding[] = [];
  const byBasis: Record<string, number> = { kev: 0, cvss: 0, vendor: 0, default: 0 };
  for (const c of population) {
    byBasis[c.severity.basis] = (byBasis[c.severity.basis] ?? 0) + 1;
    if (c.severity.basis === 'default') {
      findings.push({
        summary: `${caseName(c)}: no KEV, CVSS or vendor rating: not ranked`,
        caseKey: c.key,
        eventIds: c.eventIds,
      });
    } else if (c.kev && c.severity.basis !== 'kev') {
      findings.push({
        summary: `${caseName(c)}: known exploited (KEV) but ranked by ${c.severity.basis} (${c.severity.detail})`,
        caseKey: c.key,
        eventIds: c.eventIds,
      });
    }
  }
  return {
    description:
      'every case open in the period ranked by risk (KEV first, then CVSS, then the vendor rating)',
    judged: population.length,
    figures: {
      cases: population.length,
      rankedByKev: byBasis.kev,
      rankedByCvss: byBasis.cvss,
      rankedByVendor: byBasis.vendor,
      unranked: byBasis.default,
      problems: findings.length,
    },
    findings,
    caseKeys: population.map((c) => c.key),
    eventIds: [],
  };
}

function ttrMeasured(ref: ControlTestRef, input: ControlTestInput): Outcome {
  const p = params('ttr_measured', ref);
  const end = evaluationEnd(input.period, input.asOf);
  const stats = input.metrics.ttrBySeverity[p.severity];
  const ofSeverity = input.cases.filter(
    (c) => c.severity.severity === p.severity && openDuring(c, input.period.from, end),
  );
  const openAtEnd = ofSeverity.filter((c) => {
    const closed = closedAt(c);
    return closed === undefined || closed > end;
  });
  const value = stats[p.statistic];
  const findings: Finding[] = [];
  if (ofSeverity.length > 0 && (stats.count === 0 || value === null)) {
    findings.push({
      summary: `no ${p.severity} case remediated in the period: time to remediate cannot be measured (${openAtEnd.length} still open)`,
      kind: 'undetermined',
    });
  } else if (value !== null && value > p.benchmarkDays) {
    findings.push({
      summary: `${p.statistic} time to remediate ${p.severity} cases is ${value.toFixed(1)} days, above the ${p.benchmarkDays}-day benchmark (${stats.count} remediated)`,
    });
  }
  return {
    description: `time to remediate ${p.severity} cases measured, ${p.statistic} within a ${p.benchmarkDays}-day benchmark (clock: ${input.metrics.policy.clock})`,
    judged: stats.count > 0 && value !== null ? 1 : 0,
    figures: {
      severity: p.severity,
      statistic: p.statistic,
      benchmarkDays: p.benchmarkDays,
      remediated: stats.count,
      meanDays: stats.mean,
      medianDays: stats.median,
      p90Days: stats.p90,
      maxDays: stats.max,
      openAtEnd: openAtEnd.length,
      halfLifeDays: input.metrics.halfLifeDays,
    },
    findings,
    caseKeys: ofSeverity.map((c) => c.key),
    eventIds: [],
  };
}

function legacyAssetsAccounted(ref: ControlTestRef, input: ControlTestInput): Outcome {
  params('legacy_assets_accounted', ref);
  const end = evaluationEnd(input.period, input.asOf);
  const legacy = input.assets.filter((a) => a.legacy);
  const casesByAsset = new Map<string, RemediationCase[]>();
  for (const c of input.cases) casesByAsset.set(c.assetId, [...(casesByAsset.get(c.assetId) ?? []), c]);
  const findings: Finding[] = [];
  const keys: string[] = [];
  const eventIds: string[] = [];
  for (const a of legacy) {
    const accepted = (casesByAsset.get(a.id) ?? []).filter((c) => {
      const e = c.exception;
      return (
        e !== undefined &&
        exceptionCovers(c, end, end) &&
        e.owner.trim() !== '' &&
        e.compensatingControls.some((cc) => cc.trim() !== '')
      );
    });
    if (accepted.length === 0) {
      findings.push({
        summary: `${a.hostname} (legacy): no risk acceptance in force at ${isoMinute(end)} with an owner and compensating controls`,
      });
      continue;
    }
    for (const c of accepted) {
      keys.push(c.key);
      eventIds.push(c.exception!.eventId);
    }
    const e = accepted[0].exception!;
    findings.push({
      summary: `${a.hostname} (legacy): risk accepted by ${e.owner} until ${e.expiresAt}; compensating: ${e.compensatingControls.join(', ')}`,
      kind: 'note',
      caseKey: accepted[0].key,
      eventIds: [e.eventId],
    });
  }
  const unaccounted = findings.filter((f) => f.kind !== 'note').length;
  return {
    description:
      'every legacy (end-of-life) asset has a risk acceptance in force, with an owner and compensating controls',
    judged: legacy.length,
    figures: { legacyAssets: legacy.length, accounted: legacy.length - unaccounted, unaccounted },
    findings,
    caseKeys: keys,
    eventIds,
  };
}

/** Run one catalog test over the input. Parameters are read through the test's schema (defaults applied). */
export function evaluateControlTest(ref: ControlTestRef, input: ControlTestInput): TestResult {
  switch (ref.test) {
    case 'no_overdue_cases':
      return finish(ref, noOverdueCases(ref, input));
    case 'approved_before_deploy':
      return finish(ref, approvedBeforeDeploy(ref, input));
    case 'pilot_before_production':
      return finish(ref, pilotBeforeProduction(ref, input));
    case 'inside_maintenance_window':
      return finish(ref, insideMaintenanceWindowTest(ref, input));
    case 'backup_before_critical_change':
      return finish(ref, backupBeforeCriticalChange(ref, input));
    case 'post_change_verification':
      return finish(ref, postChangeVerification(ref, input));
    case 'segregation_of_duties':
      return finish(ref, segregationOfDuties(ref, input));
    case 'ledger_verifies':
      return finish(ref, ledgerVerifies(ref, input));
    case 'asset_coverage':
      return finish(ref, assetCoverage(ref, input));
    case 'exceptions_well_formed':
      return finish(ref, exceptionsWellFormed(ref, input));
    case 'rollback_plan_evidence':
      return finish(ref, rollbackPlanEvidence(ref, input));
    case 'emergency_change_retro_approval':
      return finish(ref, emergencyChangeRetroApproval(ref, input));
    case 'severity_ranked':
      return finish(ref, severityRanked(ref, input));
    case 'ttr_measured':
      return finish(ref, ttrMeasured(ref, input));
    case 'legacy_assets_accounted':
      return finish(ref, legacyAssetsAccounted(ref, input));
  }
}
