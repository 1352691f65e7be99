import { Args, ID, Info, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { FrameworkId } from '../controls/control.types.js';
import { badInput } from '../errors.js';
import { EvidenceService, PACK_FRAMEWORKS, type EvidencePackRecord } from '../evidence/evidence.service.js';
import { JobsService } from '../evidence/jobs.service.js';
import { IngestionService } from '../ingestion/ingestion.service.js';
import { selectsAnyField } from './graphql-selection.js';
import { IngestOutcomeModel } from './models/ingestion.models.js';
import crypto from 'node:crypto';
import type { Period } from '../metrics/metrics-report.js';
import { MetricsService, monthPeriod, type MetricsScope } from '../metrics/metrics.service.js';
import type { CaseFigures } from '../metrics/remediation-case.js';
import type { Severity } from '../vulnerabilities/vulnerability-facts.js';
import type { ClockAnchor } from '../metrics/sla-policy.types.js';
import { READ_ROLES, requireRole, type Actor } from '../tenancy/actor.js';
import { CurrentActor } from '../tenancy/auth.guard.js';
import {
  AccessLogEntryModel,
  CaseFilterInput,
  CatalogControlModel,
  ControlEvaluationModel,
  ChangeSampleModel,
  EvidencePackModel,
  GrantExceptionInput,
  ExceptionModel,
  FrameworkModel,
  GeneratePackInput,
  PeriodInput,
  RemediationCasePageModel,
  RemediationMetricsModel,
  SlaPolicyModel,
  SlaPolicyVersionInput,
  TrendPointModel,
} from './models/evidence.models.js';

export function toPeriod(p: PeriodInput): Period {
  if (p.month) return monthPeriod(p.month);
  if (!p.from || !p.to) throw badInput('period', 'give month (YYYY-MM) or both from and to');
  return { from: p.from.getTime(), to: p.to.getTime() };
}

function metricsModel(s: MetricsScope<CaseFigures>) {
  const r = s.report;
  return {
    clientId: r.clientId,
    periodFrom: new Date(r.period.from),
    periodTo: new Date(r.period.to),
    asOf: new Date(r.asOf),
    policy: `${r.policy.key} v${r.policy.version}`,
    casesConsidered: r.casesConsidered,
    eventsConsidered: r.eventsConsidered,
    ttr: r.ttrBySeverity.all,
    slaCompliance: r.slaCompliance,
    breaches: r.breaches.map((b) => ({
      ...b,
      dueAt: new Date(b.dueAt),
      remediatedAt: b.remediatedAt === undefined ? null : new Date(b.remediatedAt),
    })),
    kevOnTime: r.kevOnTime,
    patchSuccess: r.patchSuccess,
    rollbackRate: r.rollbackRate,
    approvedBeforeDeploy: r.approvedBeforeDeploy,
    backupBeforeDeploy: r.backupBeforeDeploy,
    assetCoverage: r.assetCoverage,
    halfLifeDays: r.halfLifeDays,
    trend: r.trend,
    lateEvents: s.lateEvents.count,
    lateCaseKeys: s.lateEvents.caseKeys,
    report: r,
  };
}

export function packModel(p: EvidencePackRecord) {
  return { ...p, downloadUrl: p.status === 'ready' ? `/v1/packs/${p.id}/download` : null };
}

@Resolver()
export class EvidenceResolver {
  constructor(
    private readonly metrics: MetricsService,
    private readonly evidence: EvidenceService,
    private readonly jobs: JobsService,
    private readonly ingestion: IngestionService,
  ) {}

  @Query(() => ChangeSampleModel, {
    description:
      'A reproducible random sample of the period’s deployments (SOX change testing), each evaluated',
  })
  async changeSample(
    @CurrentActor() actor: Actor,
    @Args('clientId', { type: () => ID }) clientId: string,
    @Args('period') period: PeriodInput,
    @Args('seed', { nullable: true, description: 'Default: a new random seed, returned with the sample' })
    seed?: string,
    @Args('size', { type: () => Int, defaultValue: 25 }) size = 25,
    @Args('asOf', { nullable: true }) asOf?: Date,
  ) {
    if (size < 1 || size > 500) throw badInput('size', 'between 1 and 500');
    const content = await this.evidence.preview(
      actor,
      { clientId, period: toPeriod(period), asOf: asOf?.getTime() },
      { seed: seed ?? crypto.randomBytes(8).toString('hex'), size },
    );
    return content.changeSample;
  }

  @Mutation(() => IngestOutcomeModel, {
    description:
      'Records a risk acceptance as an exception_granted event in the ledger (it counts only while valid)',
  })
  grantException(@CurrentActor() actor: Actor, @Args('input') input: GrantExceptionInput) {
    requireRole(actor, 'msp_admin');
    return this.ingestion.ingest(actor, [
      {
        clientId: input.clientId,
        kind: 'exception_granted',
        occurredAt: new Date().toISOString(),
        source: 'patchproof',
        sourceEventId: `exception-${crypto.randomUUID()}`,
        actor: input.approver,
        asset: { hostname: input.hostname },
        patch: { id: input.patchId },
        exception: {
          reason: input.reason,
          compensatingControls: input.compensatingControls,
          owner: input.owner,
          approver: input.approver,
          expiresAt: input.expiresAt.toISOString(),
        },
      },
    ]);
  }

  @Mutation(() => IngestOutcomeModel, {
    description: 'Ends a risk acceptance now (an exception_expired event)',
  })
  expireException(
    @CurrentActor() actor: Actor,
    @Args('clientId', { type: () => ID }) clientId: string,
    @Args('hostname') hostname: string,
    @Args('patchId') patchId: string,
  ) {
    requireRole(actor, 'msp_admin');
    return this.ingestion.ingest(actor, [
      {
        clientId,
        kind: 'exception_expired',
        occurredAt: new Date().toISOString(),
        source: 'patchproof',
        sourceEventId: `exception-expired-${crypto.randomUUID()}`,
        asset: { hostname },
        patch: { id: patchId },
      },
    ]);
  }

  @Query(() => RemediationMetricsModel, {
    description: 'Figures for one client (or all the tenant’s clients) as of an instant',
  })
  async remediationMetrics(
    @CurrentActor() actor: Actor,
    @Info() info: GraphQLResolveInfo,
    @Args('period') period: PeriodInput,
    @Args('clientId', { type: () => ID, nullable: true }) clientId?: string,
    @Args('policy', { nullable: true }) policy?: string,
    @Args('asOf', { nullable: true }) asOf?: Date,
  ) {
    return metricsModel(
      await this.metrics.metrics(actor, {
        clientId,
        period: toPeriod(period),
        policy,
        asOf: asOf?.getTime(),
        // The six-month trend judges cases closed months before the period: read them only when it is asked for
        // (`trend`, or `report`, which holds it).
        withTrend: selectsAnyField(info, ['trend', 'report']),
      }),
    );
  }

  @Query(() => [TrendPointModel], { description: 'Monthly series (six months to the period end) for charts' })
  async metricTrend(
    @CurrentActor() actor: Actor,
    @Args('period') period: PeriodInput,
    @Args('clientId', { type: () => ID, nullable: true }) clientId?: string,
    @Args('policy', { nullable: true }) policy?: string,
    @Args('asOf', { nullable: true }) asOf?: Date,
  ) {
    return (
      await this.metrics.metrics(actor, { clientId, period: toPeriod(period), policy, asOf: asOf?.getTime() })
    ).report.trend;
  }

  @Query(() => RemediationCasePageModel)
  async remediationCases(
    @CurrentActor() actor: Actor,
    @Args('filter', { nullable: true }) filter?: CaseFilterInput,
    @Args('first', { type: () => Int, defaultValue: 50 }) first = 50,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const page = await this.metrics.cases(actor, filter ?? {}, { first, after });
    return {
      ...page,
      items: page.items.map((c) => ({
        ...c,
        severity: c.severity.severity,
        severityBasis: c.severity.basis,
        detectedAt: c.detectedAt === undefined ? null : new Date(c.detectedAt),
        remediatedAt: c.remediatedAt === undefined ? null : new Date(c.remediatedAt),
        dueAt: c.dueAt === undefined ? null : new Date(c.dueAt),
        rollbacks: c.rollbacks.length,
      })),
    };
  }

  @Query(() => [SlaPolicyModel], { description: 'Shipped templates and the tenant’s custom policies' })
  slaPolicies(@CurrentActor() actor: Actor) {
    return this.metrics.policies(actor);
  }

  @Mutation(() => SlaPolicyModel, { description: 'Adds a version of a custom policy (the first creates it)' })
  createSlaPolicyVersion(@CurrentActor() actor: Actor, @Args('input') input: SlaPolicyVersionInput) {
    const days: Partial<Record<Severity, number>> = {};
    for (const s of ['critical', 'high', 'medium', 'low'] as const)
      if (input[s] !== undefined && input[s] !== null) days[s] = input[s];
    return this.metrics.createPolicyVersion(actor, {
      key: input.key,
      name: input.name,
      effectiveFrom: input.effectiveFrom,
      clock: input.clock as ClockAnchor,
      dayKind: input.dayKind as 'calendar' | 'business',
      days,
      // Optional in the API; the policy file format wants a description, so an omitted one is written out.
      description: input.description.trim() || `${input.name.trim()}: custom SLA policy`,
      source: input.source,
    });
  }

  @Mutation(() => Boolean)
  async assignSlaPolicy(
    @CurrentActor() actor: Actor,
    @Args('clientId', { type: () => ID }) clientId: string,
    @Args('policy') policy: string,
  ) {
    await this.metrics.assignPolicy(actor, clientId, policy);
    return true;
  }

  @Query(() => [FrameworkModel])
  frameworks(@CurrentActor() actor: Actor) {
    requireRole(actor, ...READ_ROLES);
    return [...this.evidence.frameworkCatalogs().catalogs.values()].map((l) => ({
      id: l.catalog.framework,
      name: l.catalog.name,
      frameworkVersion: l.catalog.frameworkVersion,
      catalogVersion: l.catalog.catalogVersion,
      digest: l.digest,
      controls: l.catalog.controls.length,
    }));
  }

  @Query(() => [CatalogControlModel])
  controls(@CurrentActor() actor: Actor, @Args('framework') framework: string) {
    requireRole(actor, ...READ_ROLES);
    const loaded = this.evidence.frameworkCatalogs().catalogs.get(framework as FrameworkId);
    if (!loaded) throw badInput('framework', `one of ${PACK_FRAMEWORKS.join(', ')}`);
    return loaded.catalog.controls;
  }

  @Query(() => [ControlEvaluationModel], {
    description: 'Each control of a framework evaluated for a client and period',
  })
  async controlEvaluation(
    @CurrentActor() actor: Actor,
    @Args('clientId', { type: () => ID }) clientId: string,
    @Args('framework') framework: string,
    @Args('period') period: PeriodInput,
    @Args('policy', { nullable: true }) policy?: string,
    @Args('asOf', { nullable: true }) asOf?: Date,
  ) {
    if (!PACK_FRAMEWORKS.includes(framework as FrameworkId))
      throw badInput('framework', `one of ${PACK_FRAMEWORKS.join(', ')}`);
    const content = await this.evidence.preview(actor, {
      clientId,
      period: toPeriod(period),
      frameworks: [framework as FrameworkId],
      policy,
      asOf: asOf?.getTime(),
    });
    return content.controls;
  }

  @Mutation(() => EvidencePackModel, {
    description: 'Queues a pack; poll evidencePack(id) for status and progress',
  })
  async generateEvidencePack(@CurrentActor() actor: Actor, @Args('input') input: GeneratePackInput) {
    const pack = await this.evidence.request(actor, {
      clientId: input.clientId,
      period: toPeriod(input.period),
      frameworks: input.frameworks as FrameworkId[] | undefined,
      policy: input.policy,
      asOf: input.asOf?.getTime(),
    });
    if (pack.status === 'queued') await this.jobs.enqueueRender(actor.tenantId, pack.id);
    return packModel(pack);
  }

  @Query(() => EvidencePackModel)
  async evidencePack(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string) {
    return packModel(await this.evidence.get(actor, id));
  }

  @Query(() => [EvidencePackModel])
  async evidencePacks(
    @CurrentActor() actor: Actor,
    @Args('clientId', { type: () => ID, nullable: true }) clientId?: string,
  ) {
    return (await this.evidence.list(actor, clientId)).map(packModel);
  }

  @Query(() => [ExceptionModel], {
    description: 'The exceptions register (risk acceptances) of a client as of an instant',
  })
  async exceptions(
    @CurrentActor() actor: Actor,
    @Args('clientId', { type: () => ID }) clientId: string,
    @Args('asOf', { nullable: true }) asOf?: Date,
  ) {
    const at = asOf?.getTime() ?? Date.now();
    const content = await this.evidence.preview(actor, {
      clientId,
      period: { from: at - 1, to: at },
      asOf: at,
    });
    return content.exceptions.map((e) => ({
      ...e,
      grantedAt: new Date(e.grantedAt),
      expiresAt: new Date(e.expiresAt),
    }));
  }

  @Query(() => [AccessLogEntryModel], { description: 'Downloads and share-link uses, newest first' })
  accessLog(
    @CurrentActor() actor: Actor,
    @Args('limit', { type: () => Int, defaultValue: 100 }) limit = 100,
  ) {
    return this.evidence.accessLog(actor, limit);
  }
}
