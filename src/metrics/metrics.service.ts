/**
 * Cases and figures as of an instant, from the incrementally maintained `remediation_cases` table: a stored fold is
 * used as is when nothing about it changed after the as-of instant; only the cases touched later (an event received
 * or occurring after it, or a KEV listing added after it) are re-folded from their own events. So a request never
 * rescans the ledger, and October as of 1 November stays the same whatever arrives later.
 */
import type { SqlRow as Row } from '../database/sql-row.js';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { withTenant } from '../database/tenant-scope.js';
import { badInput, DomainError, notFound } from '../errors.js';
import { EVENT_COLUMNS, toLedgerEvent, type LedgerEventRow } from '../ingestion/ledger-rows.js';
import { clientScope, READ_ROLES, requireRole, type Actor } from '../tenancy/actor.js';
import { isUuid } from '../tenancy/tenancy.service.js';
import { SEVERITIES, type Severity } from '../vulnerabilities/vulnerability-facts.js';
import { VulnerabilityService } from '../vulnerabilities/vulnerability.service.js';
import { computeMetrics, figuresWindowStart, monthStart } from './compute-metrics.js';
import type { MetricsReport, Period } from './metrics-report.js';
import { foldRemediationCase, visibleAt } from './remediation-case.fold.js';
import { caseFigures, type CaseFigures, type RemediationCase } from './remediation-case.js';
import {
  dueDate,
  loadPolicyTemplates,
  parseSlaPolicy,
  maxDueSpansMs,
  type DueSpans,
  PolicyTemplateError,
  policyVersionFor,
  type DueDate,
} from './sla-policy.js';
import type { SlaPolicy, SlaPolicyVersion } from './sla-policy.types.js';

/** The policy a client is held to when none is assigned: the first framework in scope decides. */
const DEFAULT_POLICY_BY_FRAMEWORK: Record<string, string> = {
  'pci-dss': 'pci-dss-6.3.3',
  hipaa: 'hipaa-proposed-2025',
  'sox-itgc': 'fedramp-ra-5d',
};

export interface ClientRef {
  id: string;
  name: string;
  frameworks: string[];
  timeZone: string;
  maintenanceWindows: { days: number[]; start: string; end: string }[];
  policyKey: string | null;
}

export interface AssetRow {
  id: string;
  hostname: string;
  os: string | null;
  ring: string;
  criticality: 'low' | 'medium' | 'high' | 'critical';
  legacy: boolean;
}

export type ReportingAsset = AssetRow & { reportedInPeriod: boolean };

/** One scope's cases (`C`: whole folds, or only their figures) and figures. */
export interface MetricsScope<C extends CaseFigures = RemediationCase> {
  client: ClientRef | null;
  period: Period;
  asOf: number;
  policy: SlaPolicy;
  /** The version in force at the period end, named in reports. */
  policyVersion: SlaPolicyVersion;
  cases: C[];
  dueDates: Map<string, DueDate>;
  report: MetricsReport;
  assets: ReportingAsset[];
  /** Events received after asOf that concern the period: shown as a difference, never merged. */
  lateEvents: { count: number; caseKeys: string[] };
}

/**
 * The event ids column as one text (`EVENT_IDS`): event ids are uuids, so a comma never occurs inside one, and
 * splitting a string is many times faster than the driver's parse of a text[] (10,000 cases of a pack hold about a
 * million ids).
 */
const EVENT_IDS = `array_to_string(event_ids, ',') AS event_ids`;

/**
 * A case is re-folded when something about it happened after asOf ($3): an event received or occurring later, or its
 * KEV listing.
 */
const STALE_AT = `(last_received_at > $3 OR max_occurred_at > $3 OR coalesce(kev_added_at > $3, false))`;

const byCaseKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** A stored fold as the fold returned it: its event ids live in their own column. */
export function storedCase(r: Row): RemediationCase {
  const c = r.data as RemediationCase;
  const ids = r.event_ids as string | string[] | null;
  c.eventIds = typeof ids === 'string' ? (ids === '' ? [] : ids.split(',')) : (ids ?? []);
  if (r.event_count !== undefined && r.event_count !== null) c.eventCount = Number(r.event_count);
  return c;
}

export interface CaseLoadOptions {
  /**
   * false: cases come without their event ids (`eventIds` empty, `eventCount` set), for figures that never list
   * evidence, or for a pack, which loads the few it lists afterwards (`caseEventIds`).
   */
  eventIds?: boolean;
}

function checkPeriod(period: Period): void {
  if (!(period.from < period.to)) throw badInput('period', 'from must be before to');
}

export function monthPeriod(month: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw badInput('month', 'expected YYYY-MM');
  const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  const to = Date.UTC(Number(m[1]), Number(m[2]), 1);
  return { from, to };
}

@Injectable()
export class MetricsService {
  private readonly templates: Map<string, SlaPolicy>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly vulnerabilities: VulnerabilityService,
  ) {
    this.templates = new Map(loadPolicyTemplates(path.resolve('templates/policies')).map((p) => [p.key, p]));
  }

  templatePolicies(): SlaPolicy[] {
    return [...this.templates.values()];
  }

  // --- policies ------------------------------------------------------------------------------------------------

  async policies(actor: Actor): Promise<SlaPolicy[]> {
    requireRole(actor, ...READ_ROLES);
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const custom = await this.customPolicies(em);
      return [...this.templates.values(), ...custom.values()];
    });
  }

  private async customPolicies(em: EntityManager): Promise<Map<string, SlaPolicy>> {
    const rows: Row[] = await em.query(`SELECT key, version, body FROM sla_policies ORDER BY key, version`);
    const out = new Map<string, SlaPolicy>();
    for (const r of rows) {
      const p: SlaPolicy = out.get(r.key) ?? { key: r.key as string, versions: [] };
      p.versions.push(r.body as SlaPolicyVersion);
      out.set(r.key, p);
    }
    return out;
  }

  async resolvePolicy(em: EntityManager, key: string): Promise<SlaPolicy> {
    const t = this.templates.get(key);
    if (t) return t;
    const custom = (await this.customPolicies(em)).get(key);
    if (!custom) throw new DomainError('NOT_FOUND', `SLA policy "${key}" not found`, { field: 'policy' });
    return custom;
  }

  /**
   * Adds a version of a custom policy (the first version creates it). Versions are append-only: a new version
   * applies to items detected from its effective date, and history is never rewritten.
   */
  async createPolicyVersion(
    actor: Actor,
    input: Omit<SlaPolicyVersion, 'version' | 'kevDueDateWins'> & { kevDueDateWins?: boolean },
  ): Promise<SlaPolicy> {
    requireRole(actor, 'msp_admin');
    if (this.templates.has(input.key))
      throw badInput('key', `"${input.key}" is a shipped template; choose another key`);
    if (!/^[a-z0-9][a-z0-9.-]{1,63}$/.test(input.key))
      throw badInput('key', 'lower-case letters, digits, dots and dashes');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${actor.tenantId}:${input.key}`]);
      const [{ v }] = await em.query(
        `SELECT coalesce(max(version), 0)::int AS v FROM sla_policies WHERE key = $1`,
        [input.key],
      );
      const prior: Row[] = await em.query(`SELECT body FROM sla_policies WHERE key = $1 ORDER BY version`, [
        input.key,
      ]);
      const last = prior.at(-1)?.body as SlaPolicyVersion | undefined;
      if (last && input.effectiveFrom <= last.effectiveFrom) {
        throw badInput('effectiveFrom', `must be after the previous version's ${last.effectiveFrom}`);
      }
      const version: SlaPolicyVersion = { kevDueDateWins: true, ...input, version: v + 1 };
      // The parser takes versions as a template file holds them: without `key`, which it writes in (and refuses
      // inside a version). Stored rows keep it, as readers of sla_policies expect.
      const bare = ({ key: _key, ...rest }: SlaPolicyVersion) => rest;
      // Validate with the same parser as the templates, so a custom policy can never be malformed.
      let policy: SlaPolicy;
      try {
        policy = parseSlaPolicy(
          {
            key: input.key,
            versions: [...prior.map((r) => bare(r.body as SlaPolicyVersion)), bare(version)],
          },
          `custom policy ${input.key}`,
        );
      } catch (err) {
        // A template error here is the caller's input: name the field instead of masking it as an internal error.
        if (err instanceof PolicyTemplateError)
          throw badInput(err.field.replace(/^versions\[\d+\]\./, ''), err.message);
        throw err;
      }
      await em.query(`INSERT INTO sla_policies (tenant_id, key, version, body) VALUES ($1, $2, $3, $4)`, [
        actor.tenantId,
        input.key,
        version.version,
        JSON.stringify(version),
      ]);
      return policy;
    });
  }

  async assignPolicy(actor: Actor, clientId: string, key: string): Promise<void> {
    requireRole(actor, 'msp_admin');
    await withTenant(this.dataSource, actor.tenantId, async (em) => {
      await this.resolvePolicy(em, key);
      const client = await this.clientRef(em, clientId);
      await em.query(
        `WITH u AS (UPDATE clients SET policy_key = $2 WHERE id = $1 RETURNING 1) SELECT * FROM u`,
        [client.id, key],
      );
    });
  }

  policyKeyFor(client: ClientRef, requested?: string | null): string {
    if (requested) return requested;
    if (client.policyKey) return client.policyKey;
    for (const f of client.frameworks)
      if (DEFAULT_POLICY_BY_FRAMEWORK[f]) return DEFAULT_POLICY_BY_FRAMEWORK[f];
    return 'fedramp-ra-5d';
  }

  // --- clients, assets, cases ----------------------------------------------------------------------------------

  async clientRef(em: EntityManager, id: string): Promise<ClientRef> {
    if (!isUuid(id)) throw notFound('client');
    const [r] = await em.query(`SELECT * FROM clients WHERE id = $1`, [id]);
    if (!r) throw notFound('client');
    return {
      id: r.id,
      name: r.name,
      frameworks: r.frameworks,
      timeZone: r.time_zone,
      maintenanceWindows: r.maintenance_windows,
      policyKey: r.policy_key,
    };
  }

  /** Every case of the client (or tenant) as of `asOf`; see the class comment for which ones are re-folded. */
  async casesAsOf(
    em: EntityManager,
    tenantId: string,
    clientId: string | null,
    asOf: number,
    options: CaseLoadOptions = {},
  ): Promise<RemediationCase[]> {
    // Figures never read the event ids (a quarter of a fold): not fetched unless the caller lists evidence.
    const withIds = options.eventIds !== false;
    const rows: Row[] = await em.query(
      `SELECT case_key, data, ${withIds ? EVENT_IDS : `'' AS event_ids, cardinality(event_ids) AS event_count`}, ${STALE_AT} AS stale
       FROM remediation_cases WHERE tenant_id = $1 AND ($2::uuid IS NULL OR client_id = $2) AND started_at <= $3`,
      [tenantId, clientId, new Date(asOf).toISOString()],
    );
    const fresh: RemediationCase[] = [];
    const stale: string[] = [];
    for (const r of rows) {
      if (r.stale) stale.push(r.case_key);
      else fresh.push(storedCase(r));
    }
    if (stale.length > 0) fresh.push(...(await this.refoldAsOf(em, tenantId, stale, asOf)));
    return fresh.sort(byCaseKey);
  }

  /** The stored event ids of the given cases (cases loaded with `eventIds: false`), by case key. */
  async caseEventIds(em: EntityManager, tenantId: string, keys: string[]): Promise<Map<string, string[]>> {
    const rows: Row[] = await em.query(
      `SELECT case_key, ${EVENT_IDS} FROM remediation_cases WHERE tenant_id = $1 AND case_key = ANY($2::text[])`,
      [tenantId, keys],
    );
    return new Map(
      rows.map((r) => [r.case_key as string, storedCase({ data: {}, event_ids: r.event_ids }).eventIds]),
    );
  }

  /**
   * The figures of the cases that can enter a figure whose windows start at or after `windowStart` under deadlines
   * at most `dueSpans` after a clock anchor (`mayEnterFigures`, in SQL), as of `asOf`. Read from the
   * `cases_client_figures` index alone (every column it names is in the index); a case whose figures were too large
   * for the index is read from its fold, and a case touched after asOf is re-folded as in `casesAsOf`.
   */
  async figuresAsOf(
    em: EntityManager,
    tenantId: string,
    clientId: string | null,
    asOf: number,
    figuresFrom: { windowStart: number; dueSpans: DueSpans },
  ): Promise<CaseFigures[]> {
    const { windowStart, dueSpans } = figuresFrom;
    const anchorFrom = (severity: Severity) => {
      const span = dueSpans[severity];
      return span === undefined ? 'infinity' : new Date(windowStart - span).toISOString();
    };
    // mayEnterFigures: open; closed, active or KEV-due at or after the window start; or possibly due after it under
    // the policy (latest clock anchor at or after the window start minus the severity's longest deadline). A case
    // touched after asOf comes with its figures as of the month start before asOf when stored and still valid then
    // (src/metrics/month-figures.ts: a primary-key probe for such a case only), else without figures, to be
    // re-folded. The cases themselves are still read from the `cases_client_figures` index alone.
    const rows: Row[] = await em.query(
      `SELECT case_key, ${STALE_AT} AS stale, CASE WHEN ${STALE_AT} THEN (SELECT m.figures FROM case_month_figures m
           WHERE m.tenant_id = c.tenant_id AND m.case_key = c.case_key AND m.as_of = $10 AND m.valid_to > $3)
         ELSE figures END AS figures
       FROM remediation_cases c WHERE tenant_id = $1 AND ($2::uuid IS NULL OR client_id = $2) AND started_at <= $3
       AND (${STALE_AT} OR closed_at IS NULL OR closed_at >= $4 OR max_occurred_at >= $4 OR kev_due_at >= $4
         OR anchor_at >= CASE severity ${SEVERITIES.map((sev, i) => `WHEN '${sev}' THEN $${5 + i}::timestamptz`).join(' ')} END)`,
      [
        tenantId,
        clientId,
        new Date(asOf).toISOString(),
        new Date(windowStart).toISOString(),
        ...SEVERITIES.map(anchorFrom),
        new Date(monthStart(asOf)).toISOString(),
      ],
    );
    const out: CaseFigures[] = [];
    const refold: string[] = [];
    const large: string[] = [];
    for (const r of rows) {
      if (r.figures !== null) out.push(r.figures as CaseFigures);
      else if (r.stale) refold.push(r.case_key);
      else large.push(r.case_key);
    }
    if (large.length > 0) {
      const folds: Row[] = await em.query(
        `SELECT case_key, data FROM remediation_cases WHERE tenant_id = $1 AND case_key = ANY($2::text[])`,
        [tenantId, large],
      );
      for (const r of folds) out.push(caseFigures(r.data as RemediationCase));
    }
    for (const c of await this.refoldAsOf(em, tenantId, refold, asOf)) out.push(caseFigures(c));
    return out.sort(byCaseKey);
  }

  /** The given cases folded from their events visible at `asOf` (a case with none is left out). */
  private async refoldAsOf(
    em: EntityManager,
    tenantId: string,
    keys: string[],
    asOf: number,
  ): Promise<RemediationCase[]> {
    if (keys.length === 0) return [];
    const rows: Row[] = await em.query(
      `SELECT ${EVENT_COLUMNS}, case_key, (SELECT hostname FROM assets a WHERE a.id = e.asset_id) AS hostname
       FROM events e WHERE tenant_id = $1 AND case_key = ANY($2::text[]) AND received_at <= $3 AND occurred_at <= $3`,
      [tenantId, keys, new Date(asOf).toISOString()],
    );
    const groups = new Map<string, { events: LedgerEventRow[]; hostname: string }>();
    const cves = new Set<string>();
    for (const r of rows) {
      const e = toLedgerEvent(r);
      if (!visibleAt(e, asOf)) continue;
      e.cveIds.forEach((c) => cves.add(c));
      const g = groups.get(r.case_key) ?? { events: [] as LedgerEventRow[], hostname: r.hostname as string };
      g.events.push(e);
      groups.set(r.case_key, g);
    }
    const facts = await this.vulnerabilities.factsFor(em, [...cves]);
    return [...groups.values()].map((g) => foldRemediationCase(g.events, facts, asOf, g.hostname));
  }

  /**
   * The client's (or tenant's) assets as of asOf, whether each reported in the period, and the period's events
   * counted as of asOf: received by then (considered) or later (late, listed by case, shown as a difference). Counted
   * from the `events_client_time` index alone; the late cases' keys are read only when there are any.
   */
  async periodReporting(
    em: EntityManager,
    tenantId: string,
    clientId: string | null,
    period: Period,
    asOf: number,
  ): Promise<{ assets: ReportingAsset[]; considered: number; late: number; lateCaseKeys: string[] }> {
    const params = [
      tenantId,
      clientId,
      new Date(period.from).toISOString(),
      new Date(period.to).toISOString(),
      new Date(asOf).toISOString(),
    ];
    const inPeriod = `tenant_id = $1 AND ($2::uuid IS NULL OR client_id = $2) AND occurred_at >= $3 AND occurred_at < $4`;
    const rows: Row[] = await em.query(
      `WITH ev AS (
         SELECT asset_id, count(*) FILTER (WHERE received_at <= $5) AS received,
                count(*) FILTER (WHERE occurred_at <= $5 AND received_at <= $5) AS considered,
                count(*) FILTER (WHERE occurred_at <= $5 AND received_at > $5) AS late
         FROM events WHERE ${inPeriod} GROUP BY asset_id),
       totals AS (SELECT coalesce(sum(considered), 0)::int AS considered, coalesce(sum(late), 0)::int AS late FROM ev)
       SELECT t.considered, t.late, a.id, a.hostname, a.os, a.ring, a.criticality, a.legacy,
              coalesce(ev.received, 0) > 0 AS reported
       FROM totals t
       LEFT JOIN (assets a LEFT JOIN ev ON ev.asset_id = a.id)
         ON a.tenant_id = $1 AND ($2::uuid IS NULL OR a.client_id = $2) AND a.created_at <= $5
       ORDER BY a.hostname`,
      params,
    );
    const assets: ReportingAsset[] = rows
      .filter((r) => r.id !== null)
      .map((r) => ({
        id: r.id as string,
        hostname: r.hostname as string,
        os: r.os as string | null,
        ring: r.ring as string,
        criticality: r.criticality,
        legacy: r.legacy as boolean,
        reportedInPeriod: r.reported as boolean,
      }));
    const { considered, late } = rows[0] as { considered: number; late: number };
    let lateCaseKeys: string[] = [];
    if (late > 0) {
      const [r] = await em.query(
        `SELECT coalesce(array_agg(DISTINCT case_key ORDER BY case_key), '{}') AS keys FROM events
         WHERE ${inPeriod} AND occurred_at <= $5 AND received_at > $5`,
        params,
      );
      lateCaseKeys = r.keys;
    }
    return { assets, considered, late, lateCaseKeys };
  }

  /** Everything the metrics, controls and packs need for one scope, in the caller's transaction: every case. */
  async scope(
    em: EntityManager,
    tenantId: string,
    client: ClientRef | null,
    period: Period,
    policyKey: string,
    asOf: number,
    options: { eventIds?: boolean } = {},
  ): Promise<MetricsScope> {
    checkPeriod(period);
    const policy = await this.resolvePolicy(em, policyKey);
    const cases = await this.casesAsOf(em, tenantId, client?.id ?? null, asOf, options);
    return this.judgeScope(em, tenantId, client, period, policy, asOf, cases, true);
  }

  /**
   * The figures of one scope and nothing else: only the cases that can enter one (`figuresAsOf`), as figures (no
   * names, no evidence trail). `withTrend: false` leaves `report.trend` empty and judges only the period's window.
   */
  async figuresScope(
    em: EntityManager,
    tenantId: string,
    client: ClientRef | null,
    period: Period,
    policyKey: string,
    asOf: number,
    withTrend = true,
  ): Promise<MetricsScope<CaseFigures>> {
    checkPeriod(period);
    const policy = await this.resolvePolicy(em, policyKey);
    const cases = await this.figuresAsOf(em, tenantId, client?.id ?? null, asOf, {
      windowStart: figuresWindowStart(period, withTrend),
      dueSpans: maxDueSpansMs(policy),
    });
    return this.judgeScope(em, tenantId, client, period, policy, asOf, cases, withTrend);
  }

  private async judgeScope<C extends CaseFigures>(
    em: EntityManager,
    tenantId: string,
    client: ClientRef | null,
    period: Period,
    policy: SlaPolicy,
    asOf: number,
    cases: C[],
    withTrend: boolean,
  ): Promise<MetricsScope<C>> {
    const clientId = client?.id ?? null;
    const reporting = await this.periodReporting(em, tenantId, clientId, period, asOf);
    const report = computeMetrics({
      cases,
      events: [],
      assetsInInventory: reporting.assets.map((a) => a.id),
      assetsReporting: reporting.assets.filter((a) => a.reportedInPeriod).map((a) => a.id),
      period,
      asOf,
      policy,
      clientId,
      withTrend,
    });
    report.eventsConsidered = reporting.considered;
    const dueDates = new Map<string, DueDate>();
    for (const c of cases)
      dueDates.set(c.key, dueDate(c, policyVersionFor(policy, c.detectedAt ?? c.firstEventAt)));
    return {
      client,
      period,
      asOf,
      policy,
      policyVersion: policyVersionFor(policy, Math.min(period.to - 1, asOf)),
      cases,
      dueDates,
      report,
      assets: reporting.assets,
      lateEvents: { count: reporting.late, caseKeys: reporting.lateCaseKeys },
    };
  }

  // --- GraphQL-facing ------------------------------------------------------------------------------------------

  async metrics(
    actor: Actor,
    args: {
      clientId?: string | null;
      period: Period;
      policy?: string | null;
      asOf?: number;
      /** false: the caller will not read `report.trend` (left empty), so only the period's window is judged. */
      withTrend?: boolean;
    },
  ): Promise<MetricsScope<CaseFigures>> {
    requireRole(actor, ...READ_ROLES);
    const scoped = clientScope(actor, args.clientId);
    const asOf = args.asOf ?? Date.now();
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const client = scoped ? await this.clientRef(em, scoped) : null;
      const key = client ? this.policyKeyFor(client, args.policy) : (args.policy ?? 'fedramp-ra-5d');
      // Figures only: no case that can enter none of the figures (see mayEnterFigures), read as figures.
      return this.figuresScope(em, actor.tenantId, client, args.period, key, asOf, args.withTrend);
    });
  }

  async cases(
    actor: Actor,
    filter: {
      clientId?: string | null;
      assetId?: string | null;
      severity?: string | null;
      state?: string | null;
      kev?: boolean | null;
      breached?: boolean | null;
      policy?: string | null;
    },
    page: { first: number; after?: string | null },
  ): Promise<{
    items: (RemediationCase & { dueAt?: number; deadlineBasis: string; breached: boolean })[];
    endCursor: string | null;
    hasNextPage: boolean;
  }> {
    requireRole(actor, ...READ_ROLES);
    if (page.first < 1 || page.first > 500) throw badInput('first', 'between 1 and 500');
    const scoped = clientScope(actor, filter.clientId);
    const now = Date.now();
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const client = scoped ? await this.clientRef(em, scoped) : null;
      const policy = await this.resolvePolicy(
        em,
        client ? this.policyKeyFor(client, filter.policy) : (filter.policy ?? 'fedramp-ra-5d'),
      );
      const items: (RemediationCase & { dueAt?: number; deadlineBasis: string; breached: boolean })[] = [];
      let after = page.after ?? '';
      // Keyset paging over the case key; the breach filter depends on the policy, so it is applied after the
      // fetch and the loop tops the page up.
      for (;;) {
        const rows: Row[] = await em.query(
          `SELECT case_key, data, ${EVENT_IDS} FROM remediation_cases
           WHERE tenant_id = $1 AND ($2::uuid IS NULL OR client_id = $2) AND ($3::uuid IS NULL OR asset_id = $3)
             AND ($4::text IS NULL OR severity = $4) AND ($5::text IS NULL OR state = $5) AND ($6::boolean IS NULL OR kev = $6)
             AND case_key > $7
           ORDER BY case_key LIMIT $8`,
          [
            actor.tenantId,
            client?.id ?? null,
            filter.assetId && isUuid(filter.assetId) ? filter.assetId : null,
            filter.severity ?? null,
            filter.state ?? null,
            filter.kev ?? null,
            after,
            page.first + 1,
          ],
        );
        for (const r of rows) {
          const c = storedCase(r);
          const d = dueDate(c, policyVersionFor(policy, c.detectedAt ?? c.firstEventAt));
          const closed = c.closedAt ?? c.remediatedAt;
          const breached = d.dueAt !== undefined && (closed === undefined ? now > d.dueAt : closed > d.dueAt);
          after = r.case_key;
          if (filter.breached !== null && filter.breached !== undefined && breached !== filter.breached)
            continue;
          items.push({ ...c, dueAt: d.dueAt, deadlineBasis: d.basis, breached });
          if (items.length > page.first) break;
        }
        if (items.length > page.first || rows.length <= page.first) break;
      }
      const hasNextPage = items.length > page.first;
      const pageItems = items.slice(0, page.first);
      return { items: pageItems, endCursor: pageItems.at(-1)?.key ?? null, hasNextPage };
    });
  }
}
