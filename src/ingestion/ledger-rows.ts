/** Mapping between event rows and LedgerEvent, shared by ingestion, verification, metrics and packs. */
import type { EventKind, LedgerEvent, VendorSeverity } from './patch-event.js';
import type { SqlRow as Row } from '../database/sql-row.js';

/** Epoch milliseconds as a float8 (exact below 2^53): parsing timestamptz text into Dates was most of a read's cost. */
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::float8 AS ${column}`;

export const EVENT_COLUMNS = `tenant_id, seq, id, client_id, asset_id, kind, ${epochMs('occurred_at')}, ${epochMs('received_at')},
  source, source_event_id, patch_id, patch_vendor, patch_title, ${epochMs('patch_released_at')}, cve_ids, vendor_severity,
  actor, change_ticket, error_code, ring, emergency, superseded_by, exception, raw_sha256, hash`;

/** Times come back as epoch ms (EVENT_COLUMNS); a Date or text still works for rows selected otherwise. */
const ms = (v: unknown): number | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'number' ? v : new Date(v as string).getTime();
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export type LedgerEventRow = LedgerEvent & { rawSha256?: string };

export function toLedgerEvent(r: Row): LedgerEventRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    clientId: r.client_id,
    assetId: r.asset_id,
    seq: Number(r.seq),
    kind: r.kind as EventKind,
    occurredAt: ms(r.occurred_at)!,
    receivedAt: ms(r.received_at)!,
    source: r.source,
    sourceEventId: r.source_event_id,
    patchId: r.patch_id,
    patchVendor: opt(r.patch_vendor),
    patchTitle: opt(r.patch_title),
    patchReleasedAt: ms(r.patch_released_at),
    cveIds: r.cve_ids ?? [],
    vendorSeverity: opt(r.vendor_severity) as VendorSeverity | undefined,
    actor: opt(r.actor),
    changeTicket: opt(r.change_ticket),
    errorCode: opt(r.error_code),
    ring: opt(r.ring),
    emergency: r.emergency === true ? true : undefined,
    supersededBy: opt(r.superseded_by),
    exception: opt(r.exception),
    rawSha256: opt(r.raw_sha256),
    hash: r.hash,
  };
}
