import { sql, type RawBuilder } from 'kysely'
import { statesTagged, type StateTag } from '../../machines/index.js'

/**
 * A condition on projects by what their state means (a tag of the machine definition, I5),
 * never by state names: `(type, machine_version, state)` among the triples whose state node
 * carries the tag. A new state or type is selected by its tags the day it ships.
 */
export function inStatesTagged(tag: StateTag, table = 'project'): RawBuilder<boolean> {
  const triples = statesTagged(tag)
  if (triples.length === 0) return sql<boolean>`false`
  const values = sql.join(triples.map((t) => sql`(${sql.lit(t.type)}, ${sql.lit(t.version)}, ${sql.lit(t.state)})`))
  return sql<boolean>`((${sql.ref(`${table}.type`)}, ${sql.ref(`${table}.machine_version`)}, ${sql.ref(`${table}.state`)}) in (${values}))`
}

export function notInStatesTagged(tag: StateTag, table = 'project'): RawBuilder<boolean> {
  return sql<boolean>`not ${inStatesTagged(tag, table)}`
}
