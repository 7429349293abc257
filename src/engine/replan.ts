import { sql } from 'kysely'
import type { CalendarDefaults } from '../calendar/year-calendar.js'
import type { DB, Executor } from '../db/database.js'
import type { ProjectRow } from '../db/tables/project.js'
import { calendarLookup, findCalendars, lockCalendarsShared } from '../domain/calendars.js'
import { pendingTimersFromJson, pendingTimersJson, type PendingTimersJson } from '../domain/timers.js'
import { desiredTimers, timerChanges } from './deadlines.js'
import { calendarYearsOf } from './load.js'
import { definitionOf, restoreSnapshot } from './snapshot.js'
import { deleteTimers, upsertTimers } from './write.js'
import type { WrittenRow } from '../db/recordset.js'
import type { TimerTable } from '../db/tables/timer.js'

/**
 * Re-plans the calendar timers of running projects through the planner a transition uses
 * (deadlines.ts): after a calendar change, and after a machine change that moves deadlines.
 * Set-based, as the sweep is: a batch of projects is read with its timers in one statement,
 * planned in memory, and its differences written in one statement. Runs in the caller's
 * transaction (a calendar change holds the year's lock exclusively while it runs).
 */
export interface ReplanScope {
  /** Only the projects whose deadlines read this year's calendar (their year, or an extension into it). */
  calendarYear?: number
}

export interface ReplanResult {
  projects: number
  /** Timers set, moved or deleted. */
  changed: number
}

const BATCH = 500

type ProjectWithTimers = ProjectRow & { timers: PendingTimersJson }

export async function replanTimers(
  db: Executor,
  calendarDefaults: CalendarDefaults,
  scope: ReplanScope,
  now: Date,
): Promise<ReplanResult> {
  let after = '00000000-0000-0000-0000-000000000000'
  const result: ReplanResult = { projects: 0, changed: 0 }
  for (;;) {
    const year = scope.calendarYear
    const { rows } = await sql<ProjectWithTimers>`
      select p.*, ${pendingTimersJson(sql.ref('p.id'))} as timers
        from project p
       where p.status = 'active' and p.id > ${after}
         ${year === undefined ? sql`` : sql`and (p.year = ${year} or (p.year < ${year}
               and left(p.snapshot #>> '{context,extension,until}', 4)::int >= ${year}))`}
       order by p.id
       limit ${BATCH}`.execute(db)
    if (rows.length === 0) return result
    after = rows.at(-1)!.id
    // The calendars the batch reads stay as read until commit, as a transition holds them (a calendar
    // change already holds its year exclusively in this transaction, which a shared lock of its own does not wait on).
    const years = rows.flatMap(calendarYearsOf)
    await lockCalendarsShared(db, years)
    const calendarOf = calendarLookup(await findCalendars(db, years), calendarDefaults)
    const deletes: Array<{ project_id: string; key: string }> = []
    const sets: Array<WrittenRow<TimerTable>> = []
    for (const { timers, ...project } of rows) {
      const definition = definitionOf(project)
      const desired = desiredTimers(definition, restoreSnapshot(definition, project), project.year, calendarOf)
      for (const op of timerChanges(desired, pendingTimersFromJson(timers))) {
        if (op.op === 'delete') deletes.push({ project_id: project.id, key: op.key })
        else sets.push({ project_id: project.id, key: op.key, kind: op.kind, event: op.event, due_at: op.dueAt.toISOString(), created_at: now.toISOString() })
      }
    }
    result.projects += rows.length
    result.changed += deletes.length + sets.length
    if (deletes.length) await deleteTimers(deletes).execute(db)
    if (sets.length) await upsertTimers(sets).execute(db)
  }
}

/**
 * Carries out the re-plans migrations requested (replan_request), once: the requests are taken
 * and the timers re-planned in one transaction, so a crash leaves the request for the next start
 * and a second process finds nothing left to do.
 */
export async function carryOutReplanRequests(db: DB, calendarDefaults: CalendarDefaults, now: Date): Promise<ReplanResult | null> {
  return db.transaction().execute(async (trx) => {
    const taken = await trx.deleteFrom('replan_request').returning('id').execute()
    if (taken.length === 0) return null
    return replanTimers(trx, calendarDefaults, {}, now)
  })
}
