import { deadlineCandidates, stateMetaOf, type DeadlineKind, type ProjectMachineDefinition } from '../../machines/index.js'
import type { CalendarOf } from '../calendar/year-calendar.js'
import type { Snapshot } from './snapshot.js'
import type { PendingTimer } from '../db/tables/timer.js'
import type { TimerOp } from './effects.js'

/**
 * Which calendar timers a project should have, given where it stands: one per deadline its
 * state is subject to (the `deadlines` in the state's meta), due at the instant the machine's
 * deadline rule gives for the year's calendar — and only where the machine would accept the
 * deadline's event, so the rule about who a deadline hits stays in the machine's guards.
 * The one planner of calendar timers: after a transition, and after a calendar change (replan.ts).
 */
export interface DesiredTimer {
  kind: DeadlineKind
  dueAt: Date
  event: { type: string } & Record<string, unknown>
}

export function deadlinesOf(definition: ProjectMachineDefinition, state: string): readonly DeadlineKind[] {
  return stateMetaOf(definition, state)?.deadlines ?? []
}

export function desiredTimers(
  definition: ProjectMachineDefinition,
  snapshot: Snapshot,
  year: number,
  calendarOf: CalendarOf,
): DesiredTimer[] {
  const desired: DesiredTimer[] = []
  for (const kind of deadlinesOf(definition, String(snapshot.value))) {
    const first = deadlineCandidates(kind, snapshot.context, year, calendarOf).find((c) =>
      snapshot.can(Object.assign({}, c.event, { actor: 'scheduler', at: c.dueAt.toISOString() }) as never),
    )
    if (first) desired.push({ kind, ...first })
  }
  return desired
}

/**
 * What turns a project's stored timers into the desired ones: a set for each desired timer that is
 * missing or differs, a delete for each stored one no longer desired. After a calendar change
 * (replan.ts) and when a project moves to another machine version (migration-plan.ts).
 */
export function timerChanges(desired: readonly DesiredTimer[], pending: readonly PendingTimer[]): TimerOp[] {
  const ops: TimerOp[] = []
  for (const d of desired) {
    const stored = pending.find((t) => t.key === d.kind)
    const same = stored !== undefined && stored.kind === d.kind && stored.due_at.getTime() === d.dueAt.getTime() && JSON.stringify(stored.event) === JSON.stringify(d.event)
    if (!same) ops.push({ op: 'set', key: d.kind, kind: d.kind, event: d.event, dueAt: d.dueAt })
  }
  for (const t of pending) if (!desired.some((d) => d.kind === t.key)) ops.push({ op: 'delete', key: t.key })
  return ops
}
