import type { MachineDescription, StateDescription, TransitionDescription } from './describe.js'
import type { ProjectType } from './vocabulary.js'

/**
 * What changed from one version of a machine to another, read from the two descriptions: states
 * and transitions added, removed and changed. An operator reads it before migrating projects
 * (docs/versions.md); the console shows it.
 */
export interface MachineDiff {
  type: ProjectType
  from: number
  to: number
  states: {
    added: StateDescription[]
    removed: StateDescription[]
    changed: Array<{ id: string; before: StateDescription; after: StateDescription; fields: string[] }>
  }
  transitions: {
    added: TransitionDescription[]
    removed: TransitionDescription[]
    changed: Array<{ key: string; before: TransitionDescription; after: TransitionDescription; fields: string[] }>
  }
  events: { added: string[]; removed: string[] }
}

/** A transition is the same one in both versions when it leaves the same state on the same event for the same target. */
const transitionKey = (t: TransitionDescription) => `${t.from} --${t.event}--> ${t.to ?? '(stays)'}`

const differingFields = <T extends object>(before: T, after: T, fields: ReadonlyArray<keyof T>) =>
  fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])).map(String)

export function diffMachines(before: MachineDescription, after: MachineDescription): MachineDiff {
  const stateFields = ['label', 'phase', 'final', 'tags', 'deadlines', 'holds'] as const
  const transitionFields = ['rules', 'timer', 'eventLabel'] as const
  const beforeStates = new Map(before.states.map((s) => [s.id, s]))
  const afterStates = new Map(after.states.map((s) => [s.id, s]))
  const beforeTransitions = new Map(before.transitions.map((t) => [transitionKey(t), t]))
  const afterTransitions = new Map(after.transitions.map((t) => [transitionKey(t), t]))
  const beforeEvents = new Set(before.events.map((e) => e.type))
  const afterEvents = new Set(after.events.map((e) => e.type))
  return {
    type: after.type,
    from: before.version,
    to: after.version,
    states: {
      added: after.states.filter((s) => !beforeStates.has(s.id)),
      removed: before.states.filter((s) => !afterStates.has(s.id)),
      changed: before.states.flatMap((b) => {
        const a = afterStates.get(b.id)
        const fields = a ? differingFields(b, a, stateFields) : []
        return a && fields.length ? [{ id: b.id, before: b, after: a, fields }] : []
      }),
    },
    transitions: {
      added: after.transitions.filter((t) => !beforeTransitions.has(transitionKey(t))),
      removed: before.transitions.filter((t) => !afterTransitions.has(transitionKey(t))),
      changed: before.transitions.flatMap((b) => {
        const key = transitionKey(b)
        const a = afterTransitions.get(key)
        const fields = a ? differingFields(b, a, transitionFields) : []
        return a && fields.length ? [{ key, before: b, after: a, fields }] : []
      }),
    },
    events: {
      added: [...afterEvents].filter((e) => !beforeEvents.has(e)),
      removed: [...beforeEvents].filter((e) => !afterEvents.has(e)),
    },
  }
}
