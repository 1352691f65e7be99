import { Field, Float, GraphQLISODateTime, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { JSONScalar } from './json.scalar.js';

@InputType()
export class PeriodInput {
  @Field({ nullable: true, description: 'A month, YYYY-MM (or give from and to)' }) month?: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Inclusive start' }) from?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exclusive end' }) to?: Date;
}

@ObjectType('Rate')
export class RateModel {
  @Field(() => Int) numerator: number;
  @Field(() => Int) denominator: number;
  @Field(() => Float, { nullable: true, description: 'null when the denominator is 0' }) value: number | null;
}

@ObjectType('DurationStats')
export class DurationStatsModel {
  @Field(() => Int) count: number;
  @Field(() => Float, { nullable: true }) mean: number | null;
  @Field(() => Float, { nullable: true }) median: number | null;
  @Field(() => Float, { nullable: true }) p90: number | null;
  @Field(() => Float, { nullable: true }) max: number | null;
}

@ObjectType('SlaBreach')
export class SlaBreachModel {
  @Field() caseKey: string;
  @Field() hostname: string;
  @Field() patchId: string;
  @Field(() => [String]) cveIds: string[];
  @Field() severity: string;
  @Field(() => GraphQLISODateTime) dueAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) remediatedAt: Date | null;
  @Field(() => Int) daysLate: number;
  @Field() deadlineBasis: string;
}

@ObjectType('TrendPoint')
export class TrendPointModel {
  @Field() month: string;
  @Field(() => RateModel) slaCompliance: RateModel;
  @Field(() => Int) remediated: number;
  @Field(() => Float, { nullable: true }) medianTtrDays: number | null;
  @Field(() => Int) openAtMonthEnd: number;
}

@ObjectType('RemediationMetrics')
export class RemediationMetricsModel {
  @Field(() => ID, { nullable: true }) clientId: string | null;
  @Field(() => GraphQLISODateTime) periodFrom: Date;
  @Field(() => GraphQLISODateTime) periodTo: Date;
  @Field(() => GraphQLISODateTime) asOf: Date;
  @Field() policy: string;
  @Field(() => Int) casesConsidered: number;
  @Field(() => Int) eventsConsidered: number;
  @Field(() => DurationStatsModel, { description: 'Time to remediate, all severities, in days' })
  ttr: DurationStatsModel;
  @Field(() => RateModel) slaCompliance: RateModel;
  @Field(() => [SlaBreachModel]) breaches: SlaBreachModel[];
  @Field(() => RateModel) kevOnTime: RateModel;
  @Field(() => RateModel) patchSuccess: RateModel;
  @Field(() => RateModel) rollbackRate: RateModel;
  @Field(() => RateModel) approvedBeforeDeploy: RateModel;
  @Field(() => RateModel) backupBeforeDeploy: RateModel;
  @Field(() => RateModel) assetCoverage: RateModel;
  @Field(() => Float, { nullable: true }) halfLifeDays: number | null;
  @Field(() => [TrendPointModel]) trend: TrendPointModel[];
  @Field(() => Int, { description: 'Events about the period received after asOf (not merged)' })
  lateEvents: number;
  @Field(() => [String], { description: 'Cases those late events touch' }) lateCaseKeys: string[];
  @Field(() => JSONScalar, {
    description: 'Every figure of the report (by severity, buckets, survival curve…)',
  })
  report: unknown;
}

@ObjectType('RemediationCase')
export class RemediationCaseModel {
  @Field() key: string;
  @Field(() => ID) clientId: string;
  @Field(() => ID) assetId: string;
  @Field() hostname: string;
  @Field() patchId: string;
  @Field(() => [String]) cveIds: string[];
  @Field() state: string;
  @Field() severity: string;
  @Field({ description: 'What decided the severity: kev, cvss, vendor or default' }) severityBasis: string;
  @Field() kev: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true }) detectedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) remediatedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) dueAt: Date | null;
  @Field() deadlineBasis: string;
  @Field() breached: boolean;
  @Field(() => Int) rollbacks: number;
  @Field(() => [String], { description: 'Ledger event ids behind the case' }) eventIds: string[];
}

@ObjectType('RemediationCasePage')
export class RemediationCasePageModel {
  @Field(() => [RemediationCaseModel]) items: RemediationCaseModel[];
  @Field(() => String, { nullable: true }) endCursor: string | null;
  @Field() hasNextPage: boolean;
}

@InputType()
export class CaseFilterInput {
  @Field(() => ID, { nullable: true }) clientId?: string;
  @Field(() => ID, { nullable: true }) assetId?: string;
  @Field({ nullable: true }) severity?: string;
  @Field({ nullable: true, description: 'open, remediated, reopened, superseded_remediated, excepted' })
  state?: string;
  @Field({ nullable: true }) kev?: boolean;
  @Field({ nullable: true }) breached?: boolean;
  @Field({ nullable: true }) policy?: string;
}

@ObjectType('SlaPolicyVersion')
export class SlaPolicyVersionModel {
  @Field() key: string;
  @Field() name: string;
  @Field(() => Int) version: number;
  @Field() effectiveFrom: string;
  @Field() clock: string;
  @Field() dayKind: string;
  @Field(() => JSONScalar) days: unknown;
  @Field() kevDueDateWins: boolean;
  @Field() description: string;
  @Field() source: string;
}

@ObjectType('SlaPolicy')
export class SlaPolicyModel {
  @Field() key: string;
  @Field(() => [SlaPolicyVersionModel]) versions: SlaPolicyVersionModel[];
}

@InputType()
export class SlaPolicyVersionInput {
  @Field() key: string;
  @Field() name: string;
  @Field({ description: 'YYYY-MM-DD: applies to items detected from this date' }) effectiveFrom: string;
  @Field({ description: 'release, publication, detection or kev_added' }) clock: string;
  @Field({ description: 'calendar or business' }) dayKind: string;
  @Field(() => Int, { nullable: true }) critical?: number;
  @Field(() => Int, { nullable: true }) high?: number;
  @Field(() => Int, { nullable: true }) medium?: number;
  @Field(() => Int, { nullable: true }) low?: number;
  @Field({ defaultValue: '' }) description: string;
  @Field({ defaultValue: 'custom policy' }) source: string;
}

@InputType()
export class GeneratePackInput {
  @Field(() => ID) clientId: string;
  @Field(() => PeriodInput) period: PeriodInput;
  @Field(() => [String], {
    nullable: true,
    description: 'hipaa, pci-dss, sox-itgc, nist-800-53, cis-v8; default: the client’s',
  })
  frameworks?: string[];
  @Field({ nullable: true }) policy?: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Default: now' }) asOf?: Date;
}

@ObjectType('EvidencePack')
export class EvidencePackModel {
  @Field(() => ID) id: string;
  @Field(() => ID) clientId: string;
  @Field({ description: 'pack or attestation' }) kind: string;
  @Field(() => GraphQLISODateTime) periodFrom: Date;
  @Field(() => GraphQLISODateTime) periodTo: Date;
  @Field(() => [String]) frameworks: string[];
  @Field() policyKey: string;
  @Field(() => Int, { nullable: true }) policyVersion: number | null;
  @Field(() => GraphQLISODateTime) asOf: Date;
  @Field({ description: 'queued, running, ready or failed' }) status: string;
  @Field(() => Int) progress: number;
  @Field(() => String, { nullable: true }) error: string | null;
  @Field(() => String, { nullable: true }) archiveSha256: string | null;
  @Field(() => Int, { nullable: true }) archiveSize: number | null;
  @Field(() => String, { nullable: true, description: 'GET with the same Authorization header' })
  downloadUrl: string | null;
  @Field(() => JSONScalar, { nullable: true }) summary: unknown;
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType('AccessLogEntry')
export class AccessLogEntryModel {
  @Field(() => GraphQLISODateTime) at: Date;
  @Field() actor: string;
  @Field() action: string;
  @Field(() => ID, { nullable: true }) subjectId: string | null;
  @Field(() => JSONScalar) detail: unknown;
}

@ObjectType('ControlEvaluation')
export class ControlEvaluationModel {
  @Field() framework: string;
  @Field() controlId: string;
  @Field() title: string;
  @Field() citation: string;
  @Field({ description: 'satisfied, not_satisfied, not_applicable or insufficient_evidence' }) status: string;
  @Field(() => JSONScalar, { description: 'Each test: description, figures, findings, evidence references' })
  results: unknown;
}

@ObjectType('FrameworkCatalog')
export class FrameworkModel {
  @Field() id: string;
  @Field() name: string;
  @Field() frameworkVersion: string;
  @Field() catalogVersion: string;
  @Field() digest: string;
  @Field(() => Int) controls: number;
}

@ObjectType('CatalogControl')
export class CatalogControlModel {
  @Field() id: string;
  @Field() title: string;
  @Field() summary: string;
  @Field() citation: string;
  @Field(() => JSONScalar) tests: unknown;
}

@ObjectType('RiskException')
export class ExceptionModel {
  @Field(() => String, { nullable: true }) caseKey?: string;
  @Field() hostname: string;
  @Field(() => String, { nullable: true }) patchId?: string;
  @Field() reason: string;
  @Field(() => [String]) compensatingControls: string[];
  @Field() owner: string;
  @Field() approver: string;
  @Field(() => GraphQLISODateTime) grantedAt: Date;
  @Field(() => GraphQLISODateTime) expiresAt: Date;
  @Field() validAtAsOf: boolean;
  @Field() eventId: string;
}

@ObjectType('ChangeSample')
export class ChangeSampleModel {
  @Field({ description: 'Recorded so the auditor can re-draw the same sample' }) seed: string;
  @Field(() => Int) requestedSize: number;
  @Field(() => Int, { description: 'Deployments in the period (the complete population)' })
  populationSize: number;
  @Field({ description: 'How the sample is drawn, step by step' }) method: string;
  @Field(() => JSONScalar, {
    description: 'Each sampled change with approval, testing, SoD and back-out results',
  })
  items: unknown;
}

@InputType()
export class GrantExceptionInput {
  @Field(() => ID) clientId: string;
  @Field() hostname: string;
  @Field({ description: 'The patch the risk acceptance covers' }) patchId: string;
  @Field() reason: string;
  @Field(() => [String]) compensatingControls: string[];
  @Field() owner: string;
  @Field() approver: string;
  @Field(() => GraphQLISODateTime) expiresAt: Date;
}
