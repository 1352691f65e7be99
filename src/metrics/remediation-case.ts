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

/** What the figures read of a deploy attempt. */
export type AttemptFigures = Pick<
  DeployAttempt,
  | 'at'
  | 'outcome'
  | 'actor'
  | 'emergency'
  | 'approvedAt'
  | 'approver'
  | 'backupVerifiedAt'
  | 'verifiedAt'
  | 'rolledBackAt'
  | 'retroApprovedAt'
  | 'retroApprover'
>;

/**
 * What the figures read of a case (`computeMetrics`, the deadline rules, `mayEnterFigures`): the fold without what
 * only packs and case listings show (tenant and asset ids, titles, per-case approval summary, the evidence trail).
 * Stored on its own (`remediation_cases.figures`), small enough to sit in the index a metrics request reads
 * without visiting the table. The compiler holds the figures to these fields: they take `CaseFigures`.
 */
export interface CaseFigures extends Pick<
  RemediationCase,
  | 'key'
  | 'clientId'
  | 'hostname'
  | 'patchId'
  | 'cveIds'
  | 'severity'
  | 'kev'
  | 'releasedAt'
  | 'publishedAt'
  | 'detectedAt'
  | 'kevAddedAt'
  | 'kevDueAt'
  | 'firstDeployedAt'
  | 'supersededAt'
  | 'closedAt'
  | 'firstEventAt'
  | 'reopenedIntervals'
  | 'exception'
  | 'lastReceivedAt'
> {
  attempts: AttemptFigures[];
}

const ATTEMPT_FIGURES: readonly (keyof AttemptFigures)[] = [
  'at',
  'outcome',
  'actor',
  'emergency',
  'approvedAt',
  'approver',
  'backupVerifiedAt',
  'verifiedAt',
  'rolledBackAt',
  'retroApprovedAt',
  'retroApprover',
];

const CASE_FIGURES: readonly Exclude<keyof CaseFigures, 'attempts'>[] = [
  'key',
  'clientId',
  'hostname',
  'patchId',
  'cveIds',
  'severity',
  'kev',
  'releasedAt',
  'publishedAt',
  'detectedAt',
  'kevAddedAt',
  'kevDueAt',
  'firstDeployedAt',
  'supersededAt',
  'closedAt',
  'firstEventAt',
  'reopenedIntervals',
  'exception',
  'lastReceivedAt',
];

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

/** A case's figures: only the fields that are set, so the JSON is as small as the case. */
export function caseFigures(c: CaseFigures): CaseFigures {
  return { ...pick(c, CASE_FIGURES), attempts: c.attempts.map((a) => pick(a, ATTEMPT_FIGURES)) };
}

/**
 * Largest figures JSON kept in `remediation_cases.figures` (UTF-8 bytes). The column sits in a btree index, whose
 * entries hold at most about 2.7 KB with the other columns; a case with more (dozens of deploy attempts) keeps
 * NULL there, and a metrics request reads its figures from the fold itself.
 */
export const STORED_FIGURES_MAX_BYTES = 1800;

/** The figures as stored: null when over {@link STORED_FIGURES_MAX_BYTES}. */
export function storedFigures(c: CaseFigures): CaseFigures | null {
  const figures = caseFigures(c);
  return Buffer.byteLength(JSON.stringify(figures)) <= STORED_FIGURES_MAX_BYTES ? figures : null;
}
