import { createHash } from 'node:crypto'
import type pg from 'pg'

/**
 * Statements the service runs on every request carry the comment `/* prepared *\/`: on
 * PostgreSQL they become named prepared statements, parsed and planned once per connection
 * instead of on every execution (planning was most of PostgreSQL's time for the engine's read).
 * Only marked statements are prepared, so their variety — and the memory they hold in each
 * backend — stays bounded; everything else runs as before.
 */
export const preparedMarker = '/* prepared */'

const names = new Map<string, string>()
const nameOf = (text: string) => {
  let name = names.get(text)
  if (!name) names.set(text, (name = `djf_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`))
  return name
}

export function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  client.query = ((...args: unknown[]) => {
    const [text, values, ...rest] = args
    if (typeof text === 'string' && text.includes(preparedMarker)) {
      return query({ name: nameOf(text), text, values }, ...rest)
    }
    return query(...args)
  }) as typeof client.query
}
