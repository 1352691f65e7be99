/**
 * One path in for every event, whatever the transport: validate, resolve client and asset, de-duplicate, append to
 * the tenant's hash chain under a per-tenant row lock, fold the touched remediation cases, commit, and only then
 * answer. Batched (one statement per table per batch), because one transaction per event caps a tenant at a few
 * hundred events per second (RELIABILITY.md).
 */
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { withTenant } from '../database/tenant-scope.js';
import { DomainError } from '../errors.js';
import { requireRole, type Actor } from '../tenancy/actor.js';
import { isUuid } from '../tenancy/tenancy.service.js';
import { caseKey, caseStartedAt, foldRemediationCase } from '../metrics/remediation-case.fold.js';
import { latestClockAnchor } from '../metrics/sla-policy.js';
import { batchMonthWindow, monthBoundaryFigures, type MonthFigures } from '../metrics/month-figures.js';
import { storedFigures, type RemediationCase } from '../metrics/remediation-case.js';
import type { VulnerabilityFact } from '../vulnerabilities/vulnerability-facts.js';
import { loadFacts, VulnerabilityService } from '../vulnerabilities/vulnerability.service.js';
import { parseRfc3339, validateEvent } from './event-input.js';
import { GENESIS_PREV_HASH, rawPayloadDigest } from './ledger-hash.js';
import { EVENT_COLUMNS, toLedgerEvent, type LedgerEventRow } from './ledger-rows.js';
import { verifyTenantLedger, type LedgerVerification } from './ledger-verification.js';
import { fastCanonicalJson, fastEventHash } from './fast-canonical.js';
import type { EventDraft, LedgerEvent } from './patch-event.js';
import type { SqlRow as Row } from '../database/sql-row.js';

export const MAX_BATCH = 1000;
/** A fold as of "now and forever": every stored event is visible. */
const FOREVER = 8.64e15;

export type EventResultStatus = 'accepted' | 'duplicate' | 'rejected';

export interface EventResult {
  index: number;
  status: EventResultStatus;
  seq?: number;
  eventId?: string;
  field?: string;
  reason?: string;
}

export interface IngestReceipt {
  accepted: number;
  duplicates: number;
  rejected: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The ledger head after commit: keep it; a later verification against it detects truncation. */
  headSeq: number;
  headHash: string;
  committedAt: string;
}

export interface IngestOutcome {
  results: EventResult[];
  receipt: IngestReceipt;
}

interface Pending {
  index: number;
  clientId: string;
  draft: EventDraft;
  digest: string;
  occurredAt: number;
}

function digestOf(clientId: string, draft: EventDraft): string {
  return crypto
    .createHash('sha256')
    .update(fastCanonicalJson({ clientId, ...draft }), 'utf8')
    .digest('hex');
}

function msOrUndefined(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return Date.parse(`${v}T00:00:00Z`);
  const r = parseRfc3339(v);
  return typeof r === 'number' ? r : undefined;
}

@Injectable()
export class IngestionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vulnerabilities: VulnerabilityService,
  ) {
    vulnerabilities.onFactsChanged((cves) => this.refoldCasesCarrying(cves));
  }

  /**
   * Ingests up to MAX_BATCH events atomically: either the accepted ones are all committed, or (database error) the
   * call fails and nothing is written. Results keep the input order.
   */
  async ingest(
    actor: Actor,
    inputs: unknown[],
    options: { defaultClientId?: string; now?: number } = {},
  ): Promise<IngestOutcome> {
    requireRole(actor, 'msp_admin', 'ingest');
    if (inputs.length > MAX_BATCH) {
      throw new DomainError(
        'PAYLOAD_TOO_LARGE',
        `at most ${MAX_BATCH} events per batch (got ${inputs.length})`,
        { field: 'events' },
      );
    }
    const now = options.now ?? Date.now();
    const results: EventResult[] = new Array<EventResult>(inputs.length);
    const pending: Pending[] = [];
    inputs.forEach((input, index) => {
      const v = validateEvent(input, now);
      if (!v.ok) {
        results[index] = { index, status: 'rejected', field: v.field, reason: v.reason };
        return;
      }
      const clientId = v.clientId ?? options.defaultClientId;
      if (!clientId || !isUuid(clientId)) {
        results[index] = {
          index,
          status: 'rejected',
          field: 'clientId',
          reason: 'is required (no default client given)',
        };
        return;
      }
      pending.push({
        index,
        clientId,
        draft: v.draft,
        digest: digestOf(clientId, v.draft),
        occurredAt: parseRfc3339(v.draft.occurredAt) as number,
      });
    });

    const receipt = await withTenant(this.dataSource, actor.tenantId, (em) =>
      this.append(em, actor.tenantId, pending, results, now),
    );
    return { results, receipt };
  }

  private async append(
    em: EntityManager,
    tenantId: string,
    pending: Pending[],
    results: EventResult[],
    now: number,
  ): Promise<IngestReceipt> {
    // Unknown clients are rejected (RLS makes another tenant's client unknown too). Clients are never deleted, so
    // this needs no lock: it runs before the ledger lock, keeping that critical section short.
    const known = new Set<string>();
    if (pending.length > 0) {
      const clientIds = [...new Set(pending.map((p) => p.clientId))];
      for (const r of await em.query(`SELECT id FROM clients WHERE id = ANY($1::uuid[])`, [clientIds]))
        known.add((r as Row).id);
    }
    // The per-tenant lock: concurrent batches of one tenant queue here, so the chain never forks. Everything from
    // here to COMMIT is serialized per tenant, so it holds as few round trips as possible.
    const lockHead = `SELECT seq, hash FROM ledger_heads WHERE tenant_id = $1 FOR UPDATE`;
    let [head] = await em.query(lockHead, [tenantId]);
    if (!head) {
      await em.query(
        `INSERT INTO ledger_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING`,
        [tenantId, GENESIS_PREV_HASH],
      );
      [head] = await em.query(lockHead, [tenantId]);
    }
    let seq = Number(head.seq);
    let prevHash: string = head.hash;
    const firstSeq = seq + 1;

    if (pending.length > 0) {
      // Idempotency: (source, sourceEventId) already stored → duplicate if the body matches, conflict otherwise.
      const existing = new Map<string, Row>();
      const rows: Row[] = await em.query(
        `SELECT e.source, e.source_event_id, e.body_digest, e.seq, e.id FROM events e
         JOIN unnest($1::text[], $2::text[]) AS k(source, sid) ON e.source = k.source AND e.source_event_id = k.sid
         WHERE e.tenant_id = $3`,
        [pending.map((p) => p.draft.source), pending.map((p) => p.draft.sourceEventId), tenantId],
      );
      for (const r of rows) existing.set(`${r.source}\u0000${r.source_event_id}`, r);

      const fresh: Pending[] = [];
      for (const p of pending) {
        if (!known.has(p.clientId)) {
          results[p.index] = {
            index: p.index,
            status: 'rejected',
            field: 'clientId',
            reason: 'unknown client',
          };
          continue;
        }
        const k = `${p.draft.source}\u0000${p.draft.sourceEventId}`;
        const prior = existing.get(k);
        if (prior) {
          results[p.index] =
            prior.body_digest === p.digest
              ? { index: p.index, status: 'duplicate', seq: Number(prior.seq), eventId: prior.id }
              : {
                  index: p.index,
                  status: 'rejected',
                  field: 'sourceEventId',
                  reason: `conflict: ${p.draft.source}/${p.draft.sourceEventId} was already stored with a different body`,
                };
          continue;
        }
        existing.set(k, { body_digest: p.digest, seq: 0, id: '' });
        fresh.push(p);
      }
      // A duplicate inside this batch points at the seq its first copy is about to get.
      const assets = await this.resolveAssets(em, tenantId, fresh);
      const touched = new Map<string, { events: LedgerEventRow[]; hostname: string }>();
      const records: Row[] = [];
      const receivedAt = now;
      for (const p of fresh) {
        const d = p.draft;
        const asset = assets.get(`${p.clientId}\u0000${d.asset.hostname.toLowerCase()}`)!;
        const assetId = asset.id;
        const key = caseKey(p.clientId, assetId, d.patch.id);
        seq += 1;
        const id = crypto.randomUUID();
        const event = {
          tenantId,
          seq,
          clientId: p.clientId,
          assetId,
          kind: d.kind,
          occurredAt: p.occurredAt,
          receivedAt,
          source: d.source,
          sourceEventId: d.sourceEventId,
          patchId: d.patch.id,
          patchVendor: d.patch.vendor,
          patchTitle: d.patch.title,
          patchReleasedAt: msOrUndefined(d.patch.releasedAt),
          cveIds: [...new Set(d.cveIds ?? [])].sort(),
          vendorSeverity: d.vendorSeverity,
          actor: d.actor,
          changeTicket: d.changeTicket,
          errorCode: d.errorCode,
          ring: d.ring,
          emergency: d.emergency === true ? true : undefined,
          supersededBy: d.supersededBy,
          exception: d.exception,
          rawSha256: d.raw === undefined ? undefined : rawPayloadDigest(d.raw),
        };
        prevHash = fastEventHash(prevHash, event);
        // The event as it will read back from its row (toLedgerEvent), for the case refold below.
        const stored: LedgerEventRow = {
          ...event,
          id,
          patchVendor: d.patch.vendor,
          patchTitle: d.patch.title,
          exception: d.exception,
          hash: prevHash,
        };
        const group = touched.get(key);
        if (group) group.events.push(stored);
        else touched.set(key, { events: [stored], hostname: asset.hostname });
        results[p.index] = { index: p.index, status: 'accepted', seq, eventId: id };
        records.push({
          tenant_id: tenantId,
          seq,
          id,
          client_id: p.clientId,
          asset_id: assetId,
          case_key: key,
          kind: d.kind,
          occurred_at: new Date(p.occurredAt).toISOString(),
          received_at: new Date(receivedAt).toISOString(),
          source: d.source,
          source_event_id: d.sourceEventId,
          body_digest: p.digest,
          patch_id: d.patch.id,
          patch_vendor: d.patch.vendor ?? null,
          patch_title: d.patch.title ?? null,
          patch_released_at:
            event.patchReleasedAt === undefined ? null : new Date(event.patchReleasedAt).toISOString(),
          cve_ids: event.cveIds,
          vendor_severity: d.vendorSeverity ?? null,
          actor: d.actor ?? null,
          change_ticket: d.changeTicket ?? null,
          error_code: d.errorCode ?? null,
          ring: d.ring ?? null,
          emergency: d.emergency === true,
          superseded_by: d.supersededBy ?? null,
          exception: d.exception ?? null,
          raw: d.raw ?? null,
          raw_sha256: event.rawSha256 ?? null,
          hash: prevHash,
        });
      }
      if (records.length > 0) {
        // One statement appends the events and moves the head.
        await em.query(
          `WITH appended AS (INSERT INTO events (tenant_id, seq, id, client_id, asset_id, case_key, kind, occurred_at, received_at, source,
             source_event_id, body_digest, patch_id, patch_vendor, patch_title, patch_released_at, cve_ids,
             vendor_severity, actor, change_ticket, error_code, ring, emergency, superseded_by, exception, raw, raw_sha256, hash)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id uuid, seq bigint, id uuid, client_id uuid,
             asset_id uuid, case_key text, kind text, occurred_at timestamptz, received_at timestamptz, source text,
             source_event_id text, body_digest text, patch_id text, patch_vendor text, patch_title text,
             patch_released_at timestamptz, cve_ids text[], vendor_severity text, actor text, change_ticket text,
             error_code text, ring text, emergency boolean, superseded_by text, exception jsonb, raw jsonb,
             raw_sha256 text, hash text) RETURNING 1)
           UPDATE ledger_heads SET seq = $3, hash = $4, updated_at = now() WHERE tenant_id = $2`,
          [JSON.stringify(records), tenantId, seq, prevHash],
        );
        await this.refoldTouched(em, tenantId, touched, firstSeq, now);
      }
    }
    const counts = { accepted: 0, duplicates: 0, rejected: 0 };
    for (const r of results) {
      if (r.status === 'accepted') counts.accepted++;
      else if (r.status === 'duplicate') counts.duplicates++;
      else counts.rejected++;
    }
    return {
      ...counts,
      firstSeq: counts.accepted > 0 ? firstSeq : null,
      lastSeq: counts.accepted > 0 ? seq : null,
      headSeq: seq,
      headHash: prevHash,
      committedAt: new Date(now).toISOString(),
    };
  }

  /** Finds or creates the asset of every event (unknown hostnames are created from the event). */
  private async resolveAssets(
    em: EntityManager,
    tenantId: string,
    fresh: Pending[],
  ): Promise<Map<string, { id: string; hostname: string }>> {
    const wanted = new Map<string, Row>();
    for (const p of fresh) {
      const k = `${p.clientId}\u0000${p.draft.asset.hostname.toLowerCase()}`;
      if (!wanted.has(k)) {
        const a = p.draft.asset;
        wanted.set(k, {
          id: crypto.randomUUID(),
          client_id: p.clientId,
          hostname: a.hostname,
          os: a.os ?? null,
          ring: a.ring ?? p.draft.ring ?? 'production',
          criticality: a.criticality ?? 'medium',
          legacy: a.legacy ?? false,
        });
      }
    }
    const ids = new Map<string, { id: string; hostname: string }>();
    if (wanted.size === 0) return ids;
    const payload = JSON.stringify([...wanted.values()]);
    const existing = `SELECT a.id, a.client_id, lower(a.hostname) AS h, a.hostname FROM assets a
       JOIN jsonb_to_recordset($1::jsonb) AS x(client_id uuid, hostname text)
         ON a.client_id = x.client_id AND lower(a.hostname) = lower(x.hostname)`;
    // One round trip: the rows this statement creates (RETURNING) plus those that were there before it started.
    const rows: Row[] = await em.query(
      `WITH created AS (
         INSERT INTO assets (id, tenant_id, client_id, hostname, os, ring, criticality, legacy)
         SELECT x.id, $2, x.client_id, x.hostname, x.os, x.ring, x.criticality, x.legacy
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, client_id uuid, hostname text, os text, ring text, criticality text, legacy boolean)
         ON CONFLICT (tenant_id, client_id, lower(hostname)) DO NOTHING
         RETURNING id, client_id, lower(hostname) AS h, hostname)
       SELECT * FROM created UNION ALL ${existing}`,
      [payload, tenantId],
    );
    for (const r of rows) ids.set(`${r.client_id}\u0000${r.h}`, { id: r.id, hostname: r.hostname });
    if (ids.size < wanted.size) {
      // An asset committed by another transaction while the statement ran: its snapshot did not see it.
      const late: Row[] = await em.query(existing, [payload]);
      for (const r of late) ids.set(`${r.client_id}\u0000${r.h}`, { id: r.id, hostname: r.hostname });
    }
    return ids;
  }

  /**
   * Re-folds the cases this batch touched. The batch's own events are in memory, exactly as they read back from
   * their rows; only the cases' earlier events (seq before the batch) are read.
   */
  private async refoldTouched(
    em: EntityManager,
    tenantId: string,
    touched: Map<string, { events: LedgerEventRow[]; hostname: string }>,
    firstSeq: number,
    now: number,
  ): Promise<void> {
    if (touched.size === 0) return;
    const rows: Row[] = await em.query(
      `SELECT ${EVENT_COLUMNS}, case_key FROM events e
       WHERE tenant_id = $1 AND case_key = ANY($2::text[]) AND seq < $3`,
      [tenantId, [...touched.keys()], firstSeq],
    );
    const earlier = new Map<string, LedgerEventRow[]>();
    for (const r of rows) {
      const list = earlier.get(r.case_key);
      if (list === undefined) earlier.set(r.case_key, [toLedgerEvent(r)]);
      else list.push(toLedgerEvent(r));
    }
    const facts = await factsOfEvents(em, [
      ...[...touched.values()].flatMap((g) => g.events),
      ...[...earlier.values()].flat(),
    ]);
    const groups: CaseToStore[] = [];
    const capped: { k: string; v: string }[] = [];
    for (const [key, g] of touched) {
      const before = earlier.get(key) ?? [];
      const { monthsFrom, capAt } = batchMonthWindow(before, g.events, facts);
      if (capAt !== undefined) capped.push({ k: key, v: new Date(capAt).toISOString() });
      groups.push({ events: [...g.events, ...before], hostname: g.hostname, monthsFrom });
    }
    if (capped.length > 0) {
      await em.query(
        `UPDATE case_month_figures m SET valid_to = x.v FROM json_to_recordset($2::json) AS x(k text, v timestamptz)
         WHERE m.tenant_id = $1 AND m.case_key = x.k AND m.valid_to > x.v`,
        [tenantId, JSON.stringify(capped)],
      );
    }
    await upsertCases(
      em,
      groups.map((g) => foldForStorage(g, facts, now)),
    );
  }

  /**
   * Every tenant's stored cases that carry one of the CVEs, re-folded from their events with the facts as they are
   * now (after a feed import changed them), in pages of 500 cases, each page in its tenant's scope and transaction.
   * The cases are found before any tenant scope (through the GIN index `cases_cves`), as API keys are: the login
   * role bypasses row-level security. Resolves to the number of cases re-folded.
   */
  async refoldCasesCarrying(cveIds: string[]): Promise<number> {
    const rows: { tenant_id: string; case_key: string }[] = await this.dataSource.query(
      `SELECT tenant_id, case_key FROM remediation_cases WHERE cve_ids && $1::text[] ORDER BY tenant_id, case_key`,
      [cveIds],
    );
    for (let i = 0; i < rows.length;) {
      const tenantId = rows[i].tenant_id;
      const keys: string[] = [];
      for (; i < rows.length && rows[i].tenant_id === tenantId && keys.length < 500; i++)
        keys.push(rows[i].case_key);
      await withTenant(this.dataSource, tenantId, (em) => this.refoldCases(em, tenantId, keys));
    }
    return rows.length;
  }

  /** Re-folds the given cases from all their events (a case's events are few; the fold is order-independent). */
  async refoldCases(em: EntityManager, tenantId: string, keys: string[]): Promise<void> {
    const { groups, facts } = await casesToStore(em, tenantId, keys);
    await upsertCases(
      em,
      [...groups.values()].map((g) => foldForStorage(g, facts, Date.now())),
    );
  }

  /** Recomputes the tenant's hash chain from its stored events and names the first sequence that does not match. */
  async verifyLedger(actor: Actor): Promise<LedgerVerification> {
    return this.verifyFromGenesis(actor.tenantId);
  }

  /** One tenant's chain from genesis, for the nightly job (a system task: no actor). */
  async verifyFromGenesis(tenantId: string): Promise<LedgerVerification> {
    return withTenant(this.dataSource, tenantId, (em) => verifyTenantLedger(em, tenantId));
  }
}

/** A case's events to fold and store; month-boundary figures are made from `monthsFrom` on (see `monthBoundaryFigures`). */
export interface CaseToStore {
  events: LedgerEventRow[];
  hostname: string;
  monthsFrom: number;
}

/** The facts of the CVEs the events carry. */
export function factsOfEvents(
  em: Pick<EntityManager, 'query'>,
  events: readonly LedgerEvent[],
): Promise<Map<string, VulnerabilityFact>> {
  return loadFacts(em, [...new Set(events.flatMap((e) => e.cveIds))]);
}

/** The given cases with all their events (and hostnames), to be folded whole, and the facts of their CVEs. */
export async function casesToStore(
  em: Pick<EntityManager, 'query'>,
  tenantId: string,
  keys: string[],
): Promise<{ groups: Map<string, CaseToStore>; facts: Map<string, VulnerabilityFact> }> {
  if (keys.length === 0) return { groups: new Map(), facts: new Map() };
  const rows: Row[] = await em.query(
    `SELECT ${EVENT_COLUMNS}, case_key, (SELECT hostname FROM assets a WHERE a.id = e.asset_id) AS hostname
     FROM events e WHERE tenant_id = $1 AND case_key = ANY($2::text[])`,
    [tenantId, keys],
  );
  const groups = caseEventGroups(rows);
  return {
    groups,
    facts: await factsOfEvents(
      em,
      [...groups.values()].flatMap((g) => g.events),
    ),
  };
}

/**
 * Event rows (with `case_key` and `hostname` columns) grouped by case, each case to be folded from all its events
 * (every month boundary made).
 */
export function caseEventGroups(rows: Row[]): Map<string, CaseToStore> {
  const byCase = new Map<string, CaseToStore>();
  for (const r of rows) {
    const g = byCase.get(r.case_key) ?? {
      events: [] as LedgerEventRow[],
      hostname: r.hostname as string,
      monthsFrom: Number.NEGATIVE_INFINITY,
    };
    g.events.push(toLedgerEvent(r));
    byCase.set(r.case_key, g);
  }
  return byCase;
}

/** What `upsertCases` stores for one case. */
export interface StoredFold {
  fold: RemediationCase;
  maxOccurredAt: number;
  /** Rows of `case_month_figures` to write (made again where they exist). */
  monthFigures?: MonthFigures[];
}

/** The fold of all of a case's events, and its month-boundary figures up to `now` (ingestion's clock). */
export function foldForStorage(
  g: CaseToStore,
  facts: Map<string, VulnerabilityFact>,
  now: number,
): StoredFold {
  return {
    fold: foldRemediationCase(g.events, facts, FOREVER, g.hostname),
    maxOccurredAt: Math.max(...g.events.map((e) => e.occurredAt)),
    monthFigures: monthBoundaryFigures(g.events, facts, g.hostname, { from: g.monthsFrom, until: now }),
  };
}

/** Writes folded cases (one statement) and their month-boundary figures (one more, when there are any). */
const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export async function upsertCases(em: EntityManager, cases: StoredFold[]): Promise<void> {
  if (cases.length === 0) return;
  const rows = cases.map(({ fold: c, maxOccurredAt }) => ({
    tenant_id: c.tenantId,
    case_key: c.key,
    client_id: c.clientId,
    asset_id: c.assetId,
    patch_id: c.patchId,
    state: c.state,
    severity: c.severity.severity,
    kev: c.kev,
    cve_ids: c.cveIds,
    started_at: new Date(caseStartedAt(c)).toISOString(),
    remediated_at: iso(c.remediatedAt),
    kev_added_at: iso(c.kevAddedAt),
    last_received_at: new Date(c.lastReceivedAt).toISOString(),
    max_occurred_at: new Date(maxOccurredAt).toISOString(),
    closed_at: iso(c.closedAt),
    anchor_at: iso(latestClockAnchor(c)),
    kev_due_at: iso(c.kevDueAt),
    event_ids: c.eventIds,
    // The event ids have their own column (metrics never read them): not repeated in the fold's JSON.
    data: { ...c, eventIds: undefined },
    figures: storedFigures(c),
  }));
  await em.query(
    `INSERT INTO remediation_cases (tenant_id, case_key, client_id, asset_id, patch_id, state, severity, kev, cve_ids,
       started_at, remediated_at, kev_added_at, last_received_at, max_occurred_at, closed_at, anchor_at, kev_due_at,
       event_ids, data, figures)
     SELECT * FROM json_to_recordset($1::json) AS x(tenant_id uuid, case_key text, client_id uuid, asset_id uuid,
       patch_id text, state text, severity text, kev boolean, cve_ids text[], started_at timestamptz,
       remediated_at timestamptz, kev_added_at timestamptz, last_received_at timestamptz, max_occurred_at timestamptz,
       closed_at timestamptz, anchor_at timestamptz, kev_due_at timestamptz, event_ids text[], data json, figures json)
     ON CONFLICT (tenant_id, case_key) DO UPDATE SET state = excluded.state, severity = excluded.severity,
       kev = excluded.kev, cve_ids = excluded.cve_ids, started_at = excluded.started_at,
       remediated_at = excluded.remediated_at, kev_added_at = excluded.kev_added_at,
       last_received_at = excluded.last_received_at, max_occurred_at = excluded.max_occurred_at,
       closed_at = excluded.closed_at, anchor_at = excluded.anchor_at, kev_due_at = excluded.kev_due_at,
       event_ids = excluded.event_ids, data = excluded.data, figures = excluded.figures`,
    [JSON.stringify(rows)],
  );
  await upsertMonthFigures(
    em,
    cases.flatMap(({ fold, monthFigures }) => (monthFigures ?? []).map((m) => ({ fold, ...m }))),
  );
}

/** Writes month-boundary figures (`case_month_figures`), replacing a case's row for the same boundary. */
export async function upsertMonthFigures(
  em: Pick<EntityManager, 'query'>,
  rows: (MonthFigures & { fold: Pick<RemediationCase, 'tenantId' | 'key'> })[],
): Promise<void> {
  if (rows.length === 0) return;
  await em.query(
    `INSERT INTO case_month_figures (tenant_id, case_key, as_of, valid_to, figures)
     SELECT * FROM json_to_recordset($1::json) AS x(tenant_id uuid, case_key text, as_of timestamptz,
       valid_to timestamptz, figures json)
     ON CONFLICT (tenant_id, case_key, as_of) DO UPDATE SET valid_to = excluded.valid_to, figures = excluded.figures`,
    [
      JSON.stringify(
        rows.map((m) => ({
          tenant_id: m.fold.tenantId,
          case_key: m.fold.key,
          as_of: new Date(m.asOf).toISOString(),
          valid_to: new Date(m.validTo).toISOString(),
          figures: m.figures,
        })),
      ),
    ],
  );
}
