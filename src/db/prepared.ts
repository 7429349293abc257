import { createHash } from 'node:crypto'
import { CompiledQuery, type QueryResult, type RawBuilder } from 'kysely'
import pg from 'pg'
import type { Executor } from './database.js'

/**
 * Statements the service runs on every request carry the comment `/* prepared *\/`: on
 * PostgreSQL they become named prepared statements, parsed and planned once per connection
 * instead of on every execution (planning was most of PostgreSQL's time for the engine's read).
 * Only marked statements are prepared, so their variety — and the memory they hold in each
 * backend — stays bounded; everything else runs as before.
 */
export const preparedMarker = '/* prepared */'

/** Statement names by text; null for a text without the marker, so each text is scanned once. */
const names = new Map<string, string | null>()
const nameOf = (text: string): string | null => {
  let name = names.get(text)
  if (name === undefined) {
    name = text.includes(preparedMarker) ? `djf_${createHash('sha1').update(text).digest('hex').slice(0, 24)}` : null
    // Unmarked texts vary without bound (built queries): only marked ones are remembered.
    if (name) names.set(text, name)
  }
  return name
}

/** The fields of pg's Query that its typings leave out. */
interface PendingQuery {
  name: string
  callback: (error: Error | null, result: unknown) => void
}

export function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  client.query = ((...args: unknown[]) => {
    const [text, values] = args
    const name = args.length === 2 && typeof text === 'string' ? nameOf(text) : null
    if (!name) return query(...args)
    // A Query made from the text, named afterwards: pg copies a config object property by property
    // (getOwnPropertyDescriptors) on every query, a few percent of a GET's CPU.
    const prepared = new pg.Query(text as string, values as unknown[]) as unknown as PendingQuery
    prepared.name = name
    return new Promise((resolve, reject) => {
      prepared.callback = (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result))
      query(prepared)
    })
  }) as typeof client.query
}

/**
 * A hot statement built once: the first call compiles `build`'s SQL, later calls only bind their
 * arguments, sparing Kysely's query building and compiling on every request. `build` must use
 * each argument once, as a parameter, in order (checked at the first call), so that the
 * arguments are the compiled statement's parameters. Mark it `/* prepared *\/` to prepare it too.
 */
export function compiledOnce<Row, Args extends readonly unknown[]>(build: (...args: Args) => RawBuilder<Row>) {
  let text: string | undefined
  return async (db: Executor, ...args: Args): Promise<QueryResult<Row>> => {
    if (text === undefined) {
      const compiled = build(...args).compile(db)
      if (compiled.parameters.length !== args.length || compiled.parameters.some((p, i) => p !== args[i])) {
        throw new Error(`compiledOnce: the statement's parameters are not its arguments in order:\n${compiled.sql}`)
      }
      text = compiled.sql
    }
    return db.executeQuery<Row>(CompiledQuery.raw(text, args as unknown as unknown[]))
  }
}
