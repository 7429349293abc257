import type { DB, Executor } from '../db/database.js'
import { getCalendar, lockCalendar, recordCalendarChange, saveCalendar } from '../domain/calendars.js'
import { appendOutbox } from '../domain/outbox.js'
import { replanTimers } from '../engine/replan.js'
import { Refusal } from '../errors.js'
import { viewCalendar } from './calendar-view.js'
import type { CalendarDefaults, YearCalendar } from './year-calendar.js'

/** What an administrator may change in a year's calendar; what is left out stays. */
export interface CalendarChange {
  declarationDeadline?: Date | undefined
  progressMeetings?: Array<{ meetingAt?: Date | undefined; reportDueAt?: Date | undefined }> | undefined
  acceptanceDeadline?: Date | undefined
}

/**
 * Changes a year's calendar (R24): under the year's exclusive lock, the new calendar is checked,
 * saved, every running project that reads it is planned again by the planner its transitions
 * use (replan.ts), and the change is logged and published — all in one transaction.
 */
export async function changeCalendar(
  db: DB,
  year: number,
  change: CalendarChange,
  options: { actor: string; now: Date; calendarDefaults: CalendarDefaults },
): Promise<{ calendar: YearCalendar; rescheduled: number }> {
  const { actor, now, calendarDefaults } = options
  return db.transaction().execute(async (trx: Executor) => {
    await lockCalendar(trx, year)
    const before = await getCalendar(trx, year, calendarDefaults)
    const [h1, h2] = before.progressMeetings
    const after: YearCalendar = {
      year,
      stored: true,
      declarationDeadline: change.declarationDeadline ?? before.declarationDeadline,
      progressMeetings: [
        { ...h1, ...definedOnly(change.progressMeetings?.[0]) },
        { ...h2, ...definedOnly(change.progressMeetings?.[1]) },
      ],
      acceptanceDeadline: change.acceptanceDeadline ?? before.acceptanceDeadline,
    }
    checkOrder(after)
    await saveCalendar(trx, after, actor, now)
    const { changed: rescheduledTimers } = await replanTimers(trx, calendarDefaults, { calendarYear: year }, now)
    await recordCalendarChange(trx, { year, before: viewCalendar(before), after: viewCalendar(after), rescheduledTimers, actor, at: now })
    await appendOutbox(trx, 'calendar.changed', { year, rescheduledTimers, calendar: viewCalendar(after) }, now)
    return { calendar: after, rescheduled: rescheduledTimers }
  })
}

/** The order the year must keep: declarations close before the first report is due, and so on. */
function checkOrder(c: YearCalendar) {
  const [h1, h2] = c.progressMeetings
  const sequence: Array<[string, Date]> = [
    ['declarationDeadline', c.declarationDeadline],
    ['progressMeetings.0.reportDueAt', h1.reportDueAt],
    ['progressMeetings.0.meetingAt', h1.meetingAt],
    ['progressMeetings.1.reportDueAt', h2.reportDueAt],
    ['progressMeetings.1.meetingAt', h2.meetingAt],
  ]
  for (let i = 1; i < sequence.length; i++) {
    if (sequence[i]![1] <= sequence[i - 1]![1]) {
      throw new Refusal(422, 'CALENDAR_OUT_OF_ORDER', `${sequence[i]![0]} must come after ${sequence[i - 1]![0]}`, {
        field: sequence[i]![0],
        after: sequence[i - 1]![0],
      })
    }
  }
  if (c.acceptanceDeadline <= c.declarationDeadline) {
    throw new Refusal(422, 'CALENDAR_OUT_OF_ORDER', 'acceptanceDeadline must come after declarationDeadline', {
      field: 'acceptanceDeadline',
      after: 'declarationDeadline',
    })
  }
}


function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>
}
