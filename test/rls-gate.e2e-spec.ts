/**
 * The SQL gate behind tenant isolation, on a freshly migrated database (embedded, or DATABASE_URL's server): every
 * table of schema public with a `tenant_id` column (and `tenants` itself) has row-level security enabled AND forced
 * and at least one policy, and the role requests run as (`patchproof_app`) can bypass none of it. A migration that
 * adds a tenant-owned table without forced RLS fails CI here.
 */
import { DataSource, type EntityManager } from 'typeorm';
import { APP_ROLE } from '../src/database/tenant-scope.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

interface TableRls {
  table: string;
  rls: boolean;
  forced: boolean;
  policies: number;
}

/** Tenant-owned tables of schema public and their RLS settings. */
async function tenantTables(q: DataSource | EntityManager): Promise<TableRls[]> {
  return q.query(
    `SELECT c.relname AS "table", c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
            (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND (c.relname = 'tenants' OR EXISTS (
              SELECT 1 FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped))
      ORDER BY c.relname`,
  );
}

const unguarded = (tables: TableRls[]) =>
  tables.filter((t) => !t.rls || !t.forced || t.policies < 1).map((t) => t.table);

describe('row-level security gate (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('forces RLS with at least one policy on every tenant-owned table', async () => {
    const tables = await tenantTables(ds);
    // The tables the migrations are known to create; new ones are covered by the query, not by this list.
    expect(tables.map((x) => x.table)).toEqual(
      expect.arrayContaining([
        'tenants',
        'clients',
        'assets',
        'api_keys',
        'access_log',
        'events',
        'evidence_packs',
      ]),
    );
    expect(unguarded(tables)).toEqual([]);
  });

  it('flags a tenant-owned table without forced RLS (the gate can fail)', async () => {
    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      await qr.query(`CREATE TABLE rls_gate_control (tenant_id uuid NOT NULL)`);
      await qr.query(`ALTER TABLE rls_gate_control ENABLE ROW LEVEL SECURITY`);
      expect(unguarded(await tenantTables(qr.manager))).toEqual(['rls_gate_control']);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
    expect(unguarded(await tenantTables(ds))).toEqual([]);
  });

  it(`keeps ${APP_ROLE} unprivileged: no superuser, no BYPASSRLS, owns no table`, async () => {
    const [role] = await ds.query<{ rolsuper: boolean; rolbypassrls: boolean }[]>(
      `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`,
      [APP_ROLE],
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = await ds.query<{ relname: string }[]>(
      `SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE r.rolname = $1 AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
      [APP_ROLE],
    );
    expect(owned).toEqual([]);
  });

  it(`shows ${APP_ROLE} no row without a tenant and only its own tenant's rows with one`, async () => {
    const a = await t.tenant('Gate A');
    const b = await t.tenant('Gate B');
    for (const token of [a.token, b.token])
      await t.gql(
        token,
        `mutation { createClient(input: {name: "Gate client", frameworks: [hipaa]}) { id } }`,
      );
    const count = (tenant: string) =>
      ds.transaction(async (em) => {
        await em.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)`, [
          tenant,
          APP_ROLE,
        ]);
        const rows = await em.query<{ t: string }[]>(`SELECT DISTINCT tenant_id::text AS t FROM clients`);
        return rows.map((r) => r.t);
      });
    expect(await count('')).toEqual([]);
    expect(await count(a.id)).toEqual([a.id]);
    expect(await count(b.id)).toEqual([b.id]);
  });
});
