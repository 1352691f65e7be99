import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantRls } from './1764000000000-foundation.js';

/**
 * The append-only event ledger, its per-tenant head, the remediation cases folded from it, and the vulnerability
 * feeds (global reference data: no tenant, readable by every tenant, written by the feed import only).
 */
export class EventLedger1764000000001 implements MigrationInterface {
  name = 'EventLedger1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        seq bigint NOT NULL,
        id uuid NOT NULL,
        client_id uuid NOT NULL,
        asset_id uuid NOT NULL,
        case_key text NOT NULL,
        kind text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        source text NOT NULL,
        source_event_id text NOT NULL,
        body_digest text NOT NULL,
        patch_id text NOT NULL,
        patch_vendor text,
        patch_title text,
        patch_released_at timestamptz,
        cve_ids text[] NOT NULL DEFAULT '{}',
        vendor_severity text,
        actor text,
        change_ticket text,
        error_code text,
        ring text,
        emergency boolean NOT NULL DEFAULT false,
        superseded_by text,
        exception jsonb,
        raw jsonb,
        raw_sha256 text,
        hash text NOT NULL,
        PRIMARY KEY (tenant_id, seq),
        UNIQUE (tenant_id, source, source_event_id)
      )`);
    // Indexes the metrics and packs rely on: a client's events by time, a case's events, arrivals after an as-of.
    await q.query(`CREATE INDEX events_client_time ON events (tenant_id, client_id, occurred_at)`);
    await q.query(`CREATE INDEX events_case ON events (tenant_id, case_key)`);
    await q.query(`CREATE INDEX events_received ON events (tenant_id, received_at)`);
    await q.query(`
      CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()`,
    );
    await q.query(
      `CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()`,
    );

    await q.query(`
      CREATE TABLE ledger_heads (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        seq bigint NOT NULL,
        hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE remediation_cases (
        tenant_id uuid NOT NULL,
        case_key text NOT NULL,
        client_id uuid NOT NULL,
        asset_id uuid NOT NULL,
        patch_id text NOT NULL,
        state text NOT NULL,
        severity text NOT NULL,
        kev boolean NOT NULL,
        cve_ids text[] NOT NULL,
        started_at timestamptz NOT NULL,
        remediated_at timestamptz,
        kev_added_at timestamptz,
        last_received_at timestamptz NOT NULL,
        max_occurred_at timestamptz NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (tenant_id, case_key)
      )`);
    await q.query(
      `CREATE INDEX cases_client_state ON remediation_cases (tenant_id, client_id, state, severity)`,
    );
    await q.query(`CREATE INDEX cases_cves ON remediation_cases USING gin (cve_ids)`);

    for (const t of ['events', 'ledger_heads', 'remediation_cases']) await enableTenantRls(q, t);
    await q.query(`GRANT SELECT, INSERT ON events TO patchproof_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON ledger_heads TO patchproof_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON remediation_cases TO patchproof_app`);

    await q.query(`
      CREATE TABLE kev_entries (
        cve_id text PRIMARY KEY,
        vendor_project text NOT NULL,
        product text NOT NULL,
        vulnerability_name text NOT NULL,
        date_added date NOT NULL,
        due_date date NOT NULL,
        known_ransomware text NOT NULL,
        catalog_version text NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE nvd_cves (
        cve_id text PRIMARY KEY,
        published_at timestamptz,
        cvss jsonb NOT NULL DEFAULT '[]',
        imported_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE epss_scores (
        cve_id text PRIMARY KEY,
        epss double precision NOT NULL,
        percentile double precision NOT NULL,
        model_version text NOT NULL,
        score_date date,
        imported_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE feed_imports (
        id bigserial PRIMARY KEY,
        feed text NOT NULL,
        version text NOT NULL,
        records integer NOT NULL,
        added integer NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`GRANT SELECT ON kev_entries, nvd_cves, epss_scores, feed_imports TO patchproof_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE feed_imports, epss_scores, nvd_cves, kev_entries, remediation_cases, ledger_heads, events`,
    );
    await q.query(`DROP FUNCTION events_append_only()`);
  }
}
