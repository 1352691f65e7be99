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
  /** First approval after `at` when none was in force before it (emergency change approved afterwards). */
  retroApprovedAt?: number;
  retroApprover?: string;
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
  /**
   * When the item stopped being exposed, as of the fold's asOf: `remediatedAt`, or for `superseded_remediated`
   * the closure in force (supersession, or an earlier deploy that a supersession kept closed). Undefined while open.
   */
  closedAt?: number;
  /** Earliest `occurredAt` of the folded events: when the item is first known to exist. */
  firstEventAt?: number;
  /** Each rollback that reopened the item, to the closure that ended it (undefined: still open at asOf). */
  reopenedIntervals?: { from: number; to?: number }[];
  /** `endedAt`: an `exception_expired` event ended the latest grant (besides its own `expiresAt`). */
  exception?: EventException & { grantedAt: number; eventId: string; endedAt?: number };
  state: CaseState;
  /** Ids of every event folded into this case, in fold order: the evidence trail. */
  eventIds: string[];
  /**
   * How many events were folded into the case, set when a stored case is loaded without its ids (`eventIds` is then
   * empty, or holds only what a pack's evidence lists; see `CaseLoadOptions.eventIds`).
   */
  eventCount?: number;
  /** Latest `receivedAt` of the folded events (as-of bookkeeping). */
  lastReceivedAt: number;
}
