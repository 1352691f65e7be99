import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenancy and access. Every tenant-owned table gets RLS ENABLEd and FORCEd (the owner is bound too) with a policy on
 * the per-transaction setting app.tenant_id. NULLIF: after COMMIT a pooled connection reads the setting as '' (not
 * NULL), and ''::uuid would raise instead of matching nothing.
 */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'patchproof_app') THEN
          CREATE ROLE patchproof_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO patchproof_app`);
    await q.query(`
      CREATE FUNCTION app_tenant_id() RETURNS uuid LANGUAGE sql STABLE AS
      $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$`);

    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        time_zone text NOT NULL DEFAULT 'UTC',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE clients (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        frameworks text[] NOT NULL DEFAULT '{}',
        time_zone text NOT NULL DEFAULT 'UTC',
        maintenance_windows jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name),
        UNIQUE (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE assets (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        hostname text NOT NULL CHECK (length(hostname) BETWEEN 1 AND 255),
        os text,
        ring text NOT NULL DEFAULT 'production',
        criticality text NOT NULL DEFAULT 'medium' CHECK (criticality IN ('low','medium','high','critical')),
        tags text[] NOT NULL DEFAULT '{}',
        legacy boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, client_id) REFERENCES clients(tenant_id, id)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX assets_client_hostname ON assets (tenant_id, client_id, lower(hostname))`,
    );
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        public_id text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        last4 text NOT NULL,
        role text NOT NULL CHECK (role IN ('msp_admin','ingest','client_viewer','auditor')),
        client_id uuid,
        label text NOT NULL DEFAULT '',
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (role IN ('msp_admin','ingest') OR client_id IS NOT NULL),
        CHECK (role <> 'auditor' OR expires_at IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE access_log (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        subject_id uuid,
        detail jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX access_log_tenant_at ON access_log (tenant_id, at DESC)`);

    await q.query(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE tenants FORCE ROW LEVEL SECURITY`);
    await q.query(
      `CREATE POLICY tenant_isolation ON tenants USING (id = app_tenant_id()) WITH CHECK (id = app_tenant_id())`,
    );
    for (const t of ['clients', 'assets', 'api_keys', 'access_log']) {
      await enableTenantRls(q, t);
    }
    await q.query(`GRANT SELECT, UPDATE ON tenants TO patchproof_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON clients, assets TO patchproof_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON api_keys TO patchproof_app`);
    await q.query(`GRANT SELECT, INSERT ON access_log TO patchproof_app`);
    await q.query(`GRANT USAGE ON SEQUENCE access_log_id_seq TO patchproof_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_log, api_keys, assets, clients, tenants`);
    await q.query(`DROP FUNCTION app_tenant_id()`);
  }
}

/** RLS on a table with a tenant_id column: enabled, forced, one policy for reads and writes. */
export async function enableTenantRls(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await q.query(
    `CREATE POLICY tenant_isolation ON ${table} USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`,
  );
}
