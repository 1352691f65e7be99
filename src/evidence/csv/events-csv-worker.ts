/**
 * events.csv.gz in a worker thread with a database connection of its own (PostgreSQL only). Made on the main thread,
 * the COPY's 390 MB for a million events pass through the event loop that also draws the PDF, and the parts made
 * "at the same time" took as long as one after another. The worker runs the same COPY in the same tenant scope
 * (see pack-worker) and writes the same bytes (`writeEventsCsvGzByCopy`).
 */
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PeriodEventsScope } from '../pack-content.js';
import { compiledWorkerEntry, onOwnConnection, runPackWorker } from '../pack-worker.js';
import { writeEventsCsvGzByCopy, type EventsCsvWritten } from './pack-csv.js';

export interface EventsCsvJob {
  databaseUrl: string;
  tenantId: string;
  scope: PeriodEventsScope;
  file: string;
}

/**
 * Settings for the COPY, local to its transaction. PostgreSQL's defaults JIT-compile the query (about 2.4 s of
 * compiling for a million events) and split it over parallel workers that pass every formatted row through shared
 * memory: 9.0 CPU-seconds against 6.5 for the same COPY without them, measured on the benchmark's database, and
 * those seconds are taken from the PDF and the XLSX being made at the same time on the same machine.
 */
export const COPY_SETTINGS_SQL = `SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0`;

/** `COPY … TO STDOUT` on a connection already in its transaction; resolves to the rows copied. */
export async function copyOn(
  client: pg.ClientBase,
  sql: string,
  consume: (body: Readable) => Promise<void>,
): Promise<number> {
  await client.query(COPY_SETTINGS_SQL);
  const body = client.query(copyTo(sql));
  await consume(body);
  return body.rowCount;
}

/** The job on a connection of its own, in a read-only transaction in the tenant's scope. */
export function copyEventsCsvOnOwnConnection(job: EventsCsvJob): Promise<EventsCsvWritten> {
  return onOwnConnection(job.databaseUrl, job.tenantId, 'patchproof-events-csv', (client) =>
    writeEventsCsvGzByCopy((sql, consume) => copyOn(client, sql, consume), job.scope, job.file),
  );
}

/** The compiled worker entry, or null when running from TypeScript sources (tests): the caller copies in-thread. */
export function eventsCsvWorkerEntry(): URL | null {
  return compiledWorkerEntry('./events-csv.worker.js', import.meta.url);
}

/** Runs the job in a worker thread; rejects with the worker's error (the file may then be partial: discard it). */
export function runEventsCsvWorker(entry: URL, job: EventsCsvJob): Promise<EventsCsvWritten> {
  return runPackWorker(entry, job, 'events.csv.gz');
}
