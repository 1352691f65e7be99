/**
 * The patch lifecycle event: the one shape every way in (GraphQL, NDJSON, importers) produces.
 * Plain types only: no Nest, TypeORM or pg here (see STYLE.md, "the domain core").
 */

export const EVENT_KINDS = [
  'detected',
  'approved',
  'scheduled',
  'backup_verified',
  'deployment_started',
  'deployed',
  'failed',
  'rolled_back',
  'verified',
  'superseded',
  'exception_granted',
  'exception_expired',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const VENDOR_SEVERITIES = ['critical', 'high', 'medium', 'low', 'none'] as const;
export type VendorSeverity = (typeof VENDOR_SEVERITIES)[number];

/** The asset as an event names it: unknown hostnames are created from the event. */
export interface EventAsset {
  hostname: string;
  os?: string;
  /** Deployment ring / environment, e.g. `pilot`, `production`. */
  ring?: string;
  criticality?: 'low' | 'medium' | 'high' | 'critical';
  legacy?: boolean;
}

export interface EventPatch {
  /** A KB number (`KB5034441`), a package version (`openssl@3.0.13-1~deb12u1`) or a vendor id. */
  id: string;
  vendor?: string;
  title?: string;
  /** Vendor release date, RFC 3339 or YYYY-MM-DD. */
  releasedAt?: string;
}

/** Risk acceptance carried by `exception_granted`. */
export interface EventException {
  reason: string;
  compensatingControls: string[];
  owner: string;
  approver: string;
  /** RFC 3339; the exception counts only before this instant. */
  expiresAt: string;
}

/**
 * One event as submitted, before the service resolves client/asset ids and appends it to the ledger.
 * `occurredAt` is RFC 3339 *with* an offset; importers convert host-local times with the zone they were given.
 */
export interface EventDraft {
  kind: EventKind;
  occurredAt: string;
  source: string;
  sourceEventId: string;
  asset: EventAsset;
  patch: EventPatch;
  cveIds?: string[];
  vendorSeverity?: VendorSeverity;
  /** Who approved, deployed, verified or rolled back. */
  actor?: string;
  changeTicket?: string;
  errorCode?: string;
  /** Ring of this deployment if it differs from the asset's default ring. */
  ring?: string;
  /** Emergency change: deployed first, approved afterwards. */
  emergency?: boolean;
  /** For `superseded`: the patch id that replaces this one. */
  supersededBy?: string;
  exception?: EventException;
  /** The source record as read (a line, an XML element, a JSON object), kept for provenance. */
  raw?: unknown;
}

/** An event as stored in the ledger (what the fold and metrics read). Times are epoch milliseconds UTC. */
export interface LedgerEvent {
  id: string;
  tenantId: string;
  clientId: string;
  assetId: string;
  seq: number;
  kind: EventKind;
  occurredAt: number;
  receivedAt: number;
  source: string;
  sourceEventId: string;
  patchId: string;
  patchVendor?: string;
  patchTitle?: string;
  patchReleasedAt?: number;
  cveIds: string[];
  vendorSeverity?: VendorSeverity;
  actor?: string;
  changeTicket?: string;
  errorCode?: string;
  ring?: string;
  emergency?: boolean;
  supersededBy?: string;
  exception?: EventException;
  hash: string;
}

/** One problem an importer met: the import goes on, the problem is reported with its line. */
export interface ImportProblem {
  line: number;
  message: string;
}

export interface ImportOutcome {
  events: EventDraft[];
  problems: ImportProblem[];
  /** Lines read (or records, for JSON formats). */
  read: number;
}

export interface ImporterOptions {
  /** IANA zone of the host for formats that write local time without an offset (apt, dpkg, yum). */
  timeZone?: string;
  /** Year for formats that omit it (yum.log). */
  year?: number;
  /** Hostname when the format does not carry one (apt history, dpkg, yum, Get-HotFix without a Source column). */
  hostname?: string;
  /** Name written into `source`; defaults to the importer's format name. */
  source?: string;
}
