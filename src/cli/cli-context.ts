/** The CLI runs on the same services as the API: the app is built (no HTTP listener, no job worker) and used directly. */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../app.factory.js';
import { loadConfig, type AppConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { DataSource } from 'typeorm';
import { systemActor, type Actor } from '../tenancy/actor.js';

export interface CliContext {
  app: NestExpressApplication;
  config: AppConfig;
  close(): Promise<void>;
}

export async function openCli(env: Record<string, string | undefined> = {}): Promise<CliContext> {
  const config = loadConfig({ LOG_LEVEL: 'warn', WORKER_ENABLED: 'false', ...process.env, ...env });
  const app = await createApp(config, createLogger(config.logLevel));
  await app.init();
  return { app, config, close: () => app.close() };
}

/** The tenant the CLI acts for: --tenant, or the only tenant there is. */
export async function cliActor(ctx: CliContext, tenant?: string): Promise<Actor> {
  const ds = ctx.app.get(DataSource);
  const rows: { id: string; name: string }[] = await ds.query(
    `SELECT id, name FROM tenants ORDER BY created_at`,
  );
  const match = tenant ? rows.filter((r) => r.id === tenant || r.name === tenant) : rows;
  if (match.length !== 1) {
    throw new Error(
      tenant
        ? `no tenant "${tenant}" (tenants: ${rows.map((r) => r.name).join(', ') || 'none'})`
        : `pass --tenant (${rows.length === 0 ? 'no tenant yet: run "patchproof bootstrap"' : `tenants: ${rows.map((r) => r.name).join(', ')}`})`,
    );
  }
  return systemActor(match[0].id);
}

/** A client by id or exact name, within the actor's tenant. */
export async function resolveClientId(ctx: CliContext, actor: Actor, client: string): Promise<string> {
  const ds = ctx.app.get(DataSource);
  const rows: { id: string }[] = await ds.query(
    `SELECT id FROM clients WHERE tenant_id = $1 AND (id::text = $2 OR name = $2)`,
    [actor.tenantId, client],
  );
  if (rows.length !== 1) throw new Error(`no client "${client}" in this tenant`);
  return rows[0].id;
}
