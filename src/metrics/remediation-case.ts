/** A remediation case: one (client, asset, patch), folded from its events. Plain types only. */
import type { EventException, VendorSeverity } from '../ingestion/patch-event.js';
import type { EffectiveSeverity } from '../vulnerabilities/vulnerability-facts.js';

export const CASE_STATES = ['open', 'remediated', 'reopened', 'superseded_remediated', 'excepted'] as const;
/** `reopened` = rolled back and open again. */
export type CaseState = (typeof CASE_STATES)[number];

export interface DeployAttempt {
  eventId: string;
  startedAt?: number;
  /** When it ended: the `deployed` or `failed` event. */
  at: number;
  outcome: 'deployed' | 'failed';
  errorCode?: string;
  actor?: string;
  ring?: string;
  emergency?: boolean;
  /** Approval in force before `at` (approval event time), if any. */
  approvedAt?: number;
  approver?: string;
  backupVerifiedAt?: number;
  verifiedAt?: number;
  rolledBackAt?: number;
}

export interface RemediationCase {
  /** Deterministic: derived from (client, asset, patch). */
  key: string;
  tenantId: string;
  clientId: string;
  assetId: string;
  hostname: string;
  patchId: string;
  patchTitle?: string;
  cveIds: string[];
  vendorSeverity?: VendorSeverity;
  severity: EffectiveSeverity;
  kev: boolean;
  /** Epoch ms timestamps; undefined when no event says so. */
  releasedAt?: number;
  publishedAt?: number;
  detectedAt?: number;
  kevAddedAt?: number;
  kevDueAt?: number;
  approvedAt?: number;
  approver?: string;
  backupVerifiedAt?: number;
  firstDeployedAt?: number;
  /** The deploy that stuck (after the last rollback), if the case is remediated. */
  remediatedAt?: number;
  verifiedAt?: number;
  supersededAt?: number;
  supersededBy?: string;
  rollbacks: number[];
  attempts: DeployAttempt[];
  exception?: EventException & { grantedAt: number; eventId: string };
  state: CaseState;
  /** Ids of every event folded into this case, in fold order: the evidence trail. */
  eventIds: string[];
  /** Latest `receivedAt` of the folded events (as-of bookkeeping). */
  lastReceivedAt: number;
}
