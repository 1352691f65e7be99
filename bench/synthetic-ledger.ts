/**
 * Large synthetic ledgers for the metrics and pack benchmarks, generated directly in PostgreSQL
 * (`INSERT … SELECT … FROM generate_series`): the service ingests about 4.4k events/s, so ten million events through
 * it would take hours. Lifecycles are plausible (detected → approved → deployed → verified; some failed first, some
 * rolled back and redeployed, some never approved or still open), ids are deterministic (md5 of the indexes).
 *
 * The cases are then folded by the service's own code: each tenant's events are read in case order, folded with
 * `foldRemediationCase` and written with the exported `upsertCases`, exactly as the ingest path stores them.
 * Hash values are dummies unless `rehashChain` is called (the ledger is not on the metrics path).
 */
import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.js';
import { caseEventGroups, foldForStorage, upsertCases } from '../src/ingestion/ingestion.service.js';
import { eventHash, GENESIS_PREV_HASH } from '../src/ingestion/ledger-hash.js';
import { EVENT_COLUMNS, toLedgerEvent } from '../src/ingestion/ledger-rows.js';
import { generateApiKey } from '../src/tenancy/api-key.js';

export function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

export const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

export async function machine(databaseUrl: string): Promise<string[]> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query(
    `SELECT version(), current_setting('shared_buffers') AS sb, current_setting('work_mem') AS wm,
            current_setting('max_parallel_workers_per_gather') AS par`,
  );
  await client.end();
  return [
    `date: ${new Date().toISOString()}`,
    `machine: ${os.cpus().length} CPUs (nproc ${os.availableParallelism()}), ${cpu}; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; ${os.type()} ${os.release()}`,
    `node: ${process.version}`,
    `load average at start (1/5/15 min): ${load} (other processes on the machine compete for its CPUs)`,
    `postgresql: ${rows[0].version.split(',')[0]}, same machine (shared_buffers ${rows[0].sb}, work_mem ${rows[0].wm}, max_parallel_workers_per_gather ${rows[0].par})`,
  ];
}

/** A fresh database on the server of `base`, migrated by the service's own migrations; `drop` removes it. */
export interface BenchDatabase {
  url: string;
  /** Drops the database. */
  drop(): Promise<void>;
  /** Leaves the database in place. */
  close(): Promise<void>;
}

/** The URL of database `name` on `base`'s server, after running the service's migrations on it. */
async function migrated(base: string, name: string): Promise<string> {
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const ds = new DataSource(dataSourceOptions(url, 1));
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  return url;
}

export async function freshDatabase(base: string): Promise<BenchDatabase> {
  const name = `pp_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = await migrated(base, name);
  return {
    url,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
    close: () => admin.end(),
  };
}

/** A database kept by an earlier run (`--keep`), migrated to the current migrations; never dropped. */
export async function keptDatabase(base: string, name: string): Promise<BenchDatabase> {
  if (!/^pp_bench_[a-z0-9]+$/.test(name)) throw new Error(`not a benchmark database name: ${name}`);
  const url = await migrated(base, name);
  const done = async () => {};
  return { url, drop: done, close: done };
}

/** The first tenant and client of a generated ledger. */
export async function idsOf(url: string): Promise<{ tenantId: string; clientId: string }> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT tenant_id, id FROM clients ORDER BY tenant_id, id LIMIT 1`);
    return { tenantId: rows[0].tenant_id, clientId: rows[0].id };
  } finally {
    await db.end();
  }
}

export interface LedgerShape {
  tenants: number;
  clientsPerTenant: number;
  assetsPerClient: number;
  /** Cases in all; spread evenly over tenants, clients, assets. */
  cases: number;
  /** Detections spread over [from, from + spanDays). */
  from: string;
  spanDays: number;
  /** Extra `detected` events per case (scanner re-reports), every `rescanHours` after detection. */
  rescans: number;
  rescanHours: number;
}

export interface GeneratedLedger {
  tenantIds: string[];
  clientIds: string[];
  events: number;
  cases: number;
  generateSeconds: number;
}

/**
 * Tenants, clients, assets and events in SQL. Each case draws its own random numbers once (setseed: the same shape
 * gives the same data), then one row per lifecycle step that happens. `seq` is gap-free per tenant in time order.
 */
export async function generateLedger(url: string, s: LedgerShape): Promise<GeneratedLedger> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const t0 = process.hrtime.bigint();
  try {
    const T = s.tenants;
    const C = s.clientsPerTenant;
    const A = s.assetsPerClient;
    const perClient = Math.ceil(s.cases / (T * C));
    await db.query(`SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'`);
    await db.query(`SELECT setseed(0.4242)`);
    await db.query(
      `INSERT INTO tenants (id, name, time_zone) SELECT md5('t' || t)::uuid, 'Bench MSP ' || t, 'UTC'
       FROM generate_series(0, ${T - 1}) t`,
    );
    await db.query(
      `INSERT INTO clients (id, tenant_id, name, frameworks, time_zone)
       SELECT md5('c' || t || '-' || c)::uuid, md5('t' || t)::uuid, 'Client ' || c,
              (CASE c % 4 WHEN 0 THEN '{pci-dss}' WHEN 1 THEN '{hipaa}' WHEN 2 THEN '{sox-itgc}'
                ELSE '{pci-dss,sox-itgc}' END)::text[], 'UTC'
       FROM generate_series(0, ${T - 1}) t, generate_series(0, ${C - 1}) c`,
    );
    await db.query(
      `INSERT INTO assets (id, tenant_id, client_id, hostname, os, ring, criticality, created_at)
       SELECT md5('a' || t || '-' || c || '-' || a)::uuid, md5('t' || t)::uuid, md5('c' || t || '-' || c)::uuid,
              (ARRAY['srv','ws','pos','db','web'])[1 + a % 5] || '-' || lpad(a::text, 4, '0') || '.c' || c || '.t' || t || '.example',
              (ARRAY['Windows Server 2022','Ubuntu 22.04','RHEL 9','Windows 11'])[1 + a % 4],
              CASE WHEN a % 10 = 0 THEN 'pilot' ELSE 'production' END,
              (ARRAY['low','medium','high','critical'])[1 + a % 4], timestamptz '${s.from}' - interval '30 days'
       FROM generate_series(0, ${T - 1}) t, generate_series(0, ${C - 1}) c, generate_series(0, ${A - 1}) a`,
    );
    // One row per case with its random draws; k is the case's index within its client (sets the detection time).
    await db.query(`
      CREATE UNLOGGED TABLE bench_cases AS
      SELECT t, c, a, p, k,
             md5('t' || t)::uuid AS tenant_id, md5('c' || t || '-' || c)::uuid AS client_id,
             md5('a' || t || '-' || c || '-' || a)::uuid AS asset_id, 'KB' || (5000000 + p) AS patch_id,
             timestamptz '${s.from}' + ((k + random()) / ${perClient}) * interval '${s.spanDays} days' AS d,
             random() AS r_appr, random() AS r_fail, random() AS r_dep, random() AS r_time, random() AS r_ver,
             random() AS r_rb, random() AS r_sev
      FROM (SELECT i % ${T} AS t, (i / ${T}) % ${C} AS c, (i / ${T} / ${C}) % ${A} AS a,
                   (i / ${T} / ${C}) / ${A} AS p, i / ${T} / ${C} AS k
            FROM generate_series(0, ${T * C * perClient - 1}) i) x`);
    // Lifecycle steps. Times: approval 1–3 days after detection (5% never approved, 2% approved after deploying),
    // 8% fail once first, 93% deploy within 3–17 days, 88% of deploys verified 2 h later, 3% rolled back a day
    // later and 70% of those redeployed three days after.
    await db.query(`
      CREATE UNLOGGED TABLE bench_events AS
      SELECT bc.tenant_id, bc.client_id, bc.asset_id, bc.patch_id, s.step, s.n, s.kind, s.at, bc.r_sev, bc.p,
             bc.client_id || ':' || bc.asset_id || ':' || bc.patch_id AS case_key
      FROM bench_cases bc,
      LATERAL (SELECT bc.d + (3 + 14 * bc.r_time * bc.r_time) * interval '1 day' AS dep) t,
      LATERAL (VALUES
          (0, 0, 'detected', bc.d, true),
          (1, 0, 'approved', CASE WHEN bc.r_appr < 0.02 THEN t.dep + interval '1 day'
                                  ELSE bc.d + (1 + 2 * bc.r_appr) * interval '1 day' END, bc.r_appr < 0.95),
          (2, 0, 'failed', t.dep - interval '1 day', bc.r_fail < 0.08 AND bc.r_dep < 0.93),
          (3, 0, 'deployed', t.dep, bc.r_dep < 0.93),
          (4, 0, 'verified', t.dep + interval '2 hours', bc.r_dep < 0.93 AND bc.r_ver < 0.88),
          (5, 0, 'rolled_back', t.dep + interval '1 day', bc.r_dep < 0.93 AND bc.r_rb < 0.03),
          (6, 1, 'deployed', t.dep + interval '4 days', bc.r_dep < 0.93 AND bc.r_rb < 0.021)
        ) s0(step, n, kind, at, present)
      CROSS JOIN LATERAL (SELECT s0.step, s0.n, s0.kind, s0.at WHERE s0.present
                          UNION ALL
                          SELECT 7, g, 'detected', bc.d + g * interval '${s.rescanHours} hours'
                          FROM generate_series(1, ${s.rescans}) g WHERE s0.step = 0) s`);
    await db.query(`
      INSERT INTO events (tenant_id, seq, id, client_id, asset_id, case_key, kind, occurred_at, received_at, source,
        source_event_id, body_digest, patch_id, patch_vendor, patch_title, patch_released_at, cve_ids, vendor_severity,
        actor, change_ticket, error_code, ring, emergency, hash)
      SELECT tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY at, case_key, step, n),
             md5(case_key || '/' || step || '/' || n)::uuid, client_id, asset_id, case_key, kind, at,
             at + interval '3 minutes', 'bench-rmm', md5(case_key || '/' || step || '/' || n), md5(case_key || step || n),
             patch_id, 'Microsoft', 'Cumulative update ' || patch_id, at - interval '2 days',
             ARRAY['CVE-2026-' || (10000 + p % 5000)],
             (ARRAY['critical','high','high','medium','medium','medium','low'])[1 + floor(r_sev * 7)::int],
             CASE kind WHEN 'approved' THEN 'cab-approver@example.com' WHEN 'detected' THEN NULL
                       ELSE 'rmm-agent' END,
             CASE WHEN kind IN ('approved','deployed') THEN 'CHG-' || (100000 + p) END,
             CASE WHEN kind = 'failed' THEN '0x80240022' END, 'production', false, repeat('0', 64)
      FROM bench_events`);
    const [{ n: events }] = (await db.query(`SELECT count(*)::int AS n FROM events`)).rows;
    const [{ n: cases }] = (await db.query(`SELECT count(*)::int AS n FROM bench_cases`)).rows;
    await db.query(`DROP TABLE bench_events, bench_cases`);
    await db.query(
      `INSERT INTO ledger_heads (tenant_id, seq, hash) SELECT tenant_id, max(seq), repeat('0', 64) FROM events GROUP BY tenant_id`,
    );
    const tenantIds = (await db.query(`SELECT id FROM tenants ORDER BY name`)).rows.map(
      (r) => r.id as string,
    );
    const clientIds = (await db.query(`SELECT id FROM clients ORDER BY id`)).rows.map((r) => r.id as string);
    return { tenantIds, clientIds, events, cases, generateSeconds: seconds(t0) };
  } finally {
    await db.end();
  }
}

/** pg client as the EntityManager `upsertCases` takes (it only calls `query`). */
function asEntityManager(db: pg.Client): EntityManager {
  return {
    query: async (sql: string, params?: unknown[]) => (await db.query(sql, params)).rows,
  } as unknown as EntityManager;
}

/**
 * Folds every case of the given tenants with the service's fold and stores it with `upsertCases`, reading each
 * tenant's events in case-key pages. No vulnerability feeds are loaded in these databases, so the facts map is
 * empty, which is what `factsFor` returns there. `workers` tenants are folded at once.
 */
export async function foldAllCases(
  url: string,
  tenantIds: string[],
  workers = 2,
  onTenant: (done: number) => void = () => {},
): Promise<{ cases: number; seconds: number }> {
  const t0 = process.hrtime.bigint();
  let next = 0;
  let cases = 0;
  let done = 0;
  const facts = new Map();
  const now = Date.now();
  const worker = async () => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const em = asEntityManager(db);
    try {
      for (;;) {
        const tenantId = tenantIds[next++];
        if (!tenantId) return;
        let after = '';
        for (;;) {
          // Page on whole cases: the next 2,000 case keys, then all their events.
          const { rows: keys } = await db.query(
            `SELECT DISTINCT case_key FROM events WHERE tenant_id = $1 AND case_key > $2 ORDER BY case_key LIMIT 2000`,
            [tenantId, after],
          );
          if (keys.length === 0) break;
          const last = keys.at(-1)!.case_key as string;
          const { rows } = await db.query(
            `SELECT ${EVENT_COLUMNS}, case_key, (SELECT hostname FROM assets a WHERE a.id = e.asset_id) AS hostname
             FROM events e WHERE tenant_id = $1 AND case_key > $2 AND case_key <= $3`,
            [tenantId, after, last],
          );
          // As ingestion stores them, with the month-boundary figures the ledger's receipt times give up to now.
          const folded = [...caseEventGroups(rows).values()].map((g) => foldForStorage(g, facts, now));
          await upsertCases(em, folded);
          cases += folded.length;
          after = last;
        }
        onTenant(++done);
      }
    } finally {
      await db.end();
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return { cases, seconds: seconds(t0) };
}

/**
 * Replaces the dummy hashes of one tenant with the real chain (`eventHash`, seq order), so pack rendering verifies
 * a real ledger. The append-only trigger is disabled for the update only (superuser on a scratch database).
 */
export async function rehashChain(
  url: string,
  tenantId: string,
): Promise<{ events: number; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`ALTER TABLE events DISABLE TRIGGER events_no_update`);
    // Secondary indexes are dropped for the update and rebuilt from their own definitions afterwards.
    const { rows: indexes } = await db.query(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'events'
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    );
    for (const ix of indexes) await db.query(`DROP INDEX ${ix.indexname}`);
    let prev = GENESIS_PREV_HASH;
    let after = 0;
    let n = 0;
    for (;;) {
      const { rows } = await db.query(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT 20000`,
        [tenantId, after],
      );
      if (rows.length === 0) break;
      const hashes = rows.map((r) => {
        prev = eventHash(prev, toLedgerEvent(r));
        return { seq: Number(r.seq), hash: prev };
      });
      await db.query(
        `UPDATE events e SET hash = x.hash FROM jsonb_to_recordset($2::jsonb) AS x(seq bigint, hash text)
         WHERE e.tenant_id = $1 AND e.seq = x.seq`,
        [tenantId, JSON.stringify(hashes)],
      );
      after = hashes.at(-1)!.seq;
      n += rows.length;
    }
    await db.query(`UPDATE ledger_heads SET hash = $2, seq = $3 WHERE tenant_id = $1`, [
      tenantId,
      prev,
      after,
    ]);
    for (const ix of indexes) await db.query(ix.indexdef);
    await db.query(`ALTER TABLE events ENABLE TRIGGER events_no_update`);
    return { events: n, seconds: seconds(t0) };
  } finally {
    await db.end();
  }
}

/** An msp_admin key per tenant, inserted as `TenancyService` does (only the secret's hash is stored). */
export async function adminKeys(url: string, tenantIds: string[]): Promise<Map<string, string>> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const out = new Map<string, string>();
  try {
    for (const tenantId of tenantIds) {
      const k = generateApiKey();
      await db.query(
        `INSERT INTO api_keys (id, tenant_id, public_id, secret_hash, last4, role, label)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, 'msp_admin', 'bench')`,
        [tenantId, k.publicId, k.secretHash, k.last4],
      );
      out.set(tenantId, k.token);
    }
  } finally {
    await db.end();
  }
  return out;
}

export async function analyze(url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`VACUUM ANALYZE`);
  await db.end();
}

export function writeResult(file: string, command: string, lines: string[]): void {
  fs.mkdirSync(new URL('.', `file://${file}`).pathname, { recursive: true });
  fs.writeFileSync(file, `# ${command}\n${lines.join('\n')}\n`);
}
