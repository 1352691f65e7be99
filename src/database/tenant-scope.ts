/**
 * Row-level security scope. Every read or write of tenant-owned rows runs inside `withTenant`: one transaction that
 * sets `app.tenant_id` and drops to the `patchproof_app` role with `set_config(..., true)`, so both end with the
 * transaction and never leak to the next request on a pooled connection (a session-level SET would).
 * `patchproof_app` owns nothing and has no BYPASSRLS, so the policies bind even when the pool logs in as the
 * table owner or a superuser (superusers bypass RLS, but a superuser session that SET ROLEs does not).
 */
import type { DataSource, EntityManager } from 'typeorm';

export const APP_ROLE = 'patchproof_app';
/** Run first in a transaction, with [tenant id, APP_ROLE]: the scope `withTenant` gives (also on a connection of its own). */
export const TENANT_SCOPE_SQL = `SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)`;

export async function withTenant<T>(
  dataSource: DataSource,
  tenantId: string,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (em) => {
    await em.query(TENANT_SCOPE_SQL, [tenantId, APP_ROLE]);
    return work(em);
  });
}
