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
import type { XlsxOptions, XlsxResult } from './pack-xlsx-options.js';

export interface PackXlsxJob {
  databaseUrl: string;
  tenantId: string;
  scope: PeriodEventsScope;
  content: EvidencePackContent;
  options: XlsxOptions;
  file: string;
  /** The worker's heap limit in MB; by default `xlsxWorkerHeapMb` of the content's cases (tests set a tiny one). */
  heapMb?: number;
}

export async function writePackXlsxOnOwnConnection(job: PackXlsxJob): Promise<XlsxResult> {
  // Loaded here, in the worker: the service's main thread never needs exceljs when the XLSX is made in a worker.
  const { writePackXlsx } = await import('./pack-xlsx.writer.js');
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

/**
 * The worker's heap limit. V8 lets a heap grow to about twice what it holds before collecting; unbounded, this
 * worker's heap reached 230 MB for a 10,000-case pack that holds about 90 MB (the content's clone, exceljs, one page
 * of events), on top of the main thread's. The limit leaves room for that plus 8 KB per case of the clone; a pack
 * that still does not fit is written on the main thread instead (see EvidenceService.xlsxWorker).
 */
export function xlsxWorkerHeapMb(cases: number): number {
  return Math.ceil(128 + (cases * 8) / 1024);
}

/**
 * The content as the worker needs it. The XLSX shows how many cases each control result rests on, not their keys
 * (the Cases sheet lists every case once); the keys, 10,000 per result for a large client, are shared strings on
 * this thread but would each be copied into the clone (17 of a 10,000-case pack's 26 MB). The worker gets arrays
 * of the same length without them.
 */
export function contentForXlsxWorker(content: EvidencePackContent): EvidencePackContent {
  return {
    ...content,
    controls: content.controls.map((control) => ({
      ...control,
      results: control.results.map((result) => ({
        ...result,
        caseKeys: new Array<string>(result.caseKeys.length),
      })),
    })),
  };
}

/** Runs the job in a worker thread; rejects with the worker's error (the file may then be partial: discard it). */
export function runPackXlsxWorker(entry: URL, job: PackXlsxJob): Promise<XlsxResult> {
  return runPackWorker(entry, { ...job, content: contentForXlsxWorker(job.content) }, 'pack.xlsx', {
    maxOldGenerationSizeMb: job.heapMb ?? xlsxWorkerHeapMb(job.content.cases.length),
  });
}
