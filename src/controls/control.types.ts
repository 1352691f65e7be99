/** Framework catalogs (templates/frameworks/*.json) and control evaluation results. Plain types only. */

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
  | 'ttr_measured';

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
}

export interface FrameworkCatalog {
  framework: FrameworkId;
  name: string;
  /** Version of the framework, e.g. `4.0.1`. */
  frameworkVersion: string;
  /** Version of our catalog file. */
  catalogVersion: string;
  controls: Control[];
}

export interface Finding {
  /** e.g. the case that breached, by name: `srv-db-01 KB5034441 (CVE-2024-21338) 12 days late`. */
  summary: string;
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
