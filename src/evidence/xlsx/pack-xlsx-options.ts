/**
 * What the pack assembler needs to know of pack.xlsx without loading exceljs (27 MB of the main process when the
 * XLSX is written in its worker thread).
 */
export const XLSX_FILE = 'pack.xlsx';
export const DEFAULT_EVENTS_CAP = 100_000;

export interface XlsxOptions {
  /** Most events the Events sheet holds. */
  eventsCap: number;
  /**
   * How many events the stream yields, when the caller already counted them (the assembler writes events.csv.gz
   * first). Without it the writer reads the stream once to count, because the cap note sits above the rows.
   */
  totalEvents?: number;
}

export interface XlsxResult {
  eventRows: number;
  capped: boolean;
  totalEvents: number;
}
