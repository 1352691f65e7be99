import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantRls } from './1764000000000-foundation.js';

/**
 * Custom SLA policies (versioned; a version is never edited, a new one is added), the policy each client is held
 * to, and evidence packs: immutable once ready, the archive bytes stored with the row (or a storage path).
 */
export class PoliciesAndPacks1764000000002 implements MigrationInterface {
  name = 'PoliciesAndPacks1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sla_policies (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        key text NOT NULL,
        version integer NOT NULL,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key, version)
      )`);
    await q.query(`ALTER TABLE clients ADD COLUMN policy_key text`);
    await q.query(`
      CREATE TABLE evidence_packs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        client_id uuid NOT NULL,
        kind text NOT NULL DEFAULT 'pack' CHECK (kind IN ('pack', 'attestation')),
        period_from timestamptz NOT NULL,
        period_to timestamptz NOT NULL,
        frameworks text[] NOT NULL,
        policy_key text NOT NULL,
        policy_version integer,
        as_of timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'ready', 'failed')),
        progress integer NOT NULL DEFAULT 0,
        error text,
        requested_by text NOT NULL,
        idempotency_key text,
        archive_path text,
        archive_sha256 text,
        archive_size bigint,
        manifest jsonb,
        summary jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        FOREIGN KEY (tenant_id, client_id) REFERENCES clients(tenant_id, id)
      )`);
    await q.query(`CREATE INDEX packs_client ON evidence_packs (tenant_id, client_id, created_at DESC)`);
    // One pack per client, period and policy for scheduled runs however often the job runs.
    await q.query(
      `CREATE UNIQUE INDEX packs_idempotency ON evidence_packs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    for (const t of ['sla_policies', 'evidence_packs']) await enableTenantRls(q, t);
    await q.query(`GRANT SELECT, INSERT ON sla_policies TO patchproof_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON evidence_packs TO patchproof_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE evidence_packs, sla_policies`);
    await q.query(`ALTER TABLE clients DROP COLUMN policy_key`);
  }
}
