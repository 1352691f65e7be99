import type { MigrationInterface, QueryRunner } from 'typeorm';
import { storedFigures, type RemediationCase } from '../src/metrics/remediation-case.js';

/** Fills `figures` of every stored fold from `data`, in batches of 2,000 cases (also used by the tests). */
export async function backfillCaseFigures(q: Pick<QueryRunner, 'query'>): Promise<void> {
  let after: [string, string] = ['00000000-0000-0000-0000-000000000000', ''];
  for (;;) {
    const rows: { tenant_id: string; case_key: string; data: RemediationCase }[] = await q.query(
      `SELECT tenant_id, case_key, data FROM remediation_cases WHERE (tenant_id, case_key) > ($1::uuid, $2)
       ORDER BY tenant_id, case_key LIMIT 2000`,
      after,
    );
    if (rows.length === 0) break;
    const figures = rows.map((r) => ({ t: r.tenant_id, k: r.case_key, f: storedFigures(r.data) }));
    await q.query(
      `UPDATE remediation_cases c SET figures = x.f FROM json_to_recordset($1::json) AS x(t uuid, k text, f json)
       WHERE c.tenant_id = x.t AND c.case_key = x.k`,
      [JSON.stringify(figures)],
    );
    const last = rows[rows.length - 1];
    after = [last.tenant_id, last.case_key];
  }
}

/**
 * A metrics request reads a few hundred cases of one client, scattered over the table: one heap page each. It now
 * reads them from one index instead (an index-only scan over a client's contiguous entries):
 *
 * - `figures`: the part of the fold the figures read (`CaseFigures`, a third of it), null when too large for an
 *   index entry (`STORED_FIGURES_MAX_BYTES`; such a case is read from `data`);
 * - `cases_client_figures`: (tenant_id, client_id) holding every column the metrics query filters on and `figures`;
 * - `events_client_time` also holds `received_at` and `asset_id`, so the period's event counts and the assets that
 *   reported are counted from the index alone.
 *
 * Existing folds get their figures here, from the same function ingestion uses (batches of 2,000 cases).
 */
export class CaseFigures1764000000007 implements MigrationInterface {
  name = 'CaseFigures1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE remediation_cases ADD COLUMN figures json`);
    await backfillCaseFigures(q);
    await q.query(
      `CREATE INDEX cases_client_figures ON remediation_cases (tenant_id, client_id)
         INCLUDE (started_at, last_received_at, max_occurred_at, kev_added_at, closed_at, kev_due_at, anchor_at,
                  severity, case_key, figures)`,
    );
    await q.query(`DROP INDEX events_client_time`);
    await q.query(
      `CREATE INDEX events_client_time ON events (tenant_id, client_id, occurred_at) INCLUDE (received_at, asset_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX events_client_time`);
    await q.query(`CREATE INDEX events_client_time ON events (tenant_id, client_id, occurred_at)`);
    await q.query(`DROP INDEX cases_client_figures`);
    await q.query(`ALTER TABLE remediation_cases DROP COLUMN figures`);
  }
}
