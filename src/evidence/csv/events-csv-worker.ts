/**
 * events.csv.gz in a worker thread with a database connection of its own (PostgreSQL only). Made on the main thread,
 * the COPY's 390 MB for a million events pass through the event loop that also draws the PDF and writes the XLSX,
 * and the three parts made "at the same time" took as long as one after another. The worker runs the same COPY in
 * the same tenant scope (`TENANT_SCOPE_SQL`: row-level security as `patchproof_app`, read-only) and writes the same
 * bytes (`writeEventsCsvGzByCopy`).
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { APP_ROLE, TENANT_SCOPE_SQL } from '../../database/tenant-scope.js';
import { writeEventsCsvGzByCopy, type EventsCsvScope } from './pack-csv.js';

export interface EventsCsvJob {
  databaseUrl: string;
  tenantId: string;
  scope: EventsCsvScope;
  file: string;
}

/** `COPY … TO STDOUT` on a connection already in its transaction; resolves to the rows copied. */
export async function copyOn(
  client: pg.ClientBase,
  sql: string,
  consume: (body: Readable) => Promise<void>,
): Promise<number> {
  const body = client.query(copyTo(sql));
  await consume(body);
  return body.rowCount;
}

/** The job on a connection of its own, in a read-only transaction in the tenant's scope. */
export async function copyEventsCsvOnOwnConnection(job: EventsCsvJob): Promise<{ rows: number }> {
  const client = new pg.Client({
    connectionString: job.databaseUrl,
    application_name: 'patchproof-events-csv',
  });
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(TENANT_SCOPE_SQL, [job.tenantId, APP_ROLE]);
    const result = await writeEventsCsvGzByCopy(
      (sql, consume) => copyOn(client, sql, consume),
      job.scope,
      job.file,
    );
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}

/** The compiled worker entry, or null when running from TypeScript sources (tests): the caller copies in-thread. */
export function eventsCsvWorkerEntry(): URL | null {
  const entry = new URL('./events-csv.worker.js', import.meta.url);
  return fs.existsSync(fileURLToPath(entry)) ? entry : null;
}

/** Runs the job in a worker thread; rejects with the worker's error (the file may then be partial: discard it). */
export function runEventsCsvWorker(entry: URL, job: EventsCsvJob): Promise<{ rows: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: job });
    let result: { rows: number } | undefined;
    worker.once('message', (message: { rows: number }) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`the events.csv.gz worker stopped (exit code ${code}) without a result`));
    });
  });
}
