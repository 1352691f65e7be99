/**
 * Hand-built ledger histories for the metrics specs: `history()` gives one case's event builder with fixed
 * client/asset/patch, unique ids and the receipt a few minutes after the event.
 */
import type { EventKind, LedgerEvent } from '../../src/ingestion/patch-event.js';
import type { RemediationCase } from '../../src/metrics/remediation-case.js';
import type { KevEntry } from '../../src/vulnerabilities/vulnerability-facts.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** Epoch ms of an ISO instant or date (`2026-10-01` is midnight UTC). */
export function at(iso: string): number {
  const t = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (!Number.isFinite(t)) throw new Error(`bad instant ${iso}`);
  return t;
}

export interface CaseIdentity {
  tenantId?: string;
  clientId?: string;
  assetId?: string;
  patchId?: string;
  cveIds?: string[];
}

export type EventBuilder = (kind: EventKind, occurredAt: number, extra?: Partial<LedgerEvent>) => LedgerEvent;

let counter = 0;

export function history(identity: CaseIdentity = {}): EventBuilder {
  const prefix = `${identity.assetId ?? 'as-1'}/${identity.patchId ?? 'KB5034441'}`;
  return (kind, occurredAt, extra = {}) => {
    counter++;
    const n = counter.toString().padStart(6, '0');
    return {
      id: `ev-${n}`,
      tenantId: identity.tenantId ?? 'tn-1',
      clientId: identity.clientId ?? 'cl-1',
      assetId: identity.assetId ?? 'as-1',
      seq: counter,
      kind,
      occurredAt,
      receivedAt: occurredAt + 5 * 60_000,
      source: 'api',
      sourceEventId: `${prefix}#${n}`,
      patchId: identity.patchId ?? 'KB5034441',
      cveIds: identity.cveIds ?? ['CVE-2024-21338'],
      hash: n,
      ...extra,
    };
  };
}

/** A bare open case to set fields on (for due-date and metrics specs that do not need events). */
export function remediationCase(over: Partial<RemediationCase> = {}): RemediationCase {
  return {
    key: 'cl-1:as-1:KB5034441',
    tenantId: 'tn-1',
    clientId: 'cl-1',
    assetId: 'as-1',
    hostname: 'srv-db-01',
    patchId: 'KB5034441',
    cveIds: ['CVE-2024-21338'],
    severity: {
      severity: 'critical',
      basis: 'cvss',
      detail: 'CVSS 3.1 9.8 (nvd@nist.gov, Primary) CVE-2024-21338',
    },
    kev: false,
    rollbacks: [],
    attempts: [],
    state: 'open',
    eventIds: [],
    lastReceivedAt: 0,
    ...over,
  };
}

/** A KEV catalog entry with the dates that matter; the rest is filler. */
export function kevEntry(cveId: string, dateAdded: string, dueDate: string): KevEntry {
  return {
    cveId,
    vendorProject: 'Microsoft',
    product: 'Windows',
    vulnerabilityName: 'test entry',
    dateAdded,
    dueDate,
    knownRansomwareCampaignUse: 'Unknown',
    catalogVersion: '2026.08.21',
  };
}
