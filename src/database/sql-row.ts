/**
 * A row as `pg` returns it. Columns are read by name right after the SQL that names them, and mapped to typed
 * values in one place per table (the `to…` mappers), so an untyped row never travels further.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SqlRow = Record<string, any>;
