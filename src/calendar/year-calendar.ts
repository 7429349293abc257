import { endOfShanghaiDate, endOfShanghaiDay, SHANGHAI_OFFSET_MS, shanghaiDate } from '../../machines/shared/time.js'
import type { ProgrammeCalendar } from '../../machines/shared/deadlines.js'

export { firesAfter } from '../../machines/shared/deadlines.js'
export { shanghaiDate }

/**
 * The year's calendar (R7, R11, R13, R24) as instants. Dates people say ("the end of March")
 * are read in Asia/Shanghai; instants are stored in UTC.
 */

export type Period = `${number}-H${1 | 2}`

export interface ProgressMeeting {
  period: Period
  /** When the town committee holds the meeting (09:00 local unless set otherwise). */
  meetingAt: Date
  /** Reports are due by the end of this day (a week before the meeting by default). */
  reportDueAt: Date
}

export interface YearCalendar extends ProgrammeCalendar {
  year: number
  declarationDeadline: Date
  progressMeetings: [ProgressMeeting, ProgressMeeting]
  acceptanceDeadline: Date
  /** False while the year runs on the configured defaults. */
  stored: boolean
}

/** Month-day defaults, configurable per deployment (CALENDAR_* variables). */
export interface CalendarDefaults {
  declarationDeadline: MonthDay
  progressMeetings: [MonthDay, MonthDay]
  reportLeadDays: number
  acceptanceDeadline: MonthDay
}

export interface MonthDay {
  month: number
  day: number
}

export const standardDefaults: CalendarDefaults = {
  declarationDeadline: { month: 3, day: 31 },
  progressMeetings: [
    { month: 6, day: 30 },
    { month: 12, day: 20 },
  ],
  reportLeadDays: 7,
  acceptanceDeadline: { month: 12, day: 31 },
}

export function parseMonthDay(text: string): MonthDay {
  const match = /^(\d{2})-(\d{2})$/.exec(text)
  const month = Number(match?.[1])
  const day = Number(match?.[2])
  if (!match || month < 1 || month > 12 || day < 1 || day > 31) throw new Error(`${text} is not a MM-DD date`)
  return { month, day }
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** 23:59:59.999 on that day in Asia/Shanghai, as a UTC instant; 29 February in a common year means the 28th. */
export function endOfDayInShanghai(year: number, { month, day }: MonthDay): Date {
  return endOfShanghaiDay(year, month, day)
}

export function atLocalTime(year: number, { month, day }: MonthDay, hour: number): Date {
  return new Date(Date.UTC(year, month - 1, Math.min(day, daysInMonth(year, month)), hour) - SHANGHAI_OFFSET_MS)
}

/** A YYYY-MM-DD date as the end of that day in Asia/Shanghai. */
export const endOfDateInShanghai = endOfShanghaiDate

export function shanghaiDateTime(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 23) + ' +08:00'
}

/** A year's calendar on the defaults; built once per year and defaults and shared (frozen): every event's deadlines read it. */
export function defaultCalendar(year: number, defaults: CalendarDefaults = standardDefaults): YearCalendar {
  let byYear = defaultCalendars.get(defaults)
  if (!byYear) defaultCalendars.set(defaults, (byYear = new Map()))
  let calendar = byYear.get(year)
  if (!calendar) byYear.set(year, (calendar = deepFreeze(buildDefaultCalendar(year, defaults))))
  return calendar
}

const defaultCalendars = new WeakMap<CalendarDefaults, Map<number, YearCalendar>>()

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

function buildDefaultCalendar(year: number, defaults: CalendarDefaults): YearCalendar {
  const meeting = (index: 0 | 1): ProgressMeeting => {
    const meetingAt = atLocalTime(year, defaults.progressMeetings[index], 9)
    const dueDay = new Date(Date.parse(`${shanghaiDate(meetingAt)}T00:00:00Z`) - defaults.reportLeadDays * 86_400_000)
    return {
      period: `${year}-H${(index + 1) as 1 | 2}`,
      meetingAt,
      reportDueAt: endOfDayInShanghai(dueDay.getUTCFullYear(), {
        month: dueDay.getUTCMonth() + 1,
        day: dueDay.getUTCDate(),
      }),
    }
  }
  return {
    year,
    declarationDeadline: endOfDayInShanghai(year, defaults.declarationDeadline),
    progressMeetings: [meeting(0), meeting(1)],
    acceptanceDeadline: endOfDayInShanghai(year, defaults.acceptanceDeadline),
    stored: false,
  }
}

/** Looks a year's calendar up; years nobody stored run on the defaults. */
export type CalendarOf = (year: number) => YearCalendar
