import { sql } from 'kysely'
import type { Executor } from '../db/database.js'
import { compiledOnce } from '../db/prepared.js'
import type { ProjectRow } from '../db/tables/project.js'
import type { PendingTimer } from '../db/tables/timer.js'
import { calendarFromJson, calendarLookup, findCalendars, type CalendarJson } from '../domain/calendars.js'
import { pendingTimersFromJson, pendingTimersJson, timersOfProject, type PendingTimersJson } from '../domain/timers.js'
import { notFound } from '../errors.js'
import type { CalendarDefaults, CalendarOf } from '../calendar/year-calendar.js'

/**
 * What the engine reads to plan one event, in one round trip: the project (under its row lock
 * when asked, I2), its pending timers (for the answer) and the calendars its deadlines need
 * (its year, and the year an extension rolls into).
 */
export interface LoadedProject {
  project: ProjectRow
  timers: PendingTimer[]
  calendarOf: CalendarOf
}

interface LoadedRow extends ProjectRow {
  /** The version the statement's snapshot saw; differs from `version` if the row moved while we waited for the lock. */
  seen_version: number
  timers: PendingTimersJson
  calendars: CalendarJson[]
}

/** Calendars a project's deadlines may need: its year, and the year an extension rolls into. */
export function calendarYearsOf(project: ProjectRow): number[] {
  const until = (project.snapshot as { context?: { extension?: { until: string } | null } }).context?.extension?.until
  return until ? [project.year, new Date(until).getUTCFullYear()] : [project.year]
}

const projectForEventStatement = (lock: boolean) =>
  compiledOnce(
    (id: string) => sql<LoadedRow>`/* prepared */
    select p.*,
           ${lock ? sql`(select s.version from project s where s.id = p.id)` : sql`p.version`} as seen_version,
           ${pendingTimersJson(sql.ref('p.id'))} as timers,
           coalesce((select json_agg(c) from calendar c
                      where c.year = p.year
                         or c.year = left(p.snapshot #>> '{context,extension,until}', 4)::int), '[]'::json) as calendars
      from project p
     where p.id = ${id}
       ${lock ? sql`for update of p` : sql``}`,
  )
const projectForEvent = projectForEventStatement(false)
const projectForEventLocked = projectForEventStatement(true)

export async function loadProjectForEvent(
  db: Executor,
  id: string,
  defaults: CalendarDefaults,
  options: { lock: boolean },
): Promise<LoadedProject> {
  const { rows } = await (options.lock ? projectForEventLocked : projectForEvent)(db, id)
  const row = rows[0]
  if (!row) throw notFound('project', id, 'PROJECT_NOT_FOUND')
  const { seen_version, timers, calendars, ...project } = row
  if (seen_version !== project.version) {
    // Another transaction moved the project while this one waited for the lock: the statement's
    // snapshot predates it, so its timers and calendars are read again, now that the lock is held.
    return {
      project,
      timers: await timersOfProject(db, id),
      calendarOf: calendarLookup(await findCalendars(db, calendarYearsOf(project)), defaults),
    }
  }
  return {
    project,
    timers: pendingTimersFromJson(timers),
    calendarOf: calendarLookup(new Map(calendars.map((c) => [c.year, calendarFromJson(c)])), defaults),
  }
}
