import { sql } from 'kysely'
import type { Executor } from '../db/database.js'
import type { CalendarRow } from '../db/tables/calendar.js'
import { defaultCalendar, type CalendarDefaults, type CalendarOf, type YearCalendar } from '../calendar/year-calendar.js'

export const calendarFromRow = (row: CalendarRow): YearCalendar => ({
  year: row.year,
  declarationDeadline: row.declaration_deadline,
  progressMeetings: [
    { period: `${row.year}-H1`, meetingAt: row.h1_meeting_at, reportDueAt: row.h1_report_due_at },
    { period: `${row.year}-H2`, meetingAt: row.h2_meeting_at, reportDueAt: row.h2_report_due_at },
  ],
  acceptanceDeadline: row.acceptance_deadline,
  stored: true,
})

/** A calendar row as JSON carries it (read together with a project): instants as ISO strings. */
export type CalendarJson = { [K in keyof CalendarRow]: CalendarRow[K] extends Date ? string : CalendarRow[K] }

export const calendarFromJson = (json: CalendarJson): YearCalendar =>
  calendarFromRow({
    ...json,
    declaration_deadline: new Date(json.declaration_deadline),
    h1_meeting_at: new Date(json.h1_meeting_at),
    h1_report_due_at: new Date(json.h1_report_due_at),
    h2_meeting_at: new Date(json.h2_meeting_at),
    h2_report_due_at: new Date(json.h2_report_due_at),
    acceptance_deadline: new Date(json.acceptance_deadline),
    updated_at: new Date(json.updated_at),
  })

export async function findCalendars(db: Executor, years: number[]): Promise<Map<number, YearCalendar>> {
  if (years.length === 0) return new Map()
  const rows = await db.selectFrom('calendar').selectAll().where('year', 'in', [...new Set(years)]).execute()
  return new Map(rows.map((row) => [row.year, calendarFromRow(row)]))
}

/** The calendars of these years (stored, or the defaults), as a lookup the planner can call synchronously. */
export async function loadCalendars(db: Executor, years: number[], defaults: CalendarDefaults): Promise<CalendarOf> {
  return calendarLookup(await findCalendars(db, years), defaults)
}

/** Stored calendars first, the defaults for any other year. */
export function calendarLookup(stored: ReadonlyMap<number, YearCalendar>, defaults: CalendarDefaults): CalendarOf {
  return (year) => stored.get(year) ?? defaultCalendar(year, defaults)
}

export async function getCalendar(db: Executor, year: number, defaults: CalendarDefaults): Promise<YearCalendar> {
  return (await loadCalendars(db, [year], defaults))(year)
}

/** Writes a year's calendar; `forUpdate` first so two changes to one year serialize. */
/**
 * A year's calendar and the timers computed from it change together: a calendar change holds the
 * year's lock exclusively while it moves the pending timers; a transition or a firing that sets a
 * timer from the calendar holds it shared, from before it reads the calendar until it commits. So
 * no timer is written from a calendar that a concurrent change has already replaced. (An advisory
 * lock: a year on the defaults has no row to lock. Its key names the schema, so suites sharing a
 * database do not wait on one another.)
 */
const calendarLock = sql`hashtext('dangjian-flow calendar ' || current_schema())`

export async function lockCalendar(db: Executor, year: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(${calendarLock}, ${year}::int)`.execute(db)
}

export async function lockCalendarsShared(db: Executor, years: readonly number[]): Promise<void> {
  // In year order, so that two transactions never wait for each other's years.
  await sql`select pg_advisory_xact_lock_shared(${calendarLock}, y) from unnest(${[...new Set(years)].sort()}::int[]) as y order by y`.execute(db)
}

export async function saveCalendar(db: Executor, calendar: YearCalendar, actor: string, now: Date): Promise<void> {
  const values = {
    declaration_deadline: calendar.declarationDeadline,
    h1_meeting_at: calendar.progressMeetings[0].meetingAt,
    h1_report_due_at: calendar.progressMeetings[0].reportDueAt,
    h2_meeting_at: calendar.progressMeetings[1].meetingAt,
    h2_report_due_at: calendar.progressMeetings[1].reportDueAt,
    acceptance_deadline: calendar.acceptanceDeadline,
    updated_at: now,
    updated_by: actor,
  }
  await db
    .insertInto('calendar')
    .values({ year: calendar.year, ...values })
    .onConflict((oc) => oc.column('year').doUpdateSet(values))
    .execute()
}

export async function recordCalendarChange(
  db: Executor,
  change: { year: number; before: unknown; after: unknown; rescheduledTimers: number; actor: string; at: Date },
): Promise<void> {
  await db
    .insertInto('calendar_change')
    .values({
      year: change.year,
      before: JSON.stringify(change.before),
      after: JSON.stringify(change.after),
      rescheduled_timers: change.rescheduledTimers,
      actor: change.actor,
      at: change.at,
    })
    .execute()
}

export async function listCalendarChanges(db: Executor, year: number) {
  return db.selectFrom('calendar_change').selectAll().where('year', '=', year).orderBy('id').execute()
}
