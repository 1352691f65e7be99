/**
 * One data-source definition for the app, the migration CLI and the tests. With DATABASE_URL it is a PostgreSQL
 * server; without it, the embedded PGlite started here. Never `synchronize`: the schema is `migrations/`.
 */
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

export interface Database {
  dataSource: DataSource;
  embedded: boolean;
  /** The URL the data source connects to (the embedded server's loopback address in embedded mode). */
  url: string;
  close(): Promise<void>;
}

export function dataSourceOptions(url: string, poolSize: number, embedded = false) {
  return {
    type: 'postgres' as const,
    url,
    // Persistence is SQL through EntityManager.query inside withTenant (RLS); no entity classes to load.
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      // Fail fast when the server is away (the health check and the 503 path rely on it). The embedded database
      // has one connection that every request queues for, so there a wait is normal, not an outage.
      connectionTimeoutMillis: embedded ? 120_000 : 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'patchproof',
    },
  };
}

export async function openDatabase(config: AppConfig): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.pgliteDataDir);
    url = embedded.url;
  }
  const dataSource = new DataSource(
    dataSourceOptions(url, embedded ? 1 : config.dbPoolSize, Boolean(embedded)),
  );
  try {
    await dataSource.initialize();
    if (config.migrationsRun) await dataSource.runMigrations({ transaction: 'each' });
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw err;
  }
  return {
    dataSource,
    embedded: Boolean(embedded),
    url,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}
