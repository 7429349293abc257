import { describe, expect, it } from 'vitest'
import { deadlineCandidates, RESUBMISSION_DAYS } from '../../machines/index.js'
import { defaultCalendar } from '../../src/calendar/year-calendar.js'
import { driver } from '../support/machine-driver.js'

/** When each deadline falls for a project (machines/shared/deadlines.ts), on the default calendar. */
describe('deadline candidates', () => {
  const calendarOf = (year: number) => defaultCalendar(year)
  const context = driver('innovation').start().context

  it('asks for half-year reports from approval on, and after an extension only for half years still to come', () => {
    const approved = { ...context, decision: { outcome: 'approved' as const, averageScore: 80, note: '', by: 'a', at: '2026-01-10T00:00:00.000Z' } }
    expect(deadlineCandidates('progressReportDue', approved, 2026, calendarOf).map((c) => c.event.period)).toEqual(['2026-H1', '2026-H2'])
    // Failed in March, rectifying all year, overdue, extended in December into 2027: nothing of 2026 is asked afterwards.
    const extended = { ...approved, extension: { until: '2027-06-30T15:59:59.999Z', reason: '延期', by: 'a', at: '2026-12-29T00:00:00.000Z' } }
    expect(deadlineCandidates('progressReportDue', extended, 2026, calendarOf).map((c) => c.event.period)).toEqual(['2027-H1', '2027-H2'])
  })

  it('gives a returned declaration the later of the March deadline and the end of the 15th day after the return', () => {
    const returnedAt = (at: string) => ({ ...context, revisionRequests: [{ round: 1, opinion: '改', by: 'a', at }] })
    expect(RESUBMISSION_DAYS).toBe(15)
    expect(deadlineCandidates('resubmissionDeadline', returnedAt('2026-01-05T00:00:00.000Z'), 2026, calendarOf)[0]!.dueAt.toISOString()).toBe('2026-03-31T16:00:00.000Z')
    // Returned at 00:30 on 25 March in Shanghai (24 March in UTC): the window ends with 9 April, Shanghai.
    expect(deadlineCandidates('resubmissionDeadline', returnedAt('2026-03-24T16:30:00.000Z'), 2026, calendarOf)[0]!.dueAt.toISOString()).toBe('2026-04-09T16:00:00.000Z')
  })
})
