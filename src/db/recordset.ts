import { sql, type ColumnType, type RawBuilder } from 'kysely'

/**
 * Set-based writes from JSON: many rows in one statement as `jsonb_to_recordset`. The columns a
 * statement writes come from a map over the table type's columns (those the database does not
 * generate), so a column added to a table type and not to its writer fails to compile instead
 * of going silently unwritten; the rows are typed by the same map.
 */

/** The columns of a table type the database does not fill in itself (kysely's Generated ones). */
export type WrittenColumn<T> = {
  [K in keyof T]-?: T[K] extends ColumnType<infer _S, infer I, infer _U> ? (undefined extends I ? never : K) : K
}[keyof T] &
  string

/** Each written column's SQL type, as jsonb_to_recordset needs it. */
export type ColumnSqlTypes<T> = Record<WrittenColumn<T>, string>

/** A row to write: every written column, as JSON carries it (instants as ISO strings). */
export type WrittenRow<T> = { [K in WrittenColumn<T>]: unknown }

/**
 * `a, b, c` (the written columns) and `jsonb_to_recordset(rows) as v(a type, b type, …)`, in the
 * map's order; `extra` columns (an ordering key, say) are read from the rows but not written.
 */
export function recordset<T>(
  columns: ColumnSqlTypes<T>,
  rows: ReadonlyArray<WrittenRow<T>>,
  extra: Record<string, string> = {},
): { names: RawBuilder<unknown>; source: RawBuilder<unknown> } {
  const written = Object.keys(columns)
  const names = sql.join(written.map((name) => sql.ref(name)))
  const entries = Object.entries(Object.assign({}, columns, extra)) as Array<[string, string]>
  const definition = sql.join(entries.map(([name, type]) => sql`${sql.ref(name)} ${sql.raw(type)}`))
  // jsonb_to_recordset matches keys by name: rows need no reordering.
  return { names, source: sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(${definition})` }
}
