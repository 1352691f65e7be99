/**
 * The only reader of process.env. Parsed and validated once; a bad value stops the process with a message that
 * names the variable. Secrets (passphrases) are never logged.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * `PACK_PARTS_CONCURRENT=auto` makes a pack's parts at the same time only with this many CPUs or more. With two, the
 * parts at the same time gained no time reliably (from 14% faster to 23% slower than one after another across the
 * benchmark runs, on Intel and AMD: the three threads and PostgreSQL's COPY compete for two cores) and always cost
 * 50–110 MB more peak memory (each thread holds its own working set): bench/results/pack.txt and the README.
 */
export const PACK_PARTS_MIN_CPUS = 3;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  PGLITE_DATA_DIR: z.string().default('./data/pglite'),
  DATA_DIR: z.string().default('./data'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  MIGRATIONS_RUN: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHQL_IDE: bool.optional(),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(1).max(1000).default(30),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(10).default(5000),
  BODY_LIMIT: z.string().default('1mb'),
  NDJSON_MAX_LINES: z.coerce.number().int().min(1).default(100_000),
  NDJSON_MAX_LINE_BYTES: z.coerce
    .number()
    .int()
    .min(256)
    .default(256 * 1024),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  SIGNING_P12_PATH: z.string().optional(),
  SIGNING_P12_PASSPHRASE: z.string().optional(),
  SIGNING_CERT_PATH: z.string().optional(),
  SIGNING_KEY_PATH: z.string().optional(),
  PACK_STORAGE_DIR: z.string().optional(),
  PACK_EVENTS_SHEET_CAP: z.coerce.number().int().min(0).default(100_000),
  WORKER_ENABLED: bool.default(true),
  PACK_PARTS_CONCURRENT: z.union([z.literal('auto'), bool]).default('auto'),
  PUBLIC_BASE_URL: z.string().url().optional(),
});

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Undefined: the embedded PGlite database. */
  databaseUrl?: string;
  pgliteDataDir: string;
  dataDir: string;
  dbPoolSize: number;
  migrationsRun: boolean;
  logLevel: string;
  graphql: { ide: boolean; maxDepth: number; maxAliases: number; maxCost: number };
  bodyLimit: string;
  ndjson: { maxLines: number; maxLineBytes: number };
  rateLimitPerMinute: number;
  signing: { p12Path?: string; p12Passphrase?: string; certPath?: string; keyPath?: string };
  packStorageDir: string;
  packEventsSheetCap: number;
  /** events.csv.gz, the XLSX and the PDF made at the same time (PostgreSQL only; the embedded database has one connection). */
  packPartsConcurrent: boolean;
  workerEnabled: boolean;
  publicBaseUrl: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.SIGNING_P12_PATH && c.SIGNING_CERT_PATH) {
    throw new ConfigError(
      'Invalid configuration:\n  SIGNING_P12_PATH and SIGNING_CERT_PATH: set one, not both',
    );
  }
  if (Boolean(c.SIGNING_CERT_PATH) !== Boolean(c.SIGNING_KEY_PATH)) {
    throw new ConfigError(
      'Invalid configuration:\n  SIGNING_CERT_PATH and SIGNING_KEY_PATH: set both or neither',
    );
  }
  const dataDir = path.resolve(c.DATA_DIR);
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    pgliteDataDir: path.resolve(c.PGLITE_DATA_DIR),
    dataDir,
    dbPoolSize: c.DB_POOL_SIZE,
    migrationsRun: c.MIGRATIONS_RUN,
    logLevel: c.LOG_LEVEL,
    graphql: {
      ide: c.GRAPHQL_IDE ?? c.NODE_ENV !== 'production',
      maxDepth: c.GRAPHQL_MAX_DEPTH,
      maxAliases: c.GRAPHQL_MAX_ALIASES,
      maxCost: c.GRAPHQL_MAX_COST,
    },
    bodyLimit: c.BODY_LIMIT,
    ndjson: { maxLines: c.NDJSON_MAX_LINES, maxLineBytes: c.NDJSON_MAX_LINE_BYTES },
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    signing: {
      p12Path: c.SIGNING_P12_PATH,
      p12Passphrase: c.SIGNING_P12_PASSPHRASE,
      certPath: c.SIGNING_CERT_PATH,
      keyPath: c.SIGNING_KEY_PATH,
    },
    packStorageDir: path.resolve(c.PACK_STORAGE_DIR ?? path.join(c.DATA_DIR, 'packs')),
    packEventsSheetCap: c.PACK_EVENTS_SHEET_CAP,
    packPartsConcurrent:
      (c.PACK_PARTS_CONCURRENT === 'auto'
        ? os.availableParallelism() >= PACK_PARTS_MIN_CPUS
        : c.PACK_PARTS_CONCURRENT) && c.DATABASE_URL !== undefined,
    workerEnabled: c.WORKER_ENABLED,
    publicBaseUrl: c.PUBLIC_BASE_URL ?? `http://${c.HOST}:${c.PORT}`,
  };
}

/** Nest provider token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
