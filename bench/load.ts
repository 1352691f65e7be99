/**
 * Mixed load on loopback: NDJSON ingest, a metrics GraphQL query and a pack download hammered together by autocannon
 * against the service running as a child process (`node dist/src/main.js`) on a fresh PostgreSQL database, while a
 * second tenant asks for its own metrics every 250 ms. Prints throughput, latency percentiles and status counts per
 * endpoint, then PASS/FAIL: no 5xx other than 503, and every one of the other tenant's queries answered.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/load.js
 *     [--duration=20] [--out=bench/results/load.txt]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  freePort,
  graphqlRequest,
  harnessEvent,
  postNdjson,
  provisionTenant,
  REPO_ROOT,
  ServiceProcess,
  type Tenant,
} from '../test/crash/crash-harness.js';
import { freshDatabaseConfig } from '../test/helpers/test-db.js';

// autocannon ships no types; this is the part used here.
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  throughput: { average: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number) => void): void;
}
type Autocannon = (
  opts: {
    url: string;
    connections: number;
    duration: number;
    requests: AutocannonRequest[];
    timeout?: number;
  },
  cb: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const option = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;

const BATCH = 100;
const OCTOBER = Date.parse('2026-10-01T00:00:00Z');
const METRICS = `query($c: ID) { remediationMetrics(clientId: $c, period: {month: "2026-10"}) {
  policy slaCompliance { numerator denominator value } ttr { median p90 } breaches { hostname patchId daysLate } } }`;

interface EndpointRun {
  name: string;
  connections: number;
  result: AutocannonResult;
  statuses: Map<number, number>;
}

function run(
  name: string,
  url: string,
  connections: number,
  seconds: number,
  request: AutocannonRequest,
): Promise<EndpointRun> {
  return new Promise((resolve, reject) => {
    const statuses = new Map<number, number>();
    const instance = autocannon(
      { url, connections, duration: seconds, requests: [request], timeout: 30 },
      (err, result) => (err ? reject(err) : resolve({ name, connections, result, statuses })),
    );
    instance.on('response', (_client, status) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
  });
}

/** Busy fraction of all CPUs between two /proc/stat readings. */
function cpuTimes(): { busy: number; total: number } {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = fields.map(Number);
  const idle = n[3] + n[4];
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

async function main(): Promise<number> {
  if (!process.env.DATABASE_URL) {
    console.error(
      'set DATABASE_URL to a PostgreSQL server (a fresh database is created on it and dropped after)',
    );
    return 2;
  }
  const seconds = Number(option('duration', '20'));
  const out = path.resolve(REPO_ROOT, option('out', 'bench/results/load.txt'));
  const lines: string[] = [];
  const say = (s: string) => {
    console.log(s);
    lines.push(s);
  };

  const loadBefore = os.loadavg();
  const config = await freshDatabaseConfig();
  const databaseUrl = config.databaseUrl!;
  const service = await ServiceProcess.start({
    port: await freePort(),
    dataDir: config.dataDir,
    databaseUrl,
  });
  try {
    const a: Tenant = await provisionTenant(service, databaseUrl);
    const b: Tenant = await provisionTenant(service, databaseUrl);
    // Data to read: 5,000 events for A (1,000 cases), 500 for B, and a ready October pack of A.
    for (const [t, count, prefix] of [
      [a, 5000, 'a'],
      [b, 500, 'b'],
    ] as const) {
      for (let i = 0; i < count; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, count - i) }, (_, k) =>
          harnessEvent(`${prefix}0-${i + k}`, i + k, OCTOBER),
        );
        const r = await postNdjson(service.url, t.ingestToken, t.clientId, batch);
        if (r.error) throw new Error(`seeding: ${r.error}`);
      }
    }
    const { generateEvidencePack: pack } = await graphqlRequest<{ generateEvidencePack: { id: string } }>(
      service.url,
      a.adminToken,
      `mutation($c: ID!) { generateEvidencePack(input: {clientId: $c, period: {month: "2026-10"}}) { id } }`,
      { c: a.clientId },
    );
    for (let status = ''; status !== 'ready';) {
      await new Promise((r) => setTimeout(r, 500));
      const p = await graphqlRequest<{ evidencePack: { status: string } }>(
        service.url,
        a.adminToken,
        `query($id: ID!) { evidencePack(id: $id) { status } }`,
        { id: pack.id },
      );
      status = p.evidencePack.status;
      if (status === 'failed') throw new Error('the pack failed to render');
    }

    // Each endpoint alone once (after a warm-up), to tell the cost of a request from the wait under load.
    const timed = async (f: () => Promise<unknown>) => {
      await f();
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    let seed = 2_000_000;
    const alone = [
      await timed(() =>
        postNdjson(
          service.url,
          a.ingestToken,
          a.clientId,
          Array.from({ length: BATCH }, () => harnessEvent(`w-${++seed}`, seed, OCTOBER)),
        ),
      ),
      await timed(() =>
        fetch(`${service.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${a.adminToken}` },
          body: JSON.stringify({ query: METRICS, variables: { c: a.clientId } }),
        }).then((r) => r.arrayBuffer()),
      ),
      await timed(() =>
        fetch(`${service.url}/v1/packs/${pack.id}/download`, {
          headers: { authorization: `Bearer ${a.adminToken}` },
        }).then((r) => r.arrayBuffer()),
      ),
    ];

    // The other tenant's metrics query, every 250 ms, for the whole run.
    const probe: { ms: number; ok: boolean; detail: string }[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const t0 = performance.now();
        try {
          const res = await fetch(`${service.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${b.adminToken}` },
            body: JSON.stringify({ query: METRICS, variables: { c: b.clientId } }),
            signal: AbortSignal.timeout(30_000),
          });
          const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
          const ok = res.status === 200 && !body.errors && body.data !== undefined;
          probe.push({
            ms: performance.now() - t0,
            ok,
            detail: ok ? '' : `${res.status} ${JSON.stringify(body.errors)}`,
          });
        } catch (err) {
          probe.push({ ms: performance.now() - t0, ok: false, detail: (err as Error).message });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    let n = 1_000_000;
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const cpu0 = cpuTimes();
    const runs = await Promise.all([
      run('NDJSON ingest (100 events/request)', service.url, 8, seconds, {
        method: 'POST',
        path: `/v1/events?clientId=${a.clientId}`,
        headers: { ...auth(a.ingestToken), 'content-type': 'application/x-ndjson' },
        setupRequest: (req) => {
          const body = Array.from({ length: BATCH }, () => {
            n += 1;
            return harnessEvent(`l-${n}`, n, OCTOBER);
          }).join('\n');
          return { ...req, body: `${body}\n` };
        },
      }),
      run('GraphQL remediationMetrics', service.url, 8, seconds, {
        method: 'POST',
        path: '/graphql',
        headers: { ...auth(a.adminToken), 'content-type': 'application/json' },
        body: JSON.stringify({ query: METRICS, variables: { c: a.clientId } }),
      }),
      run('GET /v1/packs/:id/download', service.url, 4, seconds, {
        method: 'GET',
        path: `/v1/packs/${pack.id}/download`,
        headers: auth(a.adminToken),
      }),
    ]);
    const cpu1 = cpuTimes();
    probing = false;
    await prober;
    const busy = (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total);

    const mem = os.totalmem() / 2 ** 30;
    const pgVersion = await (async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        return (
          (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v ?? '?'
        );
      } finally {
        await c.end();
      }
    })();
    say(`# Mixed load, ${new Date().toISOString()}`);
    say(
      `machine: nproc ${os.availableParallelism()} (${os.cpus()[0]?.model.trim() ?? '?'}), ${mem.toFixed(1)} GiB, ` +
        `node ${process.version}, PostgreSQL ${pgVersion} on the same machine, load average (1/5/15 min) ` +
        `${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')} after`,
    );
    say(
      `commit: ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).toString().trim()}`,
    );
    say(
      `duration ${seconds} s; all CPUs busy ${(busy * 100).toFixed(0)}% during the run (service, PostgreSQL and autocannon share them)`,
    );
    say('');
    say(
      '| endpoint | alone ms | conns | req/s | p50 ms | p90 ms | p99 ms | max ms | statuses | errors/timeouts |',
    );
    say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
    let fiveHundreds = 0;
    for (const [i, r] of runs.entries()) {
      const s = [...r.statuses.entries()].sort((x, y) => x[0] - y[0]);
      fiveHundreds += s.filter(([code]) => code >= 500 && code !== 503).reduce((acc, [, c]) => acc + c, 0);
      const l = r.result.latency;
      say(
        `| ${r.name} | ${alone[i].toFixed(0)} | ${r.connections} | ${r.result.requests.average.toFixed(1)} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} | ` +
          `${s.map(([code, c]) => `${code}×${c}`).join(' ')} | ${r.result.errors}/${r.result.timeouts} |`,
      );
    }
    const ingested = (runs[0].statuses.get(200) ?? 0) * BATCH;
    say('');
    say(
      `ingest: ${ingested} events acknowledged = ${Math.round(ingested / seconds)} events/s under the mixed load`,
    );
    const ms = probe.map((p) => p.ms).sort((x, y) => x - y);
    const pct = (q: number) =>
      ms.length ? ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(0) : '-';
    const failed = probe.filter((p) => !p.ok);
    say(
      `other tenant's metrics query: ${probe.length} sent, ${probe.length - failed.length} answered; ` +
        `p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${ms.at(-1)?.toFixed(0) ?? '-'} ms`,
    );
    const verdicts = [
      [fiveHundreds === 0, `no 5xx other than 503 (${fiveHundreds})`],
      [
        probe.length > 0 && failed.length === 0,
        `the other tenant's metrics query always answered (${failed.length} failed${failed[0] ? `: ${failed[0].detail}` : ''})`,
      ],
    ] as const;
    say('');
    for (const [ok, text] of verdicts) say(`${ok ? 'PASS' : 'FAIL'}: ${text}`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${lines.join('\n')}\n`);
    console.log(`written to ${path.relative(REPO_ROOT, out)}`);
    return verdicts.every(([ok]) => ok) ? 0 : 1;
  } finally {
    await service.stop();
    const u = new URL(databaseUrl);
    const name = u.pathname.slice(1);
    u.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: u.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(err);
  return 1;
});
