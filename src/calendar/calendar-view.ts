import { shanghaiDateTime, type YearCalendar } from './year-calendar.js'

/** A calendar as answered, recorded in its change log and published: each instant in UTC and as read in Shanghai. */
const show = (at: Date) => ({ at: at.toISOString(), inShanghai: shanghaiDateTime(at) })

export const viewCalendar = (c: YearCalendar) => ({
  year: c.year,
  stored: c.stored,
  declarationDeadline: show(c.declarationDeadline),
  progressMeetings: c.progressMeetings.map((m) => ({ period: m.period, meetingAt: show(m.meetingAt), reportDueAt: show(m.reportDueAt) })),
  acceptanceDeadline: show(c.acceptanceDeadline),
})
