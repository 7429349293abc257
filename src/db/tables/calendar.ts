import type { Generated, Selectable } from 'kysely'

/** The year's calendar (R7, R11, R13): instants in UTC, computed in Asia/Shanghai. */
export interface CalendarTable {
  year: number
  declaration_deadline: Date
  h1_meeting_at: Date
  h1_report_due_at: Date
  h2_meeting_at: Date
  h2_report_due_at: Date
  acceptance_deadline: Date
  updated_at: Date
  updated_by: string
}

/** Every change to a year's calendar, with how many pending timers it moved. */
export interface CalendarChangeTable {
  id: Generated<string>
  year: number
  before: unknown
  after: unknown
  rescheduled_timers: number
  actor: string
  at: Date
}

export type CalendarRow = Selectable<CalendarTable>
export type CalendarChangeRow = Selectable<CalendarChangeTable>
