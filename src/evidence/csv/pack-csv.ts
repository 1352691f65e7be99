/**
 * CSV files of a pack: `cases.csv` (one row per asset × CVE) and `events.csv.gz` (every event of the period,
 * streamed: a period can hold millions of events).
 *
 * RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line break. UTF-8 with a
 * byte-order mark, because Excel otherwise reads `srv-zürich-01` as Latin-1. Instants are ISO 8601 UTC.
 * Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading `'`
 * (OWASP "CSV injection"): hostnames, titles and error codes come from customer systems.
 */
import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import type { LedgerEvent } from '../../ingestion/patch-event.js';
import { isUuid } from '../../tenancy/uuid.js';
import { digesting } from '../digest-stream.js';
import type { EventStream, EvidencePackContent, PeriodEventsScope } from '../pack-content.js';
import { casesTable, eventColumns, type CellKind, type CellValue, type Column } from '../pack-tables.js';

export const CASES_CSV_FILE = 'cases.csv';
export const EVENTS_CSV_FILE = 'events.csv.gz';

const BOM = '\uFEFF';
/**
 * gzip level of events.csv.gz. Measured on a 1M-event, 389 MB CSV on this project's 2-vCPU machine: level 6 took
 * 8.5 s for 99 MB, level 3 4.2 s for 104 MB (and the whole CSV part about 10% less). The benchmark's zlib
 * baseline uses the same level.
 */
export const EVENTS_GZIP_LEVEL = 3;
/**
 * Bytes handed to gzip at a time, and the size of its output chunks. Every chunk is a round trip between this
 * thread and libuv's pool: gzipping the same 390 MB took 6.2 s with 64 KB in and zlib's default 16 KB out, 3.4 s
 * with 1 MB in and 256 KB out (this machine, level 3; levels 1–3 differ by 5%).
 */
export const GZIP_INPUT_BYTES = 1 << 20;
export function eventsGzip(): Gzip {
  return createGzip({ level: EVENTS_GZIP_LEVEL, chunkSize: 1 << 18 });
}
const EOL = '\r\n';

/** Text that needs neither a formula guard nor quoting passes through on one test (most cells: ids, hashes). */
const NEEDS_CARE = /^[=+\-@\t\r]|[",\r\n]/;

/** A cell a spreadsheet would evaluate gets a leading quote, then RFC 4180 quoting. */
export function csvField(text: string): string {
  if (!NEEDS_CARE.test(text)) return text;
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A typed value as CSV text. Numbers are never prefixed (a negative number is a number, not a formula). */
export function csvCell(kind: CellKind, value: CellValue): string {
  if (value === null || value === undefined || value === '') return '';
  switch (kind) {
    case 'instant':
      return typeof value === 'number' ? new Date(value).toISOString() : csvField(String(value));
    case 'days':
    case 'number':
    case 'percent':
      return typeof value === 'number'
        ? String(Math.round(value * 10_000) / 10_000)
        : csvField(String(value));
    case 'integer':
      return typeof value === 'number' ? String(value) : csvField(String(value));
    case 'flag':
      return typeof value === 'boolean' ? (value ? 'yes' : 'no') : csvField(String(value));
    case 'text':
      return csvField(String(value));
  }
}

export function csvRow<R>(columns: readonly Column<R>[], row: R): string {
  return columns.map((column) => csvCell(column.kind, column.value(row))).join(',') + EOL;
}

export function csvHeader(columns: readonly Column<unknown>[]): string {
  return columns.map((column) => csvField(column.header)).join(',') + EOL;
}

function toWritable(out: Writable | string): Writable {
  return typeof out === 'string' ? createWriteStream(out) : out;
}

export async function writeCasesCsv(
  content: EvidencePackContent,
  out: Writable | string,
): Promise<{ rows: number }> {
  const table = casesTable(content);
  let rows = 0;
  async function* lines(): AsyncGenerator<string> {
    yield BOM + csvHeader(table.columns as Column<unknown>[]);
    for (const row of table.rows) {
      rows++;
      yield csvRow(table.columns, row);
    }
  }
  await pipeline(Readable.from(lines()), toWritable(out));
  return { rows };
}

/**
 * events.csv.gz made by PostgreSQL: the period's events as CSV rows from `COPY (query) TO STDOUT (FORMAT csv)`, so
 * the database formats them in its own process while this one draws the PDF and the XLSX (reading a million rows
 * into objects and formatting them here took 16 s of this thread; the COPY takes about 6 s of the server's).
 * The query reproduces `eventColumns` + `csvCell` byte for byte (the evidence e2e test compares both on tricky
 * values): instants as ISO 8601 UTC with milliseconds, '' for an absent value, the formula guard on text cells,
 * RFC 4180 quoting (COPY quotes a field holding a comma, quote, CR or LF and doubles quotes, as `csvField` does).
 * COPY ends rows with LF; `crlfRecordEnds` turns each record end (never a line break inside a quoted field) into
 * CRLF.
 */

/** A COPY … TO STDOUT run by the caller: hands its output to `consume`, resolves to the rows copied. */
export type CsvCopy = (sql: string, consume: (body: Readable) => Promise<void>) => Promise<number>;

/** COPY takes no bind parameters: every value in the query is a checked uuid or an instant made here. */
function instantLiteral(ms: number): string {
  if (!Number.isFinite(ms)) throw new Error('events CSV: an instant is not a number');
  return `'${new Date(ms).toISOString()}'::timestamptz`;
}
/**
 * UTC by a fixed offset: `AT TIME ZONE 'UTC'` looks the zone up by name on every row (0.15 s per column of a million
 * events), an interval does not, and neither depends on the session's time zone.
 */
const iso = (expr: string) =>
  `to_char((${expr}) AT TIME ZONE INTERVAL '00:00', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/**
 * `csvField` in SQL: '' is absent (NULL, an empty field), and a cell a spreadsheet would evaluate (first character
 * `=`, `+`, `-`, `@`, tab or CR) gets a `'`. The first character is tested by its code (`ascii`, 0 for ''):
 * `left(x, 1)` made a string per cell (one column of a million events: 0.83 → 0.56 s of the server's time).
 */
const text = (expr: string) =>
  `CASE WHEN ascii(${expr}) IN (61, 43, 45, 64, 9, 13) THEN '''' || (${expr}) ELSE nullif(${expr}, '') END`;

/** The rows of events.csv.gz (header excluded), in `eventColumns` order, for `COPY (…) TO STDOUT (FORMAT csv)`. */
export function eventsCsvQuery(scope: PeriodEventsScope): string {
  if (!isUuid(scope.clientId)) throw new Error('events CSV: the client id is not a uuid');
  const at = instantLiteral(scope.asOf);
  return `SELECT e.seq, e.id, ${iso('e.occurred_at')}, ${iso('e.received_at')}, ${text('e.kind')}, e.client_id, e.asset_id,
    ${text('a.hostname')}, ${text('e.patch_id')}, ${text('e.patch_title')}, ${iso('e.patch_released_at')},
    ${text("array_to_string(e.cve_ids, ' ')")}, ${text('e.vendor_severity')}, ${text('e.actor')},
    ${text('e.change_ticket')}, ${text('e.error_code')}, ${text('e.ring')}, CASE WHEN e.emergency THEN 'yes' END,
    ${text('e.superseded_by')}, ${text("e.exception->>'reason'")}, ${iso("(e.exception->>'expiresAt')::timestamptz")},
    ${text('e.source')}, ${text('e.source_event_id')}, ${text('e.hash')}
  FROM events e LEFT JOIN assets a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
  WHERE e.client_id = '${scope.clientId}' AND e.occurred_at >= ${instantLiteral(scope.period.from)}
    AND e.occurred_at < ${instantLiteral(scope.period.to)} AND e.received_at <= ${at} AND e.occurred_at <= ${at}
  ORDER BY e.seq`;
}

const LF = 0x0a;
const QUOTE = 0x22;
const CR = 0x0d;

/**
 * LF → CRLF at record ends of a CSV byte stream, keeping line breaks inside quoted fields. The quote state carries
 * across chunks (a chunk can end inside a field); a doubled quote toggles twice and changes nothing. Each chunk is
 * scanned once for its record ends (native `indexOf`) and copied once into a buffer of the exact size: a slice per
 * record and a concatenation of two million pieces cost about a second of a million-event pack.
 */
export function crlfRecordEnds(): (chunk: Buffer) => Buffer {
  let quoted = false;
  let ends = new Int32Array(1024);
  return (chunk) => {
    const n = chunk.length;
    let count = 0;
    let i = 0;
    let nextQuote = chunk.indexOf(QUOTE, 0);
    if (nextQuote < 0) nextQuote = n;
    while (i < n) {
      if (quoted) {
        if (nextQuote === n) break;
        quoted = false;
        i = nextQuote + 1;
      } else {
        const found = chunk.indexOf(LF, i);
        const lf = found < 0 ? n : found;
        if (nextQuote < lf) {
          quoted = true;
          i = nextQuote + 1;
        } else {
          if (lf === n) break;
          if (count === ends.length) {
            const grown = new Int32Array(ends.length * 2);
            grown.set(ends);
            ends = grown;
          }
          ends[count++] = lf;
          i = lf + 1;
          continue;
        }
      }
      nextQuote = i < n ? chunk.indexOf(QUOTE, i) : -1;
      if (nextQuote < 0) nextQuote = n;
    }
    if (count === 0) return chunk;
    const out = Buffer.allocUnsafe(n + count);
    let from = 0;
    let at = 0;
    for (let k = 0; k < count; k++) {
      const lf = ends[k];
      at += chunk.copy(out, at, from, lf);
      out[at++] = CR;
      out[at++] = LF;
      from = lf + 1;
    }
    chunk.copy(out, at, from, n);
    return out;
  };
}

/** events.csv.gz from PostgreSQL's COPY (see `eventsCsvQuery`): header first, then the rows as the server wrote them. */
export async function writeEventsCsvGzByCopy(
  copy: CsvCopy,
  scope: PeriodEventsScope,
  out: Writable | string,
): Promise<EventsCsvWritten> {
  const header = Buffer.from(BOM + csvHeader(eventColumns(new Map()) as Column<unknown>[]));
  const sql = `COPY (${eventsCsvQuery(scope)}) TO STDOUT (FORMAT csv)`;
  const digest = digesting();
  const rows = await copy(sql, async (body) => {
    const toCrlf = crlfRecordEnds();
    async function* withHeader(): AsyncGenerator<Buffer> {
      let batch: Buffer[] = [header];
      let size = header.length;
      for await (const chunk of body) {
        batch.push(toCrlf(chunk as Buffer));
        size += (chunk as Buffer).length;
        if (size >= GZIP_INPUT_BYTES) {
          yield Buffer.concat(batch);
          batch = [];
          size = 0;
        }
      }
      if (batch.length > 0) yield Buffer.concat(batch);
    }
    // One batch waits ahead of gzip, not 16 (an object stream's default): memory stays at a few MB.
    await pipeline(
      Readable.from(withHeader(), { highWaterMark: 1 }),
      eventsGzip(),
      digest.stream,
      toWritable(out),
    );
  });
  return { rows, ...digest.result() };
}

/** What writing events.csv.gz gives: its rows, and the SHA-256 and size of the bytes written when known. */
export interface EventsCsvWritten {
  rows: number;
  sha256?: string;
  size?: number;
}

/**
 * Streams every event through gzip into `out`; memory stays bounded because `Readable.from` pulls the next event
 * only when gzip and the destination have room. `hostnames` (asset id → hostname) fills the Hostname column.
 */
export async function writeEventsCsvGz(
  events: EventStream,
  out: Writable | string,
  options: { hostnames?: ReadonlyMap<string, string> } = {},
): Promise<EventsCsvWritten> {
  const columns = eventColumns(options.hostnames ?? new Map());
  const digest = digesting();
  let rows = 0;
  async function* lines(): AsyncGenerator<string> {
    yield BOM + csvHeader(columns as Column<unknown>[]);
    // Batch small lines into larger chunks: one stream chunk per event costs more than the formatting.
    let batch = '';
    for await (const event of events()) {
      rows++;
      batch += csvRow<LedgerEvent>(columns, event);
      if (batch.length >= GZIP_INPUT_BYTES) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  await pipeline(Readable.from(lines(), { highWaterMark: 1 }), eventsGzip(), digest.stream, toWritable(out));
  return { rows, ...digest.result() };
}
