/**
 * events.csv.gz is made by the database (COPY … TO STDOUT, see `eventsCsvQuery`); the XLSX Events sheet and the
 * in-memory writer format the same columns in JavaScript (`eventColumns` + `csvCell`). Both must give the same
 * bytes, on PostgreSQL and on the embedded database, for the values that make CSV hard. On PostgreSQL the service
 * makes events.csv.gz and pack.xlsx in worker threads with connections of their own: they must give the same bytes
 * as in-thread, read only the tenant's rows, and fail the pack when they fail.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { APP_CONFIG, type AppConfig } from '../src/config.js';
import { writeEventsCsvGz } from '../src/evidence/csv/pack-csv.js';
import { EvidenceService } from '../src/evidence/evidence.service.js';
import { writePackXlsx } from '../src/evidence/xlsx/pack-xlsx.writer.js';
import { monthPeriod } from '../src/metrics/metrics.service.js';
import { systemActor } from '../src/tenancy/actor.js';
import { ensureBuilt, REPO_ROOT } from './crash/crash-harness.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const INGEST = `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) { receipt { accepted rejected } results { status field reason } } }`;

/**
 * Runs each job through a compiled worker runner (dist), in a plain node process as the service runs it; a job that
 * fails gives `{ error: message }`. Jobs travel as structured clone (v8.serialize), as they do to a worker.
 */
async function inCompiledWorkers(
  dir: string,
  runnerModule: string,
  entryFunction: string,
  runFunction: string,
  jobs: unknown[],
): Promise<unknown[]> {
  await ensureBuilt();
  const runner = pathToFileURL(path.join(REPO_ROOT, 'dist/src/evidence', runnerModule)).href;
  const jobsFile = path.join(dir, `jobs-${runFunction}.bin`);
  fs.writeFileSync(jobsFile, v8.serialize(jobs));
  const script = `
    import fs from 'node:fs';
    import v8 from 'node:v8';
    const runner = await import(${JSON.stringify(runner)});
    const entry = runner.${entryFunction}();
    if (!entry) throw new Error('no compiled worker entry');
    const out = [];
    for (const job of v8.deserialize(fs.readFileSync(${JSON.stringify(jobsFile)}))) {
      out.push(await runner.${runFunction}(entry, job).catch((err) => ({ error: String(err.message ?? err), code: err.code })));
    }
    console.log(JSON.stringify(out));`;
  const scriptFile = path.join(dir, `run-${runFunction}.mjs`);
  fs.writeFileSync(scriptFile, script);
  const { stdout } = await promisify(execFile)(process.execPath, [scriptFile], { cwd: REPO_ROOT });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as unknown[];
}

describe('pack parts made by PostgreSQL COPY and in worker threads (e2e)', () => {
  let t: TestApp;
  let tenant: { id: string; token: string };
  let other: { id: string; token: string };
  let clientId: string;
  let dir: string;
  const october = monthPeriod('2026-10');

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.tenant('Fjord IT');
    other = await t.tenant('Elsewhere MSP');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-csv-'));
    const c = await t.gql(
      tenant.token,
      `mutation { createClient(input: {name: "Ærø Clinic", frameworks: [hipaa], timeZone: "Europe/Oslo"}) { id } }`,
    );
    clientId = c.data.createClient.id;
    const base = { source: 'ninjaone', cveIds: ['CVE-2024-1086', 'CVE-2024-21338'], vendorSeverity: 'high' };
    const events = [
      {
        ...base,
        kind: 'detected',
        asset: { hostname: 'srv-zürich-01' },
        patch: {
          id: 'KB5044284',
          title: 'Security update, "critical"\nsecond line',
          releasedAt: '2026-10-01',
        },
        occurredAt: '2026-10-05T10:00:00.123+05:30',
        sourceEventId: 'e1',
      },
      {
        ...base,
        kind: 'approved',
        asset: { hostname: 'srv-zürich-01' },
        patch: { id: 'KB5044284', title: '=HYPERLINK("http://x","y")' },
        occurredAt: '2026-10-06T09:00:00Z',
        sourceEventId: 'e2',
        actor: '@ops, night shift',
        changeTicket: '+CHG-1',
      },
      {
        ...base,
        cveIds: [],
        kind: 'failed',
        asset: { hostname: '東京-db-02' },
        patch: { id: '-openssl@3.0.15', vendor: 'Debian' },
        occurredAt: '2026-10-07T01:02:03.004Z',
        sourceEventId: 'e3,with comma',
        errorCode: '-2147024891',
        ring: 'pilot',
        emergency: true,
      },
      {
        ...base,
        kind: 'superseded',
        asset: { hostname: '東京-db-02' },
        patch: { id: '-openssl@3.0.15' },
        occurredAt: '2026-10-08T00:00:00Z',
        sourceEventId: 'e4',
        supersededBy: '=openssl@3.0.16',
      },
      {
        ...base,
        kind: 'exception_granted',
        asset: { hostname: 'legacy-sql-2008' },
        patch: { id: 'KB4012212' },
        occurredAt: '2026-10-09T12:00:00Z',
        sourceEventId: 'e5',
        exception: {
          reason: 'Vendor EOL, "no fix"; isolated VLAN',
          approver: 'CISO',
          owner: 'IT',
          compensatingControls: ['network isolation'],
          expiresAt: '2027-01-31T23:59:59.5+02:00',
        },
      },
      {
        ...base,
        kind: 'detected',
        asset: { hostname: 'legacy-sql-2008' },
        patch: { id: 'KB4012212' },
        occurredAt: '2026-09-30T23:59:59Z',
        sourceEventId: 'before-the-period',
      },
    ];
    const r = await t.gql(tenant.token, INGEST, { c: clientId, e: events });
    expect(r.data.ingestEvents.results.filter((x: { status: string }) => x.status === 'rejected')).toEqual(
      [],
    );
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('gives the same bytes as the JavaScript writer, with CRLF record ends and line breaks kept inside quotes', async () => {
    const evidence = t.app.get(EvidenceService);
    const asOf = Date.now();
    const byCopy = path.join(dir, 'copy.csv.gz');
    const copied = await evidence.writeEventsCsv(tenant.id, { clientId, period: october, asOf }, byCopy);
    expect(copied.rows).toBe(5);

    const assets = await t.gql(tenant.token, `query($c: ID!) { assets(clientId: $c) { id hostname } }`, {
      c: clientId,
    });
    const hostnames = new Map<string, string>(
      assets.data.assets.map((a: { id: string; hostname: string }) => [a.id, a.hostname]),
    );
    const byJs = path.join(dir, 'js.csv.gz');
    const written = await writeEventsCsvGz(
      () => evidence.eventStream(tenant.id, clientId, october, asOf),
      byJs,
      { hostnames },
    );
    expect(written.rows).toBe(5);

    const copyText = gunzipSync(fs.readFileSync(byCopy)).toString('utf8');
    const jsText = gunzipSync(fs.readFileSync(byJs)).toString('utf8');
    expect(copyText).toBe(jsText);

    expect(copyText.startsWith('\uFEFFSeq,Event id,Occurred (UTC),')).toBe(true);
    // Six records (header + 5), each ending in CRLF; the title's own line break stays a bare LF inside quotes.
    expect(copyText.split('\r\n')).toHaveLength(7);
    expect(copyText).toContain(',"Security update, ""critical""\nsecond line",');
    expect(copyText).toContain('2026-10-05T04:30:00.123Z');
    expect(copyText).toContain(`,"'=HYPERLINK(""http://x"",""y"")",`);
    expect(copyText).toContain(`,"'@ops, night shift",'+CHG-1,`);
    expect(copyText).toContain(`,'-2147024891,pilot,yes,`);
    expect(copyText).toContain(`,'=openssl@3.0.16,`);
    expect(copyText).toContain(`,"Vendor EOL, ""no fix""; isolated VLAN",2027-01-31T21:59:59.500Z,`);
    expect(copyText).toContain('東京-db-02');
    expect(copyText).not.toContain('before-the-period');
  });

  it('reads under the tenant scope: another tenant copies nothing of this client', async () => {
    const evidence = t.app.get(EvidenceService);
    const out = path.join(dir, 'other.csv.gz');
    const r = await evidence.writeEventsCsv(other.id, { clientId, period: october, asOf: Date.now() }, out);
    expect(r.rows).toBe(0);
    expect(gunzipSync(fs.readFileSync(out)).toString('utf8').split('\r\n')).toHaveLength(2);
  });

  // The service runs events.csv.gz in a worker thread with its own connection on PostgreSQL; the worker is loaded
  // from the compiled service (dist), so it runs here as the service runs it: in a plain node process.
  (process.env.DATABASE_URL ? it : it.skip)(
    'makes the same bytes in a worker thread on a connection of its own, in the tenant scope (compiled service)',
    async () => {
      const databaseUrl = t.app.get<AppConfig>(APP_CONFIG).databaseUrl!;
      const asOf = Date.now();
      const scope = { clientId, period: october, asOf };
      const jobs = [
        { databaseUrl, tenantId: tenant.id, scope, file: path.join(dir, 'worker.csv.gz') },
        { databaseUrl, tenantId: other.id, scope, file: path.join(dir, 'worker-other.csv.gz') },
        {
          databaseUrl,
          tenantId: tenant.id,
          scope: { ...scope, clientId: 'not-a-uuid' },
          file: path.join(dir, 'x.gz'),
        },
      ];
      const [mine, theirs, bad] = (await inCompiledWorkers(
        dir,
        'csv/events-csv-worker.js',
        'eventsCsvWorkerEntry',
        'runEventsCsvWorker',
        jobs,
      )) as [unknown, unknown, { error: string }];
      // The SHA-256 and size the manifest takes are those of the file written.
      const file = fs.readFileSync(path.join(dir, 'worker.csv.gz'));
      expect(mine).toEqual({
        rows: 5,
        sha256: createHash('sha256').update(file).digest('hex'),
        size: file.length,
      });
      expect(theirs).toMatchObject({ rows: 0 });
      expect(bad.error).toMatch(/uuid/);

      const inThread = path.join(dir, 'in-thread.csv.gz');
      await t.app.get(EvidenceService).writeEventsCsv(tenant.id, scope, inThread);
      expect(gunzipSync(fs.readFileSync(path.join(dir, 'worker.csv.gz')))).toEqual(
        gunzipSync(fs.readFileSync(inThread)),
      );
    },
    240_000,
  );

  (process.env.DATABASE_URL ? it : it.skip)(
    'writes the same pack.xlsx in a worker thread on a connection of its own, in the tenant scope (compiled service)',
    async () => {
      const evidence = t.app.get(EvidenceService);
      const databaseUrl = t.app.get<AppConfig>(APP_CONFIG).databaseUrl!;
      const pack = await evidence.request(systemActor(tenant.id), { clientId, period: october });
      const content = await evidence.content(tenant.id, pack, Date.parse('2026-11-02T08:00:00Z'));
      const scope = { clientId, period: content.period, asOf: content.asOf };
      // A cap below the period's 5 events: the worker must write the same cap note and the same first rows.
      const options = { eventsCap: 3, totalEvents: 5 };
      const inThread = path.join(dir, 'in-thread.xlsx');
      const written = await writePackXlsx(
        content,
        () => evidence.eventStream(tenant.id, clientId, content.period, content.asOf),
        inThread,
        options,
      );
      expect(written).toEqual({ eventRows: 3, capped: true, totalEvents: 5 });

      const job = { databaseUrl, tenantId: tenant.id, scope, content, options };
      const [mine, theirs, changed, bad] = (await inCompiledWorkers(
        dir,
        'xlsx/pack-xlsx-worker.js',
        'packXlsxWorkerEntry',
        'runPackXlsxWorker',
        [
          { ...job, file: path.join(dir, 'worker.xlsx') },
          // Another tenant's scope: the worker counts the events itself and finds none of this client's.
          { ...job, tenantId: other.id, options: { eventsCap: 3 }, file: path.join(dir, 'other.xlsx') },
          // Told 5 events but reading none: the sheet would misstate the population, so the worker fails.
          { ...job, tenantId: other.id, file: path.join(dir, 'changed.xlsx') },
          { ...job, scope: { ...scope, clientId: 'not-a-uuid' }, file: path.join(dir, 'bad.xlsx') },
        ],
      )) as [unknown, unknown, { error: string }, { error: string }];
      expect(mine).toEqual(written);
      expect(fs.readFileSync(path.join(dir, 'worker.xlsx')).equals(fs.readFileSync(inThread))).toBe(true);
      expect(theirs).toEqual({ eventRows: 0, capped: false, totalEvents: 0 });
      expect(changed.error).toMatch(/event stream changed between passes: expected 5 events/);
      expect(bad.error).toMatch(/uuid/);

      // Over its heap limit the worker stops with ERR_WORKER_OUT_OF_MEMORY, the error on which the service writes the
      // XLSX on its main thread instead (EvidenceService.xlsxWorker); the service's own process is unharmed.
      const [tooSmall] = (await inCompiledWorkers(
        dir,
        'xlsx/pack-xlsx-worker.js',
        'packXlsxWorkerEntry',
        'runPackXlsxWorker',
        [{ ...job, heapMb: 2, file: path.join(dir, 'oom.xlsx') }],
      )) as [{ error: string; code?: string }];
      expect(tooSmall.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    },
    240_000,
  );
});
