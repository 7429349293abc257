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
  const { names, definition } = fragmentsOf(columns as Record<string, string>, extra)
  // jsonb_to_recordset matches keys by name: rows need no reordering.
  return { names, source: sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(${definition})` }
}

/**
 * The column list and the recordset's definition, built once per map (they run on every write,
 * and building Kysely's nodes for them costs more than the rest of a small statement).
 */
const fragments = new WeakMap<object, Map<string, { names: RawBuilder<unknown>; definition: RawBuilder<unknown> }>>()

function fragmentsOf(columns: Record<string, string>, extra: Record<string, string>) {
  let byExtra = fragments.get(columns)
  if (!byExtra) fragments.set(columns, (byExtra = new Map()))
  const key = JSON.stringify(extra)
  let built = byExtra.get(key)
  if (!built) {
    const names = sql.raw(Object.keys(columns).map(quoted).join(', '))
    const definition = sql.raw(
      Object.entries(Object.assign({}, columns, extra))
        .map(([name, type]) => `${quoted(name)} ${type}`)
        .join(', '),
    )
    byExtra.set(key, (built = { names, definition }))
  }
  return built
}

/** A column name as an identifier; the names come from the code's own maps, never from input. */
const quoted = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`${name} is not a column name`)
  return `"${name}"`
}
