import { stateMetaOf, type DeadlineKind, type ProjectMachineDefinition } from '../../machines/index.js'
import { firesAfter, type CalendarOf } from '../scheduler/calendar.js'
import type { Snapshot } from './snapshot.js'

/**
 * Which calendar timers a project should have, given where it stands: one per deadline its
 * state is subject to (the `deadlines` in the state's meta), due at the instant the year's
 * calendar (or the project's extension) says — and only where the machine would accept the
 * deadline's event, so the rule about who a deadline hits stays in the machine's guards.
 */
export interface DesiredTimer {
  kind: DeadlineKind
  dueAt: Date
  event: { type: string } & Record<string, unknown>
}

export function deadlinesOf(definition: ProjectMachineDefinition, state: string): readonly DeadlineKind[] {
  return stateMetaOf(definition, state)?.deadlines ?? []
}

function candidates(kind: DeadlineKind, snapshot: Snapshot, year: number, calendarOf: CalendarOf) {
  const context = snapshot.context
  switch (kind) {
    case 'declarationDeadline':
      return [{ dueAt: firesAfter(calendarOf(year).declarationDeadline), event: { type: 'DECLARATION_DEADLINE' } }]
    case 'acceptanceDeadline':
      return [
        {
          dueAt: firesAfter(context.extension ? new Date(context.extension.until) : calendarOf(year).acceptanceDeadline),
          event: { type: 'ACCEPTANCE_DEADLINE' },
        },
      ]
    case 'progressReportDue': {
      // Half years from approval on, through the year an extension rolls into (滚动实施).
      const approvedAt = context.decision ? Date.parse(context.decision.at) : -Infinity
      const lastYear = context.extension ? new Date(context.extension.until).getUTCFullYear() : year
      const periods = []
      for (let y = year; y <= Math.max(year, lastYear); y++) periods.push(...calendarOf(y).progressMeetings)
      return periods
        .filter((m) => m.reportDueAt.getTime() > approvedAt)
        .map((m) => ({ dueAt: firesAfter(m.reportDueAt), event: { type: 'PROGRESS_REPORT_DUE', period: m.period } }))
    }
  }
}

export function desiredTimers(
  definition: ProjectMachineDefinition,
  snapshot: Snapshot,
  year: number,
  calendarOf: CalendarOf,
): DesiredTimer[] {
  const desired: DesiredTimer[] = []
  for (const kind of deadlinesOf(definition, String(snapshot.value))) {
    const first = candidates(kind, snapshot, year, calendarOf).find((c) =>
      snapshot.can(Object.assign({}, c.event, { actor: 'scheduler', at: c.dueAt.toISOString() }) as never),
    )
    if (first) desired.push({ kind, ...first })
  }
  return desired
}
