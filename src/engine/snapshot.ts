import { createActor, type AnyActorScope, type AnyStateMachine } from 'xstate'
import type { Phase, ProjectContext, ProjectMachineDefinition, StateMeta } from '../../machines/index.js'
import { definitionAt } from '../../machines/index.js'
import type { ProjectRow } from '../db/tables/project.js'

/** Persisted snapshots in and out of XState, and the definition a project runs on (I6). */
export type Snapshot = ReturnType<ProjectMachineDefinition['machine']['resolveState']>

export function definitionOf(project: Pick<ProjectRow, 'type' | 'machine_version'>): ProjectMachineDefinition {
  const definition = definitionAt(project.type, project.machine_version)
  if (!definition) throw new Error(`no ${project.type} machine at version ${project.machine_version}`)
  return definition
}

export function restoreSnapshot(definition: ProjectMachineDefinition, project: Pick<ProjectRow, 'snapshot'>): Snapshot {
  const persisted = project.snapshot as { value: string; context: ProjectContext }
  return definition.machine.resolveState({ value: persisted.value, context: persisted.context })
}

export function stateOf(snapshot: Snapshot): { state: string; phase: Phase } {
  const state = String(snapshot.value)
  const meta = snapshot.getMeta() as Record<string, StateMeta | undefined>
  const own = meta[`${snapshot.machine.id}.${state}`]
  if (!own) throw new Error(`state ${state} has no meta`)
  return { state, phase: own.phase }
}

type Machine = ProjectMachineDefinition['machine']
type MachineEvent = Parameters<Machine['transition']>[1]
type ExecutableAction = Parameters<AnyActorScope['actionExecutor']>[0]

/**
 * XState's pure `transition()` builds a throwaway actor on every call, which is most of its
 * cost. This does the same work — the machine's own `transition` with an inert scope whose
 * actions are collected, never executed — with one scope per machine, made once.
 */
const inertScopes = new WeakMap<Machine, { scope: AnyActorScope; collected: ExecutableAction[] }>()

export function pureTransition(machine: Machine, snapshot: Snapshot, event: MachineEvent): [Snapshot, ExecutableAction[]] {
  let inert = inertScopes.get(machine)
  if (!inert) {
    // Never started: it only lends the scope a `self` and a system.
    const self = createActor(machine as unknown as AnyStateMachine)
    const collected: ExecutableAction[] = []
    const scope: AnyActorScope = {
      self,
      id: '',
      sessionId: '',
      system: self.system,
      logger: () => {},
      defer: () => {},
      emit: () => {},
      stopChild: () => {},
      actionExecutor: (action) => void collected.push(action),
    }
    inertScopes.set(machine, (inert = { scope, collected }))
  }
  inert.collected.length = 0
  const next = machine.transition(snapshot, event, inert.scope)
  return [next, inert.collected.splice(0)]
}
