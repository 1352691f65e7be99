/**
 * Pack parts made in worker threads (PostgreSQL, concurrent parts): each worker opens a connection of its own and
 * reads in the tenant's scope (`TENANT_SCOPE_SQL`: row-level security as `patchproof_app`) in a read-only
 * transaction, so a part made there sees only what the service's own queries would see and can change nothing.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import pg from 'pg';
import { APP_ROLE, TENANT_SCOPE_SQL } from '../database/tenant-scope.js';

/**
 * A compiled worker entry next to `base` (an `import.meta.url`), or null when running from TypeScript sources
 * (tests under ts-jest): the caller then makes the part in-thread.
 */
export function compiledWorkerEntry(file: string, base: string): URL | null {
  const entry = new URL(file, base);
  return fs.existsSync(fileURLToPath(entry)) ? entry : null;
}

/**
 * Runs `job` in a worker thread; resolves to the one message the worker posts, rejects with its error (a file it
 * was writing may then be partial: discard it). `resourceLimits` bound the worker's heap: a worker that would pass
 * them stops with ERR_WORKER_OUT_OF_MEMORY instead of growing the service's memory.
 */
export function runPackWorker<T>(
  entry: URL,
  job: unknown,
  part: string,
  resourceLimits?: ResourceLimits,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: job, resourceLimits });
    let result: { value: T } | undefined;
    worker.once('message', (message: T) => (result = { value: message }));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result.value);
      else reject(new Error(`the ${part} worker stopped (exit code ${code}) without a result`));
    });
  });
}

/** `work` on a connection of its own, in a read-only transaction in the tenant's scope. */
export async function onOwnConnection<T>(
  databaseUrl: string,
  tenantId: string,
  applicationName: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: applicationName });
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(TENANT_SCOPE_SQL, [tenantId, APP_ROLE]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}
