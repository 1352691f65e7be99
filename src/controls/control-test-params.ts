/**
 * The parameters each control test accepts in a catalog, with their defaults. One schema per test: the catalog
 * loader rejects a catalog whose parameters do not fit (so a typo stops the service at start instead of silently
 * testing the default), and the evaluator reads its parameters through the same schema.
 */
import { z } from 'zod';
import type { ControlTestName } from './control.types.js';

export const SEVERITY_ORDER = ['none', 'low', 'medium', 'high', 'critical'] as const;
export const CRITICALITY_ORDER = ['low', 'medium', 'high', 'critical'] as const;

const severity = z.enum(SEVERITY_ORDER);
const ringList = z
  .string()
  .regex(/^\s*[\w.-]+(\s*,\s*[\w.-]+)*\s*$/, 'must be a comma-separated list of ring names');

export const DEFAULT_PILOT_RINGS = 'pilot,test,canary,staging,uat';
export const DEFAULT_PRODUCTION_RINGS = 'production,prod';

export const CONTROL_TEST_PARAMS = {
  /** `maxOpenDays` replaces the policy's due date with detection + N days (CIS "monthly" reads). */
  no_overdue_cases: z.strictObject({
    minSeverity: severity.default('critical'),
    maxOpenDays: z.number().positive().optional(),
  }),
  approved_before_deploy: z.strictObject({ includeEmergency: z.boolean().default(false) }),
  pilot_before_production: z.strictObject({
    pilotRings: ringList.default(DEFAULT_PILOT_RINGS),
    productionRings: ringList.default(DEFAULT_PRODUCTION_RINGS),
    minSoakHours: z.number().min(0).default(0),
  }),
  inside_maintenance_window: z.strictObject({}),
  backup_before_critical_change: z.strictObject({
    minCriticality: z.enum(CRITICALITY_ORDER).default('critical'),
  }),
  post_change_verification: z.strictObject({ withinHours: z.number().positive().default(24) }),
  segregation_of_duties: z.strictObject({}),
  ledger_verifies: z.strictObject({}),
  asset_coverage: z.strictObject({ minShare: z.number().min(0).max(1).default(1) }),
  exceptions_well_formed: z.strictObject({ maxDays: z.number().int().positive().default(365) }),
  rollback_plan_evidence: z.strictObject({}),
  emergency_change_retro_approval: z.strictObject({ withinDays: z.number().positive().default(3) }),
  severity_ranked: z.strictObject({}),
  ttr_measured: z.strictObject({
    severity: severity.default('critical'),
    benchmarkDays: z.number().positive().default(30),
    statistic: z.enum(['mean', 'median', 'p90', 'max']).default('p90'),
  }),
  legacy_assets_accounted: z.strictObject({}),
} satisfies Record<ControlTestName, z.ZodType>;

export const CONTROL_TEST_NAMES = Object.keys(CONTROL_TEST_PARAMS) as ControlTestName[];

export type ControlTestParams<T extends ControlTestName> = z.output<(typeof CONTROL_TEST_PARAMS)[T]>;

export function splitRings(list: string): string[] {
  return list
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter((r) => r.length > 0);
}

export function severityAtLeast(
  s: (typeof SEVERITY_ORDER)[number],
  min: (typeof SEVERITY_ORDER)[number],
): boolean {
  return SEVERITY_ORDER.indexOf(s) >= SEVERITY_ORDER.indexOf(min);
}
