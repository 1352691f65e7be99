import { createHash } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import {
  eventStreamOf,
  samplePackEvents,
  syntheticEventStream,
} from '../../../test/fixtures/sample-pack-events.js';
import { samplePackContent } from '../../../test/fixtures/sample-pack-content.js';
import { caseCveRows } from '../pack-tables.js';
import fc from 'fast-check';
import {
  crlfRecordEnds,
  csvCell,
  csvField,
  eventsCsvQuery,
  writeCasesCsv,
  writeEventsCsvGz,
} from './pack-csv.js';

/** A small RFC 4180 parser for the tests (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

async function collect(write: (out: Writable) => Promise<unknown>): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await write(sink);
  return Buffer.concat(chunks);
}

describe('CSV fields', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('srv-db-01')).toBe('srv-db-01');
  });

  it('quotes per RFC 4180 and leaves numbers alone', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('days', -1.5)).toBe('-1.5');
    expect(csvCell('instant', Date.UTC(2026, 9, 20, 7, 55))).toBe('2026-10-20T07:55:00.000Z');
    expect(csvCell('flag', null)).toBe('');
    expect(csvCell('flag', false)).toBe('no');
  });
});

describe('cases.csv', () => {
  it('has one row per asset × CVE with the figures of the content', async () => {
    const content = samplePackContent();
    const bytes = await collect((out) => writeCasesCsv(content, out));
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(rows).toHaveLength(caseCveRows(content).length);
    expect(rows.length).toBeGreaterThan(content.cases.length);

    const col = (name: string) => header.indexOf(name);
    const breach = content.metrics.breaches.find((b) => b.hostname === 'srv-db-01')!;
    const breachRows = rows.filter((r) => r[col('Case')] === breach.caseKey);
    expect(breachRows.map((r) => r[col('CVE')])).toEqual(breach.cveIds);
    for (const row of breachRows) {
      expect(row[col('Past due')]).toBe('yes');
      expect(Number(row[col('Days late')])).toBe(breach.daysLate);
      expect(row[col('Breach due (UTC)')]).toBe(new Date(breach.dueAt).toISOString());
      expect(row[col('Hostname')]).toBe('srv-db-01');
    }
    const pastDue = new Set(rows.filter((r) => r[col('Past due')] === 'yes').map((r) => r[col('Case')]));
    expect(pastDue.size).toBe(content.metrics.breaches.length);
    expect(rows.some((r) => r[col('Hostname')] === 'srv-zürich-01')).toBe(true);
  });
});

describe('events.csv.gz', () => {
  it('streams every event through gzip, one row each', async () => {
    const content = samplePackContent();
    const events = samplePackEvents(content);
    const hostnames = new Map(content.cases.map((c) => [c.assetId, c.hostname]));
    let rows = 0;
    const bytes = await collect(async (out) => {
      rows = (await writeEventsCsvGz(eventStreamOf(events), out, { hostnames })).rows;
    });
    expect(rows).toBe(events.length);
    const [header, ...lines] = parseCsv(gunzipSync(bytes).toString('utf8').slice(1));
    expect(lines).toHaveLength(events.length);
    expect(lines[0][header.indexOf('Event id')]).toBe(events[0].id);
    expect(lines[0][header.indexOf('Hostname')]).toBe(hostnames.get(events[0].assetId));
  });

  it('neutralises formula-like values from customer systems', async () => {
    const bytes = await collect((out) => writeEventsCsvGz(syntheticEventStream(8), out));
    const text = gunzipSync(bytes).toString('utf8');
    expect(text).toContain(",'=cmd|calc,");
    expect(text).not.toMatch(/,=cmd/);
  });

  it('reads events only as fast as the destination takes bytes (bounded memory)', async () => {
    let yielded = 0;
    const source = syntheticEventStream(200_000);
    const counted = async function* () {
      for await (const event of source()) {
        yielded++;
        yield event;
      }
    };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let written = 0;
    const sink = createHash('sha256');
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        sink.update(chunk);
        void gate.then(() => callback());
      },
    });
    const done = writeEventsCsvGz(counted, slow);
    // Until the sink has taken its first chunk (gzip emits 256 KB at a time), then a while longer.
    for (let waited = 0; written === 0 && waited < 20_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The sink has accepted one chunk and is stuck: the writer must have stopped pulling events.
    expect(written).toBeGreaterThan(0);
    expect(yielded).toBeLessThan(20_000);
    release();
    // The SHA-256 and size it reports for the manifest are those of the bytes the sink received.
    const result = await done;
    expect(result).toEqual({ rows: 200_000, sha256: sink.digest('hex'), size: written });
    expect(yielded).toBe(200_000);
  });
});

describe('events.csv.gz by COPY', () => {
  const quote = (f: string) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  /** Records as COPY writes them (LF after each) or, with `eol`, as the pack's CSV does. */
  const csvOf = (records: string[][], eol = '\n') =>
    records.map((r) => r.map(quote).join(',') + eol).join('');

  it('ends records with CRLF and keeps line breaks inside quoted fields, however the bytes are chunked', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'ü', ',', '"', '\n', '\r', ' ', '東') });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (records, cuts) => {
          const bytes = Buffer.from(csvOf(records));
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const toCrlf = crlfRecordEnds();
          const out: Buffer[] = [];
          let from = 0;
          for (const cut of [...at, bytes.length]) {
            out.push(toCrlf(bytes.subarray(from, cut)));
            from = cut;
          }
          // Only record ends change; a line break inside quotes is the field's own.
          const reference = csvOf(records, '\r\n');
          expect(Buffer.concat(out).toString('utf8')).toBe(reference);
          expect(parseCsv(reference)).toEqual(records);
        },
      ),
    );
  });

  it('puts only checked values into the query (COPY takes no bind parameters)', () => {
    const period = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) };
    const sql = eventsCsvQuery({ clientId: '8a18b93e-cfe2-c6d7-7a60-694161d7a0fc', period, asOf: period.to });
    expect(sql).toContain(`e.client_id = '8a18b93e-cfe2-c6d7-7a60-694161d7a0fc'`);
    expect(sql).toContain(`e.occurred_at >= '2026-10-01T00:00:00.000Z'::timestamptz`);
    expect(() => eventsCsvQuery({ clientId: "x' OR true --", period, asOf: period.to })).toThrow(/uuid/);
    expect(() =>
      eventsCsvQuery({ clientId: '8a18b93e-cfe2-c6d7-7a60-694161d7a0fc', period, asOf: NaN }),
    ).toThrow(/instant/);
  });
});
