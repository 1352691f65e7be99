/** Framework catalogs (templates/frameworks/*.json) and control evaluation results. Plain types only. */
import type { EventAsset } from '../ingestion/patch-event.js';
import type { MetricsReport, Period } from '../metrics/metrics-report.js';
import type { RemediationCase } from '../metrics/remediation-case.js';

export type FrameworkId = 'hipaa' | 'pci-dss' | 'sox-itgc' | 'nist-800-53' | 'cis-v8';
export type MappingStrength = 'direct' | 'supporting' | 'interpretive';
export type ControlStatus = 'satisfied' | 'not_satisfied' | 'not_applicable' | 'insufficient_evidence';

/** The closed set of named evaluations; parameters come from the catalog. */
export type ControlTestName =
  | 'no_overdue_cases'
  | 'approved_before_deploy'
  | 'pilot_before_production'
  | 'inside_maintenance_window'
  | 'backup_before_critical_change'
  | 'post_change_verification'
  | 'segregation_of_duties'
  | 'ledger_verifies'
  | 'asset_coverage'
  | 'exceptions_well_formed'
  | 'rollback_plan_evidence'
  | 'emergency_change_retro_approval'
  | 'severity_ranked'
  | 'ttr_measured'
  | 'legacy_assets_accounted';

export interface ControlTestRef {
  test: ControlTestName;
  strength: MappingStrength;
  params?: Record<string, string | number | boolean>;
}

export interface Control {
  id: string;
  title: string;
  /** Our own words: never the standard's text. */
  summary: string;
  citation: string;
  tests: ControlTestRef[];
  /** Ids of the same requirement in a machine-readable source (OSCAL `si-2`, `hipaa-046`), for exports and checks. */
  sourceIds?: string[];
}

export interface FrameworkCatalog {
  framework: FrameworkId;
  name: string;
  /** Version of the framework, e.g. `4.0.1`. */
  frameworkVersion: string;
  /** Version of our catalog file. */
  catalogVersion: string;
  /** The publication the ids and citations refer to, e.g. `45 CFR Part 164, Subpart C`. */
  source?: string;
  /** How the titles and summaries were written (e.g. paraphrased, because the standard's text is copyrighted). */
  wording?: string;
  controls: Control[];
}

/** How two controls of different frameworks relate (the OSCAL mapping model's vocabulary). */
export type CrosswalkRelationship = 'equivalent-to' | 'subset-of' | 'superset-of' | 'intersects-with';

export interface ControlRef {
  framework: FrameworkId;
  controlId: string;
}

export interface CrosswalkEntry {
  from: ControlRef;
  to: ControlRef;
  relationship: CrosswalkRelationship;
  /** Why the two are related, in our own words. */
  note: string;
}

export interface Crosswalk {
  crosswalkVersion: string;
  entries: CrosswalkEntry[];
}

export interface Finding {
  /** e.g. the case that breached, by name: `srv-db-01 KB5034441 (CVE-2024-21338) 12 days late`. */
  summary: string;
  /**
   * `violation`: counts against the control; `undetermined`: could not be judged (missing data); `note`: listed
   * apart, not counted (an emergency change outside the windows, a case excused by a valid exception).
   * Undefined reads as `violation`.
   */
  kind?: 'violation' | 'undetermined' | 'note';
  caseKey?: string;
  eventIds?: string[];
}

export interface TestResult {
  test: ControlTestName;
  strength: MappingStrength;
  status: ControlStatus;
  /** Human-readable statement of what was tested with parameters, e.g. `no critical case past due under pci-dss-6.3.3 v1`. */
  description: string;
  figures: Record<string, number | string | null>;
  findings: Finding[];
  /** Evidence references: case keys and event ids that prove the result. */
  caseKeys: string[];
  eventIds: string[];
}

export interface ControlEvaluation {
  framework: FrameworkId;
  controlId: string;
  title: string;
  citation: string;
  status: ControlStatus;
  results: TestResult[];
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * When a client allows planned changes, in the client's own time zone. `end` at or before `start` means the window
 * runs past midnight into the next day (`sat 22:00–04:00` ends on Sunday morning). `days` are the days it opens.
 */
export interface MaintenanceWindow {
  days: Weekday[];
  /** `HH:MM`, local wall time in `timeZone`. */
  start: string;
  /** `HH:MM`, local wall time in `timeZone`. */
  end: string;
  /** IANA zone, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** The client it belongs to; undefined: every client in the input. */
  clientId?: string;
  label?: string;
}

/** An asset of the inventory, as the control tests need it. */
export interface AssetFacts {
  id: string;
  hostname: string;
  criticality?: EventAsset['criticality'];
  legacy: boolean;
  /** Default deployment ring, e.g. `pilot`, `production`. */
  ring?: string;
  /** At least one event from this asset in the period. */
  reportedInPeriod: boolean;
}

/** The deadline of one case under the pack's SLA policy; `dueAt` undefined: no deadline could be set. */
export interface CaseDueDate {
  dueAt?: number;
  /** What set it: `policy pci-dss-6.3.3 v1 (release + 30d)`, `KEV dueDate 2026-10-20`, `no release date`. */
  basis: string;
}

export interface LedgerStatus {
  verified: boolean;
  /** First sequence number whose hash does not chain, when `verified` is false. */
  firstBadSeq?: number;
  headSeq: number;
  /** 0: recomputed from genesis; otherwise from the checkpoint at this sequence. */
  verifiedFromSeq?: number;
  /** ISO 8601: the latest verification of the whole chain from genesis. */
  genesisVerifiedAt?: string | null;
}

/** Everything a control test may look at: one client (or tenant), one period, as of one instant. */
export interface ControlTestInput {
  cases: RemediationCase[];
  metrics: MetricsReport;
  /** By case key. */
  dueDates: Map<string, CaseDueDate>;
  ledger: LedgerStatus;
  assets: AssetFacts[];
  maintenanceWindows: MaintenanceWindow[];
  period: Period;
  asOf: number;
  /** e.g. `pci-dss-6.3.3 v1 (release clock)`: named in every result that depends on due dates. */
  policyLabel: string;
}
