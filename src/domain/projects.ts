import { sql } from 'kysely'
import type { OrganizationCategory, Phase, ProjectType } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { ProjectHistoryRow } from '../db/tables/history.js'
import type { ProjectRow } from '../db/tables/project.js'
import { compiledOnce } from '../db/prepared.js'
import { notFound } from '../errors.js'
import { pageQuery, type Page } from './pagination.js'
import { inStatesTagged, notInStatesTagged } from './state-tags.js'
import { pendingTimersFromJson, pendingTimersJson, type PendingTimersJson } from './timers.js'
import type { PendingTimer } from '../db/tables/timer.js'

export async function getProject(db: Executor, id: string): Promise<ProjectRow> {
  const row = await db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound('project', id, 'PROJECT_NOT_FOUND')
  return row
}

/** A project as answered: its row without the snapshot, its context as the JSON text PostgreSQL wrote, its pending timers. */
export interface ProjectForView {
  project: Omit<ProjectRow, 'snapshot'>
  /** The snapshot's context, as JSON text: an answer passes it through rather than parse and write it again. */
  contextJson: string
  timers: PendingTimer[]
}

type ProjectForViewRow = Omit<ProjectRow, 'snapshot'> & { context_json: string; timers: PendingTimersJson }

// Runs on every GET of a project: compiled once and prepared, one statement, one snapshot.
const projectForView = compiledOnce(
  (id: string) => sql<ProjectForViewRow>`/* prepared */
    select p.id, p.type, p.machine_version, p.organization_id, p.year, p.title, p.state, p.phase, p.status,
           p.version, p.created_at, p.updated_at,
           (p.snapshot->'context')::text as context_json,
           ${pendingTimersJson(sql.ref('p.id'))} as timers
      from project p where p.id = ${id}`,
)

export async function getProjectForView(db: Executor, id: string): Promise<ProjectForView> {
  const row = (await projectForView(db, id)).rows[0]
  if (!row) throw notFound('project', id, 'PROJECT_NOT_FOUND')
  // The row goes on as the project with its two extra columns, typed away, rather than copied without them.
  return { project: row, contextJson: row.context_json, timers: pendingTimersFromJson(row.timers) }
}

export interface ProjectFilter {
  type?: ProjectType | undefined
  state?: string | undefined
  year?: number | undefined
  organizationId?: string | undefined
  /** Projects flagged as missing this half year's progress report and still without it (R11). */
  missingReport?: string | undefined
  phase?: Phase | undefined
  category?: OrganizationCategory | undefined
  /** Only projects past a deadline (true), or only those that are not (false): the machines' `overdue` tag. */
  overdue?: boolean | undefined
  cursor?: string | undefined
  limit: number
}

export async function listProjects(db: Executor, filter: ProjectFilter): Promise<Page<ProjectRow>> {
  let query = db.selectFrom('project').selectAll()
  if (filter.type) query = query.where('type', '=', filter.type)
  if (filter.state) query = query.where('state', '=', filter.state)
  if (filter.year !== undefined) query = query.where('year', '=', filter.year)
  if (filter.organizationId) query = query.where('organization_id', '=', filter.organizationId)
  if (filter.phase) query = query.where('phase', '=', filter.phase)
  if (filter.category) {
    const category = filter.category
    query = query.where('organization_id', 'in', (eb) => eb.selectFrom('organization').select('id').where('category', '=', category))
  }
  if (filter.overdue !== undefined) query = query.where(filter.overdue ? inStatesTagged('overdue') : notInStatesTagged('overdue'))
  if (filter.missingReport) {
    const period = JSON.stringify([{ period: filter.missingReport }])
    query = query
      .where(sql<boolean>`snapshot->'context'->'missingReports' @> ${period}::jsonb`)
      .where(sql<boolean>`not (snapshot->'context'->'progressReports' @> ${period}::jsonb)`)
  }
  return pageQuery(query, filter)
}

export async function listHistory(db: Executor, projectId: string): Promise<ProjectHistoryRow[]> {
  return db
    .selectFrom('project_history')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('version')
    .execute()
}

/** How many projects of each type stand in each state in a year (of one organization, if given): the console's heatmap. */
export async function countByState(db: Executor, year: number, organizationId?: string) {
  let query = db.selectFrom('project').select(['type', 'state', (eb) => eb.fn.countAll().as('n')]).where('year', '=', year)
  if (organizationId) query = query.where('organization_id', '=', organizationId)
  const rows = await query.groupBy(['type', 'state']).execute()
  const counts: Record<string, Record<string, number>> = { foundation: {}, innovation: {}, promotion: {} }
  for (const r of rows) counts[r.type]![r.state] = Number(r.n)
  return counts as Record<ProjectType, Record<string, number>>
}
