/**
 * pack.xlsx in a worker thread with a database connection of its own (PostgreSQL, concurrent parts). exceljs is the
 * largest single cost of a pack (about 8 s for a 1,000,000-event pack on one core); on the main thread it ran in
 * series with the content and the PDF, so a second core sat idle. The worker gets the pack content as structured
 * clone, reads the Events sheet's rows in the tenant's scope (see pack-worker) with the service's query
 * (`periodEvents`) and writes the same bytes as `writePackXlsx` in-thread.
 */
import type { EvidencePackContent, PeriodEventsScope } from '../pack-content.js';
import { compiledWorkerEntry, onOwnConnection, runPackWorker } from '../pack-worker.js';
import { periodEvents } from '../period-events.js';
import { writePackXlsx, type XlsxOptions, type XlsxResult } from './pack-xlsx.writer.js';

export interface PackXlsxJob {
  databaseUrl: string;
  tenantId: string;
  scope: PeriodEventsScope;
  content: EvidencePackContent;
  options: XlsxOptions;
  file: string;
}

export function writePackXlsxOnOwnConnection(job: PackXlsxJob): Promise<XlsxResult> {
  return onOwnConnection(job.databaseUrl, job.tenantId, 'patchproof-pack-xlsx', (client) =>
    writePackXlsx(
      job.content,
      () => periodEvents(async (sql, params) => (await client.query(sql, params)).rows, job.scope),
      job.file,
      job.options,
    ),
  );
}

/** The compiled worker entry, or null when running from TypeScript sources (tests): the caller writes in-thread. */
export function packXlsxWorkerEntry(): URL | null {
  return compiledWorkerEntry('./pack-xlsx.worker.js', import.meta.url);
}

/** Runs the job in a worker thread; rejects with the worker's error (the file may then be partial: discard it). */
export function runPackXlsxWorker(entry: URL, job: PackXlsxJob): Promise<XlsxResult> {
  return runPackWorker(entry, job, 'pack.xlsx');
}
