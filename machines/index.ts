import { foundation } from './foundation/machine.js'
import { innovation } from './innovation/machine.js'
import { promotion } from './promotion/machine.js'
import type { ProjectMachineDefinition } from './shared/lifecycle.js'
import type { ProjectType } from './shared/vocabulary.js'

/**
 * The registry of machine definitions by type and version (I6). A changed machine is added
 * under a new version; instances keep the version they started on.
 */
export const machineRegistry: Record<ProjectType, { current: number; versions: Record<number, ProjectMachineDefinition> }> = {
  foundation: { current: foundation.spec.version, versions: { [foundation.spec.version]: foundation } },
  innovation: { current: innovation.spec.version, versions: { [innovation.spec.version]: innovation } },
  promotion: { current: promotion.spec.version, versions: { [promotion.spec.version]: promotion } },
}

export function currentDefinition(type: ProjectType): ProjectMachineDefinition {
  const entry = machineRegistry[type]
  return entry.versions[entry.current]!
}

export function definitionAt(type: ProjectType, version: number): ProjectMachineDefinition | undefined {
  return machineRegistry[type].versions[version]
}

export * from './shared/vocabulary.js'
export type { ProjectMachineDefinition } from './shared/lifecycle.js'
export type { ProjectContext, ProjectPolicy } from './shared/context.js'
export type { ProjectEvent, EventType } from './shared/events.js'
export type { EventFacts } from './shared/facts.js'
export { defaultGrading, gradeIndicators } from './shared/grading.js'
export { describeMachine, acceptedEvents, guardNames, stateMetaOf, toMermaid } from './shared/describe.js'
export type { MachineDescription, StateDescription, TransitionDescription } from './shared/describe.js'
