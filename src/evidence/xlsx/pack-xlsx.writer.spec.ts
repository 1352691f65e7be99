import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import ExcelJS from 'exceljs';
import {
  eventStreamOf,
  samplePackEvents,
  syntheticEventStream,
} from '../../../test/fixtures/sample-pack-events.js';
import { samplePackContent } from '../../../test/fixtures/sample-pack-content.js';
import type { EvidencePackContent } from '../pack-content.js';
import yauzl from 'yauzl';
import { caseCveRows, type CellKind, type CellValue, type Column } from '../pack-tables.js';
import { DataRowWriter, SHEETS, writePackXlsx } from './pack-xlsx.writer.js';

type FakeableAPI = NonNullable<
  Extract<Parameters<typeof jest.useFakeTimers>[0], { doNotFake?: unknown }>['doNotFake']
>[number];
/** Fake only Date: streams need real timers and ticks. */
const TIMERS: FakeableAPI[] = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
];

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'patchproof-xlsx-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(path: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return workbook;
}

/** Data rows below the header row, as arrays indexed by header name. */
function table(sheet: ExcelJS.Worksheet, headerRow = 1): { header: string[]; rows: ExcelJS.Row[] } {
  const header = (sheet.getRow(headerRow).values as unknown[]).slice(1).map(String);
  const rows: ExcelJS.Row[] = [];
  sheet.eachRow((row, number) => {
    if (number > headerRow) rows.push(row);
  });
  return { header, rows };
}

function summaryRow(sheet: ExcelJS.Worksheet, label: string): ExcelJS.Row {
  let found: ExcelJS.Row | undefined;
  sheet.eachRow((row) => {
    if (!found && row.getCell(1).value === label) found = row;
  });
  if (!found) throw new Error(`no row ${label}`);
  return found;
}

describe('pack.xlsx', () => {
  let content: EvidencePackContent;
  let workbook: ExcelJS.Workbook;
  let result: Awaited<ReturnType<typeof writePackXlsx>>;
  const path = () => join(dir, 'pack.xlsx');

  beforeAll(async () => {
    content = samplePackContent();
    const events = samplePackEvents(content);
    result = await writePackXlsx(content, eventStreamOf(events), path(), { eventsCap: 100_000 });
    workbook = await open(path());
  });

  it('has the sheets in order, each table with a frozen header and a filter', () => {
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([...SHEETS]);
    for (const name of ['Controls', 'Findings', 'Cases', 'Events', 'Exceptions', 'Failed changes']) {
      const sheet = workbook.getWorksheet(name)!;
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(sheet.autoFilter).toBeTruthy();
      expect(sheet.getRow(1).font?.bold).toBe(true);
    }
  });

  it('writes cases as typed cells: dates are UTC dates, durations numbers of days, breaches filled', () => {
    const { header, rows } = table(workbook.getWorksheet('Cases')!);
    expect(rows).toHaveLength(caseCveRows(content).length);
    const col = (name: string) => header.indexOf(name) + 1;
    const breach = content.metrics.breaches.find((b) => b.remediatedAt !== undefined)!;
    const breached = content.cases.find((c) => c.key === breach.caseKey)!;
    const row = rows.find((r) => r.getCell(col('Case')).value === breach.caseKey)!;

    const released = row.getCell(col('Released (UTC)'));
    expect(released.value).toBeInstanceOf(Date);
    expect((released.value as Date).getTime()).toBe(breached.releasedAt);
    expect(released.numFmt).toBe('yyyy-mm-dd hh:mm');

    const ttr = row.getCell(col('Days release to remediation'));
    expect(typeof ttr.value).toBe('number');
    expect(ttr.value).toBeCloseTo((breached.remediatedAt! - breached.releasedAt!) / 86_400_000, 6);
    expect(ttr.numFmt).toBe('0.0');
    expect(row.getCell(col('Days late')).value).toBe(breach.daysLate);
    expect(row.getCell(col('Past due')).value).toBe(true);
    expect(row.getCell(col('Hostname')).fill).toMatchObject({ type: 'pattern', pattern: 'solid' });

    const onTime = rows.find((r) => r.getCell(col('Past due')).value === false)!;
    expect(onTime.getCell(col('Hostname')).fill?.type).not.toBe('pattern');
    expect(rows.filter((r) => r.getCell(col('Past due')).value === true).length).toBe(
      caseCveRows(content).filter((r) => r.breach).length,
    );
  });

  it('shows rates as percentages beside their numerator and denominator', () => {
    const summary = workbook.getWorksheet('Summary')!;
    const sla = summaryRow(summary, 'SLA compliance');
    expect(sla.getCell(2).value).toBeCloseTo(content.metrics.slaCompliance.value!, 10);
    expect(sla.getCell(2).numFmt).toBe('0.0%');
    expect(sla.getCell(3).value).toBe(content.metrics.slaCompliance.numerator);
    expect(sla.getCell(4).value).toBe(content.metrics.slaCompliance.denominator);
    const critical = summaryRow(summary, 'critical');
    expect(critical.getCell(2).value).toBe(content.metrics.ttrBySeverity.critical.count);
    expect(critical.getCell(4).value).toBe(content.metrics.ttrBySeverity.critical.median);
    expect(summaryRow(summary, 'SLA breaches').getCell(2).value).toBe(content.metrics.breaches.length);
    const asOf = summaryRow(summary, 'As of (UTC)').getCell(2).value as Date;
    expect(asOf.getTime()).toBe(content.asOf);
  });

  it('lists controls, findings, exceptions, failed changes and the change sample from the content', () => {
    const results = content.controls.flatMap((control) => control.results);
    expect(table(workbook.getWorksheet('Controls')!).rows).toHaveLength(results.length);
    const findings = table(workbook.getWorksheet('Findings')!);
    expect(findings.rows).toHaveLength(results.reduce((n, r) => n + r.findings.length, 0));
    expect(table(workbook.getWorksheet('Exceptions')!).rows).toHaveLength(content.exceptions.length);
    expect(table(workbook.getWorksheet('Failed changes')!).rows).toHaveLength(
      content.failedAndRolledBack.length,
    );
    const sample = workbook.getWorksheet('Changes sample')!;
    expect(sample.getCell('A1').text).toContain(content.changeSample.seed);
    expect(table(sample, 2).rows).toHaveLength(content.changeSample.items.length);
    const provenance = workbook.getWorksheet('Provenance')!;
    expect(summaryRow(provenance, 'Ledger head hash').getCell(2).value).toBe(
      content.provenance.ledger.headHash,
    );
  });

  it('holds every event of a small period, without a cap note', () => {
    const { header, rows } = table(workbook.getWorksheet('Events')!);
    expect(result).toEqual({ eventRows: rows.length, capped: false, totalEvents: rows.length });
    expect(rows).toHaveLength(content.provenance.counts.events);
    expect(header[0]).toBe('Seq');
    expect(rows[0].getCell(3).value).toBeInstanceOf(Date);
  });

  it('gives the same bytes for the same content written at different times', async () => {
    // Every part carries the pack's generation time, the two exceljs adds in its constructor included: a pack
    // rendered again later (or its XLSX written in a worker) has the same hash in the manifest.
    const write = async (name: string, now: number) => {
      jest.useFakeTimers({ now, doNotFake: TIMERS });
      try {
        await writePackXlsx(content, eventStreamOf(samplePackEvents(content)), join(dir, name), {
          eventsCap: 100_000,
        });
      } finally {
        jest.useRealTimers();
      }
      return readFileSync(join(dir, name));
    };
    const first = await write('first.xlsx', content.generatedAt);
    const second = await write('second.xlsx', content.generatedAt + 3 * 3_600_000 + 17_000);
    expect(second.equals(first)).toBe(true);
  });
});

describe('pack.xlsx events cap', () => {
  it('stops at the cap and says so above the header', async () => {
    const content = samplePackContent();
    const path = join(dir, 'capped.xlsx');
    const result = await writePackXlsx(content, syntheticEventStream(1_250), path, { eventsCap: 1_000 });
    expect(result).toEqual({ eventRows: 1_000, capped: true, totalEvents: 1_250 });
    const sheet = (await open(path)).getWorksheet('Events')!;
    expect(sheet.getCell('A1').text).toBe(
      'This sheet shows the first 1,000 of 1,250 events of the period. Every event is in events.csv.gz.',
    );
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(sheet.getCell('A2').value).toBe('Seq');
    expect(sheet.rowCount).toBe(1_002);
    expect(sheet.getCell('A1002').value).toBe(1_000);
  });

  it('refuses to state a count the stream does not match', async () => {
    await expect(
      writePackXlsx(samplePackContent(), syntheticEventStream(10), join(dir, 'wrong.xlsx'), {
        eventsCap: 100,
        totalEvents: 12,
      }),
    ).rejects.toThrow(/expected 12 events/);
  });
});

describe('pack.xlsx data rows', () => {
  /** The entries of a zip as text (the sheet and style parts of a small workbook). */
  async function zipText(path: string): Promise<Map<string, string>> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(path, { lazyEntries: false }, (err, z) => (err ? reject(err) : resolve(z))),
    );
    const out = new Map<string, string>();
    const pending: Promise<void>[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        pending.push(
          new Promise((done, fail) =>
            zip.openReadStream(entry, (err, stream) => {
              if (err) return fail(err);
              const chunks: Buffer[] = [];
              stream.on('data', (c: Buffer) => chunks.push(c));
              stream.on('end', () => {
                out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
                done();
              });
            }),
          ),
        );
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
    });
    await Promise.all(pending);
    return out;
  }

  interface Probe {
    text: CellValue;
    at: CellValue;
    days: CellValue;
    count: CellValue;
    share: CellValue;
    flag: CellValue;
  }
  const kinds: [keyof Probe, CellKind][] = [
    ['text', 'text'],
    ['at', 'instant'],
    ['days', 'days'],
    ['count', 'integer'],
    ['share', 'percent'],
    ['flag', 'flag'],
  ];
  // 30 columns (past Z: AA…AD), every kind five times over.
  const columns: Column<Probe>[] = Array.from({ length: 30 }, (_, i) => {
    const [field, kind] = kinds[i % kinds.length];
    return { header: `${field} ${i}`, kind, value: (r: Probe) => r[field] };
  });
  const probes: Probe[] = [
    { text: 'plain', at: Date.UTC(2026, 9, 5, 10, 0, 0, 123), days: 1.5, count: 3, share: 0.25, flag: true },
    { text: '<b>&"quoted"\'s\u0001\ttab\nline', at: 0, days: -0.1, count: 0, share: 1, flag: false },
    { text: '', at: undefined, days: null, count: undefined, share: null, flag: null },
    {
      text: '東京-db-02 🙂',
      at: Date.UTC(1999, 11, 31, 23, 59, 59),
      days: 1e21,
      count: -7,
      share: 1 / 3,
      flag: true,
    },
    { text: '=HYPERLINK("x")', at: 'not an instant', days: 12, count: 2 ** 53, share: 0, flag: 'yes' },
  ];

  async function write(name: string, rows: (sheet: ExcelJS.Worksheet) => void): Promise<Map<string, string>> {
    const file = join(dir, name);
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true });
    const sheet = workbook.addWorksheet('Probe');
    sheet.addRow(columns.map((c) => c.header)).commit();
    rows(sheet);
    sheet.commit();
    await workbook.commit();
    const parts = await zipText(file);
    return new Map(
      [...parts].filter(([part]) => part.startsWith('xl/worksheets/') || part === 'xl/styles.xml'),
    );
  }

  it('are the bytes exceljs writes for the same cells: types, style ids, escaping, empty and highlighted cells', async () => {
    const formats: Record<CellKind, string | undefined> = {
      text: undefined,
      instant: 'yyyy-mm-dd hh:mm',
      days: '0.0',
      integer: '0',
      number: undefined,
      percent: '0.0%',
      flag: undefined,
    };
    const fill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF8CBAD' } };
    const byExceljs = await write('exceljs-rows.xlsx', (sheet) => {
      probes.forEach((probe, n) => {
        const cells = columns.map((c) => {
          const v = c.value(probe);
          if (v === undefined || v === null || v === '') return null;
          return c.kind === 'instant' && typeof v === 'number' ? new Date(v) : v;
        });
        const row = sheet.addRow(cells);
        columns.forEach((c, i) => {
          const numFmt = formats[c.kind];
          row.getCell(i + 1).style = {
            ...(numFmt ? { numFmt } : {}),
            ...(n % 2 === 1 ? { fill } : {}),
          };
        });
        row.commit();
      });
    });
    const byWriter = await write('writer-rows.xlsx', (sheet) => {
      const rows = new DataRowWriter(sheet, columns);
      probes.forEach((probe, n) => rows.add(probe, n % 2 === 1));
      rows.flush();
    });
    expect(byWriter.get('xl/worksheets/sheet1.xml')).toContain('<c r="AD6"');
    expect(byWriter).toEqual(byExceljs);
  });

  it('refuses to write before the header row is committed', async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: join(dir, 'early.xlsx') });
    const sheet = workbook.addWorksheet('Early');
    expect(() => new DataRowWriter(sheet, columns)).toThrow(/after a committed header row/);
    sheet.commit();
    await workbook.commit();
  });
});
