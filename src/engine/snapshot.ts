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
