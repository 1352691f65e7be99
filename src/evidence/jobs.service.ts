/**
 * Pack rendering runs on pg-boss, a PostgreSQL-backed queue, so API replicas only enqueue and any worker renders.
 * pg-boss is given the app's own pg pool (one connection on the embedded database, where a second pool would
 * interleave protocol messages). WORKER_ENABLED=false makes a replica enqueue-only.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PgBoss } from 'pg-boss';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { IngestionService } from '../ingestion/ingestion.service.js';
import { LOGGER } from '../logger.js';
import { EvidenceService } from './evidence.service.js';
import { MonthlyReportsService, previousMonth } from './monthly-reports.service.js';

export const RENDER_QUEUE = 'render-pack';
/** One job per tenant and month: requests every client's pack and enqueues its rendering. */
export const MONTHLY_QUEUE = 'monthly-reports';
/** Hourly: keeps one monthly schedule per tenant, in the tenant's current zone (new tenants, changed zones). */
export const MONTHLY_SCHEDULES_QUEUE = 'monthly-report-schedules';
/** The 1st of each month at 06:00, evaluated in the tenant's zone. */
export const MONTHLY_CRON = '0 6 1 * *';
/** Daily: one job per tenant on LEDGER_VERIFY_TENANT_QUEUE, so one tenant's size never holds up the others. */
export const LEDGER_VERIFY_QUEUE = 'verify-ledgers';
export const LEDGER_VERIFY_CRON = '23 2 * * *';
/** One tenant's hash chain recomputed from genesis, recorded as a checkpoint that packs start from. */
export const LEDGER_VERIFY_TENANT_QUEUE = 'verify-ledger';

interface LedgerVerifyJob {
  tenantId: string;
}

interface MonthlyJob {
  tenantId: string;
  /** YYYY-MM; absent on scheduled runs: the month before the run, in the tenant's zone. */
  month?: string;
}

interface RenderJob {
  tenantId: string;
  packId: string;
}

@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private boss: PgBoss | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly evidence: EvidenceService,
    private readonly monthly: MonthlyReportsService,
    private readonly ingestion: IngestionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const boss = new PgBoss({
      db: { executeSql: async (text: string, values?: unknown[]) => pool.query(text, values as unknown[]) },
      schema: 'pgboss',
      // An enqueue-only replica (WORKER_ENABLED=false) serves the API and nothing else: the cron clock (which
      // evaluates every tenant's schedule with its time zone) and queue maintenance run in the workers.
      schedule: this.config.workerEnabled,
      supervise: this.config.workerEnabled,
    });
    boss.on('error', (err: unknown) => this.logger.error({ err }, 'job queue error'));
    await boss.start();
    await boss.createQueue(RENDER_QUEUE, { retryLimit: 3, retryDelay: 5, retryBackoff: true });
    if (this.config.workerEnabled) {
      await boss.work<RenderJob>(RENDER_QUEUE, { pollingIntervalSeconds: 1 }, async ([job]) => {
        await this.evidence.render(job.data.tenantId, job.data.packId);
      });
    }
    this.boss = boss;
    // A failed batch is retried; a pack that still fails stays `failed` with its error in monthlyReportRun.
    await boss.createQueue(MONTHLY_QUEUE, { retryLimit: 3, retryDelay: 60, retryBackoff: true });
    await boss.createQueue(MONTHLY_SCHEDULES_QUEUE, { retryLimit: 1 });
    if (this.config.workerEnabled) {
      await boss.work<MonthlyJob, unknown, { pollingIntervalSeconds: number; includeMetadata: true }>(
        MONTHLY_QUEUE,
        { pollingIntervalSeconds: 2, includeMetadata: true },
        async ([job]) => {
          const zone = await this.tenantZone(job.data.tenantId);
          // The month before the one the job was created in: a retry on the 2nd still renders the same month.
          const month = job.data.month ?? previousMonth(job.createdOn.getTime(), zone);
          await this.startMonthlyReports(job.data.tenantId, month);
        },
      );
      await boss.work(MONTHLY_SCHEDULES_QUEUE, async () => this.scheduleMonthlyReports());
    }
    await boss.schedule(MONTHLY_SCHEDULES_QUEUE, '17 * * * *');
    await boss.createQueue(LEDGER_VERIFY_QUEUE, { retryLimit: 1 });
    // About 35,000 events/s here: four hours cover a ledger of several hundred million events.
    await boss.createQueue(LEDGER_VERIFY_TENANT_QUEUE, { retryLimit: 2, expireInSeconds: 4 * 3600 });
    if (this.config.workerEnabled) {
      await boss.work(LEDGER_VERIFY_QUEUE, async () => this.enqueueLedgerVerifications());
      await boss.work<LedgerVerifyJob>(LEDGER_VERIFY_TENANT_QUEUE, async ([job]) => {
        await this.verifyLedger(job.data.tenantId);
      });
    }
    await boss.schedule(LEDGER_VERIFY_QUEUE, LEDGER_VERIFY_CRON);
    await this.scheduleMonthlyReports();
  }

  /** One schedule per tenant, keyed by the tenant id; rescheduling replaces it (pg-boss upserts by name and key). */
  async scheduleMonthlyReports(): Promise<void> {
    const boss = this.started();
    // Every tenant: read outside a tenant scope, as the CLI lists tenants.
    const tenants: { id: string; time_zone: string }[] = await this.dataSource.query(
      `SELECT id, time_zone FROM tenants`,
    );
    for (const t of tenants) {
      try {
        // missed: 'once': a deployment down over the 1st still sends that month's run when it comes back.
        await boss.schedule(
          MONTHLY_QUEUE,
          MONTHLY_CRON,
          { tenantId: t.id },
          { tz: t.time_zone, key: t.id, missed: 'once' },
        );
      } catch (err) {
        this.logger.error({ err, tenantId: t.id, timeZone: t.time_zone }, 'cannot schedule monthly reports');
      }
    }
  }

  /** The nightly run: one verification job per tenant (one at a time per tenant, however often this runs). */
  async enqueueLedgerVerifications(): Promise<number> {
    const boss = this.started();
    const tenants: { id: string }[] = await this.dataSource.query(`SELECT id FROM tenants ORDER BY id`);
    for (const t of tenants) {
      await boss.send(LEDGER_VERIFY_TENANT_QUEUE, { tenantId: t.id }, { singletonKey: t.id });
    }
    return tenants.length;
  }

  /** One tenant's chain from genesis; a chain that does not verify is logged at error level with where it breaks. */
  async verifyLedger(tenantId: string): Promise<boolean> {
    const v = await this.ingestion.verifyFromGenesis(tenantId);
    if (v.ok) this.logger.info({ tenantId, headSeq: v.headSeq, events: v.eventsChecked }, 'ledger verified');
    else
      this.logger.error(
        { tenantId, firstBadSeq: v.firstBadSeq, reason: v.reason },
        'ledger does not verify from genesis',
      );
    return v.ok;
  }

  /** Requests the month's pack of every client and enqueues the ones not ready; returns the records. */
  async startMonthlyReports(tenantId: string, month: string) {
    const packs = await this.monthly.requestMonth(tenantId, month);
    for (const pack of packs) if (pack.status !== 'ready') await this.enqueueRender(tenantId, pack.id);
    return packs;
  }

  private async tenantZone(tenantId: string): Promise<string> {
    const rows = await this.dataSource.query<{ time_zone: string }[]>(
      `SELECT time_zone FROM tenants WHERE id = $1`,
      [tenantId],
    );
    return rows[0]?.time_zone ?? 'UTC';
  }

  private started(): PgBoss {
    if (!this.boss) throw new Error('job queue not started');
    return this.boss;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.boss?.stop({ graceful: true, timeout: 10_000 });
  }

  async enqueueRender(tenantId: string, packId: string): Promise<void> {
    const boss = this.started();
    // singletonKey: a pack is rendered by one job at a time however often it is enqueued.
    await boss.send(RENDER_QUEUE, { tenantId, packId }, { singletonKey: packId });
  }
}
