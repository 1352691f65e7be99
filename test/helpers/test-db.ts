/**
 * A fresh database for one test file: a new database on the PostgreSQL server of DATABASE_URL, or a new PGlite data
 * directory under the system temp dir when DATABASE_URL is unset (the embedded default).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type AppConfig } from '../../src/config.js';

let counter = 0;

export async function freshDatabaseConfig(overrides: Record<string, string> = {}): Promise<AppConfig> {
  const base = process.env.DATABASE_URL;
  const run = process.env.PATCHPROOF_TEST_RUN ?? `${Date.now().toString(36)}`;
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    ...overrides,
  };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-test-'));
  env.DATA_DIR = dataDir;
  if (base) {
    const name = `pp_test_${run}_${process.pid}_${++counter}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const url = new URL(base);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
  } else {
    env.DATABASE_URL = undefined;
    env.PGLITE_DATA_DIR = path.join(dataDir, 'pglite');
  }
  return loadConfig(env);
}
