/**
 * `pack.xlsx`: the pack's facts as typed cells for auditors who sample and filter. Dates are Excel dates shown in
 * UTC (`yyyy-mm-dd hh:mm`), durations are numbers of days, rates are percentages beside their numerator and
 * denominator, every table sheet has a frozen header row and a filter, and rows an auditor must look at (past due,
 * not satisfied) are filled.
 *
 * Written with exceljs's streaming writer: each row is committed as it is written, so the Events sheet's memory
 * stays flat. It holds at most `eventsCap` events; events.csv.gz always holds all of them.
 */
import { type EventEmitter, once } from 'node:events';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { nextTurn, ROWS_PER_TURN } from '../event-loop.js';
import type { DurationStats, Rate } from '../../metrics/metrics-report.js';
import type { EventStream, EvidencePackContent } from '../pack-content.js';
import {
  casesTable,
  changeSampleTable,
  controlsTable,
  eventColumns,
  exceptionsTable,
  failedChangesTable,
  findingsTable,
  hostnamesByAsset,
  type CellKind,
  type CellValue,
  type Column,
  type Table,
} from '../pack-tables.js';
import type { XlsxOptions, XlsxResult } from './pack-xlsx-options.js';

export const SHEETS = [
  'Summary',
  'Controls',
  'Findings',
  'Cases',
  'Events',
  'Exceptions',
  'Failed changes',
  'Changes sample',
  'Provenance',
] as const;

const DATE_FORMAT = 'yyyy-mm-dd hh:mm';
const DAYS_FORMAT = '0.0';
const PERCENT_FORMAT = '0.0%';
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
const BREACH_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF8CBAD' } };
const NOTE_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };

const NUMBER_FORMATS: Record<CellKind, string | undefined> = {
  text: undefined,
  instant: DATE_FORMAT,
  days: DAYS_FORMAT,
  integer: '0',
  number: undefined,
  percent: PERCENT_FORMAT,
  flag: undefined,
};

type Workbook = ExcelJS.stream.xlsx.WorkbookWriter;
type Worksheet = ExcelJS.Worksheet;

export async function writePackXlsx(
  content: EvidencePackContent,
  events: EventStream,
  out: Writable | string,
  opts: XlsxOptions,
): Promise<XlsxResult> {
  if (!Number.isInteger(opts.eventsCap) || opts.eventsCap < 0)
    throw new Error('eventsCap must be an integer ≥ 0');
  const totalEvents = opts.totalEvents ?? (await countEvents(events));
  // exceljs reads the document properties from its options too (its typings omit them): `created` must be set
  // before the constructor adds its first parts (see PinnedDatesWorkbookWriter).
  const writerOptions = {
    ...(typeof out === 'string' ? { filename: out } : { stream: out }),
    useStyles: true,
    useSharedStrings: false,
    created: new Date(content.generatedAt),
    modified: new Date(content.generatedAt),
    creator: 'Patchproof',
    lastModifiedBy: 'Patchproof',
  };
  const workbook = new PinnedDatesWorkbookWriter(writerOptions);
  workbook.title = `Evidence pack ${content.packId}`;

  writeSummary(workbook, content);
  await writeTable(workbook, 'Controls', controlsTable(content));
  await writeTable(workbook, 'Findings', findingsTable(content));
  await writeTable(workbook, 'Cases', casesTable(content));
  const eventResult = await writeEvents(workbook, content, events, opts.eventsCap, totalEvents);
  await writeTable(workbook, 'Exceptions', exceptionsTable(content));
  await writeTable(workbook, 'Failed changes', failedChangesTable(content));
  await writeTable(workbook, 'Changes sample', changeSampleTable(content), [
    `SOX change sample: ${content.changeSample.items.length} of ${content.changeSample.populationSize} ` +
      `deployments (requested ${content.changeSample.requestedSize}), seed ${content.changeSample.seed}. ` +
      content.changeSample.method,
  ]);
  writeProvenance(workbook, content);
  await workbook.commit();
  return { ...eventResult, totalEvents };
}

async function countEvents(events: EventStream): Promise<number> {
  let count = 0;
  for await (const _event of events()) count++;
  return count;
}

/**
 * The zip library stamps each part with the current time; stamping the pack's generation time (`created`) instead
 * makes the same content give the same bytes (and so the same manifest hash) when rendered twice, in this thread or
 * in a worker. The writer's constructor already adds two parts (theme, package relationships) before it returns, so
 * the stamp is pinned in its first hook, `addThemes`, which runs after `created` is set.
 */
class PinnedDatesWorkbookWriter extends ExcelJS.stream.xlsx.WorkbookWriter {
  override addThemes(): Promise<void> {
    const zip = (this as unknown as { zip: { append: (source: unknown, data: object) => unknown } }).zip;
    const append = zip.append.bind(zip);
    const date = this.created;
    zip.append = (source, data) => append(source, { ...data, date });
    return super.addThemes();
  }
}

function styleHeader(row: ExcelJS.Row): void {
  row.font = { bold: true };
  row.eachCell((cell) => {
    cell.fill = HEADER_FILL;
  });
}

function fillRow(row: ExcelJS.Row, fill: ExcelJS.Fill, columns: number): void {
  for (let i = 1; i <= columns; i++) row.getCell(i).fill = fill;
}

/** Note rows (above the header) span the table's width visually; they are plain text in column A. */
function addNotes(sheet: Worksheet, notes: readonly string[], columns: number): void {
  for (const note of notes) {
    const row = sheet.addRow([note]);
    row.font = { italic: true, bold: true };
    fillRow(row, NOTE_FILL, Math.max(columns, 1));
    row.commit();
  }
}

function addSheet(workbook: Workbook, name: string, headerRow: number): Worksheet {
  return workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: headerRow, xSplit: 0 }] });
}

function setColumns<R>(sheet: Worksheet, columns: readonly Column<R>[]): void {
  sheet.columns = columns.map((column) => ({
    width: column.width ?? (column.kind === 'instant' ? 17 : 12),
    style: NUMBER_FORMATS[column.kind] ? { numFmt: NUMBER_FORMATS[column.kind] } : {},
  }));
}

function addHeader<R>(sheet: Worksheet, columns: readonly Column<R>[], headerRow: number): void {
  const header = sheet.addRow(columns.map((column) => column.header));
  styleHeader(header);
  header.commit();
  sheet.autoFilter = { from: { row: headerRow, column: 1 }, to: { row: headerRow, column: columns.length } };
}

/**
 * One style object per column (and one per column for highlighted rows), shared by every data cell of that column.
 * exceljs resolves a style id by serializing the style object unless it has seen that very object before (a
 * WeakMap): shared objects make that lookup a hit. They are never mutated.
 */
const columnStyles = new WeakMap<
  readonly Column<never>[],
  { plain: ExcelJS.Style[]; highlight: ExcelJS.Style[] }
>();

function stylesOf<R>(columns: readonly Column<R>[]) {
  const key = columns as readonly Column<never>[];
  let styles = columnStyles.get(key);
  if (!styles) {
    const plain = columns.map((column) => {
      const numFmt = NUMBER_FORMATS[column.kind];
      return (numFmt ? { numFmt } : {}) as ExcelJS.Style;
    });
    styles = { plain, highlight: plain.map((style) => ({ ...style, fill: BREACH_FILL })) };
    columnStyles.set(key, styles);
  }
  return styles;
}

/** What the row writer uses of exceljs's streaming worksheet and style registry (not in its typings). */
interface StreamingSheet {
  /** exceljs's StreamBuf; `pipes[0]` is the zip entry's stream (readable-stream 2, hence `_writableState`). */
  stream: {
    write(xml: string): void;
    pipes?: (EventEmitter & { _writableState?: { needDrain?: boolean } })[];
  };
  startedData: boolean;
  _rows: unknown[] | null;
  _rowZero: number;
  _workbook: { styles: { addStyleModel(style: ExcelJS.Style, cellType: ExcelJS.ValueType): number } };
}

const { xmlEncode } = createRequire(import.meta.url)('exceljs/lib/utils/utils.js') as {
  xmlEncode: (text: string) => string;
};
/** exceljs's `dateToExcel`: days since 1899-12-30, the epoch being day 25569. */
const EXCEL_EPOCH_DAY = 25569;
const DAY_MS = 86_400_000;
const XML_BATCH_CHARS = 1 << 16;
/** The `t` attribute exceljs writes for a cell of each type (none for numbers, dates and empty cells). */
const TYPE_ATTRIBUTES: Partial<Record<ExcelJS.ValueType, string>> = {
  [ExcelJS.ValueType.String]: ' t="str"',
  [ExcelJS.ValueType.Boolean]: ' t="b"',
};

/**
 * Data rows as sheet XML written straight into the worksheet's stream: the bytes exceljs writes for
 * `addRow(values)`, a shared style per cell and `commit()` (the spec compares both), without the Row, Cell and value
 * objects and the XML stream exceljs builds for each cell, which made most of the XLSX part's time (about 60 µs a
 * 24-cell row; a 100,000-row Events sheet took 6 s). Style ids still come from exceljs's registry, asked per cell
 * with the cell's type in the same order, so they are the ids exceljs would give. Used after the header row is
 * committed, and the sheet takes no `addRow` until it is committed.
 */
export class DataRowWriter<R> {
  private readonly sheet: StreamingSheet;
  private readonly letters: string[];
  private readonly styles: { plain: ExcelJS.Style[]; highlight: ExcelJS.Style[] };
  /** The current row's cell types and XML texts (undefined: empty), reused from row to row. */
  private readonly types: ExcelJS.ValueType[] = [];
  private readonly texts: (string | undefined)[] = [];
  private xml = '';
  private next: number;

  constructor(
    sheet: Worksheet,
    private readonly columns: readonly Column<R>[],
  ) {
    this.sheet = sheet as unknown as StreamingSheet;
    if (!this.sheet.startedData || this.sheet._rows?.length !== 0) {
      throw new Error('pack.xlsx: data rows are written after a committed header row');
    }
    this.next = this.sheet._rowZero;
    this.letters = columns.map((_, i) => columnLetters(i + 1));
    this.styles = stylesOf(columns);
  }

  add(row: R, highlight: boolean): void {
    const { columns, letters, types, texts } = this;
    const r = this.next++;
    let values = 0;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      const value = column.value(row);
      if (value === undefined || value === null || value === '') {
        types[i] = ExcelJS.ValueType.Null;
        texts[i] = undefined;
        continue;
      }
      values++;
      if (typeof value === 'number') {
        // An instant is a date cell, which exceljs writes as its day number.
        types[i] = column.kind === 'instant' ? ExcelJS.ValueType.Date : ExcelJS.ValueType.Number;
        texts[i] = String(column.kind === 'instant' ? EXCEL_EPOCH_DAY + value / DAY_MS : value);
      } else if (typeof value === 'string') {
        types[i] = ExcelJS.ValueType.String;
        texts[i] = xmlEncode(value);
      } else {
        types[i] = ExcelJS.ValueType.Boolean;
        texts[i] = value ? '1' : '0';
      }
    }
    // exceljs leaves out a row without values (styled or not), and registers no style for it.
    if (values === 0) return;
    const styles = highlight ? this.styles.highlight : this.styles.plain;
    const registry = this.sheet._workbook.styles;
    let xml = `<row r="${r}" spans="1:${columns.length}" x14ac:dyDescent="0.25">`;
    for (let i = 0; i < columns.length; i++) {
      const styleId = registry.addStyleModel(styles[i], types[i]);
      const text = texts[i];
      if (text === undefined && !styleId) continue;
      xml += `<c r="${letters[i]}${r}"${styleId ? ` s="${styleId}"` : ''}${TYPE_ATTRIBUTES[types[i]] ?? ''}`;
      xml += text === undefined ? '/>' : `><v>${text}</v></c>`;
    }
    this.xml += `${xml}</row>`;
    if (this.xml.length >= XML_BATCH_CHARS) this.flush();
  }

  /**
   * Waits while the zip has not taken what was written; otherwise lets the event loop turn (see nextTurn).
   * exceljs's sheet stream never pushes back (it ignores its destination's `write` result), so without the wait a
   * 100,000-row sheet is made faster than it is deflated and sits in memory nearly whole (130 MB here).
   */
  async caughtUp(): Promise<void> {
    this.flush();
    const entry = this.sheet.stream.pipes?.[0];
    if (entry?._writableState?.needDrain) await once(entry, 'drain');
    else await nextTurn();
  }

  /** Writes what is batched; the sheet's next row number follows the rows written. */
  flush(): void {
    if (this.xml) this.sheet.stream.write(this.xml);
    this.xml = '';
    this.sheet._rowZero = this.next;
  }
}

/** A, B, …, Z, AA, …: the column part of a cell address. */
function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

async function writeTable<R>(
  workbook: Workbook,
  name: string,
  table: Table<R>,
  notes: readonly string[] = [],
): Promise<void> {
  const headerRow = notes.length + 1;
  const sheet = addSheet(workbook, name, headerRow);
  setColumns(sheet, table.columns);
  addNotes(sheet, notes, table.columns.length);
  addHeader(sheet, table.columns, headerRow);
  const rows = new DataRowWriter(sheet, table.columns);
  let written = 0;
  for (const row of table.rows) {
    rows.add(row, table.highlight?.(row) ?? false);
    if (++written % ROWS_PER_TURN === 0) await rows.caughtUp();
  }
  rows.flush();
  sheet.commit();
}

async function writeEvents(
  workbook: Workbook,
  content: EvidencePackContent,
  events: EventStream,
  cap: number,
  total: number,
): Promise<{ eventRows: number; capped: boolean }> {
  const columns = eventColumns(hostnamesByAsset(content));
  const capped = total > cap;
  const notes = capped
    ? [
        `This sheet shows the first ${cap.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events ` +
          `of the period. Every event is in events.csv.gz.`,
      ]
    : [];
  const headerRow = notes.length + 1;
  const sheet = addSheet(workbook, 'Events', headerRow);
  setColumns(sheet, columns);
  addNotes(sheet, notes, columns.length);
  addHeader(sheet, columns, headerRow);
  const rows = new DataRowWriter(sheet, columns);
  const wanted = Math.min(cap, total);
  let eventRows = 0;
  let more = false;
  for await (const event of events()) {
    if (eventRows === wanted) {
      more = true;
      break;
    }
    rows.add(event, false);
    if (++eventRows % ROWS_PER_TURN === 0) await rows.caughtUp();
  }
  rows.flush();
  // The note states a count: if the stream disagrees with it, the sheet would misstate the population.
  if (eventRows < wanted || (more && !capped)) {
    throw new Error(
      `event stream changed between passes: expected ${total} events, the Events sheet read ${more ? 'more' : eventRows}`,
    );
  }
  sheet.commit();
  return { eventRows, capped };
}

// ------------------------------------------------------------------------------------------------ Summary

function pairs(sheet: Worksheet, rows: [string, CellValue | Date, string?][]): void {
  for (const [label, value, numFmt] of rows) {
    const row = sheet.addRow([label, value === undefined ? null : value]);
    row.getCell(1).font = { bold: true };
    if (numFmt) row.getCell(2).numFmt = numFmt;
    row.commit();
  }
}

function section(sheet: Worksheet, headers: string[]): void {
  sheet.addRow([]).commit();
  const row = sheet.addRow(headers);
  styleHeader(row);
  row.commit();
}

function rateRow(sheet: Worksheet, label: string, rate: Rate): void {
  const row = sheet.addRow([label, rate.value, rate.numerator, rate.denominator]);
  row.getCell(2).numFmt = PERCENT_FORMAT;
  row.commit();
}

function statsRow(sheet: Worksheet, label: string, stats: DurationStats): void {
  const row = sheet.addRow([label, stats.count, stats.mean, stats.median, stats.p90, stats.max]);
  for (let i = 3; i <= 6; i++) row.getCell(i).numFmt = DAYS_FORMAT;
  row.commit();
}

function writeSummary(workbook: Workbook, content: EvidencePackContent): void {
  const { metrics } = content;
  const sheet = addSheet(workbook, 'Summary', 1);
  sheet.columns = [{ width: 34 }, { width: 44 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 12 }];
  const title = sheet.addRow([`Evidence pack: ${content.client.name}, ${content.periodLabel}`]);
  title.font = { bold: true, size: 14 };
  title.commit();
  pairs(sheet, [
    ['Pack id', content.packId],
    ['Client', `${content.client.name} (${content.client.id})`],
    ['Managed by', `${content.tenant.name} (${content.tenant.id})`],
    ['Period from (UTC)', new Date(content.period.from), DATE_FORMAT],
    ['Period to, exclusive (UTC)', new Date(content.period.to), DATE_FORMAT],
    ['As of (UTC)', new Date(content.asOf), DATE_FORMAT],
    ['Generated (UTC)', new Date(content.generatedAt), DATE_FORMAT],
    ['Client time zone', content.client.timeZone],
    ['Frameworks', content.frameworks.join(', ')],
    ['SLA policy', `${content.policy.name} (${content.policy.key} v${content.policy.version})`],
    ['Clock starts at', content.policy.clock],
    ['Days counted', content.policy.dayKind],
    ['Cases considered', metrics.casesConsidered],
    ['Events considered', metrics.eventsConsidered],
    ['SLA breaches', metrics.breaches.length],
    ['Survival half-life (days)', metrics.halfLifeDays, DAYS_FORMAT],
  ]);

  section(sheet, ['Rate', 'Value', 'Numerator', 'Denominator']);
  rateRow(sheet, 'SLA compliance', metrics.slaCompliance);
  rateRow(sheet, 'KEV remediated by due date', metrics.kevOnTime);
  for (const [key, label] of [
    ['d7', '7'],
    ['d14', '14'],
    ['d30', '30'],
    ['d60', '60'],
    ['d90', '90'],
  ] as const) {
    rateRow(sheet, `Remediated within ${label} days`, metrics.remediatedWithin[key]);
  }
  rateRow(sheet, 'Patch success', metrics.patchSuccess);
  rateRow(sheet, 'First-pass success', metrics.firstPassSuccess);
  rateRow(sheet, 'Rollback rate', metrics.rollbackRate);
  rateRow(sheet, 'Approved before deploy', metrics.approvedBeforeDeploy);
  rateRow(sheet, 'Backup verified before deploy', metrics.backupBeforeDeploy);
  rateRow(sheet, 'Post-change verification', metrics.postChangeVerification);
  rateRow(sheet, 'Asset coverage', metrics.assetCoverage);

  section(sheet, ['Time to remediate (days)', 'Count', 'Mean', 'Median', 'P90', 'Max']);
  for (const severity of ['critical', 'high', 'medium', 'low', 'none', 'all'] as const) {
    statsRow(sheet, severity, metrics.ttrBySeverity[severity]);
  }
  statsRow(sheet, 'time to roll back', metrics.timeToRollback);
  statsRow(sheet, 'exposure window', metrics.exposureWindowDays);

  section(sheet, ['Open items by age at as-of', 'Count']);
  for (const [key, label] of [
    ['d0_7', '0–7 days'],
    ['d8_30', '8–30 days'],
    ['d31_60', '31–60 days'],
    ['d61_90', '61–90 days'],
    ['d90_plus', 'over 90 days'],
  ] as const) {
    sheet.addRow([label, metrics.openBacklog[key]]).commit();
  }

  section(sheet, ['Month', 'SLA compliance', 'Numerator', 'Denominator', 'Remediated', 'Median TTR (days)']);
  for (const point of metrics.trend) {
    const row = sheet.addRow([
      point.month,
      point.slaCompliance.value,
      point.slaCompliance.numerator,
      point.slaCompliance.denominator,
      point.remediated,
      point.medianTtrDays,
    ]);
    row.getCell(2).numFmt = PERCENT_FORMAT;
    row.getCell(6).numFmt = DAYS_FORMAT;
    row.commit();
  }
  sheet.commit();
}

// ------------------------------------------------------------------------------------------------ Provenance

function writeProvenance(workbook: Workbook, content: EvidencePackContent): void {
  const { query, ledger, counts, vulnerabilityFeeds, generator } = content.provenance;
  const sheet = addSheet(workbook, 'Provenance', 1);
  sheet.columns = [{ width: 30 }, { width: 70 }, { width: 16 }, { width: 16 }, { width: 70 }];
  const title = sheet.addRow(['Provenance: the query, sources and counts behind this pack']);
  title.font = { bold: true, size: 14 };
  title.commit();
  pairs(sheet, [
    ['Tenant id', query.tenantId],
    ['Client id', query.clientId],
    ['Period from', query.period.from],
    ['Period to (exclusive)', query.period.to],
    ['Frameworks', query.frameworks.join(', ')],
    ['Policy', query.policy],
    ['Policy digest (SHA-256)', content.policy.digest],
    ['As of', query.asOf],
    ['Ledger head seq', ledger.headSeq],
    ['Ledger head hash', ledger.headHash],
    ['Period first seq', ledger.periodFirstSeq],
    ['Period last seq', ledger.periodLastSeq],
    ['Ledger verified', ledger.verified],
    ['Ledger first bad seq', ledger.firstBadSeq],
    ['Ledger verified from seq (0 = genesis)', ledger.verification.fromSeq],
    ['Ledger events recomputed', ledger.verification.eventsChecked],
    ['Ledger checkpoint recorded at', ledger.verification.checkpointVerifiedAt],
    ['Ledger last verified from genesis', ledger.verification.genesisVerifiedAt],
    ['Events', counts.events],
    ['Cases', counts.cases],
    ['Assets', counts.assets],
    ['Controls', counts.controls],
    ['Breaches', counts.breaches],
    ['Exceptions', counts.exceptions],
    ['KEV catalog version', vulnerabilityFeeds.kevCatalogVersion],
    ['EPSS model version', vulnerabilityFeeds.epssModelVersion],
    ['NVD records', vulnerabilityFeeds.nvdRecords],
    ['Generator', `${generator.name} ${generator.version} (Node ${generator.node})`],
  ]);
  section(sheet, ['Source', 'Events']);
  for (const source of content.provenance.sources) sheet.addRow([source.source, source.events]).commit();
  section(sheet, ['Catalog', 'Name', 'Framework version', 'Catalog version', 'Digest (SHA-256)']);
  for (const catalog of content.catalogs) {
    sheet
      .addRow([
        catalog.framework,
        catalog.name,
        catalog.frameworkVersion,
        catalog.catalogVersion,
        catalog.digest,
      ])
      .commit();
  }
  sheet.commit();
}
