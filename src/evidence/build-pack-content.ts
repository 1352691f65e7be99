/**
 * Pack content from the figures of one scope: control evaluations, exceptions register, failed and rolled-back
 * changes, the SOX change sample and provenance. Pure and deterministic: the same scope, catalogs and as-of give
 * the same content (the pack id and generation time are inputs).
 */
import { catalogRef, type LoadedCatalog } from '../controls/catalog.js';
import { drawChangeSample } from '../controls/change-sample.js';
import type {
  AssetFacts,
  ControlEvaluation,
  FrameworkId,
  MaintenanceWindow,
  Weekday,
} from '../controls/control.types.js';
import { periodDeployments } from '../controls/deployments.js';
import { evaluateFramework } from '../controls/evaluate-controls.js';
import type { MetricsScope } from '../metrics/metrics.service.js';
import { exceptionValidAt } from '../metrics/remediation-case.fold.js';
import { policyDigest } from '../metrics/sla-policy.js';
import type { ChangeRow, EvidencePackContent, ExceptionRow, Provenance } from './pack-content.js';

const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface PackContentInput {
  packId: string;
  generatedAt: number;
  tenant: { id: string; name: string };
  scope: MetricsScope & { client: NonNullable<MetricsScope['client']> };
  frameworks: FrameworkId[];
  catalogs: Map<FrameworkId, LoadedCatalog>;
  ledger: Provenance['ledger'];
  sources: Provenance['sources'];
  vulnerabilityFeeds: Provenance['vulnerabilityFeeds'];
  generator: Provenance['generator'];
  sampleSize?: number;
  /** Default: the pack id, recorded with the sample so the auditor can re-draw it. */
  sampleSeed?: string;
}

export function periodLabel(from: number, to: number, timeZone = 'UTC'): string {
  const f = new Date(from);
  const last = new Date(to - 1);
  const fmt = (d: Date, opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-US', { ...opts, timeZone }).format(d);
  if (
    f.getUTCDate() === 1 &&
    new Date(to).getUTCDate() === 1 &&
    f.getUTCMonth() === last.getUTCMonth() &&
    f.getUTCFullYear() === last.getUTCFullYear()
  ) {
    return fmt(f, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  }
  return `${f.toISOString().slice(0, 10)} – ${last.toISOString().slice(0, 10)}`;
}

export function buildPackContent(input: PackContentInput): EvidencePackContent {
  const { scope } = input;
  const client = scope.client;
  const windows: MaintenanceWindow[] = client.maintenanceWindows.map((w) => ({
    days: w.days.map((d) => WEEKDAYS[d - 1]),
    start: w.start,
    end: w.end,
    timeZone: client.timeZone,
    clientId: client.id,
  }));
  const assets: AssetFacts[] = scope.assets.map((a) => ({
    id: a.id,
    hostname: a.hostname,
    criticality: a.criticality,
    legacy: a.legacy,
    ring: a.ring,
    reportedInPeriod: a.reportedInPeriod,
  }));
  const pv = scope.policyVersion;
  const policyLabel = `${pv.key} v${pv.version} (${pv.clock} clock)`;
  const controlInput = {
    cases: scope.cases,
    metrics: scope.report,
    dueDates: scope.dueDates,
    ledger: {
      verified: input.ledger.verified,
      headSeq: input.ledger.headSeq,
      firstBadSeq: input.ledger.firstBadSeq ?? undefined,
      verifiedFromSeq: input.ledger.verification.fromSeq,
      genesisVerifiedAt: input.ledger.verification.genesisVerifiedAt,
    },
    assets,
    maintenanceWindows: windows,
    period: scope.period,
    asOf: scope.asOf,
    policyLabel,
  };
  const controls: ControlEvaluation[] = input.frameworks.flatMap((f) => {
    const loaded = input.catalogs.get(f);
    if (!loaded) throw new Error(`no catalog for framework ${f}`);
    return evaluateFramework(loaded.catalog, controlInput);
  });

  const evalEnd = Math.min(scope.asOf, scope.period.to);
  const exceptions: ExceptionRow[] = scope.cases
    .filter((c) => c.exception !== undefined)
    .map((c) => {
      const ex = c.exception!;
      return {
        caseKey: c.key,
        hostname: c.hostname,
        patchId: c.patchId,
        reason: ex.reason,
        compensatingControls: ex.compensatingControls,
        owner: ex.owner,
        approver: ex.approver,
        grantedAt: ex.grantedAt,
        expiresAt: Date.parse(ex.expiresAt),
        validAtAsOf: exceptionValidAt(c, scope.asOf),
        eventId: ex.eventId,
      };
    })
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || (a.patchId ?? '').localeCompare(b.patchId ?? ''));

  const failedAndRolledBack: ChangeRow[] = [];
  for (const c of scope.cases) {
    for (const a of c.attempts) {
      if (a.outcome === 'failed' && a.at >= scope.period.from && a.at < evalEnd) {
        failedAndRolledBack.push({
          caseKey: c.key,
          hostname: c.hostname,
          patchId: c.patchId,
          at: a.at,
          outcome: 'failed',
          errorCode: a.errorCode,
          actor: a.actor,
          eventId: a.eventId,
        });
      }
      if (a.rolledBackAt !== undefined && a.rolledBackAt >= scope.period.from && a.rolledBackAt < evalEnd) {
        failedAndRolledBack.push({
          caseKey: c.key,
          hostname: c.hostname,
          patchId: c.patchId,
          at: a.rolledBackAt,
          outcome: 'rolled_back',
          actor: a.actor,
          eventId: a.eventId,
        });
      }
    }
  }
  failedAndRolledBack.sort((a, b) => a.at - b.at || a.eventId.localeCompare(b.eventId));

  const deployments = periodDeployments(controlInput);
  // The seed is recorded in the pack: the auditor re-draws the same sample from the same population.
  const changeSample = drawChangeSample(
    deployments,
    input.sampleSeed ?? input.packId,
    input.sampleSize ?? 25,
  );

  const breaches = scope.report.breaches.length;
  return {
    packId: input.packId,
    asOf: scope.asOf,
    generatedAt: input.generatedAt,
    tenant: input.tenant,
    client: {
      id: client.id,
      name: client.name,
      timeZone: client.timeZone,
      frameworks: client.frameworks as FrameworkId[],
    },
    period: scope.period,
    periodLabel: periodLabel(scope.period.from, scope.period.to),
    frameworks: input.frameworks,
    policy: { ...pv, digest: policyDigest(pv) },
    catalogs: input.frameworks.map((f) => catalogRef(input.catalogs.get(f)!)),
    metrics: scope.report,
    controls,
    cases: scope.cases,
    exceptions,
    failedAndRolledBack,
    changeSample,
    provenance: {
      query: {
        tenantId: input.tenant.id,
        clientId: client.id,
        period: {
          from: new Date(scope.period.from).toISOString(),
          to: new Date(scope.period.to).toISOString(),
        },
        frameworks: input.frameworks,
        policy: `${pv.key} v${pv.version}`,
        asOf: new Date(scope.asOf).toISOString(),
      },
      sources: input.sources,
      counts: {
        events: scope.report.eventsConsidered,
        cases: scope.cases.length,
        assets: scope.assets.length,
        controls: controls.length,
        breaches,
        exceptions: exceptions.length,
      },
      ledger: input.ledger,
      vulnerabilityFeeds: input.vulnerabilityFeeds,
      generator: input.generator,
    },
  };
}
