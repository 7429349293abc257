import { sql, type RawBuilder } from 'kysely'
import type { DeadlineKind } from '../../machines/index.js'
import type { Executor } from '../db/database.js'
import type { PendingTimer, TimerKind, TimerRow } from '../db/tables/timer.js'
import { firesAfter, type YearCalendar } from '../scheduler/calendar.js'
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

/**
 * Moves every pending calendar timer of the year to the calendar's new instants, set-based:
 * one statement per deadline kind whatever the number of projects. Extended acceptance
 * deadlines (滚动实施) belong to their project, not to the calendar, and stay.
 */
export async function rescheduleCalendarTimers(db: Executor, calendar: YearCalendar): Promise<number> {
  const ofYear = (kind: DeadlineKind) =>
    db
      .updateTable('timer')
      .where('kind', '=', kind)
      .where('project_id', 'in', (eb) => eb.selectFrom('project').select('id').where('year', '=', calendar.year))
  const [h1, h2] = calendar.progressMeetings
  const results = [
    await ofYear('declarationDeadline').set({ due_at: firesAfter(calendar.declarationDeadline) }).executeTakeFirst(),
    await ofYear('acceptanceDeadline')
      .set({ due_at: firesAfter(calendar.acceptanceDeadline) })
      .where(sql<boolean>`not exists (select 1 from project p where p.id = timer.project_id
        and jsonb_typeof(p.snapshot->'context'->'extension') = 'object')`)
      .executeTakeFirst(),
    await db
      .updateTable('timer')
      .set({
        due_at: sql<Date>`case timer.event->>'period' when ${h1.period} then ${firesAfter(h1.reportDueAt)}::timestamptz
                                                       else ${firesAfter(h2.reportDueAt)}::timestamptz end`,
      })
      .where('kind', '=', 'progressReportDue')
      .where(sql<string>`timer.event->>'period'`, 'in', [h1.period, h2.period])
      .executeTakeFirst(),
  ]
  return results.reduce((n, r) => n + Number(r.numUpdatedRows), 0)
}
