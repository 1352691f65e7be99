import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantRls } from './1764000000000-foundation.js';
import { casesToStore, upsertMonthFigures } from '../src/ingestion/ingestion.service.js';
import { monthBoundaryFigures } from '../src/metrics/month-figures.js';

/**
 * Makes the month-boundary figures of the cases stored before this migration (ingestion makes them from now on):
 * only cases with a month start between their start and their last change can have any (the first month start at or
 * after `started_at` is before the latest of `last_received_at`, `max_occurred_at`, `kev_added_at`),
 * read in pages of 500 cases with their events, with the month-boundary figures ingestion makes, up to `now`.
 */
export async function backfillMonthFigures(q: Pick<QueryRunner, 'query'>, now = Date.now()): Promise<number> {
  let after: [string, string] = ['00000000-0000-0000-0000-000000000000', ''];
  let written = 0;
  for (;;) {
    const page: { tenant_id: string; case_key: string }[] = await q.query(
      `SELECT tenant_id, case_key FROM remediation_cases WHERE (tenant_id, case_key) > ($1::uuid, $2)
         AND date_trunc('month', (started_at - interval '1 microsecond') AT TIME ZONE INTERVAL '00:00')
           + interval '1 month' < greatest(last_received_at, max_occurred_at, kev_added_at) AT TIME ZONE INTERVAL '00:00'
       ORDER BY tenant_id, case_key LIMIT 500`,
      after,
    );
    if (page.length === 0) break;
    const last = page[page.length - 1];
    after = [last.tenant_id, last.case_key];
    const byTenant = new Map<string, string[]>();
    for (const r of page) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.case_key]);
    for (const [tenantId, keys] of byTenant) {
      const { groups, facts } = await casesToStore(q, tenantId, keys);
      const months = [...groups].flatMap(([key, g]) =>
        monthBoundaryFigures(g.events, facts, g.hostname, { from: g.monthsFrom, until: now }).map((m) => ({
          fold: { tenantId, key },
          ...m,
        })),
      );
      written += months.length;
      await upsertMonthFigures(q, months);
    }
  }
  return written;
}

/**
 * `case_month_figures`: a case's figures as of each UTC month start it was still changing across, valid until its
 * next change (see src/metrics/month-figures.ts). A metrics request as of an instant after such a boundary reads a
 * case touched since from here instead of re-folding it from its events. Keyed for the request's lookup (tenant,
 * case keys, boundary); no foreign key to `remediation_cases`, which is written in the same transaction.
 */
export class CaseMonthFigures1764000000008 implements MigrationInterface {
  name = 'CaseMonthFigures1764000000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_month_figures (
        tenant_id uuid NOT NULL,
        case_key text NOT NULL,
        as_of timestamptz NOT NULL,
        valid_to timestamptz NOT NULL CHECK (valid_to > as_of),
        figures json,
        PRIMARY KEY (tenant_id, case_key, as_of)
      )`);
    await enableTenantRls(q, 'case_month_figures');
    await q.query(`GRANT SELECT, INSERT, UPDATE ON case_month_figures TO patchproof_app`);
    await backfillMonthFigures(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_month_figures`);
  }
}
