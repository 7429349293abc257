import { needsOf, stateMetaOf, type EventFacts, type ProjectContext, type FactName, type ProjectMachineDefinition } from '../../machines/index.js'
import type { Rule } from '../../machines/shared/rules.js'
import type { CalendarOf } from '../calendar/year-calendar.js'
import type { ProjectRow } from '../db/tables/project.js'
import type { PendingTimer } from '../db/tables/timer.js'
import { desiredTimers, timerChanges } from './deadlines.js'
import { transitionedMessage, type PlannedTransition } from './plan.js'
import { stateOf } from './snapshot.js'

/**
 * Planning the move of one project to another version of its machine is pure, as a transition's
 * is: from the project, its pending timers and where the state map puts it, to the rows the move
 * writes (one history row MIGRATE, the timers a fresh plan of the new version gives, a feed
 * message) — or to the reason it cannot move (docs/versions.md).
 */
export interface MigrationTarget {
  migrationId: string
  definition: ProjectMachineDefinition
  fromVersion: number
}

export type MigrationDecision =
  | { outcome: 'moved'; plan: PlannedTransition; timersChanged: boolean }
  | { outcome: 'blocked'; reason: 'unmappedState' | 'contextRefused'; details: Record<string, unknown> }

/** The facts the rules a target state holds need: loaded for the projects that go there. */
export function migrationNeeds(definition: ProjectMachineDefinition, toState: string): FactName[] {
  return needsOf(definition, stateMetaOf(definition, toState)?.holds ?? [])
}

export function planMigration(
  project: ProjectRow,
  pending: readonly PendingTimer[],
  toState: string | null,
  target: MigrationTarget,
  options: { now: Date; actor: string; calendarOf: CalendarOf; facts?: EventFacts | undefined },
): MigrationDecision {
  if (toState === null) return { outcome: 'blocked', reason: 'unmappedState', details: { state: project.state } }
  const { definition } = target
  const { now, actor, calendarOf } = options
  // The context carries over as it is: every version's machine keeps the same record of a project.
  const { context } = project.snapshot as { context: ProjectContext }
  const snapshot = definition.machine.resolveState({ value: toState, context })

  // What a project in the target state satisfies under the new version's rules (its state's `holds`).
  const rules = definition.rules as Record<string, Rule>
  const check = { type: 'MIGRATE', actor, at: now.toISOString(), facts: options.facts ?? {} } as unknown as Parameters<Rule['check']>[0]['event']
  const refused = (stateMetaOf(definition, toState)?.holds ?? []).filter((name) => !rules[name]!.check({ context: snapshot.context, event: check }))
  if (refused.length) {
    return {
      outcome: 'blocked',
      reason: 'contextRefused',
      details: {
        state: project.state,
        to: toState,
        rules: refused.map((name) => ({ rule: name, label: rules[name]!.label, ...(rules[name]!.explain?.({ context: snapshot.context, event: check }) ?? {}) })),
      },
    }
  }

  const timers = timerChanges(desiredTimers(definition, snapshot, project.year, calendarOf), pending)

  const { state, phase } = stateOf(snapshot)
  const after: ProjectRow = {
    ...project,
    machine_version: definition.spec.version,
    state,
    phase,
    status: snapshot.status,
    snapshot: definition.machine.getPersistedSnapshot(snapshot),
    version: project.version + 1,
    updated_at: now,
  }
  const event = { type: 'MIGRATE', migrationId: target.migrationId, fromVersion: target.fromVersion, toVersion: definition.spec.version, fromState: project.state, toState: state }
  return {
    outcome: 'moved',
    timersChanged: timers.length > 0,
    plan: {
      project: after,
      from: project.state,
      to: state,
      event,
      actor,
      at: now,
      timers,
      outbox: [transitionedMessage(after, project.state, 'MIGRATE', state, actor, now, { fromVersion: target.fromVersion, migrationId: target.migrationId })],
      systems: [],
    },
  }
}
