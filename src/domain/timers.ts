import { sql, type RawBuilder } from 'kysely'
import type { Executor } from '../db/database.js'
import type { PendingTimer, TimerKind, TimerRow } from '../db/tables/timer.js'
import { pageQuery, type Page } from './pagination.js'

export interface TimerFilter {
  projectId?: string | undefined
  /** Only timers of this organization's projects. */
  organizationId?: string | undefined
  kind?: TimerKind | undefined
  dueBefore?: Date | undefined
  cursor?: string | undefined
  limit: number
}

/** Pending timers in the order they will fire. */
export async function listTimers(db: Executor, filter: TimerFilter): Promise<Page<TimerRow>> {
  let query = db.selectFrom('timer').selectAll()
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId)
  if (filter.organizationId) {
    const organizationId = filter.organizationId
    query = query.where('project_id', 'in', (eb) => eb.selectFrom('project').select('id').where('organization_id', '=', organizationId))
  }
  if (filter.kind) query = query.where('kind', '=', filter.kind)
  if (filter.dueBefore) query = query.where('due_at', '<', filter.dueBefore)
  return pageQuery(query, filter, 'due_at', 'bigserial')
}

/** Pending timers in the order they fire; the key breaks ties. */
export const byDueThenKey = (a: PendingTimer, b: PendingTimer) =>
  a.due_at.getTime() - b.due_at.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

/** A project's pending timers as one JSON array (json, not jsonb: cheaper to build, and only read once), to read them in the statement that reads the project. */
export const pendingTimersJson = (projectId: RawBuilder<string>) => sql<PendingTimersJson>`coalesce(
  (select json_agg(json_build_object('project_id', t.project_id, 'key', t.key, 'kind', t.kind, 'event', t.event, 'due_at', t.due_at))
     from timer t where t.project_id = ${projectId}), '[]'::json)`

export type PendingTimersJson = Array<Omit<PendingTimer, 'due_at'> & { due_at: string }>

export const pendingTimersFromJson = (json: PendingTimersJson): PendingTimer[] =>
  json.map((t) => ({ ...t, due_at: new Date(t.due_at) })).sort(byDueThenKey)

export async function timersOfProject(db: Executor, projectId: string): Promise<TimerRow[]> {
  return db.selectFrom('timer').selectAll().where('project_id', '=', projectId).orderBy('due_at').orderBy('key').execute()
}

export async function nextDueAt(db: Executor, notAfter: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('timer')
    .select((eb) => eb.fn.min('due_at').as('due'))
    .where('due_at', '<=', notAfter)
    .executeTakeFirst()
  return row?.due ? new Date(row.due as unknown as Date) : null
}
