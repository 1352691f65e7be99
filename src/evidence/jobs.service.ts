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
import { LOGGER } from '../logger.js';
import { EvidenceService } from './evidence.service.js';

export const RENDER_QUEUE = 'render-pack';

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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const boss = new PgBoss({
      db: { executeSql: async (text: string, values?: unknown[]) => pool.query(text, values as unknown[]) },
      schema: 'pgboss',
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
  }

  async onApplicationShutdown(): Promise<void> {
    await this.boss?.stop({ graceful: true, timeout: 10_000 });
  }

  async enqueueRender(tenantId: string, packId: string): Promise<void> {
    if (!this.boss) throw new Error('job queue not started');
    // singletonKey: a pack is rendered by one job at a time however often it is enqueued.
    await this.boss.send(RENDER_QUEUE, { tenantId, packId }, { singletonKey: packId });
  }
}
