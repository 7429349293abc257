import type { ProjectMachineDefinition } from './lifecycle.js'

/**
 * Where a migration puts each state of the old version in the new one (docs/versions.md). By
 * default a state goes to the state of the same name, if the new version has it, and otherwise
 * nowhere (its projects stay where they are, reported as unmapped); an operator's map overrides
 * that, state by state, and null keeps a state's projects on the old version.
 */
export type StateMap = Record<string, string | null>

export interface StateMapProblem {
  state: string
  to: string | null
  problem: 'unknownSourceState' | 'unknownTargetState' | 'finalityChanged' | 'cannotLeave'
  message: string
}

interface StateNodeLike {
  type: string
  transitions: Map<string, Array<{ target?: Array<{ key: string }> }>>
}

const nodesOf = (definition: ProjectMachineDefinition) => definition.machine.root.states as unknown as Record<string, StateNodeLike>

export function resolveStateMap(
  from: ProjectMachineDefinition,
  to: ProjectMachineDefinition,
  explicit: StateMap = {},
): { map: StateMap; problems: StateMapProblem[] } {
  const source = nodesOf(from)
  const target = nodesOf(to)
  const problems: StateMapProblem[] = []
  for (const state of Object.keys(explicit)) {
    if (!Object.hasOwn(source, state)) {
      problems.push({ state, to: explicit[state] ?? null, problem: 'unknownSourceState', message: `v${from.spec.version} has no state ${state}` })
    }
  }
  const map: StateMap = {}
  for (const [state, node] of Object.entries(source)) {
    const mapped = Object.hasOwn(explicit, state) ? explicit[state]! : Object.hasOwn(target, state) ? state : null
    map[state] = mapped
    if (mapped === null) continue
    const into = Object.hasOwn(target, mapped) ? target[mapped] : undefined
    if (!into) {
      problems.push({ state, to: mapped, problem: 'unknownTargetState', message: `v${to.spec.version} has no state ${mapped}` })
    } else if ((node.type === 'final') !== (into.type === 'final')) {
      // A migration changes the definition a project runs on, never whether it has ended: that takes an event.
      problems.push({
        state,
        to: mapped,
        problem: 'finalityChanged',
        message: node.type === 'final' ? `${state} has ended; ${mapped} would reopen it` : `${mapped} is final; ${state} would end without an event`,
      })
    } else if (into.type !== 'final' && !leaves(mapped, into)) {
      problems.push({ state, to: mapped, problem: 'cannotLeave', message: `no event of v${to.spec.version} leaves ${mapped}: its projects would be stuck` })
    }
  }
  return { map, problems }
}

/** Whether some transition of a state goes to another state. */
function leaves(id: string, node: StateNodeLike): boolean {
  return [...node.transitions.values()].flat().some((t) => (t.target ?? []).some((s) => s.key !== id))
}
