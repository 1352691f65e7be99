/**
 * Ingest throughput end to end: NDJSON over HTTP into the service running as a child process, as in production
 * (`node dist/src/main.js`), against PostgreSQL; then the floor PostgreSQL itself sets — `COPY` of the same rows into
 * a copy of the events table with the same indexes — and the ratio between the two. Then the same HTTP load on the
 * embedded PGlite database (throughput only).
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/ingest.bench.js
 *     [--events=100000] [--streams=4] [--embedded-events=N (default: --events)] [--no-embedded]
 *
 * Writes bench/results/ingest.txt. Needs `psql` for COPY (pg has no COPY streams without an extra package).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  freePort,
  harnessEvent,
  postNdjson,
  provisionTenant,
  REPO_ROOT,
  ServiceProcess,
  type ServiceEnv,
} from '../test/crash/crash-harness.js';

const run = promisify(execFile);

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

interface HttpResult {
  events: number;
  streams: number;
  seconds: number;
  eventsPerSecond: number;
  tenantId: string;
}

/** `streams` concurrent NDJSON requests of events/streams lines each, all to one tenant (its ledger lock). */
async function httpIngest(env: ServiceEnv, events: number, streams: number): Promise<HttpResult> {
  const service = await ServiceProcess.start(env, {
    expectBootstrapKey: !env.databaseUrl,
    timeoutMs: 120_000,
  });
  try {
    const tenant = await provisionTenant(service, env.databaseUrl);
    const baseMs = Date.now() - 30 * 86_400_000;
    const per = Math.ceil(events / streams);
    const bodies = Array.from({ length: streams }, (_, s) =>
      Array.from({ length: Math.min(per, events - s * per) }, (_, i) =>
        harnessEvent(`s${s}-${i}`, i, baseMs),
      ),
    );
    const started = process.hrtime.bigint();
    const outcomes = await Promise.all(
      bodies.map((lines) =>
        postNdjson(service.url, tenant.ingestToken, tenant.clientId, lines, { timeoutMs: 300_000 }),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const accepted = outcomes.reduce((n, o) => n + Number(o.receipt?.accepted ?? 0), 0);
    const failed = outcomes.find((o) => o.error);
    if (failed || accepted !== events) {
      throw new Error(
        `ingest incomplete: ${accepted}/${events} accepted; ${failed?.error ?? ''}\n${service.tail()}`,
      );
    }
    await service.stop();
    return { events, streams, seconds, eventsPerSecond: events / seconds, tenantId: tenant.tenantId };
  } finally {
    await service.kill('SIGKILL');
  }
}

/** COPY of the tenant's stored rows into `bench_copy (LIKE events INCLUDING ALL)`, timed on the COPY alone. */
async function copyIngest(
  databaseUrl: string,
  tenantId: string,
): Promise<{ rows: number; seconds: number; rowsPerSecond: number }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-bench-')), 'events.copy');
  try {
    await run('psql', [
      databaseUrl,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy (SELECT * FROM events WHERE tenant_id = '${tenantId}' ORDER BY seq) TO '${file}'`,
    ]);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`DROP TABLE IF EXISTS bench_copy`);
      await client.query(`CREATE TABLE bench_copy (LIKE events INCLUDING ALL)`);
      await client.query(`CHECKPOINT`);
    } finally {
      await client.end();
    }
    const started = process.hrtime.bigint();
    const { stdout } = await run('psql', [
      databaseUrl,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy bench_copy FROM '${file}'`,
    ]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = Number(/COPY (\d+)/.exec(stdout)?.[1] ?? 0);
    return { rows, seconds, rowsPerSecond: rows / seconds };
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

async function machine(databaseUrl: string | undefined): Promise<string[]> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  const lines = [
    `date: ${new Date().toISOString()}`,
    `machine: ${os.cpus().length} CPUs (nproc ${os.availableParallelism()}), ${cpu}; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; ${os.type()} ${os.release()}`,
    `node: ${process.version}`,
    `load average at start (1/5/15 min): ${load} (other processes on the machine compete for its CPUs)`,
  ];
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query(
      `SELECT version(), current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync`,
    );
    await client.end();
    lines.push(
      `postgresql: ${rows[0].version.split(',')[0]} (fsync ${rows[0].fsync}, synchronous_commit ${rows[0].sc}), same machine`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const events = option('events', 100_000);
  const streams = option('streams', 4);
  const embeddedEvents = option('embedded-events', events);
  const base = process.env.DATABASE_URL;
  const out = await machine(base);
  const say = (line: string) => {
    console.log(line);
    out.push(line);
  };
  say(
    'service: node dist/src/main.js, NODE_ENV=production, LOG_LEVEL=warn, default pool (DB_POOL_SIZE 10); one tenant',
  );
  const sample = harnessEvent('s0-12345', 12345, Date.now());
  say(
    `events: 5 lifecycle events per (asset, patch) case, ~${Buffer.byteLength(sample)} bytes per NDJSON line; answered per batch of 1,000 lines`,
  );

  if (base) {
    const name = `pp_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const databaseUrl = url.toString();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-bench-'));
    try {
      const h = await httpIngest({ port: await freePort(), dataDir, databaseUrl }, events, streams);
      say(
        `PostgreSQL, HTTP NDJSON: ${h.events} events in ${h.streams} concurrent streams: ${h.seconds.toFixed(2)} s = ${Math.round(h.eventsPerSecond)} events/s`,
      );
      const c = await copyIngest(databaseUrl, h.tenantId);
      say(
        `PostgreSQL, COPY of the same ${c.rows} rows into bench_copy (LIKE events INCLUDING ALL): ${c.seconds.toFixed(2)} s = ${Math.round(c.rowsPerSecond)} rows/s`,
      );
      say(
        `ratio: the service ingests at ${((h.eventsPerSecond / c.rowsPerSecond) * 100).toFixed(1)}% of COPY (COPY is ${(c.rowsPerSecond / h.eventsPerSecond).toFixed(1)}x faster)`,
      );
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  } else {
    say('PostgreSQL: skipped (set DATABASE_URL)');
  }

  if (!process.argv.includes('--no-embedded')) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-bench-'));
    try {
      const e = await httpIngest(
        { port: await freePort(), dataDir, pgliteDataDir: path.join(dataDir, 'pglite') },
        embeddedEvents,
        streams,
      );
      say(
        `embedded PGlite, HTTP NDJSON: ${e.events} events in ${e.streams} concurrent streams: ${e.seconds.toFixed(2)} s = ${Math.round(e.eventsPerSecond)} events/s`,
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  say(`load average at the end: ${os.loadavg()[0].toFixed(2)}`);
  const file = path.join(REPO_ROOT, 'bench', 'results', 'ingest.txt');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `# npm run build && DATABASE_URL=… ${['node dist/bench/ingest.bench.js', ...process.argv.slice(2)].join(' ')}\n${out.join('\n')}\n`,
  );
  console.log(`written to ${path.relative(REPO_ROOT, file)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
