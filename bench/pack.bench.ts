/**
 * One evidence pack at the issue's scale: one client with 10,000 cases and about 1,000,000 events in the month
 * (each case: its lifecycle plus a scanner re-detection every 6 hours), generated in SQL, folded by the service's
 * fold, the tenant's hash chain recomputed for real (the pack verifies the ledger). Then, each in its own child
 * process so that peak RSS is that part's alone:
 *   - the pack rendered by the real `EvidenceService.render` (a Nest app opened as the CLI does), with the time of
 *     `EvidenceService.content` (queries + pack content) measured first and `assemblePack`'s own part timings;
 *   - pdfkit alone drawing the same 10,000-row case table (same font, page size and columns);
 *   - exceljs alone streaming the same Cases rows and the Events sheet's capped 100,000 rows, and zlib alone
 *     gzipping 1,000,000 CSV lines of the same shape.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/pack.bench.js
 *     [--cases=10000] [--rescans=96] [--keep] [--reuse=<database>] [--heap=<MB>]
 *
 * Writes bench/results/pack.txt. Creates and drops its own database on DATABASE_URL's server; `--keep` leaves it
 * (its name is printed) and `--reuse=<name>` renders against such a kept database without generating it again.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { openCli } from '../src/cli/cli-context.js';
import { PACK_PARTS_MIN_CPUS } from '../src/config.js';
import { csvRow, EVENTS_GZIP_LEVEL, eventsGzip, GZIP_INPUT_BYTES } from '../src/evidence/csv/pack-csv.js';
import { EvidenceService } from '../src/evidence/evidence.service.js';
import { SigningService } from '../src/evidence/signing.service.js';
import { IngestionService } from '../src/ingestion/ingestion.service.js';
import { casesTable, eventColumns, hostnamesByAsset } from '../src/evidence/pack-tables.js';
import { resolveFontFile } from '../src/evidence/pdf/report-templates.js';
import { systemActor } from '../src/tenancy/actor.js';
import { REPO_ROOT } from '../test/crash/crash-harness.js';
import {
  foldAllCases,
  freshDatabase,
  generateLedger,
  idsOf,
  keptDatabase,
  machine,
  option,
  rehashChain,
  analyze,
  writeResult,
} from './synthetic-ledger.js';

const run = promisify(execFile);
const MB = 2 ** 20;
const PERIOD = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) };
const AS_OF = Date.UTC(2026, 10, 1);

interface ChildResult {
  ms: number;
  maxRssMb: number;
  [k: string]: unknown;
}

/** Peak RSS: the kernel's high-water mark, plus samples on the event loop to attribute it to parts. */
function rssSampler() {
  const samples: { t: number; rss: number }[] = [];
  const timer = setInterval(() => samples.push({ t: performance.now(), rss: process.memoryUsage.rss() }), 20);
  return {
    samples,
    stop: () => clearInterval(timer),
    maxBetween: (a: number, b: number) =>
      samples.filter((s) => s.t >= a && s.t <= b).reduce((m, s) => Math.max(m, s.rss), 0) / MB,
  };
}
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** The service opened as the CLI opens it, without a job worker. */
const openApp = (url: string, work: string) =>
  openCli({ DATABASE_URL: url, DATA_DIR: work, LOG_LEVEL: 'warn', WORKER_ENABLED: 'false' });

// --- children -------------------------------------------------------------------------------------------------

async function childPack(
  url: string,
  tenantId: string,
  clientId: string,
  work: string,
): Promise<ChildResult> {
  const sampler = rssSampler();
  const ctx = await openApp(url, work);
  try {
    const evidence = ctx.app.get(EvidenceService);
    const actor = systemActor(tenantId);
    const pack = await evidence.request(actor, { clientId, period: PERIOD, asOf: AS_OF });
    // A running service has its signing key: generating the development key (about 1 s) is not the pack's time.
    await ctx.app.get(SigningService).signingKey();
    const rssBefore = process.memoryUsage.rss() / MB;
    const t0 = performance.now();
    const r = await evidence.render(tenantId, pack.id);
    const t1 = performance.now();
    const packMaxRss = maxRssMb();
    if (!r) throw new Error('the pack was not rendered');
    // assemblePack's timings: each part's start (ms from the assembly's start) and duration; the assembly ends
    // just before render() stores the archive (a few ms). events.csv.gz, pack.xlsx and pack.pdf overlap.
    const tm = r.timings;
    const parts: [string, keyof typeof tm.startsMs][] = [
      ['eventsCsv', 'eventsCsvMs'],
      ['xlsx', 'xlsxMs'],
      ['casesCsv', 'casesCsvMs'],
      ['pdfRender', 'pdfRenderMs'],
      ['pdfSign', 'pdfSignMs'],
      ['hash', 'hashMs'],
      ['manifest', 'manifestMs'],
      ['archive', 'archiveMs'],
    ];
    const assemblyStart = t1 - tm.totalMs;
    const partRss: Record<string, number> = {};
    for (const [name, key] of parts) {
      const from = assemblyStart + (tm.startsMs[key] ?? 0);
      partRss[name] = sampler.maxBetween(from, from + tm[key]);
    }
    sampler.stop();
    // Again after the pack (its peak is already recorded): the content query alone, and the baselines' rows.
    const tq = performance.now();
    const content = await evidence.content(tenantId, pack, Date.now());
    const queryMs = performance.now() - tq;
    await writeBaselineRows(work, content, evidence, tenantId, clientId);
    return {
      ms: t1 - t0,
      queryMs,
      rssBefore,
      contentMs: t1 - t0 - tm.totalMs,
      timings: tm,
      partRss,
      archiveBytes: fs.statSync(r.archivePath).size,
      cases: content.cases.length,
      counts: content.provenance.counts,
      ledgerVerified: content.provenance.ledger.verified,
      ledgerVerification: content.provenance.ledger.verification,
      pdfPages: pdfPageCount(r.archivePath),
      maxRssMb: packMaxRss,
    };
  } finally {
    await ctx.close();
  }
}

/** Pages of the pack's PDF (its /Type /Pages /Count), read from the archive with pdfinfo when installed. */
function pdfPageCount(archivePath: string): number | null {
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-pdf-'));
    try {
      execFileSync('unzip', ['-q', archivePath, 'pack.pdf', '-d', dir]);
      const info = execFileSync('pdfinfo', [path.join(dir, 'pack.pdf')], { encoding: 'utf8' });
      return Number(/Pages:\s+(\d+)/.exec(info)?.[1] ?? NaN);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    return null;
  }
}

/** The nightly job's work for this tenant: its whole chain recomputed from genesis, recorded as a checkpoint. */
async function childVerify(url: string, tenantId: string, work: string): Promise<ChildResult> {
  const ctx = await openApp(url, work);
  try {
    const t0 = performance.now();
    const v = await ctx.app.get(IngestionService).verifyLedger(systemActor(tenantId));
    if (!v.ok) throw new Error(`the generated ledger does not verify: ${v.reason}`);
    return { ms: performance.now() - t0, events: v.eventsChecked, maxRssMb: maxRssMb() };
  } finally {
    await ctx.close();
  }
}

/** The PDF's nine case-table columns as text (cases.json), and the XLSX Cases and Events rows (sheets.json). */
async function writeBaselineRows(
  work: string,
  content: Awaited<ReturnType<EvidenceService['content']>>,
  evidence: EvidenceService,
  tenantId: string,
  clientId: string,
): Promise<void> {
  const day = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString().slice(0, 10));
  const breachBy = new Map(content.metrics.breaches.map((b) => [b.caseKey, b]));
  const pdfRows = [...content.cases]
    .sort((a, b) =>
      a.hostname === b.hostname ? (a.patchId < b.patchId ? -1 : 1) : a.hostname < b.hostname ? -1 : 1,
    )
    .map((k) => {
      const b = breachBy.get(k.key);
      return [
        k.hostname,
        k.assetId.slice(0, 8),
        k.patchId,
        k.severity.severity + (k.kev ? '\nKEV' : ''),
        day(k.detectedAt),
        day(k.remediatedAt),
        k.remediatedAt !== undefined && k.detectedAt !== undefined
          ? ((k.remediatedAt - k.detectedAt) / 86_400_000).toFixed(1)
          : '—',
        k.state + (k.rollbacks.length ? '\nrolled back' : ''),
        b ? `breach\n${b.daysLate.toFixed(1)} d late` : '',
      ];
    });
  fs.writeFileSync(
    path.join(work, 'cases.json'),
    JSON.stringify({
      caseHeaders: [
        'Host',
        'Asset',
        'Patch',
        'Severity',
        'Clock start',
        'Remediated',
        'Elapsed',
        'State',
        'SLA',
      ],
      caseRows: pdfRows,
    }),
  );
  const t = casesTable(content);
  const cols = t.columns;
  const caseRows = [...t.rows].map((r) => cols.map((c) => c.value(r)));
  const evCols = eventColumns(hostnamesByAsset(content));
  const eventRows: unknown[][] = [];
  const csvLines: string[] = [];
  for await (const e of evidence.eventStream(tenantId, clientId, content.period, content.asOf)) {
    eventRows.push(evCols.map((c) => c.value(e)));
    if (csvLines.length < 1000) csvLines.push(csvRow(evCols, e));
    if (eventRows.length >= 100_000) break;
  }
  fs.writeFileSync(
    path.join(work, 'sheets.json'),
    JSON.stringify({
      caseHeaders: cols.map((c) => c.header),
      caseRows,
      eventHeaders: evCols.map((c) => c.header),
      eventRows,
      csvLines,
    }),
  );
}

function childPdfkit(work: string): ChildResult & { done: Promise<void> } {
  const { caseHeaders, caseRows } = JSON.parse(fs.readFileSync(path.join(work, 'cases.json'), 'utf8')) as {
    caseHeaders: string[];
    caseRows: string[][];
  };
  const t0 = performance.now();
  const regular = resolveFontFile('DejaVuSans.ttf');
  const bold = resolveFontFile('DejaVuSans-Bold.ttf');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 58, bottom: 58, left: 50, right: 50 },
    font: regular,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  const width = doc.page.width - 100;
  // The pack's relative widths for its nine case columns, applied to however many columns the rows have.
  const weights = [3, 1.15, 2, 1.3, 1.45, 1.45, 1, 1.3, 1.3];
  const n = caseHeaders.length;
  const w = Array.from({ length: n }, (_, i) => weights[i % weights.length]);
  const sum = w.reduce((a, b) => a + b, 0);
  const widths = w.map((x) => (x / sum) * width);
  const lefts = widths.map((_, i) => 50 + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const size = 7;
  const header = () => {
    doc.rect(50, doc.y, width, size * 1.22 + 5).fill('#eef2f6');
    doc.font(bold).fontSize(size).fillColor('#1d2939');
    caseHeaders.forEach((h, i) => doc.text(h, lefts[i] + 3, doc.y + 2.5, { lineBreak: false }));
    doc.y += size * 1.22 + 5;
  };
  let pages = 1;
  doc.y = 58;
  header();
  doc.font(regular).fontSize(size);
  for (const row of caseRows) {
    const texts = row.map((v) => (v === null || v === undefined ? '' : String(v)));
    const h = Math.max(...texts.map((t, i) => doc.heightOfString(t, { width: widths[i] - 6 }))) + 5;
    if (doc.y + h > doc.page.height - 58) {
      doc.addPage();
      pages++;
      doc.y = 58;
      header();
      doc.font(regular).fontSize(size);
    }
    const y = doc.y;
    texts.forEach((t, i) => doc.text(t, lefts[i] + 3, y + 2.5, { width: widths[i] - 6 }));
    doc.y = y + h;
  }
  doc.end();
  return { ms: performance.now() - t0, pages, rows: caseRows.length, maxRssMb: maxRssMb(), done };
}

async function childExcel(work: string): Promise<ChildResult> {
  const data = JSON.parse(fs.readFileSync(path.join(work, 'sheets.json'), 'utf8')) as {
    caseHeaders: string[];
    caseRows: unknown[][];
    eventHeaders: string[];
    eventRows: unknown[][];
    csvLines: string[];
  };
  const asCell = (v: unknown) =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v) : (v as ExcelJS.CellValue);
  const t0 = performance.now();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path.join(work, 'alone.xlsx'),
    useStyles: true,
  });
  const cases = wb.addWorksheet('Cases');
  cases.addRow(data.caseHeaders).commit();
  for (const r of data.caseRows) cases.addRow(r.map(asCell)).commit();
  cases.commit();
  const events = wb.addWorksheet('Events');
  events.addRow(data.eventHeaders).commit();
  for (const r of data.eventRows) events.addRow(r.map(asCell)).commit();
  events.commit();
  await wb.commit();
  const xlsxMs = performance.now() - t0;
  // zlib alone: 1,000,000 CSV lines of the pack's shape (its first 1,000 lines repeated), batched as the pack does.
  const lines = data.csvLines;
  const total = 1_000_000;
  async function* chunks(): AsyncGenerator<string> {
    let batch = '';
    for (let i = 0; i < total; i++) {
      batch += lines[i % lines.length];
      if (batch.length >= GZIP_INPUT_BYTES) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  const t1 = performance.now();
  await pipeline(
    Readable.from(chunks()),
    eventsGzip(),
    fs.createWriteStream(path.join(work, 'alone.csv.gz')),
  );
  const gzipMs = performance.now() - t1;
  return {
    ms: xlsxMs,
    xlsxMs,
    gzipMs,
    caseRows: data.caseRows.length,
    eventRows: data.eventRows.length,
    maxRssMb: maxRssMb(),
  };
}

async function child(kind: string): Promise<void> {
  const work = process.env.BENCH_WORK!;
  let result: ChildResult;
  if (kind === 'pack') {
    result = await childPack(
      process.env.BENCH_DB!,
      process.env.BENCH_TENANT!,
      process.env.BENCH_CLIENT!,
      work,
    );
  } else if (kind === 'verify') {
    result = await childVerify(process.env.BENCH_DB!, process.env.BENCH_TENANT!, work);
  } else if (kind === 'pdfkit') {
    const r = childPdfkit(work);
    const drawn = r.ms;
    const t = performance.now();
    await r.done;
    result = {
      ...r,
      done: undefined,
      drawMs: drawn,
      ms: drawn + (performance.now() - t),
      maxRssMb: maxRssMb(),
    };
  } else {
    result = await childExcel(work);
  }
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}

interface PackOut {
  cases: number;
  counts: { events: number };
  ledgerVerified: boolean;
  ledgerVerification: { fromSeq: number; eventsChecked: number };
  pdfPages: number | null;
  archiveBytes: number;
  rssBefore: number;
  queryMs: number;
  contentMs: number;
  timings: Record<string, number>;
  partRss: Record<string, number>;
}

async function runChild<T>(
  kind: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<ChildResult & T> {
  const { stdout } = await run(process.execPath, [...nodeFlags, process.argv[1], `--child=${kind}`], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 64 * MB,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`child ${kind} printed no result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as ChildResult & T;
}

/** One tenant, one client (PCI DSS), cases/20 assets × 20 patches; detections 1–5 October, rescans every 6 h. */
async function generate(
  url: string,
  cases: number,
  rescans: number,
  say: (line: string) => void,
): Promise<{ tenantId: string; clientId: string }> {
  const g = await generateLedger(url, {
    tenants: 1,
    clientsPerTenant: 1,
    assetsPerClient: Math.max(1, Math.round(cases / 20)),
    cases,
    from: '2026-10-01T00:00:00Z',
    spanDays: 4,
    rescans,
    rescanHours: 6,
  });
  say(
    `ledger: ${g.events.toLocaleString('en-US')} events, ${g.cases.toLocaleString('en-US')} cases, one client, all in October 2026; generated in SQL in ${g.generateSeconds.toFixed(1)} s`,
  );
  const f = await foldAllCases(url, g.tenantIds, 1);
  say(`cases folded (foldRemediationCase + upsertCases) in ${f.seconds.toFixed(1)} s`);
  const h = await rehashChain(url, g.tenantIds[0]);
  say(
    `hash chain recomputed with eventHash and stored: ${h.events.toLocaleString('en-US')} events in ${h.seconds.toFixed(1)} s`,
  );
  await analyze(url);
  return { tenantId: g.tenantIds[0], clientId: g.clientIds[0] };
}

// --- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const childKind = process.argv.find((a) => a.startsWith('--child='))?.split('=')[1];
  if (childKind) return child(childKind);
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL (a PostgreSQL server where a database can be created)');
  const cases = option('cases', 10_000);
  const rescans = option('rescans', 96);
  const out = await machine(base);
  const say = (line: string) => {
    console.log(line);
    out.push(line);
  };
  const reuse = process.argv.find((a) => a.startsWith('--reuse='))?.split('=')[1];
  const db = reuse ? await keptDatabase(base, reuse) : await freshDatabase(base);
  const keep = reuse !== undefined || process.argv.includes('--keep');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-bench-'));
  try {
    const ids = reuse ? await idsOf(db.url) : await generate(db.url, cases, rescans, say);
    const env = {
      BENCH_WORK: work,
      BENCH_DB: db.url,
      BENCH_TENANT: ids.tenantId,
      BENCH_CLIENT: ids.clientId,
    };
    const v = await runChild<{ events: number }>('verify', env);
    say(
      `ledger verified from genesis (the nightly job; recorded as the checkpoint packs start from): ${v.events.toLocaleString('en-US')} events in ${(v.ms / 1000).toFixed(1)} s, peak RSS ${Math.round(v.maxRssMb)} MB`,
    );
    // --heap=<MB>: the pack child runs with --max-old-space-size=<MB> (as a render worker would be deployed).
    const heap = option('heap', 0);
    const heapFlags = heap ? [`--max-old-space-size=${heap}`] : [];
    // Parts at the same time, then one after another (their own times, for the ratios to the libraries alone); the
    // service's default (`auto`) is the first with PACK_PARTS_MIN_CPUS CPUs or more, else the second.
    const p = await runChild<PackOut>('pack', { ...env, PACK_PARTS_CONCURRENT: 'true' }, heapFlags);
    console.log(JSON.stringify(p));
    const q = await runChild<PackOut>('pack', { ...env, PACK_PARTS_CONCURRENT: 'false' }, heapFlags);
    console.log(JSON.stringify(q));
    const pdf = await runChild<{ rows: number; pages: number }>('pdfkit', env);
    console.log(JSON.stringify(pdf));
    const xl = await runChild<{ caseRows: number; eventRows: number; xlsxMs: number; gzipMs: number }>(
      'exceljs',
      env,
    );
    console.log(JSON.stringify(xl));
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    say(
      `pack (EvidenceService.render, child process, PostgreSQL, DB_POOL_SIZE 10): ${p.cases} cases, counts ${JSON.stringify(p.counts)}, ledger verified: ${p.ledgerVerified} (from the checkpoint at seq ${p.ledgerVerification.fromSeq}, ${p.ledgerVerification.eventsChecked} events recomputed), PDF ${p.pdfPages ?? '?'} pages, archive ${(p.archiveBytes / MB).toFixed(1)} MB; V8 heap limit ${heap ? `--max-old-space-size=${heap}` : 'Node default'}`,
    );
    const describe = (label: string, r: PackOut & ChildResult) => {
      const tm = r.timings;
      const rss = (name: string) => `${Math.round(r.partRss[name])} MB`;
      say(
        `${label}: whole pack (queries, content, every file, signatures, archive) ${s(r.ms)}, peak RSS ${Math.round(r.maxRssMb)} MB (getrusage high-water mark; the opened app before: ${Math.round(r.rssBefore)} MB)`,
      );
      say(
        `  queries and content ${s(r.contentMs)} (EvidenceService.content alone, run again afterwards: ${s(r.queryMs)}; the ledger verified from its checkpoint)`,
      );
      say(
        `  events.csv.gz (${r.counts.events} rows, formatted by PostgreSQL: COPY … TO STDOUT (FORMAT csv), gzip level ${EVENTS_GZIP_LEVEL} on the libuv pool): ${s(tm.eventsCsvMs)}${label.startsWith('parts at the same time') ? ' after the content (its COPY starts with the content, in a worker thread)' : ''}, sampled peak ${rss('eventsCsv')} (RSS sampled every 20 ms on the event loop)`,
      );
      say(
        `  pack.xlsx (all sheets; Events capped at 100,000, read from PostgreSQL): ${s(tm.xlsxMs)}, sampled peak ${rss('xlsx')}`,
      );
      say(
        `  pack.pdf rendering: ${s(tm.pdfRenderMs)}, sampled peak ${rss('pdfRender')}; PDF signing ${s(tm.pdfSignMs)}`,
      );
      say(
        `  cases.csv ${s(tm.casesCsvMs)}, OSCAL ${s(tm.oscalMs)}, hashing ${s(tm.hashMs)}, manifest + CMS signature ${s(tm.manifestMs)}, zip archive ${s(tm.archiveMs)}; assemblePack total ${s(tm.totalMs)}`,
      );
    };
    const concurrentByDefault = os.availableParallelism() >= PACK_PARTS_MIN_CPUS;
    const isDefault = (yes: boolean) =>
      yes === concurrentByDefault
        ? `the service's default on this ${os.availableParallelism()}-CPU machine`
        : `not the default with ${os.availableParallelism()} CPUs`;
    describe(
      `parts at the same time (PACK_PARTS_CONCURRENT=true, ${isDefault(true)}: events.csv.gz and pack.xlsx in worker threads while this thread makes cases.csv, OSCAL and the PDF, on ${os.cpus().length} CPUs shared with PostgreSQL, so each part's time below is its wall time among the others)`,
      p,
    );
    describe(`parts one after another (PACK_PARTS_CONCURRENT=false, ${isDefault(false)})`, q);
    say(
      `pdfkit alone (child process), the same ${pdf.rows} case rows, A4, DejaVu Sans 7 pt, header repeated: ${s(pdf.ms)} (${pdf.pages} pages), peak RSS ${Math.round(pdf.maxRssMb)} MB`,
    );
    say(
      `exceljs alone (child process, streaming WorkbookWriter): the same ${xl.caseRows} case rows + ${xl.eventRows} event rows: ${s(xl.xlsxMs)}; zlib alone, 1,000,000 CSV lines of the same shape: ${s(xl.gzipMs)}; peak RSS ${Math.round(xl.maxRssMb)} MB (holds the rows in memory)`,
    );
    const tq = q.timings;
    say(
      `ratios pack part (one after another) / library alone: PDF render ${(tq.pdfRenderMs / pdf.ms).toFixed(2)} (${q.pdfPages ?? '?'} pages against the ${pdf.pages} of the case table alone), XLSX ${(tq.xlsxMs / xl.xlsxMs).toFixed(2)}, events.csv.gz ${(tq.eventsCsvMs / xl.gzipMs).toFixed(2)} (target ≤ 1.3 each); whole pack ${s(p.ms)} at the same time, ${s(q.ms)} one after another (target < 15 s), peak RSS ${Math.round(p.maxRssMb)} / ${Math.round(q.maxRssMb)} MB (target < 500 MB); the service's default here: ${s((concurrentByDefault ? p : q).ms)}, ${Math.round((concurrentByDefault ? p : q).maxRssMb)} MB`,
    );
  } finally {
    if (keep) {
      say(`database kept: ${new URL(db.url).pathname.slice(1)} (--reuse=<name> renders against it again)`);
      await db.close();
    } else await db.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  say(`load average at the end: ${os.loadavg()[0].toFixed(2)}`);
  const file = path.join(REPO_ROOT, 'bench', 'results', 'pack.txt');
  writeResult(
    file,
    `npm run build && DATABASE_URL=… ${['node dist/bench/pack.bench.js', ...process.argv.slice(2)].join(' ')}`,
    out,
  );
  console.log(`written to ${path.relative(REPO_ROOT, file)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
