/** SLA policies are data (templates/policies/*.json and custom rows): plain types only. */
import type { Severity } from '../vulnerabilities/vulnerability-facts.js';

export type ClockAnchor = 'release' | 'publication' | 'detection' | 'kev_added';

export interface SlaPolicyVersion {
  /** Stable policy key, e.g. `pci-dss-6.3.3`. */
  key: string;
  name: string;
  version: number;
  /** YYYY-MM-DD: applies to items detected on or after this date (history is never rewritten). */
  effectiveFrom: string;
  clock: ClockAnchor;
  dayKind: 'calendar' | 'business';
  /** Days per severity; a missing severity has no deadline under this policy. */
  days: Partial<Record<Severity, number>>;
  /** KEV items take the catalog's dueDate when it is earlier (true for every shipped template). */
  kevDueDateWins: boolean;
  description: string;
  /** Citation of where the numbers come from. */
  source: string;
}

/** A policy with all its versions (ordered by effectiveFrom). */
export interface SlaPolicy {
  key: string;
  versions: SlaPolicyVersion[];
}
