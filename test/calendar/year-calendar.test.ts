import { describe, expect, it } from 'vitest'
import {
  defaultCalendar,
  endOfDateInShanghai,
  endOfDayInShanghai,
  shanghaiDate,
  shanghaiDateTime,
  standardDefaults,
} from '../../src/calendar/year-calendar.js'

describe('the year’s calendar in Asia/Shanghai', () => {
  it('puts "the end of March" at 23:59:59.999 Beijing time, 15:59:59.999 UTC', () => {
    const calendar = defaultCalendar(2026)
    expect(calendar.declarationDeadline.toISOString()).toBe('2026-03-31T15:59:59.999Z')
    expect(shanghaiDateTime(calendar.declarationDeadline)).toBe('2026-03-31 23:59:59.999 +08:00')
    expect(calendar.acceptanceDeadline.toISOString()).toBe('2026-12-31T15:59:59.999Z')
  })

  it('holds the progress meetings on 30 June and 20 December, reports due a week before', () => {
    const [h1, h2] = defaultCalendar(2026).progressMeetings
    expect(h1).toEqual({
      period: '2026-H1',
      meetingAt: new Date('2026-06-30T01:00:00.000Z'),
      reportDueAt: new Date('2026-06-23T15:59:59.999Z'),
    })
    expect(h2.period).toBe('2026-H2')
    expect(shanghaiDate(h2.reportDueAt)).toBe('2026-12-13')
  })

  it('reads 29 February as the last day of February in a common year', () => {
    const leapDefaults = { ...standardDefaults, declarationDeadline: { month: 2, day: 29 } }
    expect(shanghaiDate(defaultCalendar(2028, leapDefaults).declarationDeadline)).toBe('2028-02-29')
    expect(shanghaiDate(defaultCalendar(2027, leapDefaults).declarationDeadline)).toBe('2027-02-28')
    expect(endOfDayInShanghai(2028, { month: 2, day: 29 }).toISOString()).toBe('2028-02-29T15:59:59.999Z')
  })

  it('crosses the year boundary: the end of 31 December local is still 31 December in UTC', () => {
    expect(endOfDateInShanghai('2026-12-31').toISOString()).toBe('2026-12-31T15:59:59.999Z')
    expect(shanghaiDate(new Date('2026-12-31T16:00:00.000Z'))).toBe('2027-01-01')
    const lateMeeting = { ...standardDefaults, progressMeetings: [{ month: 6, day: 30 }, { month: 1, day: 5 }] as const }
    // A report a week before 5 January is due in the previous year.
    const [, h2] = defaultCalendar(2027, { ...lateMeeting, progressMeetings: [...lateMeeting.progressMeetings] as never })
      .progressMeetings
    expect(shanghaiDate(h2.reportDueAt)).toBe('2026-12-29')
  })
})

describe('calendars on the defaults', () => {
  // Every event's deadlines read the year's calendar: built once per year and defaults, and shared.
  it('are built once per year and defaults, and frozen since they are shared', () => {
    expect(defaultCalendar(2031)).toBe(defaultCalendar(2031))
    expect(Object.isFrozen(defaultCalendar(2031))).toBe(true)
    expect(Object.isFrozen(defaultCalendar(2031).progressMeetings[0])).toBe(true)
    expect(() => {
      ;(defaultCalendar(2031) as { year: number }).year = 2032
    }).toThrow(TypeError)
    const later = { ...standardDefaults, declarationDeadline: { month: 4, day: 15 } }
    expect(defaultCalendar(2031, later)).not.toBe(defaultCalendar(2031))
    expect(defaultCalendar(2031, later).declarationDeadline.toISOString()).toBe('2031-04-15T15:59:59.999Z')
    expect(defaultCalendar(2031).declarationDeadline.toISOString()).toBe('2031-03-31T15:59:59.999Z')
  })
})
