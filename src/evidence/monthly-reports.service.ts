/**
 * MSP monthly reports: on the 1st of each month (06:00 in the tenant's zone, scheduled by JobsService) every client
 * gets the previous month's pack. Idempotent by construction: each pack is requested with the key
 * `monthly:<clientId>:<YYYY-MM>:<policyKey>@<version>`, which the unique index on evidence_packs turns into one row
 * per client, month and policy version however often the job runs, restarts or races another run. Rendering a ready
 * pack is a no-op; a pack left `running` by a killed worker, or `failed`, is rendered again by the next run.
 *
 * Progress is read from the rows themselves, so it survives restarts and shows every failure with its error: a pack
 * that failed after its retries stays `failed` (never dropped) until a rerun renders it.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { withTenant } from '../database/tenant-scope.js';
import type { SqlRow as Row } from '../database/sql-row.js';
import { badInput, DomainError } from '../errors.js';
import { MetricsService, monthPeriod } from '../metrics/metrics.service.js';
import { requireRole, systemActor, type Actor } from '../tenancy/actor.js';
import { EvidenceService, toRecord, type EvidencePackRecord } from './evidence.service.js';

export type MonthlyItemStatus = EvidencePackRecord['status'] | 'not_started' | 'skipped';

export interface MonthlyReportItem {
  clientId: string;
  packId: string | null;
  status: MonthlyItemStatus;
  error: string | null;
}

export interface MonthlyReportRun {
  month: string;
  clients: number;
  queued: number;
  running: number;
  ready: number;
  failed: number;
  /** Clients without a pack for the month yet (no run since they were added). */
  notStarted: number;
  /** Clients that cannot have a pack (no framework in scope), with the reason. */
  skipped: number;
  items: MonthlyReportItem[];
}

export const monthlyKey = (clientId: string, month: string, policyKey: string, version: number | null) =>
  `monthly:${clientId}:${month}:${policyKey}@${version ?? 0}`;

/** The month before the one `at` falls in, in `timeZone` (the tenant's), as YYYY-MM. */
export function previousMonth(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(new Date(at));
  const year = Number(parts.find((p) => p.type === 'year')!.value);
  const month = Number(parts.find((p) => p.type === 'month')!.value);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

@Injectable()
export class MonthlyReportsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly evidence: EvidenceService,
  ) {}

  /**
   * Records (or finds) the month's pack of every client in scope; returns the records, ready ones included.
   * A client that cannot have a pack is left out here and reported as skipped by `progress`.
   */
  async requestMonth(tenantId: string, month: string, asOf = Date.now()): Promise<EvidencePackRecord[]> {
    const period = monthPeriod(month);
    if (asOf < period.to) throw badInput('month', `${month} has not ended yet`);
    const actor = systemActor(tenantId, 'monthly-reports');
    const clients = await withTenant(this.dataSource, tenantId, async (em) => {
      const rows: Row[] = await em.query(`SELECT id FROM clients ORDER BY created_at, id`);
      const out: { id: string; key: string }[] = [];
      for (const r of rows) {
        const key = await this.clientKey(em, r.id as string, month);
        if (key) out.push({ id: r.id as string, key });
      }
      return out;
    });
    const packs: EvidencePackRecord[] = [];
    for (const c of clients) {
      packs.push(await this.evidence.request(actor, { clientId: c.id, period, asOf, idempotencyKey: c.key }));
    }
    return packs;
  }

  /** The idempotency key of a client's monthly pack (the CLI's `packs --month` uses it too). */
  async keyFor(tenantId: string, clientId: string, month: string): Promise<string> {
    const key = await withTenant(this.dataSource, tenantId, (em) => this.clientKey(em, clientId, month));
    if (!key) throw badInput('clientId', 'the client has no framework in scope');
    return key;
  }

  /** null when the client has no framework in scope (it cannot have a pack). */
  private async clientKey(em: EntityManager, clientId: string, month: string): Promise<string | null> {
    const client = await this.metrics.clientRef(em, clientId);
    if (client.frameworks.length === 0) return null;
    const policyKey = this.metrics.policyKeyFor(client);
    const policy = await this.metrics.resolvePolicy(em, policyKey);
    return monthlyKey(client.id, month, policyKey, policy.versions.at(-1)?.version ?? null);
  }

  /**
   * The whole batch in this process (CLI, tests): every pack not ready is rendered, one after another. Failures are
   * recorded on their pack and the others go on; the error at the end names them, so a job runner retries.
   */
  async runInline(
    tenantId: string,
    month: string,
    onPack?: (done: number, total: number) => void,
  ): Promise<EvidencePackRecord[]> {
    const packs = await this.requestMonth(tenantId, month);
    const failed: string[] = [];
    for (const [i, pack] of packs.entries()) {
      if (pack.status !== 'ready') {
        try {
          await this.evidence.render(tenantId, pack.id);
        } catch (err) {
          failed.push(`${pack.id}: ${err instanceof DomainError ? err.message : 'rendering failed'}`);
        }
      }
      onPack?.(i + 1, packs.length);
    }
    if (failed.length > 0)
      throw new Error(`${failed.length} of ${packs.length} monthly packs failed: ${failed.join('; ')}`);
    return packs;
  }

  /** Where the month's batch stands, client by client. */
  async progress(actor: Actor, month: string): Promise<MonthlyReportRun> {
    requireRole(actor, 'msp_admin');
    monthPeriod(month);
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const clients: Row[] = await em.query(`SELECT id, frameworks FROM clients ORDER BY created_at, id`);
      // The newest policy version's pack first: after a policy change the current one is what counts.
      const packs: Row[] = await em.query(
        `SELECT * FROM evidence_packs WHERE kind = 'pack' AND idempotency_key LIKE 'monthly:%'
           AND split_part(idempotency_key, ':', 3) = $1 ORDER BY created_at DESC`,
        [month],
      );
      const byClient = new Map<string, EvidencePackRecord>();
      for (const p of packs) if (!byClient.has(p.client_id as string)) byClient.set(p.client_id, toRecord(p));
      const items: MonthlyReportItem[] = clients.map((c) => {
        const pack = byClient.get(c.id as string);
        const skipped = !pack && (c.frameworks as string[]).length === 0;
        return {
          clientId: c.id,
          packId: pack?.id ?? null,
          status: pack ? pack.status : skipped ? 'skipped' : 'not_started',
          error: pack ? pack.error : skipped ? 'the client has no framework in scope' : null,
        };
      });
      const count = (s: MonthlyItemStatus) => items.filter((i) => i.status === s).length;
      return {
        month,
        clients: items.length,
        queued: count('queued'),
        running: count('running'),
        ready: count('ready'),
        failed: count('failed'),
        notStarted: count('not_started'),
        skipped: count('skipped'),
        items,
      };
    });
  }
}
