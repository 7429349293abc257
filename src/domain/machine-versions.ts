import { sql } from 'kysely'
import { machineRegistry, projectTypes, type ProjectType } from '../../machines/index.js'
import type { Executor } from '../db/database.js'

/**
 * When each machine version became current here, and where the projects on each version stand
 * (I6, docs/versions.md). The registry (machines/index.ts) says which version is current; the
 * database remembers since when, so an operator sees which projects started before a change.
 */
export async function recordCurrentVersions(db: Executor, now: Date): Promise<void> {
  const rows = projectTypes.map((type) => ({ type, version: machineRegistry[type].current, current_since: now }))
  await db.insertInto('machine_version').values(rows).onConflict((oc) => oc.columns(['type', 'version']).doNothing()).execute()
}

export interface VersionStanding {
  version: number
  current: boolean
  /** When it became the version new projects start on here; null if it never was. */
  currentSince: Date | null
  projects: number
  states: Array<{ state: string; projects: number }>
}

export async function versionsOf(db: Executor, type: ProjectType): Promise<VersionStanding[]> {
  const since = await db.selectFrom('machine_version').select(['version', 'current_since']).where('type', '=', type).execute()
  const counts = await db
    .selectFrom('project')
    .select(['machine_version', 'state', sql<number>`count(*)::int`.as('projects')])
    .where('type', '=', type)
    .groupBy(['machine_version', 'state'])
    .execute()
  const entry = machineRegistry[type]
  return Object.keys(entry.versions)
    .map(Number)
    .sort((a, b) => a - b)
    .map((version) => {
      const states = counts.filter((c) => c.machine_version === version).map((c) => ({ state: c.state, projects: Number(c.projects) }))
      states.sort((a, b) => (a.state < b.state ? -1 : a.state > b.state ? 1 : 0))
      return {
        version,
        current: version === entry.current,
        currentSince: since.find((s) => s.version === version)?.current_since ?? null,
        projects: states.reduce((sum, s) => sum + s.projects, 0),
        states,
      }
    })
}
