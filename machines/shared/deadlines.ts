import type { ProjectContext } from './context.js'
import { endOfShanghaiDayAfter } from './time.js'
import type { DeadlineKind } from './vocabulary.js'

/**
 * When each calendar deadline falls for a project (R7, R11, R13): the programme's rule, read by
 * the one planner that sets timers after a transition and again after a calendar change.
 */

/** A year's calendar as the programme needs it; the service's calendars (stored or default) have this shape. */
export interface ProgrammeCalendar {
  year: number
  declarationDeadline: Date
  progressMeetings: ReadonlyArray<{ period: string; reportDueAt: Date }>
  acceptanceDeadline: Date
}

export type ProgrammeCalendarOf = (year: number) => ProgrammeCalendar

/**
 * A declaration submitted on time and returned for revision may be resubmitted until the later
 * of the declaration deadline and the end of the fifteenth day after the return (docs/programme.md):
 * returning it must not make an on-time declaration late.
 */
export const RESUBMISSION_DAYS = 15

/**
 * A deadline is the last instant still on time (23:59:59.999 local); the scheduled transition
 * is due at the first instant after it (00:00:00.000 the next day).
 */
export const firesAfter = (deadline: Date): Date => new Date(deadline.getTime() + 1)

export interface DeadlineCandidate {
  dueAt: Date
  event: { type: string } & Record<string, unknown>
}

/** The instants a deadline of this kind could fall at for the project, earliest first; the machine's guards pick among them. */
export function deadlineCandidates(
  kind: DeadlineKind,
  context: ProjectContext,
  year: number,
  calendarOf: ProgrammeCalendarOf,
): DeadlineCandidate[] {
  switch (kind) {
    case 'declarationDeadline':
      return [{ dueAt: firesAfter(calendarOf(year).declarationDeadline), event: { type: 'DECLARATION_DEADLINE' } }]
    case 'resubmissionDeadline': {
      const returnedAt = context.revisionRequests.at(-1)?.at
      const window = returnedAt ? endOfShanghaiDayAfter(new Date(returnedAt), RESUBMISSION_DAYS) : new Date(0)
      const deadline = calendarOf(year).declarationDeadline
      return [
        {
          dueAt: firesAfter(window > deadline ? window : deadline),
          event: { type: 'RESUBMISSION_DEADLINE', roundClosedAt: firesAfter(deadline).toISOString() },
        },
      ]
    }
    case 'acceptanceDeadline':
      return [
        {
          dueAt: firesAfter(context.extension ? new Date(context.extension.until) : calendarOf(year).acceptanceDeadline),
          event: { type: 'ACCEPTANCE_DEADLINE' },
        },
      ]
    case 'progressReportDue': {
      // Half years from approval on, through the year an extension rolls into (滚动实施). An extension
      // starts the duty afresh: half years that fell due while the project was overdue or rectifying
      // (no report was asked of it then) are not flagged afterwards.
      const approvedAt = context.decision ? Date.parse(context.decision.at) : -Infinity
      const since = Math.max(approvedAt, context.extension ? Date.parse(context.extension.at) : -Infinity)
      const lastYear = context.extension ? new Date(context.extension.until).getUTCFullYear() : year
      const periods = []
      for (let y = year; y <= Math.max(year, lastYear); y++) periods.push(...calendarOf(y).progressMeetings)
      return periods
        .filter((m) => m.reportDueAt.getTime() > since)
        .map((m) => ({ dueAt: firesAfter(m.reportDueAt), event: { type: 'PROGRESS_REPORT_DUE', period: m.period } }))
    }
  }
}
