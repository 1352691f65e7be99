/**
 * Everything an evidence pack shows, as one plain structure. The PDF and XLSX renderers draw only from this
 * (plus the period's event stream, which is too large to hold in memory). Plain types only.
 */
import type { DrawnChangeSample, SampledChangeFacts } from '../controls/change-sample.js';
import type { ControlEvaluation, FrameworkId } from '../controls/control.types.js';
import type { LedgerEvent } from '../ingestion/patch-event.js';
import type { MetricsReport, Period } from '../metrics/metrics-report.js';
import type { RemediationCase } from '../metrics/remediation-case.js';
import type { SlaPolicyVersion } from '../metrics/sla-policy.types.js';

export interface ExceptionRow {
  caseKey?: string;
  hostname: string;
  patchId?: string;
  reason: string;
  compensatingControls: string[];
  owner: string;
  approver: string;
  grantedAt: number;
  expiresAt: number;
  /** Valid at the pack's as-of instant. */
  validAtAsOf: boolean;
  eventId: string;
}

export interface ChangeRow {
  caseKey: string;
  hostname: string;
  patchId: string;
  at: number;
  outcome: 'failed' | 'rolled_back';
  errorCode?: string;
  actor?: string;
  eventId: string;
}

/**
 * The SOX change sample as the controls layer draws it (one definition: evidence reads controls, not the reverse).
 */
export type SampledChange = SampledChangeFacts;
export type ChangeSample = DrawnChangeSample;

export interface CatalogRef {
  framework: FrameworkId;
  name: string;
  frameworkVersion: string;
  catalogVersion: string;
  /** SHA-256 of the catalog file's canonical JSON. */
  digest: string;
}

export interface Provenance {
  query: {
    tenantId: string;
    clientId: string;
    period: { from: string; to: string };
    frameworks: FrameworkId[];
    policy: string;
    asOf: string;
  };
  /** Events per source (e.g. `windows-update`, `apt-history`, `api`). */
  sources: { source: string; events: number }[];
  counts: {
    events: number;
    cases: number;
    assets: number;
    controls: number;
    breaches: number;
    exceptions: number;
  };
  ledger: {
    headSeq: number;
    headHash: string;
    periodFirstSeq: number | null;
    periodLastSeq: number | null;
    verified: boolean;
    /** The first sequence that does not verify, when `verified` is false. */
    firstBadSeq: number | null;
    /** How the chain was verified for this pack: from genesis (`fromSeq` 0) or from a checkpoint. */
    verification: {
      fromSeq: number;
      eventsChecked: number;
      /** ISO 8601: when the checkpoint it started from was recorded; null from genesis. */
      checkpointVerifiedAt: string | null;
      /** ISO 8601: the latest verification of the whole chain from genesis on record. */
      genesisVerifiedAt: string | null;
    };
  };
  vulnerabilityFeeds: {
    kevCatalogVersion: string | null;
    epssModelVersion: string | null;
    nvdRecords: number;
  };
  generator: { name: string; version: string; node: string };
}

export interface EvidencePackContent {
  packId: string;
  /** Epoch ms: when the pack was cut (as-of), and when it was rendered. */
  asOf: number;
  generatedAt: number;
  tenant: { id: string; name: string };
  client: { id: string; name: string; timeZone: string; frameworks: FrameworkId[] };
  period: Period;
  /** e.g. `October 2026`. */
  periodLabel: string;
  frameworks: FrameworkId[];
  policy: SlaPolicyVersion & { digest: string };
  catalogs: CatalogRef[];
  metrics: MetricsReport;
  controls: ControlEvaluation[];
  cases: RemediationCase[];
  exceptions: ExceptionRow[];
  failedAndRolledBack: ChangeRow[];
  changeSample: ChangeSample;
  provenance: Provenance;
}

/** The period's events, streamed (the XLSX Events sheet and events.csv.gz read it; never held in memory). */
export type EventStream = () => AsyncIterable<LedgerEvent>;

/** Which events a pack lists: one client's events that occurred in the period, as received by `asOf`. */
export interface PeriodEventsScope {
  clientId: string;
  period: Period;
  asOf: number;
}
