import { sql, type RawBuilder } from 'kysely'
import { statesTagged, type StateTag } from '../../machines/index.js'

/**
 * A condition on projects by what their state means (a tag of the machine definition, I5),
 * never by state names: `(type, machine_version, state)` among the triples whose state node
 * carries the tag. A new state or type is selected by its tags the day it ships.
 */
export function inStatesTagged(tag: StateTag, table = 'project'): RawBuilder<boolean> {
  const values = tripleList(tag)
  if (values === null) return sql<boolean>`false`
  return sql<boolean>`((${sql.ref(`${table}.type`)}, ${sql.ref(`${table}.machine_version`)}, ${sql.ref(`${table}.state`)}) in (${values}))`
}

/** The tag's triples as SQL literals: the registry does not change while the service runs, so built once per tag. */
const triplesByTag = new Map<StateTag, RawBuilder<unknown> | null>()
function tripleList(tag: StateTag): RawBuilder<unknown> | null {
  if (!triplesByTag.has(tag)) {
    const triples = statesTagged(tag)
    triplesByTag.set(tag, triples.length ? sql.join(triples.map((t) => sql`(${sql.lit(t.type)}, ${sql.lit(t.version)}, ${sql.lit(t.state)})`)) : null)
  }
  return triplesByTag.get(tag)!
}

export function notInStatesTagged(tag: StateTag, table = 'project'): RawBuilder<boolean> {
  return sql<boolean>`not ${inStatesTagged(tag, table)}`
}
