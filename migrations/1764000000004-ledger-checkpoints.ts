import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantRls } from './1764000000000-foundation.js';

/**
 * Ledger checkpoints: each successful verification of a tenant's hash chain records the sequence and hash it reached.
 * A later verification (a pack's) starts from the newest checkpoint at or below the head it needs, after checking that
 * the checkpointed event still carries the checkpointed hash, instead of recomputing the chain from genesis. Every
 * checkpoint descends from a verification that started at genesis (`from_seq` 0) through earlier checkpoints; the
 * nightly full verification starts at genesis again. Append-only, like the ledger.
 */
export class LedgerCheckpoints1764000000004 implements MigrationInterface {
  name = 'LedgerCheckpoints1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_checkpoints (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        seq bigint NOT NULL CHECK (seq > 0),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        from_seq bigint NOT NULL CHECK (from_seq >= 0 AND from_seq < seq),
        events_checked bigint NOT NULL,
        verified_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ledger_checkpoints_seq ON ledger_checkpoints (tenant_id, seq DESC)`);
    await enableTenantRls(q, 'ledger_checkpoints');
    await q.query(`GRANT SELECT, INSERT ON ledger_checkpoints TO patchproof_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger_checkpoints`);
  }
}
