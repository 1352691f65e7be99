import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/data-source.js';
import { Public } from '../tenancy/auth.guard.js';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'patchproof_' });

@Controller()
export class HealthController {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** 200 when the database answers and no migration is pending; 503 otherwise (load balancers drain us). */
  @Public()
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const checks: Record<string, string> = {};
    let ok: boolean;
    try {
      await Promise.race([
        this.db.dataSource.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2 s')), 2000).unref()),
      ]);
      checks.database = 'ok';
      const pending = await this.db.dataSource.showMigrations();
      checks.migrations = pending ? 'pending' : 'current';
      ok = !pending;
    } catch (err) {
      checks.database = `unreachable: ${(err as Error).message.slice(0, 80)}`;
      ok = false;
    }
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unhealthy', embedded: this.db.embedded, checks });
  }

  @Public()
  @Get('metrics')
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  }
}
