import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantRls } from './1764000000000-foundation.js';

/**
 * Share links (read access to one pack or attestation for someone without an account) and browser sessions for the
 * evidence pages. Only SHA-256 digests of the link tokens and session ids are stored: a database dump grants nothing.
 * Both are looked up by digest before the tenant is known (as the API keys are), then used under the tenant's RLS.
 */
export class ShareLinks1764000000003 implements MigrationInterface {
  name = 'ShareLinks1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE share_links (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        pack_id uuid NOT NULL REFERENCES evidence_packs(id),
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        token_prefix text NOT NULL,
        expires_at timestamptz NOT NULL,
        max_downloads integer CHECK (max_downloads IS NULL OR max_downloads > 0),
        downloads integer NOT NULL DEFAULT 0 CHECK (downloads >= 0),
        revoked_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX share_links_pack ON share_links (tenant_id, pack_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE web_sessions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id_hash text NOT NULL UNIQUE CHECK (id_hash ~ '^[0-9a-f]{64}$'),
        api_key_id uuid NOT NULL REFERENCES api_keys(id),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const t of ['share_links', 'web_sessions']) await enableTenantRls(q, t);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON share_links, web_sessions TO patchproof_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE web_sessions, share_links`);
  }
}
