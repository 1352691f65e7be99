/**
 * A Jepsen-style set test for POST /v1/events (RELIABILITY.md R2, R3, R6). Producers stream unique events as NDJSON
 * to the real service in a child process (`node dist/src/main.js`); mid-stream a fault hits (the service is killed
 * with SIGKILL and restarted on the same data, or PostgreSQL stops with `-m immediate` and starts again), and every
 * producer resends each line that got no `accepted`/`duplicate` answer. Afterwards the events table is read
 * directly: every acknowledged event is stored exactly once, nothing is stored that was never sent, the chain
 * verifies.
 *
 * Used by test/crash.e2e-spec.ts and bench/ingest.bench.ts, and by hand (see README.md beside this file):
 *   npm run build && node dist/test/crash/crash-harness.js [--postgres] [--scenario=kill-app|restart-db] [--broken-ack]
 * `--broken-ack` is the negative control: the producer counts a line as acknowledged when it was SENT (what a
 * service that answers before commit would make a client believe), so the kill must show lost acknowledged events.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { TenancyService } from '../../src/tenancy/tenancy.service.js';
import { freshDatabaseConfig } from '../helpers/test-db.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// --- the built service ------------------------------------------------------------------------------------------

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the crash harness');
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();
export const SERVICE_ENTRY = path.join(REPO_ROOT, 'dist', 'src', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Runs `npm run build` when dist/src/main.js is missing or older than a source file. tsc emits even when files of
 * work in progress elsewhere fail to type-check, so the build counts as done when the entry point is fresh.
 */
export async function ensureBuilt(log: (msg: string) => void = () => {}): Promise<void> {
  const built = fs.existsSync(SERVICE_ENTRY) ? fs.statSync(SERVICE_ENTRY).mtimeMs : 0;
  const source = Math.max(
    newestMtime(path.join(REPO_ROOT, 'src')),
    newestMtime(path.join(REPO_ROOT, 'migrations')),
  );
  if (built > source) return;
  log('building the service (npm run build)');
  const started = Date.now();
  try {
    await run('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    if (!fs.existsSync(SERVICE_ENTRY) || fs.statSync(SERVICE_ENTRY).mtimeMs < started - 1000) {
      throw new Error(`npm run build produced no dist/src/main.js:\n${out.slice(-4000)}`, { cause: err });
    }
    log(`npm run build reported type errors (emitted anyway):\n${out.slice(-1000)}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceEnv {
  port: number;
  /** PostgreSQL server; without it, the embedded PGlite in `pgliteDataDir`. */
  databaseUrl?: string;
  pgliteDataDir?: string;
  dataDir: string;
}

/** The service as a child process, as an operator starts it (`node dist/src/main.js`). */
export class ServiceProcess {
  /** The admin key printed on the first start of an empty embedded database. */
  bootstrapToken: string | null = null;
  readonly exited: Promise<number | string | null>;
  private readonly output: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    // Whole lines only: a chunk can end in the middle of the key.
    const keep = () => {
      let partial = '';
      return (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (line.trim() === '') continue;
          this.output.push(line);
          if (this.output.length > 300) this.output.shift();
          const key = /^\s+(ppk_\S+)\s*$/.exec(line);
          if (key && this.output.some((l) => l.includes('Admin API key'))) this.bootstrapToken = key[1];
        }
      };
    };
    child.stdout?.on('data', keep());
    child.stderr?.on('data', keep());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process printed (for a failure message). */
  tail(n = 40): string {
    return this.output.slice(-n).join('\n');
  }

  static async start(
    env: ServiceEnv,
    options: { expectBootstrapKey?: boolean; timeoutMs?: number } = {},
  ): Promise<ServiceProcess> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['DATABASE_URL', 'PGLITE_DATA_DIR', 'NODE_OPTIONS', 'PACK_STORAGE_DIR'])
      delete childEnv[k];
    Object.assign(childEnv, {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(env.port),
      DATA_DIR: env.dataDir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : { PGLITE_DATA_DIR: env.pgliteDataDir }),
    });
    const child = spawn(process.execPath, [SERVICE_ENTRY], {
      cwd: REPO_ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, `http://127.0.0.1:${env.port}`);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      if (!service.running) throw new Error(`the service exited during start:\n${service.tail()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the service did not become healthy in time:\n${service.tail()}`);
      }
      const health = await getStatus(`${service.url}/health`, 2000);
      if (health === 200 && (!options.expectBootstrapKey || service.bootstrapToken)) return service;
      await sleep(100);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }

  /** Graceful stop (SIGTERM, Nest's shutdown hooks close the database); SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Status code of a GET, or 0 when the server does not answer (refused, reset, timeout). */
export function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

export async function graphqlRequest<T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (!res.ok || body.errors?.length || !body.data) {
    throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body.data;
}

export interface Tenant {
  tenantId: string;
  adminToken: string;
  ingestToken: string;
  clientId: string;
}

/**
 * A tenant, one client and an `ingest` key, made as an operator would: the admin key printed on the first embedded
 * start, or (PostgreSQL, where nothing is printed) the service's own bootstrap; then GraphQL for the rest.
 */
export async function provisionTenant(
  service: ServiceProcess,
  databaseUrl: string | undefined,
): Promise<Tenant> {
  let adminToken = service.bootstrapToken;
  if (!adminToken) {
    if (!databaseUrl) throw new Error('no admin key printed by the embedded first start');
    const ds = new DataSource(dataSourceOptions(databaseUrl, 1));
    await ds.initialize();
    try {
      adminToken = (await new TenancyService(ds).bootstrap('Crash Test MSP')).token;
    } finally {
      await ds.destroy();
    }
  }
  const { tenant } = await graphqlRequest<{ tenant: { id: string } }>(
    service.url,
    adminToken,
    `{ tenant { id } }`,
  );
  const { createClient } = await graphqlRequest<{ createClient: { id: string } }>(
    service.url,
    adminToken,
    `mutation { createClient(input: { name: "Northwind", frameworks: [pci_dss] }) { id } }`,
  );
  const { createApiKey } = await graphqlRequest<{ createApiKey: { token: string } }>(
    service.url,
    adminToken,
    `mutation { createApiKey(input: { role: ingest, label: "crash producers" }) { token } }`,
  );
  return { tenantId: tenant.id, adminToken, ingestToken: createApiKey.token, clientId: createClient.id };
}

// --- NDJSON over HTTP ---------------------------------------------------------------------------------------------

export interface NdjsonOutcome {
  httpStatus: number;
  /** Status per 1-based line number, for the lines the service answered before the response ended. */
  answered: Map<number, { status: string; reason?: string; field?: string }>;
  receipt?: Record<string, unknown>;
  /** An `{"error":...}` line, a non-200 body, or a transport failure (refused, reset). */
  error?: string;
}

/**
 * POSTs lines as NDJSON and reads the answer line by line as it arrives, so the lines answered before a crash
 * count even when the response never ends. `onSent` runs once the whole body went out on a connected socket.
 */
export function postNdjson(
  url: string,
  token: string,
  clientId: string,
  lines: string[],
  options: { timeoutMs?: number; onSent?: () => void } = {},
): Promise<NdjsonOutcome> {
  return new Promise((resolve) => {
    const out: NdjsonOutcome = { httpStatus: 0, answered: new Map() };
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      if (error && !out.error) out.error = error;
      resolve(out);
    };
    const req = http.request(
      `${url}/v1/events?clientId=${clientId}`,
      {
        method: 'POST',
        agent: false,
        timeout: options.timeoutMs ?? 60_000,
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
      },
      (res) => {
        out.httpStatus = res.statusCode ?? 0;
        let pending = '';
        const take = (line: string) => {
          if (line.trim() === '') return;
          let obj: {
            line?: number;
            status: string;
            reason?: string;
            field?: string;
            receipt?: Record<string, unknown>;
            error?: unknown;
          };
          try {
            obj = JSON.parse(line) as typeof obj;
          } catch {
            out.error ??= `unparseable answer line: ${line.slice(0, 200)}`;
            return;
          }
          if (typeof obj.line === 'number')
            out.answered.set(obj.line, { status: obj.status, reason: obj.reason, field: obj.field });
          else if (obj.receipt) out.receipt = obj.receipt;
          else if (obj.error) out.error = `${res.statusCode}: ${JSON.stringify(obj.error)}`;
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf('\n')) !== -1) {
            take(pending.slice(0, nl));
            pending = pending.slice(nl + 1);
          }
        });
        res.on('end', () => {
          take(pending);
          finish(out.httpStatus === 200 ? undefined : `HTTP ${out.httpStatus}`);
        });
        res.on('error', (err) => finish(`response: ${err.message}`));
        res.on('aborted', () => finish('response aborted'));
      },
    );
    req.on('finish', () => options.onSent?.());
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => finish(`request: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    // Streamed in chunks, as an agent uploading a spool would.
    for (let i = 0; i < lines.length; i += 50) req.write(`${lines.slice(i, i + 50).join('\n')}\n`);
    req.end();
  });
}

// --- the events --------------------------------------------------------------------------------------------------

export const HARNESS_SOURCE = 'crash-harness';
const KINDS = ['detected', 'approved', 'deployment_started', 'deployed', 'verified'];

/**
 * One valid event, a pure function of its id and the run's base time: a resend is byte-for-byte the same body (a
 * different body under the same sourceEventId would be refused as a conflict). Five events per case.
 */
export function harnessEvent(id: string, n: number, baseMs: number): string {
  const caseNo = Math.floor(n / 5);
  return JSON.stringify({
    kind: KINDS[n % 5],
    occurredAt: new Date(baseMs + n * 1000).toISOString(),
    source: HARNESS_SOURCE,
    sourceEventId: id,
    asset: { hostname: `srv-${id.split('-')[0]}-${String(caseNo % 97).padStart(3, '0')}` },
    patch: { id: `KB5${String(caseNo).padStart(6, '0')}`, releasedAt: '2026-08-12' },
    cveIds: ['CVE-2026-21001'],
    actor: n % 5 === 1 ? 'alice' : 'bob',
  });
}

// --- producers ----------------------------------------------------------------------------------------------------

export interface ProducerOptions {
  url: () => string;
  token: string;
  clientId: string;
  producers: number;
  batchLines: number;
  baseMs: number;
  /** Count lines as acknowledged when sent: the negative control. */
  brokenAck?: boolean;
}

export interface LoadState {
  /** Event id → body, for every line ever sent. */
  sent: Map<string, string>;
  acked: Set<string>;
  rejected: Map<string, string>;
  requests: number;
  failedRequests: number;
  /** Distinct lines sent again because an attempt got no answer. */
  resent: Set<string>;
  /** Resent lines answered `duplicate`: committed before the fault, answer lost with it. */
  duplicatesOnResend: number;
  errors: Map<string, number>;
}

/** Producers that generate fresh events until `stopGenerating()`, then resend what is unacknowledged until done. */
export class Load {
  readonly state: LoadState = {
    sent: new Map(),
    acked: new Set(),
    rejected: new Map(),
    requests: 0,
    failedRequests: 0,
    resent: new Set(),
    duplicatesOnResend: 0,
    errors: new Map(),
  };
  private generating = true;
  private abort = false;
  private readonly done: Promise<void>[];

  constructor(private readonly o: ProducerOptions) {
    this.done = Array.from({ length: o.producers }, (_, p) => this.produce(p));
  }

  stopGenerating(): void {
    this.generating = false;
  }

  /** Waits for every producer to finish; past the deadline they stop and what is unacknowledged stays so. */
  async drain(deadlineMs: number): Promise<boolean> {
    const timer = setTimeout(() => (this.abort = true), deadlineMs);
    await Promise.all(this.done);
    clearTimeout(timer);
    return !this.abort;
  }

  private async produce(p: number): Promise<void> {
    const s = this.state;
    const retry: string[] = [];
    const numberOf = new Map<string, number>();
    let next = 0;
    let backoff = 50;
    while (!this.abort) {
      const ids = retry.splice(0, this.o.batchLines);
      const resends = ids.length;
      while (ids.length < this.o.batchLines && this.generating) {
        const id = `p${p}-${next}`;
        numberOf.set(id, next++);
        ids.push(id);
      }
      if (ids.length === 0) break;
      const lines = ids.map((id) => {
        const body = s.sent.get(id) ?? harnessEvent(id, numberOf.get(id)!, this.o.baseMs);
        s.sent.set(id, body);
        return body;
      });
      ids.slice(0, resends).forEach((id) => s.resent.add(id));
      s.requests++;
      const out = await postNdjson(this.o.url(), this.o.token, this.o.clientId, lines, {
        // The negative control: what a client of a service that answers on receipt, before commit, believes.
        onSent: this.o.brokenAck ? () => ids.forEach((id) => s.acked.add(id)) : undefined,
      });
      ids.forEach((id, i) => {
        const answer = out.answered.get(i + 1);
        if (answer?.status === 'accepted' || answer?.status === 'duplicate') {
          s.acked.add(id);
          if (answer.status === 'duplicate' && i < resends) s.duplicatesOnResend++;
        } else if (answer?.status === 'rejected') {
          s.rejected.set(id, `${answer.field}: ${answer.reason}`);
        } else if (!s.acked.has(id)) {
          retry.push(id);
        }
      });
      if (out.error) {
        s.failedRequests++;
        const kind = out.error.replace(/\d{3,}/g, 'N').slice(0, 120);
        s.errors.set(kind, (s.errors.get(kind) ?? 0) + 1);
        await sleep(backoff + Math.random() * backoff);
        backoff = Math.min(backoff * 2, 1000);
      } else {
        backoff = 50;
      }
    }
  }
}

// --- health during an outage ---------------------------------------------------------------------------------------

export interface HealthSample {
  startedAt: number;
  endedAt: number;
  status: number;
}

/** Polls /health every 200 ms until stopped. */
export class HealthMonitor {
  readonly samples: HealthSample[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(url: () => string) {
    this.loop = (async () => {
      while (!this.stopped) {
        const startedAt = Date.now();
        const status = await getStatus(`${url()}/health`, 5000);
        this.samples.push({ startedAt, endedAt: Date.now(), status });
        await sleep(200);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Samples that started and ended inside [from, to]. */
  within(from: number, to: number): HealthSample[] {
    return this.samples.filter((s) => s.startedAt >= from && s.endedAt <= to);
  }
}

// --- a scratch PostgreSQL cluster to restart ----------------------------------------------------------------------

/**
 * A throwaway PostgreSQL cluster (initdb in a temp dir, its own port), so stopping the server mid-stream does not
 * pull the shared cluster out from under other test runs on this machine. Same binaries and durability settings
 * (fsync and synchronous_commit on) as the system cluster.
 */
export class ScratchCluster {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Null when a scratch cluster can be made here, else why not. */
  static unavailable(): string | null {
    if (process.getuid?.() !== 0) return 'not root (initdb and pg_ctl run as the postgres user via runuser)';
    if (!fs.existsSync('/etc/postgresql')) return 'no /etc/postgresql (PostgreSQL server not installed)';
    if (!fs.existsSync(path.join(ScratchCluster.binDir(), 'pg_ctl')))
      return `no pg_ctl in ${ScratchCluster.binDir()}`;
    if (!['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].some((p) => fs.existsSync(p)))
      return 'runuser is missing';
    return null;
  }

  private static binDir(): string {
    const versions = fs
      .readdirSync('/etc/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    return `/usr/lib/postgresql/${versions[0] ?? '15'}/bin`;
  }

  static async create(): Promise<ScratchCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-pg-'));
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    fs.chownSync(dir, uid, uid);
    const cluster = new ScratchCluster(ScratchCluster.binDir(), dir, await freePort());
    await cluster.asPostgres('initdb', [
      '-D',
      path.join(dir, 'data'),
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await cluster.start();
    return cluster;
  }

  private async asPostgres(tool: string, args: string[]): Promise<void> {
    await run('runuser', ['-u', 'postgres', '--', path.join(this.bin, tool), ...args], { cwd: this.dir });
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`;
    await this.asPostgres('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      opts,
      'start',
    ]);
  }

  /** A crash as far as clients can tell: every backend dies at once, nothing is flushed beyond what fsync gave. */
  async stopImmediate(): Promise<void> {
    await this.asPostgres('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    try {
      await this.asPostgres('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// --- reading what was stored -------------------------------------------------------------------------------------

export interface StoredEvents {
  rows: number;
  distinct: number;
  /** source_event_id of every stored harness event. */
  ids: Set<string>;
  maxSeq: number;
}

const STORED_SQL = `SELECT source_event_id FROM events WHERE tenant_id = $1 AND source = '${HARNESS_SOURCE}'`;
const COUNT_SQL = `SELECT count(*)::int AS rows, count(DISTINCT (source, source_event_id))::int AS distinct,
  coalesce(max(seq), 0)::int AS max_seq FROM events WHERE tenant_id = $1`;

/** Reads the events table as the database owner (no RLS), on PostgreSQL or by opening the PGlite data dir. */
export async function readStoredEvents(
  target: { databaseUrl?: string; pgliteDataDir?: string },
  tenantId: string,
): Promise<StoredEvents> {
  let rows: { source_event_id: string }[];
  let counts: { rows: number; distinct: number; max_seq: number };
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    try {
      rows = (await client.query(STORED_SQL, [tenantId])).rows;
      counts = (await client.query(COUNT_SQL, [tenantId])).rows[0];
    } finally {
      await client.end();
    }
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(target.pgliteDataDir);
    try {
      rows = (await db.query<{ source_event_id: string }>(STORED_SQL, [tenantId])).rows;
      counts = (await db.query<{ rows: number; distinct: number; max_seq: number }>(COUNT_SQL, [tenantId]))
        .rows[0];
    } finally {
      await db.close();
    }
  }
  return {
    rows: counts.rows,
    distinct: counts.distinct,
    ids: new Set(rows.map((r) => r.source_event_id)),
    maxSeq: counts.max_seq,
  };
}

// --- one run ------------------------------------------------------------------------------------------------------

export type Scenario = 'kill-app' | 'restart-db';

export interface CrashOptions {
  scenario: Scenario;
  /** 'postgres': a fresh database on DATABASE_URL (kill-app) or a scratch cluster (restart-db). */
  database: 'embedded' | 'postgres';
  producers?: number;
  batchLines?: number;
  /** Load before the fault. */
  faultAfterMs?: number;
  /** Load after the service is back, before producers stop generating. */
  loadAfterMs?: number;
  /** restart-db: how long PostgreSQL stays down. */
  downMs?: number;
  brokenAck?: boolean;
  log?: (msg: string) => void;
}

export interface CrashReport {
  scenario: Scenario;
  database: 'embedded' | 'postgres';
  brokenAck: boolean;
  sent: number;
  acked: number;
  rejected: string[];
  /** Acknowledged but not stored. */
  lost: string[];
  /** Stored but never sent. */
  phantom: string[];
  /** Sent, not acknowledged when the producers stopped. */
  unacknowledged: number;
  storedRows: number;
  storedDistinct: number;
  maxSeq: number;
  ledger: {
    ok: boolean;
    eventsChecked: number;
    headSeq: number;
    firstBadSeq: number | null;
    reason: string | null;
  };
  requests: number;
  failedRequests: number;
  resent: number;
  duplicatesOnResend: number;
  errors: Record<string, number>;
  /** kill-app: the restart; restart-db: from `pg_ctl start` to the first healthy answer. */
  recoveryMs: number;
  /** restart-db only. */
  outage?: { samples: number; statuses: number[]; maxLatencyMs: number; serviceStayedUp: boolean };
  elapsedMs: number;
}

export async function runCrashTest(o: CrashOptions): Promise<CrashReport> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const port = await freePort();
  let cluster: ScratchCluster | undefined;
  let env: ServiceEnv;
  let dropDatabase: string | undefined;
  if (o.database === 'embedded') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-crash-'));
    env = { port, dataDir, pgliteDataDir: path.join(dataDir, 'pglite') };
  } else if (o.scenario === 'restart-db') {
    cluster = await ScratchCluster.create();
    env = {
      port,
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-crash-')),
      databaseUrl: cluster.url,
    };
  } else {
    if (!process.env.DATABASE_URL) throw new Error('the postgres kill-app run needs DATABASE_URL');
    const config = await freshDatabaseConfig();
    env = { port, dataDir: config.dataDir, databaseUrl: config.databaseUrl };
    dropDatabase = config.databaseUrl;
  }

  // Everything below runs under the finally: a failed start must not leave a cluster running or files behind.
  let running: ServiceProcess | undefined;
  try {
    let service = await ServiceProcess.start(env, { expectBootstrapKey: o.database === 'embedded' });
    running = service;
    const tenant = await provisionTenant(service, env.databaseUrl);
    const load = new Load({
      url: () => service.url,
      token: tenant.ingestToken,
      clientId: tenant.clientId,
      producers: o.producers ?? 4,
      batchLines: o.batchLines ?? 200,
      baseMs: Date.now() - 30 * 86_400_000,
      brokenAck: o.brokenAck,
    });
    const health = new HealthMonitor(() => service.url);
    await sleep(o.faultAfterMs ?? 2000);

    let recoveryMs: number;
    let outage: CrashReport['outage'];
    if (o.scenario === 'kill-app') {
      log(`SIGKILL pid ${service.pid} after ${load.state.acked.size} acknowledged events`);
      await service.kill('SIGKILL');
      const t0 = Date.now();
      service = await ServiceProcess.start(env);
      running = service;
      recoveryMs = Date.now() - t0;
      log(`restarted as pid ${service.pid} in ${recoveryMs} ms`);
    } else {
      const pid = service.pid;
      log(`pg_ctl stop -m immediate after ${load.state.acked.size} acknowledged events`);
      await cluster!.stopImmediate();
      const down = Date.now();
      await sleep(o.downMs ?? 3000);
      const up = Date.now();
      await cluster!.start();
      for (;;) {
        const last = health.samples.at(-1);
        if (last && last.startedAt > up && last.status === 200) break;
        if (Date.now() - up > 30_000) throw new Error(`the service did not recover:\n${service.tail()}`);
        await sleep(50);
      }
      recoveryMs = health.samples.find((s) => s.startedAt > up && s.status === 200)!.endedAt - up;
      const during = health.within(down, up);
      outage = {
        samples: during.length,
        statuses: [...new Set(during.map((s) => s.status))],
        maxLatencyMs: Math.max(0, ...during.map((s) => s.endedAt - s.startedAt)),
        serviceStayedUp: service.running && service.pid === pid,
      };
      log(
        `PostgreSQL back; service healthy ${recoveryMs} ms after start; /health while down: ${JSON.stringify(outage)}`,
      );
    }
    await sleep(o.loadAfterMs ?? 1500);
    load.stopGenerating();
    const drained = await load.drain(30_000);
    await health.stop();
    if (!drained) log('producers stopped at the deadline with lines unacknowledged');

    const { verifyLedger } = await graphqlRequest<{ verifyLedger: CrashReport['ledger'] }>(
      service.url,
      tenant.adminToken,
      `{ verifyLedger { ok eventsChecked headSeq firstBadSeq reason } }`,
    );
    await service.stop();
    const stored = await readStoredEvents(env, tenant.tenantId);
    const s = load.state;
    return {
      scenario: o.scenario,
      database: o.database,
      brokenAck: Boolean(o.brokenAck),
      sent: s.sent.size,
      acked: s.acked.size,
      rejected: [...s.rejected].map(([id, why]) => `${id} ${why}`),
      lost: [...s.acked].filter((id) => !stored.ids.has(id)),
      phantom: [...stored.ids].filter((id) => !s.sent.has(id)),
      unacknowledged: [...s.sent.keys()].filter((id) => !s.acked.has(id) && !s.rejected.has(id)).length,
      storedRows: stored.rows,
      storedDistinct: stored.distinct,
      maxSeq: stored.maxSeq,
      ledger: verifyLedger,
      requests: s.requests,
      failedRequests: s.failedRequests,
      resent: s.resent.size,
      duplicatesOnResend: s.duplicatesOnResend,
      errors: Object.fromEntries(s.errors),
      recoveryMs,
      outage,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await running?.kill('SIGKILL');
    await cluster?.destroy();
    fs.rmSync(env.dataDir, { recursive: true, force: true });
    if (dropDatabase && !process.env.PATCHPROOF_KEEP_TEST_DB) await dropDatabaseOf(dropDatabase);
  }
}

async function dropDatabaseOf(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * The set-test verdict: each string is one broken promise. Empty means every acknowledged event is stored exactly
 * once, nothing unsent is stored, every line was finally answered, and the hash chain verifies.
 */
export function setViolations(r: CrashReport): string[] {
  const v: string[] = [];
  const sample = (ids: string[]) => ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', …' : '');
  if (r.lost.length > 0) v.push(`lost ${r.lost.length} acknowledged events (${sample(r.lost)})`);
  if (r.phantom.length > 0)
    v.push(`${r.phantom.length} stored events were never sent (${sample(r.phantom)})`);
  if (r.storedRows !== r.storedDistinct) v.push(`${r.storedRows - r.storedDistinct} events stored twice`);
  if (r.maxSeq !== r.storedRows) v.push(`sequence has gaps: max seq ${r.maxSeq} for ${r.storedRows} rows`);
  if (r.rejected.length > 0) v.push(`${r.rejected.length} valid events rejected (${sample(r.rejected)})`);
  if (r.unacknowledged > 0) v.push(`${r.unacknowledged} events never acknowledged`);
  if (!r.ledger.ok)
    v.push(`ledger does not verify: ${r.ledger.reason} (first bad seq ${r.ledger.firstBadSeq})`);
  return v;
}

/** A one-line summary for logs and the README. */
export function summarize(r: CrashReport): string {
  const parts = [
    `${r.scenario}/${r.database}${r.brokenAck ? ' (broken-ack)' : ''}:`,
    `sent ${r.sent}, acknowledged ${r.acked}, stored ${r.storedRows} (distinct ${r.storedDistinct}),`,
    `lost ${r.lost.length}, phantom ${r.phantom.length}, unacknowledged ${r.unacknowledged}, rejected ${r.rejected.length};`,
    `${r.requests} requests, ${r.failedRequests} failed, ${r.resent} lines resent (${r.duplicatesOnResend} answered duplicate);`,
    `ledger ${r.ledger.ok ? 'ok' : 'BROKEN'} (${r.ledger.eventsChecked} events); recovery ${r.recoveryMs} ms; ${(r.elapsedMs / 1000).toFixed(1)} s`,
  ];
  return parts.join(' ');
}

// --- by hand ------------------------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const flag = (name: string) => argv.includes(`--${name}`);
  const scenario = (argv.find((a) => a.startsWith('--scenario='))?.split('=')[1] ?? 'kill-app') as Scenario;
  const database = flag('postgres') || scenario === 'restart-db' ? 'postgres' : 'embedded';
  const log = (msg: string) => console.log(`[crash] ${msg}`);
  await ensureBuilt(log);
  const report = await runCrashTest({ scenario, database, brokenAck: flag('broken-ack'), log });
  console.log(summarize(report));
  const violations = setViolations(report);
  if (violations.length === 0) {
    console.log('PASS: every acknowledged event stored exactly once');
    return 0;
  }
  console.log(`FAIL:\n  ${violations.join('\n  ')}`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
