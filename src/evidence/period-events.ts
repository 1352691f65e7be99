/**
 * The period's events in ledger order, fetched page by page (bounded memory: two pages). The next page is requested
 * before the current one is handed out, so the database works while the caller formats. One definition for the
 * service (a tenant-scoped transaction per page on its pool) and the XLSX worker (one read-only transaction on a
 * connection of its own), so the Events sheet lists the same rows either way.
 */
import type { SqlRow as Row } from '../database/sql-row.js';
import { EVENT_COLUMNS, toLedgerEvent } from '../ingestion/ledger-rows.js';
import type { LedgerEvent } from '../ingestion/patch-event.js';
import type { PeriodEventsScope } from './pack-content.js';

/** Runs one parameterized query in the tenant's scope and returns its rows. */
export type ScopedQuery = (sql: string, params: unknown[]) => Promise<Row[]>;

const PAGE = 10_000;

export async function* periodEvents(
  query: ScopedQuery,
  scope: PeriodEventsScope,
): AsyncGenerator<LedgerEvent> {
  const at = new Date(scope.asOf).toISOString();
  const from = new Date(scope.period.from).toISOString();
  const to = new Date(scope.period.to).toISOString();
  const page = (after: number): Promise<Row[]> =>
    query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE client_id = $1 AND occurred_at >= $2 AND occurred_at < $3
         AND received_at <= $4 AND occurred_at <= $4 AND seq > $5 ORDER BY seq LIMIT ${PAGE}`,
      [scope.clientId, from, to, at, after],
    );
  let pending = page(0);
  try {
    for (;;) {
      const rows = await pending;
      if (rows.length === 0) return;
      pending = rows.length < PAGE ? Promise.resolve([]) : page(Number(rows.at(-1)!.seq));
      for (const r of rows) yield toLedgerEvent(r);
    }
  } finally {
    // A consumer that stops early leaves a page in flight: its outcome no longer matters.
    pending.catch(() => undefined);
  }
}
